"""List-view exports of customer data that no spreadsheet executes (CSV/formula injection).

Odoo's ``/web/export/csv`` prefixes a quote to text cells starting with ``=``, ``+`` or ``-``
only (so ``@SUM(…)``, a TAB or a CR pass, and a phone ``+86 138 0013 8000`` is changed), and
``/web/export/xlsx`` hands text to xlsxwriter's ``write``, which writes ``=…`` as a live formula.
For exports of governed models (contacts and this addon's models, :func:`is_governed`):

* **CSV**: every text cell goes through :func:`spreadsheet.neutralise`, the one neutraliser of
  the addon (also used by the sync runs' rejected rows): a quote before ``= + - @`` TAB and CR,
  but a phone number or a plain negative number is kept as it is. Numbers, dates and booleans
  are written as Odoo writes them.
* **XLSX**: every text cell is written as a string cell (``write_string``), never as a formula or
  a link, and unchanged: a string cell shows its text as it is, so no quote is needed (one would
  be shown). Numbers and dates keep Odoo's formats.

Exports of any other model are Odoo's own, byte for byte.
"""

import contextlib
import csv
import io
import json
from contextvars import ContextVar

from odoo.addons.web.controllers.export import (
    CSVExport,
    ExcelExport,
    ExportXlsxWriter,
    GroupExportXlsxWriter,
)
from odoo.http import request

from ..models.customer_governed_mixin import is_governed  # noqa: TID252 (pylint-odoo wants relative imports)
from ..tools.spreadsheet import neutralise  # noqa: TID252

_GOVERNED_EXPORT = ContextVar("customer_info_governed_export", default=False)
"""Whether the export being answered (in this thread) is one of customer data."""


@contextlib.contextmanager
def _export_of(data):
    """Marks the export of ``data`` (the web client's JSON) as governed or not while it runs;
    :meth:`ExportFormat.base` parses ``data`` again and reports any error in it."""
    try:
        model = json.loads(data).get("model")
    except (TypeError, ValueError, AttributeError):
        model = None
    governed = isinstance(model, str) and model in request.env and is_governed(request.env[model])
    token = _GOVERNED_EXPORT.set(governed)
    try:
        yield
    finally:
        _GOVERNED_EXPORT.reset(token)


class CustomerCsvExport(CSVExport):
    def base(self, data):
        with _export_of(data):
            return super().base(data)

    def from_data(self, fields, columns_headers, rows):
        if not _GOVERNED_EXPORT.get():
            return super().from_data(fields, columns_headers, rows)
        # Odoo's writer, with neutralise() in place of its own quote for = + - (which would
        # quote the phone numbers neutralise() keeps)
        fp = io.StringIO()
        writer = csv.writer(fp, quoting=csv.QUOTE_ALL)
        writer.writerow([neutralise(header) for header in columns_headers])
        for data in rows:
            row = []
            for value in data:
                if value is None or value is False:
                    value = ""
                elif isinstance(value, bytes):
                    value = value.decode()
                row.append(neutralise(value) if isinstance(value, str) else value)
            writer.writerow(row)
        return fp.getvalue()


class _TextCells:
    """Writes text as string cells: never a formula (``=…``), an array formula or a link."""

    def write(self, row, column, cell_value, style=None):
        if isinstance(cell_value, str):
            return self.worksheet.write_string(row, column, cell_value, style)
        return super().write(row, column, cell_value, style)


class _TextXlsxWriter(_TextCells, ExportXlsxWriter):
    pass


class _TextGroupXlsxWriter(_TextCells, GroupExportXlsxWriter):
    pass


class CustomerExcelExport(ExcelExport):
    def base(self, data):
        with _export_of(data):
            return super().base(data)

    # the two methods below are Odoo's, with the text-cell writers

    def from_group_data(self, fields, columns_headers, groups):
        if not _GOVERNED_EXPORT.get():
            return super().from_group_data(fields, columns_headers, groups)
        with _TextGroupXlsxWriter(fields, columns_headers, groups.count) as xlsx_writer:
            x, y = 1, 0
            for group_name, group in groups.children.items():
                x, y = xlsx_writer.write_group(x, y, group_name, group)
        return xlsx_writer.value

    def from_data(self, fields, columns_headers, rows):
        if not _GOVERNED_EXPORT.get():
            return super().from_data(fields, columns_headers, rows)
        with _TextXlsxWriter(fields, columns_headers, len(rows)) as xlsx_writer:
            for row_index, row in enumerate(rows):
                for cell_index, cell_value in enumerate(row):
                    xlsx_writer.write_cell(row_index + 1, cell_index, cell_value)
        return xlsx_writer.value
