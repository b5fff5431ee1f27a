"""The end-to-end benchmark's pure parts, checked by hand on small inputs: the duplicate count
against the labels, the Import-screen column mapping, the ratios, the targets and the table.
The live part runs from ``python -m sync_worker.bench.e2e``."""

from __future__ import annotations

import pytest

from sync_worker.bench import e2e

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
        "worker_rerun": {"seconds": 2.0, "partners_written": 0, "partners_created": 0},
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
        "second run writes 0 partners: 0 written, 0 created -> met",
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
        },
        "worker": {"status": "not run: no import command"},
    }
    lines = e2e.table(results).splitlines()
    assert lines[0].startswith("| engine | rows | seconds | rows/s | partners | duplicate partners |")
    assert lines[1].count("---") == lines[0].count("|") - 1
    assert lines[2] == "| Odoo import (load) | 2,000 | 5.4 | 373 | 3 | 1 | 1 | 0 | 0 | - | - | - |"
    assert lines[3].startswith("| worker, 1st run | not run: no import command |")
    assert lines[3].count("|") == lines[0].count("|")
    assert len(lines) == 4
