"""Read a purchased list (CSV or XLSX) as a stream of rows, safely.

:func:`open_table` detects the format (by content, not by name), the encoding and delimiter
of a CSV, and the header row; it answers a :class:`FileInfo` at once and an iterator of
:class:`Row` that reads the file as it is consumed, so memory does not grow with the file.
A row that cannot be used carries ``problems`` (the row is rejected, the others go on); a
file that cannot be used raises :class:`~sync_worker.errors.FileRejected` (from
:func:`open_table`, or from the iterator for limits only known while reading, such as the
number of rows). See docs/file-reader.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Literal, Protocol

from sync_worker.errors import FileRejected

HEADER_SEARCH_ROWS = 30  # the header is one of the first 30 rows
HEADER_LOOKAHEAD = 50  # rows after a candidate whose cell counts decide the modal width
EXCERPT = 40  # characters of a value quoted in a message


@dataclass(frozen=True, slots=True)
class FileHints:
    """What the admin confirmed in the upload wizard; each given value beats detection."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based physical row (line of a CSV, row of a sheet)
    sheet: str | None = None  # XLSX: the sheet to read (default: the first)


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 200 * 2**20  # size of the file as given
    max_rows: int = 1_000_000  # data rows (below the header, blank rows not counted)
    max_field_chars: int = 10_000  # a longer cell is a row problem (field.too_long)
    max_columns: int = 500  # columns of the header
    max_xlsx_uncompressed: int = 1 * 2**30  # all members of an XLSX archive, declared and read
    max_xlsx_ratio: int = 100  # uncompressed / compressed size of one member (members > 1 MiB)
    max_xlsx_shared_strings: int = 100 * 2**20  # the shared string table, held in memory by openpyxl


@dataclass(frozen=True, slots=True)
class FileInfo:
    format: Literal["csv", "xlsx"]
    encoding: str | None  # Python codec name (csv only): "utf-8", "utf-8-sig", "gb18030", "utf-16"…
    delimiter: str | None  # csv only
    header_row: int  # 1-based physical row of the header
    headers: tuple[str, ...]  # unique, non-empty column names, in file order
    detection_notes: tuple[str, ...]  # how each of the above was decided, in sentences
    sheet: str | None = None  # xlsx only: the title of the sheet read


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row cannot be used: the row is rejected (``code`` is stable, see the docs)."""

    code: str
    message: str
    column: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # physical row/line number where the row starts (1-based, as a spreadsheet shows it)
    values: dict[str, str]  # header -> cell text, every header present ("" for an empty cell)
    problems: tuple[RowProblem, ...] = ()  # non-empty: the row is rejected
    notes: tuple[str, ...] = ()  # something was cleaned; the row is usable

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a format reader produces it, before headers and cleaning."""

    number: int
    cells: Sequence[str]
    problems: tuple[RowProblem, ...] = ()
    notes: tuple[str, ...] = ()


class Source(Protocol):
    """A format reader: a fresh pass over the records on each call; the detection notes and
    the sheet read (XLSX) are known once a pass has started."""

    notes: list[str]
    sheet: str | None
    positional: bool  # cells sit in fixed columns (XLSX), not split by a delimiter (CSV)

    def records(self) -> Generator[RawRecord, None, None]: ...


@dataclass
class _Plan:
    format: Literal["csv", "xlsx"]
    source: Source
    encoding: str | None = None
    delimiter: str | None = None


# --- cleaning ------------------------------------------------------------------------------

# C0 controls except TAB and LF (CR is turned into LF first), DEL and C1 controls, zero-width
# and invisible formatting characters (ZWSP, ZWNJ, ZWJ, LRM, RLM, bidi embeddings and isolates,
# word joiner and invisible operators, BOM anywhere).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def clean_cell(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without control and invisible characters, and the code points removed.

    Line breaks become LF. Nothing else changes: full-width forms, spaces and case are left to
    normalisation."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = _INVISIBLE.findall(text)
    if not removed:
        return text, ()
    return _INVISIBLE.sub("", text), tuple(sorted({f"U+{ord(c):04X}" for c in removed}))


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


# --- header detection ----------------------------------------------------------------------

_NUMERIC = re.compile(r"[\s+\-−.,:/%()#¥$€0-9０-９]+")


def _nonempty(cells: Sequence[str]) -> list[str]:
    return [c for c in cells if c.strip()]


def _mostly_text(cells: Sequence[str]) -> bool:
    values = _nonempty(cells)
    if not values:
        return False
    textual = sum(1 for c in values if not _NUMERIC.fullmatch(c.strip()))
    return textual * 2 > len(values)


def _modal_width(records: Sequence[RawRecord]) -> int:
    widths = [len(_nonempty(r.cells)) for r in records]
    widths = [w for w in widths if w]
    if not widths:
        return 0
    counts = Counter(widths)
    best = max(counts.values())
    return max(w for w, n in counts.items() if n == best)


def detect_header(head: Sequence[RawRecord]) -> tuple[int, str]:
    """Index in ``head`` of the header record, and a sentence saying why.

    The header is the first of the first 30 rows whose non-empty cell count is at least the
    modal count of the rows that follow it and whose cells are mostly text, not numbers."""
    for i, record in enumerate(head[:HEADER_SEARCH_ROWS]):
        width = len(_nonempty(record.cells))
        if not width or not _mostly_text(record.cells):
            continue
        modal = _modal_width(head[i + 1 : i + 1 + HEADER_LOOKAHEAD])
        if width >= max(modal, 1):
            return i, (
                f"Header row {record.number}: the first row with as many filled cells ({width}) "
                f"as the rows below it ({modal}), mostly text."
            )
    for i, record in enumerate(head[:HEADER_SEARCH_ROWS]):
        if _nonempty(record.cells):
            return i, (
                f"Header row {record.number}: no row of the first {HEADER_SEARCH_ROWS} looks like a "
                "header (as wide as the data and mostly text), so the first non-empty row is used; "
                "give the header row if this is wrong."
            )
    raise FileRejected(
        "file.no_header",
        f"The first {HEADER_SEARCH_ROWS} rows of the file are empty, so it has no header row. "
        "Put the column names in the first row and try again.",
    )


def unique_headers(cells: Sequence[str], width: int = 0) -> tuple[tuple[str, ...], list[str]]:
    """Column names from the header cells (at least ``width`` of them): trailing empty cells
    dropped, whitespace collapsed, empty names become "column N" and repeated names
    "name (column N)" (N counts from 1)."""
    names = [" ".join(clean_cell(c)[0].split()) for c in cells]
    names += [""] * (width - len(names))
    while len(names) > width and not names[-1]:
        names.pop()
    out: list[str] = []
    seen: set[str] = set()
    unnamed: list[str] = []
    repeated: list[str] = []
    for n, name in enumerate(names, start=1):
        if not name:
            unique = f"column {n}"
            unnamed.append(str(n))
        elif name in seen:
            unique = f"{name} (column {n})"
            repeated.append(f"'{unique}'")
        else:
            unique = name
        suffix = 2
        base = unique
        while unique in seen:
            unique = f"{base} {suffix}"
            suffix += 1
        seen.add(unique)
        out.append(unique)
    notes: list[str] = []
    if unnamed:
        notes.append(f"Column(s) {', '.join(unnamed)} have no name in the header; each is called 'column N'.")
    if repeated:
        notes.append(f"Repeated column names are made unique: {', '.join(repeated)}.")
    return tuple(out), notes


# --- the public entry point ----------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _plan(path: Path, hints: FileHints, limits: Limits) -> _Plan:
    # imported here: the readers import this module for the shared types
    from sync_worker.sources import csv_reader, xlsx_reader

    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise FileRejected("file.unreadable", f"The file cannot be opened: {exc.strerror}.") from exc
    if magic.startswith(_ZIP_MAGIC):
        source = xlsx_reader.XlsxSource(path, hints, limits)
        return _Plan("xlsx", source)
    if magic.startswith(_OLE_MAGIC):
        raise FileRejected(
            "file.format_unsupported",
            "The file is an old Excel workbook (.xls) or a password-protected one; only CSV and "
            "XLSX are read. Save it as .xlsx (without a password) or as CSV UTF-8 and upload that.",
        )
    csv_source = csv_reader.CsvSource(path, hints, limits)
    return _Plan("csv", csv_source, encoding=csv_source.encoding, delimiter=csv_source.delimiter)


def open_table(
    path: str | Path, hints: FileHints | None = None, limits: Limits | None = None
) -> tuple[FileInfo, Iterator[Row]]:
    """Detect the file's layout and return it with an iterator over its data rows.

    Raises :class:`FileRejected` when the file cannot be read at all; the iterator raises it
    too when a limit is passed while reading (``file.too_many_rows``). The iterator opens the
    file on its first ``next()`` and closes it when exhausted or closed."""
    path = Path(path)
    hints = hints or FileHints()
    limits = limits or Limits()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileRejected("file.unreadable", f"The file cannot be opened: {exc.strerror}.") from exc
    if size > limits.max_bytes:
        raise FileRejected(
            "file.too_large",
            f"The file has {size:,} bytes, more than the limit of {limits.max_bytes:,} bytes "
            "(max_bytes). Split it into smaller files, or raise the limit.",
        )
    if size == 0:
        raise FileRejected("file.empty", "The file is empty. Upload a CSV or XLSX file with a header row.")
    plan = _plan(path, hints, limits)

    wanted = hints.header_row
    if wanted is not None and wanted < 1:
        raise FileRejected("file.header_row", f"The header row must be 1 or more, not {wanted}.")
    depth = max(HEADER_SEARCH_ROWS, wanted or 0) + HEADER_LOOKAHEAD
    records = plan.source.records()
    try:
        head = list(islice(records, depth))
    finally:
        records.close()
    notes = list(plan.source.notes)
    if wanted is not None:
        found = [i for i, r in enumerate(head) if r.number == wanted]
        if not found:
            raise FileRejected(
                "file.header_row",
                f"No row starts at row {wanted}, the header row given: the file is shorter, or "
                "that line is inside a quoted field. Give the row the column names are on.",
            )
        index = found[0]
        notes.append(f"Header row {wanted}: as given.")
    else:
        index, why = detect_header(head)
        notes.append(why)
    header = head[index]
    if header.problems:
        raise FileRejected(
            "file.header_invalid",
            f"The header row ({header.number}) cannot be read: {header.problems[0].message}",
        )
    width = 0
    if plan.source.positional:  # a sheet's unnamed columns that hold data are read too
        width = max((_last_filled(r.cells) for r in head[index + 1 :]), default=0)
    headers, header_notes = unique_headers(header.cells, width)
    notes.extend(header_notes)
    if not headers:
        raise FileRejected("file.no_header", f"The header row ({header.number}) is empty.")
    if len(headers) > limits.max_columns:
        raise FileRejected(
            "file.too_many_columns",
            f"The header has {len(headers)} columns, more than the limit of {limits.max_columns} "
            "(max_columns). Remove the columns that are not needed, or raise the limit.",
        )
    skipped = sum(1 for r in head[:index] if _nonempty(r.cells))
    if skipped:
        notes.append(f"{skipped} non-empty row(s) above the header (titles, notes) are not read as data.")
    info = FileInfo(
        format=plan.format,
        encoding=plan.encoding,
        delimiter=plan.delimiter,
        header_row=header.number,
        headers=headers,
        detection_notes=tuple(notes),
        sheet=plan.source.sheet,
    )
    return info, _rows(plan.source, header.number, headers, limits)


def _last_filled(cells: Sequence[str]) -> int:
    for i in range(len(cells), 0, -1):
        if cells[i - 1].strip():
            return i
    return 0


def _rows(source: Source, header_number: int, headers: tuple[str, ...], limits: Limits) -> Iterator[Row]:
    count = 0
    width = len(headers)
    positional = source.positional
    for record in source.records():
        if record.number <= header_number:
            continue
        cells = record.cells
        if not record.problems and not any(c.strip() for c in cells):
            continue  # a blank row is not data
        count += 1
        if count > limits.max_rows:
            raise FileRejected(
                "file.too_many_rows",
                f"The file has more than {limits.max_rows:,} data rows (max_rows); row "
                f"{record.number} is over the limit. Split the file, or raise the limit.",
            )
        yield build_row(record, headers, width, limits, positional)


def build_row(
    record: RawRecord, headers: tuple[str, ...], width: int, limits: Limits, positional: bool = False
) -> Row:
    cells = record.cells
    if not record.problems and len(cells) <= width:
        joined = "\n".join(cells)  # LF is kept by the cleaning, so one search covers all cells
        if "\r" not in joined and not _INVISIBLE.search(joined) and len(joined) <= limits.max_field_chars:
            values = dict(zip(headers, cells, strict=False))
            if len(cells) < width:
                values.update((name, "") for name in headers[len(cells) :])
            return Row(number=record.number, values=values, notes=record.notes)
    return _build_row_slowly(record, headers, width, limits, positional)


def _build_row_slowly(
    record: RawRecord, headers: tuple[str, ...], width: int, limits: Limits, positional: bool
) -> Row:
    problems = list(record.problems)
    notes = list(record.notes)
    values: dict[str, str] = {}
    cells = record.cells
    for i, name in enumerate(headers):
        text, removed = clean_cell(cells[i]) if i < len(cells) else ("", ())
        if removed:
            notes.append(f"Column '{name}': removed invisible or control characters ({', '.join(removed)}).")
        if len(text) > limits.max_field_chars:
            problems.append(
                RowProblem(
                    "field.too_long",
                    f"Row {record.number}, column '{name}': the value has {len(text):,} characters, "
                    f"more than the limit of {limits.max_field_chars:,} (max_field_chars). "
                    "Shorten it or move long text out of the list.",
                    name,
                )
            )
            text = text[: limits.max_field_chars]
        values[name] = text
    extra = [(n, c) for n, c in enumerate(cells[width:], start=width + 1) if c.strip()]
    if extra and positional:
        n, value = extra[0]
        notes.append(
            f"Values in {len(extra)} column(s) without a header were not read (column {n}: "
            f"'{excerpt(value)}'). Name the column in the header row to import it."
        )
    elif extra:
        problems.append(
            RowProblem(
                "row.extra_cells",
                f"Row {record.number} has {len(cells)} cells but the header has {width} columns "
                f"(first extra value: '{excerpt(extra[0][1])}'); a delimiter inside an unquoted value "
                "or a stray quote usually causes this. Fix the row or name the column in the header.",
            )
        )
    return Row(number=record.number, values=values, problems=tuple(problems), notes=tuple(notes))
