import base64
import codecs
import csv
import io
import zipfile

import openpyxl
from charset_normalizer import from_bytes
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import column_mapping  # noqa: TID252 (pylint-odoo wants relative imports)

SAMPLE_BYTES = 256 * 1024
"""Bytes of a CSV read to detect its encoding, delimiter and header row."""
SCAN_ROWS = 20
"""Rows searched for the header (title or junk rows above it are skipped)."""
PREVIEW_ROWS = 10
DELIMITERS = ",;\t|"
GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "cp936", "hz", "big5"})
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class CustomerSyncUpload(models.TransientModel):
    """Upload a purchased list (CSV or XLSX) to a source and start a run.

    The wizard detects the encoding (strictly: a GBK list is read as GB18030 or refused, never
    guessed into mojibake), the delimiter and the header row (the row among the first 20 whose
    cells map to the most fields, so a title above the header is skipped), proposes the mapping
    (the source's saved one, then the Chinese and English synonyms of
    ``tools/column_mapping.py``), previews the first rows, saves the edited mapping back to the
    source and queues a run with the file attached to it. The worker claims the run.
    """

    _name = "customer.sync.upload"
    _description = "Upload a File to a Sync Source"

    source_id = fields.Many2one(
        "customer.sync.source", required=True, domain=[("type", "=", "purchased_list")], ondelete="cascade"
    )
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()
    file_type = fields.Selection([("csv", "CSV"), ("xlsx", "XLSX")], readonly=True)
    encoding = fields.Char(help="Detected encoding of the CSV file; change it if the preview is wrong.")
    delimiter = fields.Char(help="Detected column separator of the CSV file.", size=1)
    header_row = fields.Integer(help="Row of the column headers (1: the first row).", default=1)
    detected = fields.Char(readonly=True)
    line_ids = fields.One2many("customer.sync.upload.line", "wizard_id", string="Columns")
    unmapped = fields.Char(string="Not Imported", compute="_compute_preview")
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    dry_run = fields.Boolean(help="The worker reports what it would do and writes nothing to the contacts.")
    state = fields.Selection([("upload", "Upload"), ("preview", "Preview")], default="upload", required=True)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("file", "encoding", "delimiter", "header_row", "line_ids.field", "state")
    @api.depends_context("lang")
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = False
            wizard.unmapped = False
            if wizard.state != "preview" or not wizard.file:
                continue
            try:
                header, rows = wizard._read_table(limit=wizard.header_row + PREVIEW_ROWS)
            except UserError as error:
                wizard.preview = Markup('<p class="text-danger">%s</p>') % error.args[0]
                continue
            fields_by_header = {line.header: line.field for line in wizard.line_ids if line.field}
            columns = [(index, name) for index, name in enumerate(header) if fields_by_header.get(name)]
            # the field names in the reader's language, as the mapping lines above show them
            Line = self.env["customer.sync.upload.line"]
            labels = dict(Line._fields["field"]._description_selection(self.env))
            head = Markup("").join(
                Markup("<th>%s<br/><small class='text-muted'>%s</small></th>")
                % (labels[fields_by_header[name]], name)
                for _index, name in columns
            )
            body = Markup("").join(
                Markup("<tr>%s</tr>")
                % Markup("").join(
                    Markup("<td>%s</td>") % (row[index] if index < len(row) else "")
                    for index, _name in columns
                )
                for row in rows[wizard.header_row : wizard.header_row + PREVIEW_ROWS]
            )
            wizard.preview = Markup(
                '<table class="table table-sm table-bordered"><thead><tr>%s</tr></thead>'
                "<tbody>%s</tbody></table>"
            ) % (head, body)
            wizard.unmapped = ", ".join(name for name in header if name and not fields_by_header.get(name))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_analyse(self):
        """Detect the file's format and header, propose the mapping, show the preview."""
        self.ensure_one()
        raw = self._raw()
        self.file_type = "xlsx" if self._is_xlsx(raw) else "csv"
        if self.file_type == "csv":
            self.encoding = self._detect_encoding(raw)
            self.delimiter = self._detect_delimiter(self._decode_sample(raw, self.encoding))
        else:
            self.encoding = self.delimiter = False
        _header, rows = self._read_table(limit=SCAN_ROWS, header_row=1)
        saved = dict(self.source_id.mapping or {})
        self.header_row = column_mapping.find_header_row(rows, saved, limit=SCAN_ROWS) + 1
        self._propose_lines()
        self.detected = self._detected_note()
        self.state = "preview"
        return self._reopen()

    def action_refresh(self):
        """Read the header again after the encoding, delimiter or header row was changed."""
        self.ensure_one()
        self._propose_lines()
        self.detected = self._detected_note()
        return self._reopen()

    def action_start(self):
        """Save the mapping to the source, queue a run with the file attached, and open it."""
        self.ensure_one()
        if self.state != "preview":
            self.action_analyse()
        header, _rows = self._read_table(limit=self.header_row)
        mapping = {line.header: line.field for line in self.line_ids if line.field and line.header in header}
        if not mapping:
            raise UserError(self.env._("Map at least one column to a field before starting the import."))
        self.source_id._save_mapping(mapping)
        hints = {"file_header_row": self.header_row}
        if self.file_type == "csv":
            hints.update(file_encoding=self.encoding, file_delimiter=self.delimiter)
        Run = self.env["customer.sync.run"]
        run = Run._create_queued(self.source_id, trigger="button", dry_run=self.dry_run, hints=hints)
        run._attach_file(self.file_name or "upload", self._raw())
        return run._action_open()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Upload a File"),
            # the source stays fixed once the file is read (the form's readonly condition)
            "context": {"default_source_id": self.source_id.id},
        }

    # ------------------------------------------------------------
    # TOOLS: detection and reading (preview only: the worker reads the whole file)
    # ------------------------------------------------------------

    def _raw(self):
        # the web client reads forms with ``bin_size``: the file's content, not its size
        content = self.with_context(bin_size=False, bin_size_file=False).file
        if not content:
            raise UserError(self.env._("Choose a CSV or XLSX file."))
        return base64.b64decode(content)

    @api.model
    def _is_xlsx(self, raw):
        return raw[:4] == b"PK\x03\x04"

    @api.model
    def _decode_sample(self, raw, encoding, strict=True):
        """The text of the first bytes of ``raw``; an incomplete last character is left out."""
        decoder = codecs.getincrementaldecoder(encoding)("strict" if strict else "replace")
        return decoder.decode(raw[:SAMPLE_BYTES], final=len(raw) <= SAMPLE_BYTES)

    @api.model
    def _detect_encoding(self, raw):
        """``utf-8-sig``/``utf-16`` by their BOM, ``utf-8`` when it decodes strictly, else the
        charset-normalizer guess (GB2312/GBK/GB18030 as ``gb18030``), checked by a strict decode."""
        for bom, encoding in BOMS:
            if raw.startswith(bom):
                try:
                    self._decode_sample(raw, encoding)
                except UnicodeDecodeError as error:
                    raise UserError(
                        self.env._(
                            "The file starts like %(encoding)s but is not valid %(encoding)s: %(error)s",
                            encoding=encoding,
                            error=error,
                        )
                    ) from error
                return encoding
        candidates = ["utf-8"]
        best = from_bytes(raw[:SAMPLE_BYTES]).best()
        if best is not None:
            guess = codecs.lookup(best.encoding).name
            candidates.append("gb18030" if guess in GB_FAMILY or guess.startswith("gb") else guess)
        candidates.append("gb18030")
        for encoding in candidates:
            try:
                self._decode_sample(raw, encoding)
            except (UnicodeDecodeError, LookupError):
                continue
            return encoding
        raise UserError(
            self.env._(
                "The file is neither UTF-8 nor GB18030/GBK, and its encoding could not be recognised. "
                "Save it as UTF-8 CSV or as XLSX and upload it again."
            )
        )

    @api.model
    def _detect_delimiter(self, text):
        lines = [line for line in text.splitlines()[: SCAN_ROWS * 2] if line.strip()]
        sample = "\n".join(lines)
        try:
            return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            # title rows above the header confuse the sniffer: the separator found most in the lines
            counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in DELIMITERS}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","

    def _read_table(self, limit, header_row=None):
        """``(header, rows)``: the header row's cells and the first ``limit`` rows, as text."""
        self.ensure_one()
        raw = self._raw()
        header_row = header_row or self.header_row or 1
        if self._is_xlsx(raw):
            rows = self._read_xlsx_rows(raw, limit)
        else:
            try:
                text = self._decode_sample(raw, self.encoding or "utf-8")
            except (UnicodeDecodeError, LookupError) as error:
                raise UserError(
                    self.env._(
                        "The file cannot be read as %(encoding)s: %(error)s",
                        encoding=self.encoding,
                        error=error,
                    )
                ) from error
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter or ",")
            rows = []
            try:
                for row in reader:
                    rows.append([cell.strip() for cell in row])
                    if len(rows) >= limit:
                        break
            except csv.Error as error:
                raise UserError(
                    self.env._("The file is not a valid CSV file: %(error)s", error=error)
                ) from error
        header = rows[header_row - 1] if 0 < header_row <= len(rows) else []
        return header, rows

    @api.model
    def _read_xlsx_rows(self, raw, limit):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UserError(
                self.env._("The file is not a valid XLSX workbook: %(error)s", error=error)
            ) from error
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for values in sheet.iter_rows(max_row=limit, values_only=True):
                rows.append([self._cell_text(value) for value in values])
            return rows
        finally:
            workbook.close()

    @api.model
    def _cell_text(self, value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def _propose_lines(self):
        header, rows = self._read_table(limit=self.header_row + 1)
        mapping, _unmapped = column_mapping.propose(header, dict(self.source_id.mapping or {}))
        first = rows[self.header_row] if len(rows) > self.header_row else []
        commands = [fields.Command.clear()]
        seen = set()
        for index, name in enumerate(header):
            if not name or name in seen:
                continue
            seen.add(name)
            commands.append(
                fields.Command.create(
                    {
                        "sequence": index,
                        "header": name,
                        "field": mapping.get(name, False),
                        "sample": (first[index] if index < len(first) else "")[:100],
                    }
                )
            )
        self.line_ids = commands

    def _detected_note(self):
        if self.file_type == "xlsx":
            return self.env._("XLSX workbook, first sheet; header in row %(row)s.", row=self.header_row)
        return self.env._(
            "CSV, encoding %(encoding)s, separated by %(delimiter)s; header in row %(row)s.",
            encoding=self.encoding,
            delimiter=self._delimiter_label(),
            row=self.header_row,
        )

    def _delimiter_label(self):
        labels = {
            ",": self.env._("comma"),
            ";": self.env._("semicolon"),
            "\t": self.env._("tab"),
            "|": self.env._("vertical bar"),
        }
        return labels.get(self.delimiter, repr(self.delimiter))
