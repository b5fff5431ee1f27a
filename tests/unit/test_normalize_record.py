"""normalize_record: every field, problems reported, invalid values never used as keys."""

from __future__ import annotations

from sync_worker.normalize import normalize_record, normalize_row


def test_a_chinese_company_row() -> None:
    record = normalize_record(
        {
            "key": "row-7",
            "name": "深圳市腾讯计算机系统有限公司",
            "vat": "91440300708461136T",  # Odoo keeps the USCC in the VAT field
            "phone": "0755-8601 3388 / 138 0013 8000",
            "email": "IR@Tencent.com; bad@@x",
            "address": "广东省深圳市南山区科技中一路腾讯大厦",
        }
    )
    assert record.key == "row-7" and record.kind == "company"
    assert record.uscc == "91440300708461136T" and record.vat is None
    assert record.name_norm == "腾讯计算机系统" and record.name_pinyin == "tengxun"
    assert record.legal_form == "cn.llc" and record.name_location == "shenzhen"
    assert record.phones == ("+8675586013388", "+8613800138000")
    assert record.emails == ("ir@tencent.com",)
    assert (record.country, record.province, record.city, record.district) == (
        "CN",
        "广东省",
        "深圳市",
        "南山区",
    )
    assert [p.code for p in record.problems] == ["email.invalid"]


def test_a_western_person_row() -> None:
    record = normalize_record(
        {
            "key": 3,
            "kind": "person",
            "name": "Wei LI",
            "company": "Huawei Technologies Co., Ltd.",
            "mobile": ["+86 139 1234 5678", "+86 139 1234 5678"],
            "country": "P.R. China",
            "city": "Shenzhen",
        }
    )
    assert record.kind == "person" and record.key == "3"
    assert record.name_norm == "li wei" and record.name_tokens == ("li", "wei")
    assert record.company_norm == "huawei"
    assert record.phones == ("+8613912345678",)  # duplicates collapse
    assert (record.country, record.city) == ("CN", "深圳市")
    assert record.problems == ()


def test_invalid_identifiers_are_reported_and_never_used() -> None:
    record = normalize_record(
        {"name": "Acme GmbH", "uscc": "91350100M000100Y44", "vat": "DE136695977", "lei": "123", "phone": "12"}
    )
    assert record.uscc is None and record.vat is None and record.lei is None and record.phones == ()
    assert {p.code for p in record.problems} == {
        "uscc.checksum",
        "vat.checksum",
        "lei.length",
        "phone.invalid",
    }
    assert all(p.reason for p in record.problems)


def test_valid_identifiers_are_compacted() -> None:
    record = normalize_record({"name": "Bosch", "vat": "de 136 695 976", "lei": "5493 00FX ZCP8 2YTG 8S22"})
    assert (record.vat, record.lei) == ("DE136695976", "549300FXZCP82YTG8S22")


def test_oversized_and_missing_values() -> None:
    record = normalize_record({"name": "x" * 100_000, "email": None, "phone": None})
    assert len(record.name) <= 512
    empty = normalize_record({})
    assert empty.name_norm == "" and [p.code for p in empty.problems] == ["name.empty"]


def test_formula_injection_is_just_text() -> None:
    record = normalize_record({"name": '=HYPERLINK("http://evil","Acme") Ltd', "email": "=cmd|' /C calc'!A0"})
    assert record.name_norm.startswith("hyperlink")
    assert record.emails == () and record.problems


def test_stored_values_keep_the_sources_spelling_while_matching_folds() -> None:
    record, shown = normalize_row(
        {
            "name": " Example \x00Trading\u3000 Ltd ",
            "country": "GB",
            "state": "Greater London",
            "city": "London",
            "district": "Marylebone",
            "street": "12  Baker Street",
            "zip": "NW1 6XE",
            "email": "John.Smith@Example.CO.UK",
        }
    )
    assert (shown.name, shown.province, shown.city, shown.district, shown.street, shown.zip) == (
        "Example Trading Ltd",
        "Greater London",
        "London",
        "Marylebone",
        "12 Baker Street",
        "NW1 6XE",
    )
    assert shown.emails == ("John.Smith@example.co.uk",)  # the domain only is case-blind (RFC 5321)
    # the folded forms stay what matching compares
    assert (record.city, record.street, record.zip, record.emails) == (
        "london",
        "12 baker street",
        "nw16xe",
        ("john.smith@example.co.uk",),
    )
    assert normalize_row({"name": "X", "street": "Ｎｏ．１２ Ｍａｉｎ Ｓｔ"})[1].street == "No．12 Main St"


def test_a_free_text_address_next_to_a_city_column_keeps_its_street() -> None:
    record, shown = normalize_row(
        {"name": "厦门鹭江贸易有限公司", "city": "厦门", "address": "思明区湖滨南路 88 号"}
    )
    assert (record.country, shown.province, shown.city, shown.district, shown.street) == (
        "CN",
        "福建省",
        "厦门市",
        "思明区",
        "湖滨南路 88 号",
    )
    assert record.street == "湖滨南路88号" and record.district == "思明区"
    _record, shown = normalize_row(
        {"name": "福州闽江有限公司", "city": "福州", "address": "福州市鼓楼区五四路128号"}
    )
    assert (shown.city, shown.district, shown.street) == ("福州市", "鼓楼区", "五四路128号")


def test_places_of_a_free_text_address_that_contradict_the_columns_are_not_taken() -> None:
    _record, shown = normalize_row(
        {"name": "厦门鹭江贸易有限公司", "city": "厦门", "address": "福州市鼓楼区五四路128号"}
    )
    assert (shown.city, shown.district, shown.street) == ("厦门市", None, "福州市鼓楼区五四路128号")
    # 朝阳区 is in Beijing and in Changchun: taken next to 北京, not next to 上海
    _record, shown = normalize_row({"name": "x", "city": "北京", "address": "朝阳区建国路1号"})
    assert (shown.district, shown.street) == ("朝阳区", "建国路1号")
    _record, shown = normalize_row({"name": "x", "city": "上海", "address": "朝阳区建国路1号"})
    assert (shown.district, shown.street) == (None, "朝阳区建国路1号")
    # a street column wins over the free text's rest
    _record, shown = normalize_row(
        {"name": "x", "city": "厦门", "street": "湖滨南路88号", "address": "思明区"}
    )
    assert (shown.district, shown.street) == ("思明区", "湖滨南路88号")
