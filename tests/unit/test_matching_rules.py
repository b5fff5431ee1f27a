"""The matching engine's decisions: hard rules, evidence, kinds, clustering guards."""

from __future__ import annotations

import numpy as np

from sync_worker.matching import MatchConfig, MatchIndex, dedupe, match
from sync_worker.matching.cluster import cluster
from sync_worker.normalize import normalize_record

USCC_A = "91350100M000100Y43"
USCC_B = "N2110000MA01234567"

PARTNERS = [
    {
        "key": "1",
        "name": "华为技术有限公司",
        "uscc": USCC_A,
        "phone": "0755-28780808",
        "email": "info@huawei.com",
        "address": "广东省深圳市龙岗区坂田华为基地",
    },
    {
        "key": "2",
        "name": "Robert Bosch GmbH",
        "vat": "DE136695976",
        "phone": "+49 711 4000",
        "city": "Stuttgart",
        "country": "DE",
    },
    {"key": "3", "kind": "person", "name": "李伟", "company": "华为技术有限公司", "mobile": "13912345678"},
    {
        "key": "4",
        "name": "小米科技有限责任公司",
        "address": "北京市海淀区清河中街68号",
        "phone": "010-60606666",
    },
]


def _index() -> MatchIndex:
    return MatchIndex.build([normalize_record(p) for p in PARTNERS])


def _decide(*rows: dict):
    result = match([normalize_record(r) for r in rows], _index(), MatchConfig())
    return {d.key: d for d in result.decisions}


def test_different_valid_identifiers_of_one_kind_never_link() -> None:
    decision = _decide(
        {
            "key": "x",
            "name": "华为技术有限公司",
            "uscc": USCC_B,
            "phone": "0755-28780808",
            "email": "info@huawei.com",
        }
    )["x"]
    assert decision.action != "link"
    assert decision.partner_key in (None, "1")
    assert any("different identifiers" in reason for reason in decision.reasons)
    assert any(e.field == "uscc" and e.level == "different" and e.weight < 0 for e in decision.evidence)


def test_a_shared_identifier_links_across_scripts() -> None:
    decision = _decide({"key": "x", "name": "Huawei Technologies Co., Ltd.", "uscc": USCC_A})["x"]
    assert decision.action == "link" and decision.partner_key == "1"
    assert decision.evidence[0].field == "uscc" and decision.evidence[0].text.startswith("same USCC: +")


def test_a_shared_identifier_with_contradicting_names_goes_to_review() -> None:
    decision = _decide({"key": "x", "name": "Globex Corporation", "uscc": USCC_A})["x"]
    assert decision.action == "review" and decision.partner_key == "1"
    assert any("names contradict" in reason for reason in decision.reasons)


def test_strong_contact_evidence_links_and_explains_itself() -> None:
    decision = _decide({"key": "x", "name": "小米科技有限公司", "phone": "+86 10 6060 6666"})["x"]
    assert decision.action == "link" and decision.partner_key == "4"
    text = decision.explain()
    assert "same phone: +" in text and "same name: +" in text and "total +" in text
    weights = [abs(e.weight) for e in decision.evidence]
    assert weights == sorted(weights, reverse=True)


def test_persons_and_companies_are_never_matched() -> None:
    # a company row that happens to carry the contact person's mobile
    decision = _decide({"key": "x", "name": "Li Wei Trading", "phone": "13912345678"})["x"]
    assert decision.partner_key != "3"
    person = _decide(
        {
            "key": "y",
            "kind": "person",
            "name": "Wei Li",
            "company": "Huawei Technologies",
            "mobile": "+86 139 1234 5678",
        }
    )["y"]
    assert person.action == "link" and person.partner_key == "3"


def test_unrelated_rows_are_new() -> None:
    decision = _decide({"key": "x", "name": "Initech LLC", "phone": "+1 650 253 0000", "country": "US"})["x"]
    assert decision.action == "new" and decision.partner_key is None


def test_duplicates_in_the_file_decide_together() -> None:
    decisions = _decide(
        {"key": "a", "name": "Huawei Technologies Co., Ltd.", "uscc": USCC_A},
        {"key": "b", "name": "華為技術有限公司", "uscc": USCC_A, "email": "sales@huawei.com"},
    )
    assert decisions["a"].cluster == decisions["b"].cluster
    assert decisions["a"].partner_key == decisions["b"].partner_key == "1"


def test_unsure_pairs_inside_a_file_carry_their_evidence() -> None:
    rows = [
        {"key": "a", "name": "Globex Corporation", "uscc": USCC_A},
        {"key": "b", "name": "华为技术有限公司", "uscc": USCC_A, "phone": "0755-28780808"},
        {"key": "c", "name": "Initech LLC", "phone": "+1 650 253 0000", "country": "US"},
    ]
    for result in (
        dedupe([normalize_record(r) for r in rows]),
        match([normalize_record(r) for r in rows], _index()),
    ):
        assert [(a, b, action) for a, b, _s, action in result.file_pairs] == [("a", "b", "review")]
        evidence = result.pair_evidence[("a", "b")]
        assert [(e.field, e.level) for e in evidence][:2] == [("uscc", "same"), ("name", "different")]
        assert evidence[0].weight > 0 > evidence[1].weight
        assert evidence[0].text.startswith("same USCC: +")


def test_dedupe_clusters_one_file() -> None:
    rows = [
        {"key": "a", "name": "Acme Trading Ltd", "phone": "+44 20 7946 0958", "email": "sales@acme.co.uk"},
        {"key": "b", "name": "ACME TRADING LIMITED", "phone": "020 7946 0958", "country": "GB"},
        {"key": "c", "name": "Acme Trading Ltd.", "email": "Sales@Acme.co.uk"},
        {"key": "d", "name": "Globex Corporation", "phone": "+1 650 253 0000", "country": "US"},
    ]
    result = dedupe([normalize_record(r) for r in rows])
    groups = sorted(sorted(c) for c in result.clusters)
    assert groups == [["a", "b", "c"], ["d"]]


def test_clustering_never_joins_different_identifiers_through_a_chain() -> None:
    # a~b and b~c are links, but a and c carry different USCCs: c must not join a
    identifiers = [{"uscc": USCC_A}, {}, {"uscc": USCC_B}]
    labels = cluster(
        3, np.array([0, 1]), np.array([1, 2]), np.array([20.0, 15.0]), np.array([False, False]), identifiers
    )
    assert labels[0] == labels[1] and labels[2] != labels[0]


def test_weak_links_between_groups_need_support() -> None:
    # {0,1} and {2,3} are groups; one weak link 1~2 is not enough to merge them
    left, right = np.array([0, 2, 1]), np.array([1, 3, 2])
    scores, strong = np.array([30.0, 30.0, 8.0]), np.array([True, True, False])
    labels = cluster(4, left, right, scores, strong, [{}] * 4)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    # two independent links between the groups are
    labels = cluster(
        4,
        np.array([0, 2, 1, 0]),
        np.array([1, 3, 2, 3]),
        np.array([30.0, 30.0, 8.0, 8.0]),
        np.array([True, True, False, False]),
        [{}] * 4,
    )
    assert len(set(labels.tolist())) == 1


def _two_partner_index() -> MatchIndex:
    partners = [
        {
            "key": "10",
            "name": "Petit SAS",
            "phone": "+33 1 42 00 00 01",
            "email": "contact@petit.fr",
            "street": "12 rue de Rivoli",
            "city": "Paris",
            "country": "FR",
        },
        {"key": "11", "name": "Petit SAS", "city": "Paris", "country": "FR"},
    ]
    return MatchIndex.build([normalize_record(p) for p in partners])


def test_a_clearly_better_partner_links_and_names_the_runner_up() -> None:
    row = {
        "key": "x",
        "name": "Ｐｅｔｉｔ　ＳＡＳ",
        "phone": "01 42 00 00 01",
        "email": "CONTACT@petit.fr",
        "street": "12 rue de Rivoli",
        "city": "Paris",
        "country": "FR",
    }
    config = MatchConfig(link_threshold=0.5, review_threshold=0.4)
    decision = match([normalize_record(row)], _two_partner_index(), config).decisions[0]
    assert (decision.action, decision.partner_key) == ("link", "10")
    assert any(r.startswith("also resembles partner 11") for r in decision.reasons)


def test_two_partners_matching_about_as_well_go_to_review() -> None:
    row = {"key": "x", "name": "Petit SAS", "city": "Paris", "country": "FR"}
    config = MatchConfig(link_threshold=0.5, review_threshold=0.4, ambiguity_margin=100.0)
    decision = match([normalize_record(row)], _two_partner_index(), config).decisions[0]
    assert decision.action == "review"
    assert any(r.startswith("also matches partner") for r in decision.reasons)


def _person_pairs(*rows: dict) -> dict[tuple[str, str], str]:
    result = dedupe([normalize_record({"kind": "person", **r}) for r in rows])
    return {(a, b): action for a, b, _s, action in result.file_pairs}


def test_a_person_written_with_an_initial_links_through_their_own_mailbox() -> None:
    # the names are "different" (an initial), but one work address at the employer's domain
    pairs = _person_pairs(
        {"key": "a", "name": "Stefan Krause", "company": "Lehmann GmbH", "email": "s.krause@lehmann.de"},
        {"key": "b", "name": "Krause S.", "company": "Lehmann GmbH", "email": "S.Krause@lehmann.de"},
    )
    assert pairs == {("a", "b"): "link"}


def test_a_shared_team_or_family_mailbox_does_not_make_two_persons_one() -> None:
    pairs = _person_pairs(
        # colleagues writing the team's address
        {"key": "a", "name": "Stefan Krause", "company": "Lehmann GmbH", "email": "info@lehmann.de"},
        {"key": "b", "name": "Krause Sabine", "company": "Lehmann GmbH", "email": "info@lehmann.de"},
        # a couple sharing a private free-mail box, no employer
        {"key": "c", "name": "Hans Becker", "email": "familie.becker@web.de"},
        {"key": "d", "name": "Anna Becker", "email": "familie.becker@web.de"},
    )
    assert "link" not in pairs.values()


def test_an_oversized_block_is_split_by_a_second_key_not_skipped() -> None:
    from sync_worker.matching.engine import _file_pairs

    rows = [
        {"key": "a", "name": "Thompsonberg Systems Ltd", "city": "Leeds", "street": "12 Park Row"},
        {"key": "b", "name": "Twhompsonberg Systems Ltd", "city": "Leeds", "street": "12 Park Row"},
        {"key": "c", "name": "Stimpsonberg Foods Ltd", "city": "York"},
        {"key": "d", "name": "Crampsonberg Steel Ltd", "city": "Bath"},
    ]
    records = [normalize_record(r) for r in rows]
    # a and b share one key only, the last five letters of the name ("nberg"), and so do c
    # and d: a block of four, over max_block; split by city (and first letter) it pairs a, b
    left, right, _skipped = _file_pairs(records, MatchConfig(max_block=3))
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1)]


def test_one_edit_in_a_name_of_eight_or_nine_letters_is_still_blocked() -> None:
    from sync_worker.matching.engine import _file_pairs

    rows = [
        {"key": "a", "name": "Alphasys Systems LLC"},
        {"key": "b", "name": "Alpahsys Systems L.L.C."},  # swapped letters: neither end agrees
        {"key": "c", "name": "Agritec Energy LLP"},
        {"key": "d", "name": "Agritmec Energy LLP"},  # one letter inserted: 7 -> 8 letters
    ]
    left, right, _skipped = _file_pairs([normalize_record(r) for r in rows], MatchConfig())
    assert (0, 1) in set(zip(left.tolist(), right.tolist(), strict=True))
    assert (2, 3) in set(zip(left.tolist(), right.tolist(), strict=True))


def test_persons_are_also_blocked_by_address_and_zip_not_only_by_name() -> None:
    from sync_worker.matching.engine import _file_pairs

    rows = [
        {"key": "a", "kind": "person", "name": "Stefan Krause", "street": "Hauptstr. 5"},
        {"key": "b", "kind": "person", "name": "Krause S.", "street": "Hauptstraße 5"},
        {"key": "c", "kind": "person", "name": "Jürgen Brandt", "zip": "50667"},
        {"key": "d", "kind": "person", "name": "Brnadt Juergen", "zip": "50667"},
    ]
    left, right, _skipped = _file_pairs([normalize_record(r) for r in rows], MatchConfig())
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1), (2, 3)]


def test_the_zip_is_compared() -> None:
    from sync_worker.matching.compare import FIELD_INDEX, compare
    from sync_worker.matching.table import RecordTable

    rows = [
        {"key": "a", "name": "Acme Trading Ltd", "zip": "SW1A 1AA"},
        {"key": "b", "name": "Acme Trading Limited", "zip": "sw1a1aa"},
        {"key": "c", "name": "Acme Trading Ltd", "zip": "EC1A 1BB"},
        {"key": "d", "name": "Acme Trading Ltd"},
    ]
    table = RecordTable.from_records(normalize_record(r) for r in rows)
    levels = compare(table, table, np.array([0, 0, 0]), np.array([1, 2, 3])).levels
    assert levels[:, FIELD_INDEX["zip"]].tolist() == [2, 1, 0]  # same, different, missing
