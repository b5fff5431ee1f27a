"""Company names: legal forms from the table, branches, locations, cross-script keys."""

from __future__ import annotations

import pytest

from sync_worker.normalize import Invalid, normalize_company_name


@pytest.mark.parametrize(
    ("name", "core", "legal_form", "key"),
    [
        ("华为技术有限公司", "华为技术", "cn.llc", "huawei"),
        ("Huawei Technologies Co., Ltd.", "huawei technologies", "ltd", "huawei"),
        ("華為技術有限公司", "华为技术", "cn.llc", "huawei"),  # Traditional = Simplified
        ("ＨＵＡＷＥＩ　ＴＥＣＨＮＯＬＯＧＩＥＳ　ＣＯ．，ＬＴＤ．", "huawei technologies", "ltd", "huawei"),
        ("小米科技有限责任公司", "小米科技", "cn.llc", "xiaomi"),
        ("Xiaomi Inc.", "xiaomi", "inc", "xiaomi"),
        ("中国平安保险（集团）股份有限公司", "平安保险", "cn.jsc", "pingan"),
        ("阿里巴巴集团控股有限公司", "阿里巴巴", "cn.llc", "alibaba"),
        ("Alibaba Group Holding Limited", "alibaba", "ltd", "alibaba"),
        ("Robert Bosch GmbH", "robert bosch", "de.gmbh", "robertbosch"),
        ("Siemens AG", "siemens", "de.ag", "siemens"),
        ("BASF SE", "basf", "eu.se", "basf"),
        ("Société Générale S.A.", "societe generale", "fr.sa", "societegenerale"),
        ("Acme Pty Ltd", "acme", "pty_ltd", "acme"),
    ],
)
def test_legal_form_is_separated_and_the_key_meets_across_scripts(
    name: str, core: str, legal_form: str, key: str
) -> None:
    result = normalize_company_name(name)
    assert not isinstance(result, Invalid)
    assert (result.core, result.legal_form, result.key) == (core, legal_form, key)


def test_longest_suffix_wins() -> None:
    assert normalize_company_name("招商银行股份有限公司").legal_form == "cn.jsc"
    assert normalize_company_name("招商银行有限公司").legal_form == "cn.llc"


def test_branch_and_location() -> None:
    branch = normalize_company_name("华为技术有限公司深圳分公司")
    assert branch.is_branch and branch.location == "shenzhen" and branch.key == "huawei"
    assert not normalize_company_name("华为技术有限公司").is_branch
    assert normalize_company_name("Acme Ltd Shanghai Branch").is_branch
    tencent = normalize_company_name("深圳市腾讯计算机系统有限公司")
    assert (tencent.location, tencent.key) == ("shenzhen", "tengxun")
    assert normalize_company_name("腾讯科技（深圳）有限公司").location == "shenzhen"
    assert normalize_company_name("Beijing Baidu Netcom Science Technology Co Ltd").location == "beijing"


def test_ordinary_words_are_not_taken_for_places() -> None:
    # 阿里 is also a prefecture (阿里地区), but only its full name counts as a location
    assert normalize_company_name("阿里巴巴有限公司").location is None
    assert normalize_company_name("阿里巴巴有限公司").key == "alibaba"


def test_a_name_made_of_generic_words_keeps_its_location() -> None:
    assert normalize_company_name("上海汽车集团股份有限公司").key == "shanghaiqiche"


def test_a_name_that_is_only_a_legal_form_is_kept_whole() -> None:
    assert normalize_company_name("Limited").core == "limited"
    assert normalize_company_name("有限公司").core


def test_empty_names_are_invalid() -> None:
    for value in ("", "   ", "（）", "---"):
        result = normalize_company_name(value)
        assert isinstance(result, Invalid) and result.code == "name.empty"
