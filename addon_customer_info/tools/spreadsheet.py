"""Cells that no spreadsheet executes (CSV/formula injection), for downloads of rejected rows.

Pure code (no Odoo, no I/O). A cell starting with ``=``, ``+``, ``-``, ``@``, a TAB or a CR is
read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``, ``@SUM(…)``,
``+cmd|' /C calc'!A0``). :func:`neutralise` prefixes such a cell with a single quote, the
OWASP-recommended escape, so it is shown as the text it is.

One exception, deliberately: a **phone number** — a ``+`` followed by 6 to 15 digits that may be
grouped by single spaces, dashes, dots or one pair of parentheses, and nothing else
(``+86 138 0013 8000``, ``+1 (555) 123-4567``) — is data, not a formula: with no letter, no
operator but the grouping dashes, no ``!``, ``|``, ``:`` or ``(`` of a function call, it
cannot call a function, reach a cell or start a program, so it is kept as it is and stays
readable. So is a **plain negative number** (``-42``, ``-3.5``: a minus, digits, at most one
decimal point), which every spreadsheet reads as the number it is. A landline such as
``010-6552-1234`` starts with a digit and is never touched; dashes inside a value are never a
trigger. In XLSX every cell is written as a string
(xlsxwriter's ``write_string``), so the phone is text there too and no formula is ever written.

>>> neutralise("=HYPERLINK(\\"http://x\\",\\"y\\")")
'\\'=HYPERLINK("http://x","y")'
>>> neutralise("+86 138 0013 8000")
'+86 138 0013 8000'
>>> neutralise("010-6552-1234")
'010-6552-1234'
>>> neutralise("-2+3")
"'-2+3"
>>> neutralise("-12.50")
'-12.50'
>>> neutralise("-12\\n=1+1"), neutralise("+86 138 0013 8000\\n")
("'-12\\n=1+1", "'+86 138 0013 8000\\n")
>>> neutralise("@SUM(A1:A9)")
"'@SUM(A1:A9)"
>>> neutralise("\\t=1+1")
"'\\t=1+1"
>>> neutralise("+86 138 0013 8000|cmd")
"'+86 138 0013 8000|cmd"
>>> neutralise(None)
''
>>> neutralise(42)
'42'
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

_PHONE = re.compile(r"^\+\d{1,4}(?:[ .-]?\(\d{1,5}\))?(?:[ .-]?\d{1,6}){1,6}\Z")
_DIGITS = re.compile(r"\d")
_NEGATIVE_NUMBER = re.compile(r"^-\d+(?:\.\d+)?\Z")


def is_phone(value: str) -> bool:
    """Whether ``value`` is an international phone number and nothing else.

    >>> is_phone("+86 138 0013 8000"), is_phone("+8613800138000"), is_phone("+49 (40) 1234-5678")
    (True, True, True)
    >>> is_phone("+1"), is_phone("+1+1"), is_phone("+SUM(1)"), is_phone("+86 138  0013")
    (False, False, False, False)
    """
    if not _PHONE.match(value):
        return False
    return 6 <= len(_DIGITS.findall(value)) <= 15


def neutralise(value: object) -> str:
    """``value`` as text that a spreadsheet shows and never executes (see the module)."""
    if value is None or value is False:
        return ""
    text = str(value)
    if text.startswith(TRIGGERS) and not is_phone(text) and not _NEGATIVE_NUMBER.match(text):
        return "'" + text
    return text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file of neutralised cells, UTF-8 with a BOM (so Excel reads Chinese), CRLF lines.

    >>> csv_bytes(["a", "b"], [["=1+1", "+86 138 0013 8000"]])
    b"\\xef\\xbb\\xbfa,b\\r\\n'=1+1,+86 138 0013 8000\\r\\n"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[object]], sheet: str = "Rejects") -> bytes:
    """An XLSX file whose every cell is a string cell (``write_string``): nothing is a formula.

    Cells are neutralised as for CSV as well, so that a copy-paste of a cell into another sheet
    or a save as CSV does not turn it into a formula either. Imports xlsxwriter when called only,
    so that the module stays importable without it.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for column, cell in enumerate(header):
        worksheet.write_string(0, column, neutralise(cell), bold)
    for row_index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            worksheet.write_string(row_index, column, neutralise(cell))
    workbook.close()
    return buffer.getvalue()
