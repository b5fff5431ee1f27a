"""Chinese addresses and countries."""

from __future__ import annotations

import pytest

from sync_worker.normalize import Invalid, normalize_country, parse_chinese_address
from sync_worker.normalize.address import canonical_place


@pytest.mark.parametrize(
    ("address", "province", "city", "district", "street"),
    [
        ("广东省深圳市南山区科苑路15号", "广东省", "深圳市", "南山区", "科苑路15号"),
        ("深圳南山区科苑路15号", "广东省", "深圳市", "南山区", "科苑路15号"),
        ("浙江杭州西湖区文三路", "浙江省", "杭州市", "西湖区", "文三路"),
        ("上海市浦东新区张江路88号", "上海市", "上海市", "浦东新区", "张江路88号"),
        ("北京朝阳区建国路1号", "北京市", "北京市", "朝阳区", "建国路1号"),
        ("廣東省廣州市天河區體育西路", "广东省", "广州市", "天河区", "体育西路"),  # Traditional
        ("江苏省苏州市工业园区星湖街", "江苏省", "苏州市", None, "工业园区星湖街"),
        ("四川省 成都市 武侯区", "四川省", "成都市", "武侯区", ""),
    ],
)
def test_chinese_addresses(address, province, city, district, street) -> None:
    parsed = parse_chinese_address(address)
    assert (parsed.province, parsed.city, parsed.district, parsed.street) == (
        province,
        city,
        district,
        street,
    )


def test_an_ambiguous_district_alone_infers_nothing() -> None:
    parsed = parse_chinese_address("朝阳区")  # Beijing and Changchun both have one
    assert parsed.district == "朝阳区" and parsed.city is None and parsed.division_code is None


def test_an_address_without_divisions() -> None:
    parsed = parse_chinese_address("科苑路15号")
    assert parsed.province is None and parsed.street == "科苑路15号"


def test_pinyin_place_names() -> None:
    assert canonical_place("Shenzhen") == "深圳市"
    assert canonical_place("GUANGDONG") == "广东省"
    assert canonical_place("Suzhou") is None  # 苏州 and 宿州: ambiguous


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("中国", "CN"),
        ("中华人民共和国", "CN"),
        ("P.R. China", "CN"),
        ("PRC", "CN"),
        ("cn", "CN"),
        ("CHN", "CN"),
        ("Deutschland", "DE"),
        ("德国", "DE"),
        ("Germany", "DE"),
        ("United Kingdom", "GB"),
        ("USA", "US"),
        ("香港", "HK"),
        ("France", "FR"),
    ],
)
def test_countries(value: str, code: str) -> None:
    assert normalize_country(value) == code


def test_unknown_country() -> None:
    result = normalize_country("Atlantis")
    assert isinstance(result, Invalid) and result.code == "country.unknown"
