"""The file reader: encodings, delimiters, header rows, quoting, XLSX safety and typed cells,
control characters, limits, streaming memory, and the column mapping."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sync_worker.errors import FatalError, FileRejected
from sync_worker.sources import (
    FileHints,
    Limits,
    Row,
    apply_mapping,
    missing_columns,
    open_table,
)
from sync_worker.sources.xlsx_reader import GuardedZipFile, render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"

HEADER = "公司名称,联系人,手机,邮箱\n"
BODY = "深圳市腾达科技有限公司,张伟,13800138000,sales@tenda.cn\n北京华为数字技术有限公司,李娜,13912345678,lina@example.cn\n"


def write(tmp_path: Path, data: bytes, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, hints: FileHints | None = None, limits: Limits | None = None):
    info, rows = open_table(path, hints, limits)
    return info, list(rows)


def rejected(excinfo: pytest.ExceptionInfo[FileRejected]) -> str:
    return f"{excinfo.value.code}: {excinfo.value.message}"


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16-le", "utf-16"), ("utf-16-be", "utf-16")],
)
def test_unicode_files_with_and_without_bom(tmp_path: Path, encoding: str, expected: str) -> None:
    text = HEADER + BODY
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    elif encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    info, rows = read(write(tmp_path, data))
    assert info.encoding == expected
    assert info.headers == ("公司名称", "联系人", "手机", "邮箱")  # no BOM glued to the first name
    assert [r.values["公司名称"] for r in rows] == ["深圳市腾达科技有限公司", "北京华为数字技术有限公司"]
    assert [r.number for r in rows] == [2, 3]
    assert any(expected in note for note in info.detection_notes)


def test_gbk_list_is_read_strictly_and_a_bad_row_is_a_problem_not_mojibake() -> None:
    info, rows = read(FIXTURES / "gbk_purchased_list.csv")
    assert info.format == "csv" and info.encoding == "gb18030"
    assert info.header_row == 3
    assert info.headers == ("公司名称", "联系人", "手机", "邮箱", "地址")
    assert [r.number for r in rows] == [4, 5, 7, 8]
    good = [r for r in rows if not r.problems]
    assert [r.values["公司名称"] for r in good] == [
        "深圳市腾达科技有限公司",
        "北京华为数字技术有限公司",
        "杭州阿里巴巴网络技术有限公司",
    ]
    assert good[1].values["地址"] == "北京市海淀区\n中关村软件园"  # CRLF inside quotes -> LF
    bad = rows[2]
    assert bad.rejected and [p.code for p in bad.problems] == ["encoding.invalid"]
    message = bad.problems[0].message
    assert "Line 7" in message and "gb18030" in message and "not valid" in message
    for row in rows:
        for value in row.values.values():
            assert "\ufffd" not in value  # never a silent replacement
    assert bad.values["公司名称"] == "上海\\x81"  # the undecodable byte shown, not guessed


def test_gb18030_four_byte_characters_and_detection_note(tmp_path: Path) -> None:
    text = "姓名,公司\n𠀀先生,䶮科技有限公司\n张三,腾讯\n李四,华为\n"
    info, rows = read(write(tmp_path, text.encode("gb18030")))
    assert info.encoding == "gb18030"
    assert rows[0].values == {"姓名": "𠀀先生", "公司": "䶮科技有限公司"}
    assert any("gb18030" in note and "not UTF-8" in note for note in info.detection_notes)


def test_utf8_is_preferred_when_valid(tmp_path: Path) -> None:
    info, _rows = read(write(tmp_path, (HEADER + BODY).encode("utf-8")))
    assert info.encoding == "utf-8"


def test_latin_list_is_detected_by_charset_normalizer(tmp_path: Path) -> None:
    text = (
        "Firma;Stadt;Kontakt\n" + "Müller GmbH;Köln;Jürgen Weiß\nCafé Zürich AG;Zürich;Frédéric Hübner\n" * 20
    )
    info, rows = read(write(tmp_path, text.encode("cp1252")))
    assert info.encoding not in ("utf-8", "gb18030")
    assert info.delimiter == ";"
    assert rows[0].values == {"Firma": "Müller GmbH", "Stadt": "Köln", "Kontakt": "Jürgen Weiß"}


def test_encoding_hint_overrides_detection_and_gbk_means_gb18030(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + BODY).encode("gbk"))
    info, rows = read(path, FileHints(encoding="GBK"))
    assert info.encoding == "gb18030" and rows[0].values["联系人"] == "张伟"
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, FileHints(encoding="no-such-codec"))
    assert excinfo.value.code == "file.encoding_unknown" and "no-such-codec" in excinfo.value.message


def test_invalid_utf16_refuses_the_file(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xdc" + "x,y\n".encode("utf-16-le")
    with pytest.raises(FileRejected) as excinfo:
        _info, rows = open_table(write(tmp_path, data))
        list(rows)
    assert excinfo.value.code == "file.encoding_invalid"
    assert "utf-16" in excinfo.value.message and "line 3" in excinfo.value.message


def test_file_rejected_is_fatal() -> None:
    assert issubclass(FileRejected, FatalError)


# --- delimiters and header rows ------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["name", "city", "note"],
        ["ACME, Inc.", "Berlin", "a; b"],
        ["Tenda", "深圳", "x | y"],
        ["Huawei", "Shenzhen", "tab\there" if delimiter != "\t" else "none"],
    ]
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    info, out = read(write(tmp_path, buf.getvalue().encode()))
    assert info.delimiter == delimiter
    assert info.headers == ("name", "city", "note")
    assert [list(r.values.values()) for r in out] == rows[1:]


def test_delimiter_hint_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, b"a;b,c\n1;2,3\n4;5,6\n")
    info, rows = read(path)
    assert info.delimiter in (",", ";")
    info, rows = read(path, FileHints(delimiter=","))
    assert info.headers == ("a;b", "c") and rows[0].values == {"a;b": "1;2", "c": "3"}
    info, rows = read(path, FileHints(delimiter=";"))
    assert info.headers == ("a", "b,c")
    with pytest.raises(FileRejected):
        open_table(path, FileHints(delimiter=";;"))


def test_title_and_junk_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    text = (
        "2026年采购名单\n"
        "\n"
        "Generated by LeadTool 4.2 on 2026-12-01\n"
        "公司名称,联系人,手机,邮箱\n"
        "深圳市腾达科技有限公司,张伟,13800138000,\n"
        "北京华为数字技术有限公司,,13912345678,lina@example.cn\n"
        "\n"
        "杭州阿里巴巴,赵磊,13700001111,zl@example.cn\n"
    )
    info, rows = read(write(tmp_path, text.encode()))
    assert info.header_row == 4
    assert info.headers == ("公司名称", "联系人", "手机", "邮箱")
    assert [r.number for r in rows] == [5, 6, 8]  # the blank line 7 is not a row
    assert any("above the header" in note for note in info.detection_notes)


def test_a_numeric_first_row_is_not_taken_for_the_header(tmp_path: Path) -> None:
    text = "1,2,3\nname,phone,city\nTenda,13800138000,深圳\nHuawei,13912345678,深圳\n"
    info, _rows = read(write(tmp_path, text.encode()))
    assert info.header_row == 2


def test_header_row_hint_overrides(tmp_path: Path) -> None:
    text = "a,b\nc,d\n1,2\n"
    info, rows = read(write(tmp_path, text.encode()), FileHints(header_row=2))
    assert info.header_row == 2 and info.headers == ("c", "d")
    assert [r.values for r in rows] == [{"c": "1", "d": "2"}]
    with pytest.raises(FileRejected) as excinfo:
        open_table(write(tmp_path, text.encode()), FileHints(header_row=9))
    assert excinfo.value.code == "file.header_row"


def test_duplicate_and_empty_headers_get_unique_names(tmp_path: Path) -> None:
    text = "电话,,名称,电话, 地址 ,,\n1,2,3,4,5,,\n"
    info, rows = read(write(tmp_path, text.encode()))
    assert info.headers == ("电话", "column 2", "名称", "电话 (column 4)", "地址")
    assert rows[0].values == {"电话": "1", "column 2": "2", "名称": "3", "电话 (column 4)": "4", "地址": "5"}
    assert "Column(s) 2 have no name in the header; each is called 'column N'." in info.detection_notes
    assert "Repeated column names are made unique: '电话 (column 4)'." in info.detection_notes


# --- quoting and malformed rows ------------------------------------------------------------


def test_quoted_newlines_report_the_physical_starting_line(tmp_path: Path) -> None:
    text = 'name,address,phone\nTenda,"Line one\nLine two\nLine three",1\nHuawei,"Shenzhen",2\n"Multi\nname",x,3\n'
    _info, rows = read(write(tmp_path, text.encode()))
    assert [r.number for r in rows] == [2, 5, 6]
    assert rows[0].values["address"] == "Line one\nLine two\nLine three"
    assert rows[2].values["name"] == "Multi\nname"


def test_a_malformed_row_is_a_problem_and_the_next_rows_go_on(tmp_path: Path) -> None:
    text = 'a,b,c\n1,"x"y,3\n4,5,6\n7,8,9,10\n'
    _info, rows = read(write(tmp_path, text.encode()))
    assert [(r.number, [p.code for p in r.problems]) for r in rows] == [
        (2, ["csv.malformed"]),
        (3, []),
        (4, ["row.extra_cells"]),
    ]
    assert rows[1].values == {"a": "4", "b": "5", "c": "6"}
    assert "line 2" in rows[0].problems[0].message


def test_an_unclosed_quote_is_a_problem_naming_the_line(tmp_path: Path) -> None:
    text = 'a,b\n1,2\n3,"open\n5,6\n'
    _info, rows = read(write(tmp_path, text.encode()))
    assert rows[0].values == {"a": "1", "b": "2"} and not rows[0].problems
    assert rows[1].number == 3 and [p.code for p in rows[1].problems] == ["csv.unclosed_quote"]
    assert "line 3" in rows[1].problems[0].message


def test_formula_like_values_are_data_here(tmp_path: Path) -> None:
    text = 'name,phone\n"=HYPERLINK(""http://x"",""y"")",+86 138 0013 8000\n@SUM(A1),-1\n'
    _info, rows = read(write(tmp_path, text.encode()))
    assert rows[0].values == {"name": '=HYPERLINK("http://x","y")', "phone": "+86 138 0013 8000"}
    assert rows[1].values == {"name": "@SUM(A1)", "phone": "-1"}


# --- control characters --------------------------------------------------------------------


def test_control_characters_are_stripped_with_a_note(tmp_path: Path) -> None:
    text = "name,note\nTe\x00nda\u200b,a\tb\ufeffc\x85\nＡＢＣ有限公司,\x07bell\r\n"
    _info, rows = read(write(tmp_path, text.encode()))
    assert rows[0].values == {"name": "Tenda", "note": "a\tbc"}
    assert any("U+0000" in note and "U+200B" in note and "'name'" in note for note in rows[0].notes)
    assert any("U+0085" in note and "U+FEFF" in note for note in rows[0].notes)
    assert rows[1].values == {"name": "ＡＢＣ有限公司", "note": "bell"}  # full width left alone
    assert not rows[0].problems and not rows[1].problems


# --- limits --------------------------------------------------------------------------------


def test_file_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + BODY).encode())
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, limits=Limits(max_bytes=100))
    assert excinfo.value.code == "file.too_large"
    assert "max_bytes" in excinfo.value.message and "100 bytes" in excinfo.value.message


def test_row_limit_is_raised_while_reading(tmp_path: Path) -> None:
    path = write(tmp_path, ("a,b\n" + "x,1\n" * 5).encode())
    _info, rows = open_table(path, limits=Limits(max_rows=3))
    got = [next(rows), next(rows), next(rows)]
    assert [r.number for r in got] == [2, 3, 4]
    with pytest.raises(FileRejected) as excinfo:
        next(rows)
    assert excinfo.value.code == "file.too_many_rows"
    assert "3 data rows" in excinfo.value.message and "max_rows" in excinfo.value.message


def test_column_limit(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b,c,d\n1,2,3,4\n")
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, limits=Limits(max_columns=3))
    assert excinfo.value.code == "file.too_many_columns" and "max_columns" in excinfo.value.message


def test_a_long_field_is_a_row_problem(tmp_path: Path) -> None:
    path = write(tmp_path, f"name,comment\nok,short\nlong,{'x' * 120}\nnext,fine\n".encode())
    _info, rows = read(path, limits=Limits(max_field_chars=100))
    assert [bool(r.problems) for r in rows] == [False, True, False]
    problem = rows[1].problems[0]
    assert problem.code == "field.too_long" and problem.column == "comment"
    assert "max_field_chars" in problem.message and "Row 3" in problem.message


def test_a_runaway_quote_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, ('a,b\n1,"never closed\n' + ("x" * 99 + "\n") * 2000).encode())
    with pytest.raises(FileRejected) as excinfo:
        _info, rows = open_table(path)
        list(rows)
    assert excinfo.value.code == "file.field_too_large" and "line 2" in excinfo.value.message


def test_empty_files_and_other_formats_are_refused(tmp_path: Path) -> None:
    for data, code in [
        (b"", "file.empty"),
        (b"\n\n,,\n", "file.no_header"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "file.format_unsupported"),
    ]:
        with pytest.raises(FileRejected) as excinfo:
            open_table(write(tmp_path, data))
        assert excinfo.value.code == code, rejected(excinfo)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRejected) as excinfo:
        open_table(write(tmp_path, buf.getvalue(), "doc.docx"))
    assert excinfo.value.code == "file.format_unsupported"


# --- XLSX ----------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]], title: str = "名单", extra_sheet: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("other").append(["not", "read"])
    wb.save(path)
    return path


def rewrite_member(path: Path, member: str, replace: dict[str, str]) -> None:
    """Rewrite one XML part of an archive (openpyxl would escape what the test needs raw)."""
    with zipfile.ZipFile(path) as zf:
        parts = {info: zf.read(info.filename) for info in zf.infolist()}
    assert member in {info.filename for info in parts}, member
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename == member:
                text = data.decode()
                for old, new in replace.items():
                    assert old in text, (old, text[:500])
                    text = text.replace(old, new)
                data = text.encode()
            zf.writestr(info.filename, data)


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def minimal_xlsx(path: Path, strings: list[str], rows_xml: str, prolog: str = "") -> Path:
    """A workbook written by hand: one sheet whose cells refer to a shared string table
    (openpyxl writes inline strings only), with raw XML where the test needs it."""
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows_xml}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'{prolog}<sst xmlns="{MAIN_NS}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">{sst}</sst>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def test_xlsx_typed_cells_render_as_a_person_reads_them(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Leads 2026"],
            [],
            ["公司名称", "手机", "日期", "数量", "比例", "有效", "空", "时间"],
            [
                "腾达",
                13800138000.0,
                dt.date(2026, 12, 3),
                123,
                3.25,
                True,
                None,
                dt.datetime(2026, 12, 3, 8, 30),
            ],
            ["华为", 1.38001380e10, dt.datetime(2026, 12, 3), 5.0, 1e-7, False, None, None],
        ],
    )
    info, rows = read(path)
    assert info.format == "xlsx" and info.encoding is None and info.delimiter is None
    assert info.header_row == 3
    assert info.headers == ("公司名称", "手机", "日期", "数量", "比例", "有效", "空", "时间")
    assert rows[0].values == {
        "公司名称": "腾达",
        "手机": "13800138000",
        "日期": "2026-12-03",
        "数量": "123",
        "比例": "3.25",
        "有效": "TRUE",
        "空": "",
        "时间": "2026-12-03 08:30:00",
    }
    assert rows[1].values["手机"] == "13800138000" and rows[1].values["数量"] == "5"
    assert rows[1].values["比例"] == "0.0000001" and rows[1].values["有效"] == "FALSE"
    assert [r.number for r in rows] == [4, 5]
    assert any("Sheet '名单'" in note for note in info.detection_notes)


def test_render_of_odd_values() -> None:
    assert render(None) == "" and render(float("nan")) == ""
    assert render(2.5e20) == "250000000000000000000"
    assert render(-0.5) == "-0.5"
    assert render(dt.time(9, 5)) == "09:05:00"


def test_xlsx_sheet_hint_and_missing_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "list.xlsx", [["a", "b"], ["1", "2"]])
    info, rows = read(path, FileHints(sheet="other"))
    assert info.headers == ("not", "read") and rows == []
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, FileHints(sheet="nope"))
    assert excinfo.value.code == "file.sheet_missing" and "名单" in excinfo.value.message


def test_xlsx_rows_far_apart_keep_their_numbers(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "list.xlsx", [["name", "phone"], ["a", "1"]])
    wb = openpyxl.load_workbook(path)
    wb["名单"]["A40"] = "far"
    wb.save(path)
    _info, rows = read(path)
    assert [(r.number, r.values["name"]) for r in rows] == [(2, "a"), (40, "far")]


def test_xlsx_escapes_are_decoded_once(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "list.xlsx",
        ["name", "note", "Line_x000D__x000A_two_x0000_", "literal _x005F_x0041_"],
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>',
    )
    _info, rows = read(path)
    assert rows[0].values == {"name": "Line\ntwo", "note": "literal _x0041_"}
    assert any("U+0000" in note for note in rows[0].notes)


def test_xlsx_inline_strings_are_decoded(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "list.xlsx", [["name", "n"], [None, 1]])
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        {'<c r="B2"': '<c r="A2" t="inlineStr"><is><t>A_x0042_C</t></is></c><c r="B2"'},
    )
    _info, rows = read(path)
    assert rows[0].values == {"name": "ABC", "n": "1"}


def test_xlsx_is_parsed_with_defusedxml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl.xml import functions

    assert functions.iterparse.__module__.startswith("defusedxml")
    path = minimal_xlsx(
        tmp_path / "list.xlsx",
        ["name", "&lol2;"],
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>',
        prolog='<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    )
    _info, rows = read(
        minimal_xlsx(
            tmp_path / "ok.xlsx",
            ["name", "x"],
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>',
        )
    )
    assert rows[0].values == {"name": "x"}  # the hand-made workbook is valid without the DTD
    with pytest.raises(FileRejected) as excinfo:
        open_table(path)
    assert excinfo.value.code == "file.xlsx_invalid"
    assert "EntitiesForbidden" in excinfo.value.message or "DTDForbidden" in excinfo.value.message

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(FileRejected) as excinfo:
        open_table(make_xlsx(tmp_path / "plain.xlsx", [["a"], ["b"]]))
    assert excinfo.value.code == "file.xlsx_unsafe_parser"


def bomb(path: Path, size: int) -> Path:
    """A valid workbook whose sheet holds ``size`` bytes of XML that compress very well."""
    make_xlsx(path, [["name"], ["x"]], extra_sheet=False)
    filler = '<row r="3"><c r="A3" t="inlineStr"><is><t>' + "A" * size + "</t></is></c></row>"
    rewrite_member(path, "xl/worksheets/sheet1.xml", {"</sheetData>": filler + "</sheetData>"})
    return path


def test_zip_bomb_by_ratio_is_refused_before_parsing(tmp_path: Path) -> None:
    path = bomb(tmp_path / "bomb.xlsx", 20 * 2**20)
    assert path.stat().st_size < 200_000
    with pytest.raises(FileRejected) as excinfo:
        open_table(path)
    assert excinfo.value.code == "file.xlsx_ratio"
    assert "max_xlsx_ratio" in excinfo.value.message and "sheet1.xml" in excinfo.value.message


def test_zip_bomb_by_declared_size_is_refused(tmp_path: Path) -> None:
    path = bomb(tmp_path / "big.xlsx", 2 * 2**20)
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, limits=Limits(max_xlsx_uncompressed=2**20, max_xlsx_ratio=10**6))
    assert excinfo.value.code == "file.xlsx_too_large"
    assert "max_xlsx_uncompressed" in excinfo.value.message and "1,048,576" in excinfo.value.message


def test_actual_bytes_are_counted_while_reading(tmp_path: Path) -> None:
    path = bomb(tmp_path / "big.xlsx", 2 * 2**20)
    with GuardedZipFile(path, Limits(max_xlsx_uncompressed=2**20)) as zf:
        with pytest.raises(FileRejected) as excinfo:
            zf.read("xl/worksheets/sheet1.xml")
    assert excinfo.value.code == "file.xlsx_too_large"
    with GuardedZipFile(path, Limits()) as zf:
        assert len(zf.read("xl/worksheets/sheet1.xml")) > 2 * 2**20
        assert zf.total_read > 2 * 2**20


def test_an_archive_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    path = bomb(tmp_path / "liar.xlsx", 3 * 2**20)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # central directory entries: declare 1,000 bytes for the sheet
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, 1000)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(FileRejected) as excinfo:
        _info, rows = open_table(path)
        list(rows)
    assert excinfo.value.code == "file.xlsx_invalid"


# --- streaming -----------------------------------------------------------------------------


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    note = "长期合作客户，年度采购计划已确认，需在每季度初联系采购部门确认订单数量与交付时间。" * 3
    line = (
        "深圳市腾达科技有限公司第{:07d}分公司,张伟,13800138000,sales{:07d}@tenda.cn,"
        f'广东省深圳市南山区科技园南区,"{note}\n第二行"\n'
    )
    with path.open("w", encoding="gb18030") as fh:
        fh.write("2026年采购名单\n公司名称,联系人,手机,邮箱,地址,备注\n")
        i = 0
        while fh.tell() < 50 * 2**20:
            fh.write("".join(line.format(i + k, i + k) for k in range(1000)))
            i += 1000
    assert path.stat().st_size >= 50 * 2**20
    tracemalloc.start()
    try:
        info, rows = open_table(path)
        count = 0
        last: Row | None = None
        for row in rows:
            count += 1
            last = row
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.encoding == "gb18030" and count == i
    assert last is not None and last.number == 2 * i + 1 and not last.problems
    assert last.values["备注"] == note + "\n第二行"
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB while reading a 50 MiB file"


# --- mapping -------------------------------------------------------------------------------


def test_apply_mapping() -> None:
    row = Row(
        number=2,
        values={
            "公司名称": " 深圳市腾达科技有限公司 ",
            "公司": "ignored: name already set",
            "手机": "13800138000",
            "手机2": "13912345678",
            "手机3": "13800138000",
            "邮箱": "",
            "Email": "a@x.cn",
            "备注": "unmapped",
            "跳过": "mapped to nothing",
        },
    )
    mapping = {
        "公司名称": "name",
        "公司": "name",
        "手机": "mobile",
        "手机2": "mobile",
        "手机3": "mobile",
        "邮箱": "email",
        "Email": "email",
        "跳过": "",
        "not in file": "city",
    }
    assert apply_mapping(row, mapping) == {
        "name": "深圳市腾达科技有限公司",
        "mobile": "13800138000; 13912345678",
        "email": "a@x.cn",
    }
    empty_first = Row(number=3, values={"公司名称": "", "公司": "Tenda"})
    assert apply_mapping(empty_first, mapping) == {"name": "Tenda"}
    assert missing_columns(row.values, mapping) == ["not in file"]
    with pytest.raises(ValueError, match="partner_name"):
        apply_mapping(row, {"公司名称": "partner_name"})


# --- more line ends, delimiters by name, float display -------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_macintosh_csv_with_cr_line_ends(tmp_path: Path, encoding: str) -> None:
    text = 'title\r\r名称,电话\r腾达,"0755\r8888"\r华为,13912345678\r'
    info, rows = read(write(tmp_path, text.encode(encoding)))
    assert info.header_row == 3 and info.headers == ("名称", "电话")
    assert [(r.number, r.values["名称"]) for r in rows] == [(4, "腾达"), (6, "华为")]
    assert rows[0].values["电话"] == "0755\n8888"
    assert any("CR alone" in note for note in info.detection_notes)


def test_delimiter_hint_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, b"a\tb\n1\t2\n")
    for name in ("tab", "\\t", "\t", "TAB"):
        info, rows = read(path, FileHints(delimiter=name))
        assert info.delimiter == "\t" and rows[0].values == {"a": "1", "b": "2"}


def test_floats_show_as_excel_shows_them() -> None:
    assert render(0.1 + 0.2) == "0.3"
    assert render(1234.5678) == "1234.5678"


def test_xlsx_sheet_is_reported(tmp_path: Path) -> None:
    info, _rows = read(make_xlsx(tmp_path / "list.xlsx", [["a"], ["b"]]))
    assert info.sheet == "名单"
    info, _rows = read(write(tmp_path, b"a\nb\n"))
    assert info.sheet is None


def test_shared_string_table_limit(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "list.xlsx",
        ["name", "x" * 5000],
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>',
    )
    with pytest.raises(FileRejected) as excinfo:
        open_table(path, limits=Limits(max_xlsx_shared_strings=1000))
    assert excinfo.value.code == "file.xlsx_too_large" and "max_xlsx_shared_strings" in excinfo.value.message


def test_short_chinese_sample_is_not_taken_for_korean_but_korean_stays_korean(tmp_path: Path) -> None:
    info, rows = read(write(tmp_path, "名称,电话\n腾达,0755\n华为,139\n".encode("gbk")))
    assert info.encoding == "gb18030" and rows[0].values == {"名称": "腾达", "电话": "0755"}
    korean = "이름,전화\n김철수,010-1234-5678\n이영희,010-9876-5432\n서울특별시 강남구,부산광역시\n"
    info, rows = read(write(tmp_path, korean.encode("euc-kr")))
    assert info.encoding != "gb18030" and rows[0].values == {"이름": "김철수", "전화": "010-1234-5678"}


def test_xlsx_memory_does_not_grow_with_the_sheet(tmp_path: Path) -> None:
    def peak(rows: int) -> int:
        path = tmp_path / f"{rows}.xlsx"
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("名单")
        ws.append(["公司名称", "联系人", "手机", "邮箱", "地址"])
        for i in range(rows):
            ws.append(
                [f"深圳市腾达科技有限公司第{i}分公司", "张伟", 13800138000 + i, f"s{i}@x.cn", "广东省深圳市"]
            )
        wb.save(path)
        tracemalloc.start()
        try:
            _info, it = open_table(path)
            assert sum(1 for _ in it) == rows
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1500), peak(6000)
    assert large < small + 2 * 2**20, (
        f"{small / 2**20:.1f} MiB for 1500 rows, {large / 2**20:.1f} MiB for 6000"
    )


def test_xlsx_unnamed_columns_with_data_are_read_not_rejected(tmp_path: Path) -> None:
    rows_in: list[list[object]] = [["name", "phone", None], ["Tenda", 1, "note a"], ["Huawei", 2, None]]
    rows_in += [["x", 3]] * 80 + [["late", 4, None, "beyond the header"]]
    info, rows = read(make_xlsx(tmp_path / "list.xlsx", rows_in))
    assert info.headers == ("name", "phone", "column 3")
    assert rows[0].values == {"name": "Tenda", "phone": "1", "column 3": "note a"}
    late = rows[-1]
    assert late.values == {"name": "late", "phone": "4", "column 3": ""} and not late.problems
    assert any("column 4" in note and "beyond the header" in note for note in late.notes)


def test_file_rejected_survives_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(FileRejected("file.too_large", "The file is too large.")))  # noqa: S301 (our own bytes)
    assert (error.code, error.message) == ("file.too_large", "The file is too large.")
    assert str(error) == "The file is too large. (file.too_large)"
    coded = FileRejected("file.no_name_column", "No column ...", {"columns": "a, b"})
    assert pickle.loads(pickle.dumps(coded)).params == {"columns": "a, b"}  # noqa: S301 (our own bytes)
