"""CSV: encoding and delimiter detection, then records decoded strictly, line by line.

Encodings in which a line feed byte (0x0A) is never part of a multi-byte character (UTF-8,
GB18030 and GBK, Big5, Shift_JIS, single-byte code pages: every ASCII-compatible one) are
split into lines as bytes and each line is decoded on its own, strictly: a bad byte sequence
makes the row it is in a problem (``encoding.invalid``) and the other rows go on. UTF-16 and
UTF-32 cannot be split as bytes; they are decoded as one stream, strictly, and a bad sequence
refuses the whole file (``file.encoding_invalid``), saying after which line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Generator
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from sync_worker.errors import FileRejected
from sync_worker.sources.files import FileHints, Limits, RawRecord, RowProblem

SAMPLE_BYTES = 256 * 1024  # leading bytes that encoding and delimiter detection look at
SNIFF_RECORDS = 200  # records of the sample that delimiter detection parses
DELIMITERS = (",", ";", "\t", "|")  # in order of preference on a tie
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_DELIMITER_ALIASES = {name: d for d, name in _DELIMITER_NAMES.items()} | {"\\t": "\t"}

_BOM_UTF8 = codecs.BOM_UTF8
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# decoded as one text stream: a line feed byte can be half of a character
TEXT_MODE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-7"})
CHINESE = frozenset({"gb2312", "gbk", "gb18030", "hz", "cp936"})  # all read as GB18030, their superset
OTHER_CJK = frozenset(
    {"big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "johab", "iso2022_jp"}
)
CHAOS_TIE = 0.05  # charset-normalizer "mess" ratios this close are a tie
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def codec_name(name: str) -> str | None:
    """Python's canonical name of an encoding, or None when Python does not know it."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _gb18030_plausible(sample: bytes, complete: bool) -> bool:
    """The sample has Chinese text in GB18030 and few lines that are not (bad rows exist)."""
    lines = sample.split(b"\n")
    if not complete and len(lines) > 1:
        lines.pop()  # cut in the middle
    lines = [line for line in lines if line.strip()]
    good = 0
    han = False
    for line in lines:
        try:
            text = line.decode("gb18030")
        except UnicodeDecodeError:
            continue
        good += 1
        han = han or bool(_HAN.search(text))
    bad = len(lines) - good
    return han and good > 2 * bad and bad <= max(2, len(lines) // 10)


def detect_encoding(sample: bytes, hint: str | None, complete: bool) -> tuple[str, list[str]]:
    """The codec to read the file with and a sentence saying how it was chosen."""
    if hint:
        name = codec_name(hint)
        if name is None:
            raise FileRejected(
                "file.encoding_unknown",
                f"The encoding given, '{hint}', is not a known encoding. Give one such as "
                "utf-8, gb18030 or utf-16.",
            )
        if name in CHINESE:
            return "gb18030", [f"Encoding gb18030: given as {hint}, read as GB18030, its superset."]
        if name == "utf-8" and sample.startswith(_BOM_UTF8):
            return "utf-8-sig", [f"Encoding utf-8-sig: given as {hint}; the file starts with a BOM."]
        return name, [f"Encoding {name}: as given."]
    if sample.startswith(_BOM_UTF8):
        return "utf-8-sig", ["Encoding utf-8-sig: the file starts with a UTF-8 byte order mark."]
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name, [f"Encoding {name}: the file starts with a {name.upper()} byte order mark."]
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=complete)
    except UnicodeDecodeError:
        pass
    else:
        what = "plain ASCII" if sample.isascii() else "valid UTF-8"
        scope = "the file is" if complete else f"the first {len(sample):,} bytes are"
        return "utf-8", [f"Encoding utf-8: {scope} {what}."]
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    guess = codec_name(best.encoding) if best is not None else None
    said = (
        f"charset-normalizer reads it as {best.encoding} ({best.language})"
        if best is not None
        else "charset-normalizer does not recognise it"
    )
    # Short Chinese samples decode as well in Korean and Japanese code pages: a Chinese reading
    # about as clean as the best one wins (these lists are Chinese or Western).
    chinese_tie = best is not None and any(
        codec_name(m.encoding) in CHINESE and m.chaos <= best.chaos + CHAOS_TIE for m in matches
    )
    if guess in CHINESE or chinese_tie or (guess not in OTHER_CJK and _gb18030_plausible(sample, complete)):
        return "gb18030", [
            f"Encoding gb18030: the file is not UTF-8; {said}; Chinese text is read as GB18030, "
            "the superset of GBK and GB2312, strictly."
        ]
    if guess is not None:
        return guess, [
            f"Encoding {guess}: the file is not UTF-8; {said}. If the text looks wrong, give the "
            "file's encoding or save it as CSV UTF-8."
        ]
    raise FileRejected(
        "file.encoding_unknown",
        "The file is not UTF-8 and its encoding cannot be recognised (it may not be a text file). "
        "Save it as CSV UTF-8, or give its encoding.",
    )


def _sample_text(sample: bytes, encoding: str, complete: bool) -> str:
    """The sample decoded for delimiter detection only (bad bytes replaced), whole lines."""
    if encoding in TEXT_MODE:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, final=complete)
    else:
        text = sample.decode("utf-8" if encoding == "utf-8-sig" else encoding, "replace")
        text = text.removeprefix("\ufeff")
    if not complete:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    return text


def detect_delimiter(text: str, hint: str | None) -> tuple[str, str]:
    """The delimiter and a sentence saying how it was chosen: of comma, semicolon, tab and
    pipe, the one that splits the most records of the sample into the same number (> 1) of
    cells; on a tie, the wider split, then the order above."""
    if hint:
        hint = _DELIMITER_ALIASES.get(hint.strip().lower(), hint)
        if len(hint) != 1 or hint in '"\r\n':
            raise FileRejected(
                "file.delimiter",
                f"The delimiter given, {hint!r}, is not a single character other than a quote or a "
                "line break.",
            )
        return hint, f"Delimiter {_DELIMITER_NAMES.get(hint, repr(hint))}: as given."
    best: tuple[int, int] = (0, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        widths = []
        try:
            for cells in islice(csv.reader(io.StringIO(text), delimiter=delimiter), SNIFF_RECORDS):
                if any(c.strip() for c in cells):
                    widths.append(len(cells))
        except csv.Error:
            pass
        counts = Counter(w for w in widths if w > 1)
        if not counts:
            continue
        width, records = max(counts.items(), key=lambda item: (item[1], item[0]))
        if (records, width) > best:
            best = (records, width)
            chosen = delimiter
    if best == (0, 0):
        return ",", "Delimiter comma: no candidate splits the rows; the file has one column."
    return chosen, (
        f"Delimiter {_DELIMITER_NAMES[chosen]}: it splits {best[0]} of the first rows into {best[1]} columns."
    )


class _Feed:
    """Decoded lines for csv.reader; counts the physical lines consumed and collects the
    decoding problems of the record being read."""

    def __init__(self, encoding: str, line_cap: int):
        self.encoding = encoding
        self.line_cap = line_cap
        self.consumed = 0
        self.problems: list[RowProblem] = []

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        raise NotImplementedError

    def _too_long(self) -> FileRejected:
        return FileRejected(
            "file.line_too_long",
            f"Line {self.consumed} is longer than {self.line_cap:,} characters without a line break: "
            "the file is not a CSV list, or a quote is not closed. Check the file.",
        )


class _CrLines:
    """``readline`` for a file whose lines end with CR alone (Excel for Mac's "CSV
    (Macintosh)"): CR is 0x0D, never part of a multi-byte character in these encodings."""

    CHUNK = 64 * 1024

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.buffer = b""
        self.pos = 0
        self.eof = False

    def readline(self, limit: int) -> bytes:
        while True:
            end = self.buffer.find(b"\r", self.pos)
            if end >= 0 and end + 1 - self.pos <= limit:
                line = self.buffer[self.pos : end + 1]
                self.pos = end + 1
                return line
            if len(self.buffer) - self.pos >= limit or self.eof:
                line = self.buffer[self.pos : self.pos + limit]
                self.pos += len(line)
                return line
            chunk = self.fh.read(self.CHUNK)
            self.eof = not chunk
            self.buffer = self.buffer[self.pos :] + chunk
            self.pos = 0


class _ByteFeed(_Feed):
    def __init__(self, fh: BinaryIO, encoding: str, line_cap: int, cr_only: bool = False):
        super().__init__(encoding, line_cap)
        self.lines: BinaryIO | _CrLines = _CrLines(fh) if cr_only else fh
        self.codec = "utf-8" if encoding == "utf-8-sig" else encoding
        self.strip_bom = encoding == "utf-8-sig"

    def __next__(self) -> str:
        line = self.lines.readline(self.line_cap + 1)
        if not line:
            raise StopIteration
        self.consumed += 1
        if len(line) > self.line_cap:
            raise self._too_long()
        if self.strip_bom:
            self.strip_bom = False
            line = line.removeprefix(_BOM_UTF8)
        try:
            return line.decode(self.codec)
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start : min(exc.end, exc.start + 8)].hex(" ")
            self.problems.append(
                RowProblem(
                    "encoding.invalid",
                    f"Line {self.consumed} is not valid {self.encoding}, the encoding detected for the "
                    f"file: the bytes {bad} at byte {exc.start + 1} of the line cannot be decoded, so "
                    "the row is not read. Correct that line, or save the file as CSV UTF-8 and "
                    "upload it again.",
                )
            )
            return line.decode(self.codec, "backslashreplace")


class _TextFeed(_Feed):
    """Lines of a UTF-16/32 file: the bytes are decoded as one stream (a line feed byte can be
    half of a character), strictly; the first bad sequence refuses the file, naming its line."""

    CHUNK = 64 * 1024

    def __init__(self, fh: BinaryIO, encoding: str, line_cap: int, cr_only: bool = False):
        super().__init__(encoding, line_cap)
        self.fh = fh
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.newline = "\r" if cr_only else "\n"
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def __next__(self) -> str:
        while True:
            end = self.buffer.find(self.newline, self.pos)
            if end >= 0:
                line = self.buffer[self.pos : end + 1]
                self.pos = end + 1
                break
            if len(self.buffer) - self.pos > self.line_cap:
                self.consumed += 1
                raise self._too_long()
            if self.eof:
                if self.pos >= len(self.buffer):
                    raise StopIteration
                line = self.buffer[self.pos :]
                self.pos = len(self.buffer)
                break
            self._fill()
        self.consumed += 1
        return line

    def _fill(self) -> None:
        chunk = self.fh.read(self.CHUNK)
        self.eof = not chunk
        state = self.decoder.getstate()
        try:
            text = self.decoder.decode(chunk, final=self.eof)
        except UnicodeDecodeError as exc:
            probe = codecs.getincrementaldecoder(self.encoding)("replace")
            probe.setstate(state)
            good = probe.decode(chunk, final=self.eof).split("\ufffd", 1)[0]
            pending = self.buffer[self.pos :] + good
            line = self.consumed + pending.count(self.newline) + 1
            raise FileRejected(
                "file.encoding_invalid",
                f"The file is not valid {self.encoding}: line {line} holds a byte sequence that is "
                f"not a character ({exc.reason}). {self.encoding.upper()} cannot be read line by "
                "line, so the whole file is refused. Save it again (as CSV UTF-8 preferably) and "
                "upload it again.",
            ) from exc
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0


class CsvSource:
    """A CSV file: detection at construction, a fresh pass over its records per call."""

    def __init__(self, path: Path, hints: FileHints, limits: Limits):
        self.path = path
        self.field_cap = max(10 * limits.max_field_chars, 100_000)  # longer: a broken quote
        self.line_cap = max(8 * 2**20, 4 * self.field_cap)
        with path.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
            complete = not fh.read(1)
        self.encoding, self.notes = detect_encoding(sample, hints.encoding, complete)
        text = _sample_text(sample, self.encoding, complete)
        self.delimiter, note = detect_delimiter(text, hints.delimiter)
        self.notes.append(note)
        self.sheet: str | None = None
        self.positional = False
        self.cr_only = "\r" in text and "\n" not in text
        if self.cr_only:
            self.notes.append("Lines end with CR alone (a Macintosh CSV).")

    def records(self) -> Generator[RawRecord, None, None]:
        if csv.field_size_limit() < self.field_cap:
            csv.field_size_limit(self.field_cap)  # process-wide; only ever raised
        self.field_cap = csv.field_size_limit()
        with self.path.open("rb") as fh:
            feed: _Feed = (
                _TextFeed(fh, self.encoding, self.line_cap, self.cr_only)
                if self.encoding in TEXT_MODE
                else _ByteFeed(fh, self.encoding, self.line_cap, self.cr_only)
            )
            reader = csv.reader(feed, delimiter=self.delimiter, strict=True)
            while True:
                start = feed.consumed + 1
                feed.problems = []
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    problem = self._malformed(str(exc), start, feed.consumed)
                    yield RawRecord(start, [], (*feed.problems, problem))
                    if problem.code == "csv.unclosed_quote":
                        return
                    continue
                yield RawRecord(start, cells, tuple(feed.problems))

    def _malformed(self, error: str, start: int, end: int) -> RowProblem:
        lines = f"line {start}" if start == end else f"lines {start}–{end}"
        if "field larger than field limit" in error:
            raise FileRejected(
                "file.field_too_large",
                f"A value starting on line {start} runs over {self.field_cap:,} characters: a quote "
                "is probably not closed. Fix the quotes of that line and upload the file again.",
            )
        if "unexpected end of data" in error:
            return RowProblem(
                "csv.unclosed_quote",
                f"A quoted value opened on line {start} is never closed, so {lines} up to the end of "
                "the file cannot be read as rows. Close the quote on that line and upload the file "
                "again.",
            )
        return RowProblem(
            "csv.malformed",
            f"The row on {lines} is not valid CSV ({error}): a quoted value must be followed by "
            "the delimiter or the end of the line. Fix the quotes of that row.",
        )
