"""The benchmark data generator: deterministic, labelled right, identifiers valid unless mistyped."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter, defaultdict

import phonenumbers
import pytest
from stdnum import lei as stdnum_lei
from stdnum.cn import uscc as stdnum_uscc
from stdnum.eu import vat as stdnum_vat

from bench import datagen
from bench.datagen import Company, Person, entity, file_records, incoming_records, index_records
from bench.identifiers import (
    is_valid_uscc,
    make_uscc,
    mistype,
    org_code_check_char,
    uscc_check_char,
)

SEED = 11


@pytest.fixture(scope="module")
def linked() -> tuple[list[datagen.LabelledRecord], list[datagen.LabelledRecord]]:
    return list(index_records(3000, SEED)), list(incoming_records(3000, 3000, SEED))


def test_same_seed_same_records_and_another_seed_other_records() -> None:
    first = [r.raw for r in file_records(400, 5)]
    again = [r.raw for r in file_records(400, 5)]
    other = [r.raw for r in file_records(400, 6)]
    assert first == again
    assert sum(a != b for a, b in zip(first, other, strict=True)) > 350
    assert [r.raw for r in incoming_records(300, 1000, 5)] == [r.raw for r in incoming_records(300, 1000, 5)]


def test_entities_do_not_depend_on_the_size_of_the_data_set() -> None:
    small = list(index_records(50, SEED))
    large = list(index_records(500, SEED))
    assert [r.raw for r in small] == [r.raw for r in large[:50]]
    assert [r.raw for r in index_records(60, SEED, start=40)] == [r.raw for r in large[40:60]]


def test_uscc_check_characters_match_the_standard() -> None:
    # published codes: Huawei Technologies Co., Ltd. and the stdnum example
    assert is_valid_uscc("914403001922038216")
    assert is_valid_uscc("91110000600037341L")
    assert not is_valid_uscc("914403001922038217")
    # GB 11714 organisation-code check character: 19220382-1 (Huawei) and 60003734-1
    assert org_code_check_char("19220382") == "1"
    assert org_code_check_char("60003734") == "1"
    rng = random.Random(3)
    for kind in ("91", "92", "51", "12", "N2", "A1", "Y1"):
        for _ in range(50):
            code = make_uscc(rng, kind, "440305")
            assert is_valid_uscc(code), code
            assert code[:2] == kind and code[2:8] == "440305"
            assert uscc_check_char(code[:17]) == stdnum_uscc.calc_check_digit(code[:17])
            if kind.startswith("9"):
                assert stdnum_uscc.is_valid(code)
            assert not is_valid_uscc(mistype(rng, code))


def _by_entity(records: list[datagen.LabelledRecord]) -> dict[int, list[datagen.LabelledRecord]]:
    groups: dict[int, list[datagen.LabelledRecord]] = defaultdict(list)
    for record in records:
        groups[record.entity].append(record)
    return groups


def _uscc(raw: dict[str, str]) -> str | None:
    for field in ("uscc", "vat"):
        value = unicodedata.normalize("NFKC", raw.get(field, ""))
        if len(value) == 18 and not value[:2].isalpha():
            return value
    return None


def test_identifiers_are_valid_unless_the_record_is_tagged_as_mistyped(linked) -> None:
    index, incoming = linked
    counts: Counter[str] = Counter()
    for record in index + incoming:
        e = entity(SEED, record.entity)
        if not isinstance(e, Company):
            assert not {"uscc", "vat", "lei"} & set(record.raw)
            continue
        validity = []
        if (code := _uscc(record.raw)) is not None:
            validity.append(is_valid_uscc(code))
            assert validity[-1] == (code == e.uscc)
        if e.vat and "vat" in record.raw:
            vat = record.raw["vat"].replace(" ", "")
            validity.append(stdnum_vat.is_valid(vat if vat[:2].isalpha() else e.country + vat))
        if "lei" in record.raw:
            validity.append(stdnum_lei.is_valid(record.raw["lei"]))
            assert validity[-1] == (record.raw["lei"] == e.lei)
        typo = "id_typo" in record.corruptions
        assert validity.count(False) == (1 if typo else 0), (record.raw, record.corruptions)
        counts["identifiers"] += len(validity)
        counts["typo"] += typo
    assert counts["identifiers"] > 1000
    assert 0 < counts["typo"] < 0.05 * counts["identifiers"]


def test_duplicates_share_their_entity_facts_where_not_corrupted(linked) -> None:
    index, incoming = linked
    checked = 0
    for records in _by_entity(index + incoming).values():
        if len(records) < 2:
            continue
        ids = {_uscc(r.raw) for r in records if "id_typo" not in r.corruptions} - {None}
        emails = {
            r.raw["email"].lower()
            for r in records
            if "email" in r.raw and "email_changed" not in r.corruptions
        }
        kinds = {r.raw["kind"] for r in records}
        assert len(ids) <= 1 and len(emails) <= 1 and len(kinds) == 1
        checked += 1
    assert checked > 500


def test_the_index_has_one_record_per_entity_and_the_incoming_list_the_documented_shares(linked) -> None:
    index, incoming = linked
    assert [r.entity for r in index] == list(range(3000))
    assert all(r.raw["key"] == f"P{r.entity}" and not r.duplicate for r in index)
    assert all(set(r.corruptions) <= {"id_typo"} for r in index)
    existing = sum(r.entity < 3000 for r in incoming) / len(incoming)
    assert 0.26 < existing < 0.34
    firsts = [r for r in incoming if r.entity >= 3000 and not r.duplicate]
    repeats = [r for r in incoming if r.entity >= 3000 and r.duplicate]
    assert 0.55 < len(firsts) / len(incoming) < 0.68
    assert 0.04 < len(repeats) / len(incoming) < 0.12
    # each duplicate carries between one and four corruptions (plus, rarely, an identifier typo)
    for record in incoming:
        real = [c for c in record.corruptions if c != "id_typo"]
        assert (1 <= len(real) <= 4) if record.duplicate else not real


def test_file_mode_duplicates_earlier_records() -> None:
    records = list(file_records(3000, SEED))
    seen: set[int] = set()
    for record in records:
        assert record.duplicate == (record.entity in seen)
        seen.add(record.entity)
    share = sum(r.duplicate for r in records) / len(records)
    assert 0.16 < share < 0.24
    assert max(Counter(r.entity for r in records).values()) >= 3  # clusters larger than pairs occur


def test_corruptions_show_in_the_record(linked) -> None:
    _, incoming = linked
    seen = Counter()
    for record in incoming:
        e = entity(SEED, record.entity)
        name = record.raw["name"]
        if isinstance(e, Company) and e.chinese and e.han_primary:
            if "script_swap" in record.corruptions:
                assert name.isascii() or "fullwidth" in record.corruptions
                seen["script_swap"] += 1
        if "fullwidth" in record.corruptions and any("\uff01" <= c <= "\uff5e" for c in name):
            seen["fullwidth"] += 1
        if isinstance(e, Person) and not e.chinese and "name_order" in record.corruptions:
            assert not name.lower().startswith(e.given.lower()) or "nickname_initial" in record.corruptions
            seen["name_order"] += 1
    assert seen["script_swap"] > 5 and seen["fullwidth"] > 5 and seen["name_order"] > 5


def test_phone_numbers_are_valid_for_their_country(linked) -> None:
    index, _ = linked
    valid = total = 0
    for record in index:
        e = entity(SEED, record.entity)
        country = e.country if isinstance(e, Company) else e.mobile.country
        for field in ("phone", "mobile"):
            if field in record.raw:
                total += 1
                try:
                    valid += phonenumbers.is_valid_number(phonenumbers.parse(record.raw[field], country))
                except phonenumbers.NumberParseException:
                    pass
    # the rest: Chinese landlines written without their area code, colleagues' office lines abroad
    assert total > 2500 and valid / total > 0.96


def test_names_look_like_the_lists_they_imitate(linked) -> None:
    index, _ = linked
    names = [r.raw["name"] for r in index if r.raw["kind"] == "company"]
    assert any(n.endswith("有限公司") for n in names)
    assert any(n.endswith("股份有限公司") for n in names)
    assert any(n.endswith("GmbH") for n in names) and any(n.endswith(("Ltd", "Inc.", "LLC")) for n in names)
    assert any("Co., Ltd" in n for n in names)
    persons = [entity(SEED, r.entity) for r in index if r.raw["kind"] == "person"]
    surnames = {p.family for p in persons if isinstance(p, Person) and p.chinese}
    assert len(surnames) > 40
    assert all(isinstance(p, Person) and p.employer.brand for p in persons)


_FREE_MAIL = frozenset(datagen.vocab.CN_FREE_MAIL + datagen.vocab.WEST_FREE_MAIL)


def _shared_addresses(records: list[datagen.LabelledRecord]) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = defaultdict(set)
    for record in records:
        if "email" in record.raw:
            owners[record.raw["email"].lower()].add(record.entity)
    return {address: entities for address, entities in owners.items() if len(entities) > 1}


def test_different_entities_never_share_an_e_mail_address(linked) -> None:
    # an exact e-mail is strong evidence for the matcher: the generator must not hand one
    # address to two real-world entities (it models no shared generic mailboxes)
    index, incoming = linked
    records = list(file_records(20_000, SEED))
    assert sum("email" in r.raw for r in records) > 10_000
    assert _shared_addresses(records) == {}
    assert _shared_addresses(index + incoming) == {}


def test_company_domains_and_person_addresses_are_unique_per_entity() -> None:
    domains: dict[str, int] = {}
    addresses: dict[str, int] = {}
    bare = own = 0
    for i in range(20_000):
        e = entity(SEED, i)
        mine = [e.email] if isinstance(e, Company) else [e.email, e.private_email]
        for address in mine:
            assert addresses.setdefault(address, i) == i, (address, addresses[address], i)
        if isinstance(e, Company):
            local, _, domain = e.email.partition("@")
            if domain in _FREE_MAIL:
                continue
            assert domains.setdefault(domain, i) == i, (domain, domains[domain], i)
            # plausible: lower-case ASCII, made from the trade name (pinyin for Chinese names)
            stem = datagen._domain_word(e.brand_latin if not e.chinese else datagen.pinyin_word(e.brand))
            label = domain.split(".")[0]
            assert domain.isascii() and domain == domain.lower() and local
            own += 1
            bare += label == stem
        else:
            # the work address sits at the employer's own domain, the private one elsewhere
            employer_domain = e.employer.email.partition("@")[2]
            if employer_domain not in _FREE_MAIL:
                at_work = [a for a in mine if a.endswith("@" + employer_domain)]
                assert len(at_work) == 1, (mine, employer_domain)
    assert own > 8000
    assert 0.3 < bare / own < 1  # most keep the bare name; later namesakes get a disambiguator


def test_an_entity_made_again_keeps_the_addresses_it_took() -> None:
    # entities are made once in id order (taking addresses), later ones replay their choices
    book = datagen._AddressBook(SEED, datagen.Rates())
    first = [book.entity(i) for i in range(3000)]
    book.recent.clear()
    assert [book.entity(i) for i in range(2999, -1, -1)][::-1] == first
    assert [entity(SEED, i) for i in range(3000)] == first
    # namesakes are told apart (some take a second choice) and every later one still resolves
    assert sum(book.choices) > 0
    fresh = datagen._AddressBook(SEED, datagen.Rates())
    assert fresh.entity(2500) == first[2500]  # made from scratch: the same entity
