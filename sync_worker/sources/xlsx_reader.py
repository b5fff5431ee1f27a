"""XLSX: a zip-bomb guard before parsing, openpyxl in read-only mode over defusedxml, and
typed cells rendered as the text a person sees.

The archive is checked before any XML is parsed: every member's declared size, their sum and
each large member's compression ratio against :class:`Limits`. Then openpyxl reads it through
an archive whose members are counted while they are decompressed, so an archive that lies
about its sizes is stopped as soon as it passes the limit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Generator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sync_worker.errors import FileRejected
from sync_worker.sources.files import FileHints, Limits, RawRecord

RATIO_FLOOR = 1 * 2**20  # members smaller than this are not checked for their ratio
MAX_MEMBERS = 10_000
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _limit_text(limits: Limits) -> str:
    return f"{limits.max_xlsx_uncompressed:,} bytes (max_xlsx_uncompressed)"


def check_archive(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse an archive whose declared sizes pass the limits, before anything is parsed."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRejected(
            "file.xlsx_invalid",
            f"The workbook has {len(members):,} parts, more than {MAX_MEMBERS:,}; it is not a "
            "plain spreadsheet. Save it again as .xlsx or CSV.",
        )
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRejected(
                "file.xlsx_invalid",
                "The workbook is encrypted. Save it without a password and upload it again.",
            )
        total += member.file_size
        if (
            member.filename.endswith("sharedStrings.xml")
            and member.file_size > limits.max_xlsx_shared_strings
        ):
            raise FileRejected(
                "file.xlsx_too_large",
                f"The workbook's shared text table has {member.file_size:,} bytes, more than the limit "
                f"of {limits.max_xlsx_shared_strings:,} bytes (max_xlsx_shared_strings), which is held "
                "in memory while reading. Save the sheet as CSV and upload that.",
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > limits.max_xlsx_ratio:
            raise FileRejected(
                "file.xlsx_ratio",
                f"The workbook part {member.filename} expands {ratio:,.0f} times (from "
                f"{member.compress_size:,} to {member.file_size:,} bytes), more than the limit of "
                f"{limits.max_xlsx_ratio} times (max_xlsx_ratio): it looks like a zip bomb. "
                "Save the sheet as CSV and upload that.",
            )
        if total > limits.max_xlsx_uncompressed:
            raise FileRejected(
                "file.xlsx_too_large",
                f"The workbook declares more than {_limit_text(limits)} of content once "
                "uncompressed. Save the sheet as CSV, or split it.",
            )


class _CountedMember(io.RawIOBase):
    """One archive member, counted as it is decompressed."""

    def __init__(self, inner: IO[bytes], name: str, declared: int, archive: GuardedZipFile):
        self.inner = inner
        self.name = name
        self.declared = declared
        self.archive = archive
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        self.read_bytes += n
        self.archive.count(n, self)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


class GuardedZipFile(zipfile.ZipFile):
    """A ZipFile whose members are counted while read: more bytes than a member declares, or
    more than the limit in all, refuses the file."""

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        self.limits = limits
        self.total_read = 0

    def open(self, name: Any, mode: Any = "r", pwd: Any = None, **kwargs: Any) -> Any:
        inner = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return inner
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return _CountedMember(inner, info.filename, info.file_size, self)

    def count(self, n: int, member: _CountedMember) -> None:
        self.total_read += n
        if member.read_bytes > member.declared:
            raise FileRejected(
                "file.xlsx_invalid",
                f"The workbook part {member.name} holds more than the {member.declared:,} bytes it "
                "declares: the archive is damaged or forged. Save the sheet again as .xlsx or CSV.",
            )
        if self.total_read > self.limits.max_xlsx_uncompressed:
            raise FileRejected(
                "file.xlsx_too_large",
                f"The workbook holds more than {_limit_text(self.limits)} once uncompressed. Save "
                "the sheet as CSV, or split it.",
            )


def _require_defusedxml() -> None:
    import openpyxl
    from openpyxl.xml import functions

    if openpyxl.DEFUSEDXML is not True or not functions.iterparse.__module__.startswith("defusedxml"):
        raise FileRejected(
            "file.xlsx_unsafe_parser",
            "XLSX files are not read because openpyxl would parse them without defusedxml "
            "(install defusedxml and do not set OPENPYXL_DEFUSEDXML=False). Upload the list as CSV "
            "meanwhile.",
        )


def decode_escapes(text: str) -> str:
    """OOXML ``_xHHHH_`` escapes (``_x000D_`` is a carriage return); ``_x005F_`` escapes the
    underscore of a literal ``_xHHHH_``."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def render(value: object) -> str:
    """A typed cell as the text a person reads in the sheet."""
    if value is None:
        return ""
    if isinstance(value, str):
        return decode_escapes(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))  # 13800138000.0 and 1.38001380E10 are the digits a person typed
        text = format(value, ".15g")  # Excel shows at most 15 significant digits
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


class XlsxSource:
    """An XLSX workbook: the archive is checked at construction; each call to :meth:`records`
    opens it again, guarded, and reads the chosen sheet row by row."""

    def __init__(self, path: Path, hints: FileHints, limits: Limits):
        self.path = path
        self.limits = limits
        self.wanted_sheet = hints.sheet
        _require_defusedxml()
        try:
            with zipfile.ZipFile(path) as zf:
                check_archive(zf, limits)
                names = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise FileRejected(
                "file.xlsx_invalid", f"The file looks like a zip archive but cannot be read ({exc})."
            ) from exc
        if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
            raise FileRejected(
                "file.format_unsupported",
                "The file is a zip archive but not an Excel workbook (.xlsx). Upload a CSV or XLSX file.",
            )
        self.notes: list[str] = []
        self.sheet: str | None = None
        self.positional = True

    def _workbook(self) -> _OpenWorkbook:
        return _OpenWorkbook(self.path, self.limits, self.wanted_sheet)

    def records(self) -> Generator[RawRecord, None, None]:
        with self._workbook() as (wb, title):
            self.sheet = title
            self.notes = [f"Sheet '{title}' of {len(wb.sheetnames)} ({', '.join(wb.sheetnames)})."]
            ws = wb[title]
            ws.reset_dimensions()  # the declared dimension may be wrong: read what is there
            rows: Iterator[tuple[Any, ...]] = ws.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except FileRejected:
                    raise
                except Exception as exc:  # damaged or hostile sheet XML, a bad CRC
                    raise FileRejected(
                        "file.xlsx_invalid",
                        f"Sheet '{title}' cannot be read after row {number} ({type(exc).__name__}: "
                        f"{exc}). Open the workbook in a spreadsheet program, save it again as .xlsx "
                        "or CSV, and upload that.",
                    ) from exc
                number += 1
                yield RawRecord(number, [render(v) for v in row])


def _reader_class() -> Any:
    """openpyxl's ExcelReader (read-only), except that shared strings keep their ``_xHHHH_``
    escapes for :func:`decode_escapes` (openpyxl drops ``x005F_`` from them, which decodes a
    literal ``_x005F_x0041_`` half-way) and that worksheets are opened without a size scan."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = f"{{{SHEET_MAIN_NS}}}si"

    class Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Not read: the reader ignores the declared dimension, and without one near the
            top of the sheet openpyxl would parse the whole sheet once more to find it."""

    class Reader(ExcelReader):  # type: ignore[misc]
        def read_worksheets(self) -> None:
            """Worksheets only, lazily (no chart sheets, drawings, comments or pivots)."""
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    ws.sheet_state = sheet.state
                    self.wb._sheets.append(ws)

        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            with self.archive.open(part.PartName[1:]) as src:
                for _event, node in iterparse(src):
                    if node.tag == tag:
                        self.shared_strings.append(Text.from_tree(node).content)
                        node.clear()

    return Reader


class _OpenWorkbook:
    """Context manager: the guarded workbook and the title of the sheet to read."""

    def __init__(self, path: Path, limits: Limits, sheet: str | None):
        self.path = path
        self.limits = limits
        self.sheet = sheet
        self.wb: Any = None

    def __enter__(self) -> tuple[Any, str]:
        try:
            with self.path.open("rb") as fh:
                reader = _reader_class()(fh, read_only=True, data_only=True, keep_links=False)
                reader.archive.close()
            reader.archive = GuardedZipFile(self.path, self.limits)
            reader.valid_files = reader.archive.namelist()
            reader.read()
        except FileRejected:
            raise
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise FileRejected(
                "file.xlsx_invalid",
                f"The workbook cannot be read ({type(exc).__name__}: {exc}). Open it in a spreadsheet "
                "program, save it again as .xlsx or CSV, and upload that.",
            ) from exc
        self.wb = reader.wb
        sheets = self.wb.worksheets
        if self.sheet is not None:
            if self.sheet not in self.wb.sheetnames:
                self.wb.close()
                raise FileRejected(
                    "file.sheet_missing",
                    f"The workbook has no sheet named '{self.sheet}' (it has: "
                    f"{', '.join(self.wb.sheetnames)}).",
                )
            return self.wb, self.sheet
        if not sheets:
            self.wb.close()
            raise FileRejected("file.xlsx_invalid", "The workbook has no worksheet.")
        return self.wb, sheets[0].title

    def __exit__(self, *exc: object) -> None:
        if self.wb is not None:
            self.wb.close()
