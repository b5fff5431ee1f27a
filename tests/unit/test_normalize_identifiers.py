"""USCC (GB 32100-2015), EU VAT and LEI: hand-checked valid and invalid identifiers."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from sync_worker.normalize import Invalid, normalize_lei, normalize_uscc, normalize_vat
from sync_worker.normalize.identifiers import USCC_CATEGORIES, uscc_check_char

# Hand-computed: sum of (alphabet index x weight) over the first 17 characters, then
# (31 - sum % 31) % 31 indexes the check character. E.g. for N2110000MA01234567:
# N=22,2,1,1,0,0,0,0,M=21,A=10,0,1,2,3,4,5,6 with weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28
# -> 22+6+9+27+0+0+0+0+420+290+0+13+16+72+40+150+168 = 1233; 1233 % 31 = 24; 31-24 = 7 -> '7'.
VALID = [
    "91350100M000100Y43",  # enterprise (工商 / 企业), the standard's own example
    "N2110000MA01234567",  # 农业: village-level collective economic organisation
    "Y1110000MA01234562",  # 其他
    "A1110000MA0123456N",  # 中央军委改革和编制办公室: military public institution
    "51100000500018920X",  # 民政: social organisation
    "12100000400000624D",  # 机构编制: public institution
]


@pytest.mark.parametrize("code", VALID)
def test_valid_usccs_of_every_kind_of_authority(code: str) -> None:
    assert normalize_uscc(code) == code
    assert normalize_uscc(code.lower()) == code
    assert normalize_uscc(f" {code[:6]} {code[6:12]}-{code[12:]} ") == code


def test_the_hand_computed_check_character() -> None:
    assert uscc_check_char("N2110000MA0123456") == "7"
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("prefix", ["N2", "Y1", "A1"])
def test_prefixes_that_python_stdnum_wrongly_rejects(prefix: str) -> None:
    code = next(c for c in VALID if c.startswith(prefix))
    with pytest.raises(ValidationError):
        stdnum_uscc.validate(code)  # the library's limitation this module exists for
    assert normalize_uscc(code) == code


def test_every_authority_and_category_is_accepted_with_a_correct_check_character() -> None:
    for authority, categories in USCC_CATEGORIES.items():
        for category in categories:
            first17 = f"{authority}{category}110000MA0000001"
            code = first17 + uscc_check_char(first17)
            assert normalize_uscc(code) == code, code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "uscc.checksum"),
        ("91350100M000100Y4", "uscc.length"),
        ("9135010OM000100Y43", "uscc.characters"),  # letter O is not in the alphabet
        ("B1350100M000100Y43", "uscc.authority"),
        ("94350100M000100Y43", "uscc.category"),  # 工商 has categories 1, 2, 3 only
        ("913501A0M000100Y43", "uscc.division"),
        ("", "uscc.empty"),
    ],
)
def test_invalid_usccs_say_why(value: str, code: str) -> None:
    result = normalize_uscc(value)
    assert isinstance(result, Invalid)
    assert result.code == code
    assert result.reason


def test_full_width_uscc_is_accepted() -> None:
    assert normalize_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_eu_vat() -> None:
    assert normalize_vat("DE 136 695 976") == "DE136695976"
    assert normalize_vat("fr40303265045") == "FR40303265045"
    bad = normalize_vat("DE136695977")
    assert isinstance(bad, Invalid) and bad.code == "vat.checksum"
    assert isinstance(normalize_vat("XX123"), Invalid)


def test_lei() -> None:
    assert normalize_lei("5493 00FX ZCP8 2YTG 8S22") == "549300FXZCP82YTG8S22"
    bad = normalize_lei("549300FXZCP82YTG8S23")
    assert isinstance(bad, Invalid) and bad.code == "lei.checksum"
