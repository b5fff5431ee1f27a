"""The end-to-end benchmark's pure parts, checked by hand on small inputs: the duplicate count
against the labels, the Import-screen column mapping, the ratios, the targets and the table.
The live part runs from ``python -m bench.e2e``."""

from __future__ import annotations

import pytest

from bench import e2e

pytestmark = pytest.mark.unit


def test_count_duplicates_by_hand():
    # entity 1: rows in partners 10 and 11 (one duplicate partner); entity 2: both rows in 12;
    # entities 3 and 4 merged into partner 13 (a wrong merge), one row of 4 in no partner;
    # entity 5: its only row in no partner (rejected or queued for review)
    entities = [1, 1, 1, 2, 2, 3, 4, 4, 5]
    partners = [10, 11, 10, 12, 12, 13, None, 13, None]
    count = e2e.count_duplicates(entities, partners)
    assert count == e2e.DuplicateCount(
        rows=9,
        entities=5,
        partners=4,
        duplicate_partners=1,
        split_entities=1,
        wrong_merges=1,
        rows_without_partner=2,
        entities_without_partner=1,
    )


def test_count_duplicates_of_an_import_that_creates_a_partner_per_row():
    # what Odoo's import does: every row its own partner; entity 7 has three rows
    count = e2e.count_duplicates([7, 8, 7, 7, 9], [1, 2, 3, 4, 5])
    assert (count.duplicate_partners, count.split_entities, count.wrong_merges) == (2, 1, 0)
    assert count.partners == 5 and count.entities == 3


def test_count_duplicates_refuses_labels_that_do_not_fit():
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        e2e.count_duplicates([1, 2], [1, 2, 3])


def test_load_matrix_maps_columns_as_the_import_screen_does():
    header = ["key", "kind", "name", "phone", "mobile", "country", "street", "address"]
    rows = [
        ["R0", "company", "Acme GmbH", "030 1234", " +49 170 1 ", "DE", "Hauptstr. 1", ""],
        ["R1", "person", "张伟", "", "138 0000 0000", "中国", "", "深圳市南山区科技园"],
    ]
    fields, data = e2e.load_matrix(header, rows)
    # key and country are not mapped; mobile joins phone, address joins street (as base_import
    # joins two columns mapped to one Char field), kind becomes the is_company flag
    assert fields == ["is_company", "name", "phone", "street"]
    assert data == [
        ["1", "Acme GmbH", "030 1234 +49 170 1", "Hauptstr. 1"],
        ["0", "张伟", "138 0000 0000", "深圳市南山区科技园"],
    ]


def test_ratios_and_targets_met():
    results = {
        "odoo_load": {"rows_per_second": 400.0, "seconds": 125.0, "duplicates": {"duplicate_partners": 7}},
        "worker": {"rows_per_second": 1000.0, "seconds": 50.0, "duplicates": {"duplicate_partners": 0}},
        "worker_rerun": {
            "seconds": 2.0,
            "partners_written": 0,
            "partners_created": 0,
            "data_rows_written": 0,
        },
        "odoo_load_plain": {"rows_per_second": 800.0},
    }
    assert e2e.ratios(results) == {
        "worker_vs_odoo_speed": 2.5,
        "worker_vs_plain_odoo_speed": 1.25,
        "second_run_percent": 4.0,
    }
    lines = e2e.targets(results)
    assert lines == [
        "worker rows/s >= 2x Odoo's import: 1,000 vs 400 rows/s = 2.50x -> met",
        "  (for reference: Odoo's import without the addon 800 rows/s; the worker 1.25x that)",
        "worker leaves 0 duplicate partners: 0 (Odoo's import: 7) -> met",
        "second run <= 5 % of the first run's time: 2.0 s of 50.0 s = 4.0 % -> met",
        "second run writes nothing: 0 partners written, 0 created, 0 data rows created or written "
        "in any table -> met",
    ]


def test_targets_missed_and_not_measured_are_said_so():
    results = {
        "odoo_load": {"rows_per_second": 400.0, "duplicates": {"duplicate_partners": 7}},
        "worker": {"rows_per_second": 600.0, "seconds": 40.0, "duplicates": {"duplicate_partners": 3}},
        "worker_rerun": {"seconds": 4.0, "partners_written": 0, "partners_created": 2},
    }
    assert e2e.ratios(results) == {
        "worker_vs_odoo_speed": 1.5,
        "worker_vs_plain_odoo_speed": None,
        "second_run_percent": 10.0,
    }
    assert [line.rsplit("-> ", 1)[1] for line in e2e.targets(results)] == ["MISSED"] * 4
    # no partner touched, but rows of other tables written: the second run still writes
    quiet = {"worker_rerun": {"seconds": 1.0, "partners_written": 0, "data_rows_written": 3}}
    assert e2e.targets(quiet)[-1].endswith("3 data rows created or written in any table -> MISSED")
    nothing = e2e.targets({"odoo_load": {"rows_per_second": 400.0}, "worker": {"status": "not run"}})
    assert all(line.endswith("not measured") for line in nothing)
    assert set(e2e.ratios({}).values()) == {None}


def test_table_rows():
    results = {
        "odoo_load": {
            "status": "ok",
            "rows": 2000,
            "seconds": 5.36,
            "rows_per_second": 373.1,
            "duplicates": e2e.count_duplicates([1, 1, 2], [5, 6, 7]).as_dict(),
            "load_average_1min": 0.75,
        },
        "worker": {"status": "not run: no import command"},
    }
    lines = e2e.table(results).splitlines()
    assert lines[0].startswith("| engine | rows | seconds | rows/s | partners | duplicate partners |")
    assert lines[1].count("---") == lines[0].count("|") - 1
    assert (
        lines[2]
        == "| Odoo import (load) | 2,000 | 5.4 | 373 | 3 | 1 | 1 | 0 | - | 0 | - | - | - | - | 0.75 |"
    )
    assert lines[3].startswith("| worker, 1st run | not run: no import command |")
    assert lines[3].count("|") == lines[0].count("|")
    assert len(lines) == 4


def test_footprint_changes_and_the_writes_that_count():
    before = {"res_partner": (10, 0), "customer_sync_run": (1, 0), "customer_field_provenance": (40, 0)}
    after = {
        "res_partner": (10, 2),  # two partners written, none added
        "customer_sync_run": (2, 2),  # the second run itself: bookkeeping
        "customer_field_provenance": (43, 3),  # three rows added (and stamped): counted once each
        "customer_audit_log_res_partner_rel": (5, 0),  # a new table without write_date: 5 added
    }
    changes = e2e.footprint_changes(before, after)
    assert changes == {
        "res_partner": {"added": 0, "written": 2},
        "customer_sync_run": {"added": 1, "written": 2},
        "customer_field_provenance": {"added": 3, "written": 3},
        "customer_audit_log_res_partner_rel": {"added": 5, "written": 0},
    }
    assert e2e.data_rows_written(changes) == 2 + 3 + 5
    # a deleted row is a write too
    assert e2e.data_rows_written(e2e.footprint_changes(before, {**before, "res_partner": (9, 0)})) == 1
    assert e2e.data_rows_written(e2e.footprint_changes(before, {**before})) == 0


def test_row_emails_fold_case_width_and_separators():
    header = ["key", "email"]
    rows = [["R0", "Info@Lehmann.DE"], ["R1", "ｉｎｆｏ＠ｌｅｈｍａｎｎ．ｄｅ; sales@x.cn"], ["R2", ""]]
    assert e2e.row_emails(header, rows) == [
        frozenset({"info@lehmann.de"}),
        frozenset({"info@lehmann.de", "sales@x.cn"}),
        frozenset(),
    ]
    assert e2e.row_emails(["key"], [["R0"]]) == [frozenset()]


def test_wrong_merges_on_a_shared_email():
    a, b, c, d, e = (frozenset({x}) for x in ("a@x.de", "b@x.de", "c@x.de", "d@x.de", "e@x.de"))
    # partner 1: entities 1, 2 and 3; 2 shares 1's address, 3 shares nothing: 2 wrong merges,
    # one of them on a shared e-mail. Partner 2: entities 4 and 5, joined by b (on 4's second
    # row and on 5's row). Partner 3: one entity, no merge.
    # Entity 6's row is in no partner.
    entities = [1, 1, 2, 3, 4, 4, 5, 7, 7, 6]
    partners = [1, 1, 1, 1, 2, 2, 2, 3, 3, None]
    emails = [a, frozenset(), a | c, d, e, b, b, a, a, a]
    assert e2e.count_duplicates(entities, partners).wrong_merges == 3
    assert e2e.merges_on_shared_email(entities, partners, emails) == 2
    assert e2e.merges_on_shared_email(entities, partners, [frozenset()] * len(entities)) == 0
