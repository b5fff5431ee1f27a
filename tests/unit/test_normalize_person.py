"""Person names: Chinese and Western order, compound surnames, pinyin, initials."""

from __future__ import annotations

import pytest

from sync_worker.normalize import Invalid, normalize_person_name


@pytest.mark.parametrize(
    ("name", "family", "given", "key"),
    [
        ("李伟", "李", "伟", "li wei"),
        ("欧阳修", "欧阳", "修", "ouyang xiu"),  # compound surname
        ("司马相如", "司马", "相如", "sima xiangru"),
        ("張偉", "张", "伟", "zhang wei"),  # Traditional
        ("王小明先生", "王", "小明", "wang xiaoming"),  # honorific removed
        ("LI Wei", "li", "wei", "li wei"),  # upper case marks the family name
        ("Wei LI", "li", "wei", "li wei"),
        ("Li, Wei", "li", "wei", "li wei"),  # comma: family name first
        ("Wang Xiaoming", "wang", "xiaoming", "wang xiaoming"),
        ("Xiao Ming Wang", "wang", "xiaoming", "wang xiaoming"),
        ("John Smith", "smith", "john", "smith john"),
        ("Smith, John", "smith", "john", "smith john"),
        ("Dr. John A. Smith", "smith", "john a", "smith john a"),
        ("Anna-Lena Müller", "muller", "anna lena", "muller anna lena"),
    ],
)
def test_family_name_first(name: str, family: str, given: str, key: str) -> None:
    result = normalize_person_name(name)
    assert not isinstance(result, Invalid)
    assert (result.family, result.given, result.key) == (family, given, key)


def test_order_free_tokens_meet_whatever_the_order() -> None:
    assert (
        normalize_person_name("李伟").tokens
        == normalize_person_name("Wei Li").tokens
        == normalize_person_name("Li Wei").tokens
    )


def test_initials_and_script() -> None:
    assert normalize_person_name("Dr. John A. Smith").initials == "sja"
    assert normalize_person_name("欧阳修").is_chinese
    assert normalize_person_name("Li Wei").is_chinese
    assert not normalize_person_name("John Smith").is_chinese


@pytest.mark.parametrize("value", ["", "  ", "Dr.", "Mr. Mrs."])
def test_empty_names_are_invalid(value: str) -> None:
    result = normalize_person_name(value)
    assert isinstance(result, Invalid) and result.code == "person.empty"
