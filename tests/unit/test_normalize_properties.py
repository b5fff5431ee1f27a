"""Property-based: normalisers never raise on arbitrary text and are idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_worker.normalize import (
    Invalid,
    normalize_company_name,
    normalize_country,
    normalize_email,
    normalize_lei,
    normalize_person_name,
    normalize_phone,
    normalize_record,
    normalize_uscc,
    normalize_vat,
    parse_chinese_address,
)
from sync_worker.normalize.text import _traditional_to_simplified, fold, to_simplified

SLOW_OK = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
# Text of every kind: ASCII, CJK, full-width forms, punctuation, controls, surrogate-free unicode.
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=30),
    st.text(alphabet="0123456789+-() 转ext.", max_size=25),
)


@SLOW_OK
@given(TEXT)
def test_no_normaliser_raises(text: str) -> None:
    for function in (
        normalize_company_name,
        normalize_person_name,
        normalize_email,
        normalize_uscc,
        normalize_vat,
        normalize_lei,
        normalize_country,
        parse_chinese_address,
        fold,
    ):
        function(text)
    normalize_phone(text, "CN")


@SLOW_OK
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "key",
                "kind",
                "name",
                "company",
                "uscc",
                "vat",
                "lei",
                "phone",
                "mobile",
                "email",
                "country",
                "state",
                "city",
                "address",
                "zip",
            ]
        ),
        st.one_of(TEXT, st.none(), st.integers(), st.lists(TEXT, max_size=3)),
    )
)
def test_normalize_record_never_raises(raw: dict) -> None:
    record = normalize_record(raw)
    assert all(isinstance(p, Invalid) and p.reason for p in record.problems)


@SLOW_OK
@given(TEXT)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@SLOW_OK
@given(TEXT)
def test_identifier_normalisation_is_idempotent(text: str) -> None:
    for function in (normalize_uscc, normalize_vat, normalize_lei):
        once = function(text)
        if not isinstance(once, Invalid):
            assert function(once) == once


@SLOW_OK
@given(TEXT)
def test_phone_and_email_normalisation_is_idempotent(text: str) -> None:
    phone = normalize_phone(text, "CN")
    if not isinstance(phone, Invalid):
        assert normalize_phone(phone.e164, "CN").e164 == phone.e164
    email = normalize_email(text)
    if not isinstance(email, Invalid):
        assert normalize_email(email.normalized).normalized == email.normalized


@SLOW_OK
@given(TEXT)
def test_company_key_is_stable_under_refolding(text: str) -> None:
    once = normalize_company_name(text)
    if not isinstance(once, Invalid):
        again = normalize_company_name(once.folded)
        assert not isinstance(again, Invalid)
        assert again.key == once.key and again.legal_form == once.legal_form


def test_simplified_chinese_folding_is_idempotent_for_every_character_of_the_table() -> None:
    """OpenCC's entries chain (薴 -> 苧 -> 苎); folding once must reach the end of the chain,
    or a folded company key folds to another key (苧 reads ning, 苎 reads zhu)."""
    chars = [chr(code) for code in _traditional_to_simplified()]
    assert len(chars) > 3000
    assert [c for c in chars if to_simplified(to_simplified(c)) != to_simplified(c)] == []
    assert to_simplified("薴") == to_simplified("苧") == "苎"
