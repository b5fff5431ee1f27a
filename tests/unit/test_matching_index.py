"""The match index: incremental updates, persistence, blocking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sync_worker.matching import MatchConfig, MatchIndex, match
from sync_worker.matching.columns import StringColumn
from sync_worker.matching.index import FORMAT
from sync_worker.matching.keys import blocking_keys
from sync_worker.normalize import normalize_record


def _partners():
    return [
        normalize_record({"key": "1", "name": "华为技术有限公司", "phone": "0755-28780808"}),
        normalize_record({"key": "2", "name": "Robert Bosch GmbH", "vat": "DE136695976"}),
        normalize_record({"key": "3", "name": "Siemens AG", "email": "info@siemens.com"}),
    ]


def _best(index: MatchIndex, row: dict) -> tuple[str, str | None]:
    decision = match([normalize_record(row)], index, MatchConfig()).decisions[0]
    return decision.action, decision.partner_key


def test_string_column_round_trip_and_select() -> None:
    values = ["", "华为", "abc", "", "Müller", "x" * 300]
    column = StringColumn.from_values(values)
    assert list(column) == values
    assert column.take(np.array([5, 1, 0, 1])) == [values[5], "华为", "", "华为"]
    assert list(column.select(np.array([4, 1]))) == ["Müller", "华为"]


def test_upsert_changed_partner_and_remove_archived(tmp_path: Path) -> None:
    index = MatchIndex.build(_partners(), watermark="2026-11-01 00:00:00")
    assert len(index) == 3
    # partner 3 changed its phone; partner 4 is new
    index.upsert(
        [
            normalize_record({"key": "3", "name": "Siemens AG", "phone": "+49 89 636 00"}),
            normalize_record({"key": "4", "name": "BASF SE", "vat": "DE149145263"}),
        ],
        watermark="2026-11-20 08:00:00",
    )
    assert len(index) == 4 and index.watermark == "2026-11-20 08:00:00"
    assert _best(index, {"key": "x", "name": "Siemens", "phone": "+49 89 63600"}) == ("link", "3")
    assert _best(index, {"key": "y", "name": "BASF", "vat": "DE 149 145 263"}) == ("link", "4")
    # the old version of partner 3 is gone: its old e-mail no longer finds it by e-mail alone
    assert sorted(index.keys()) == ["1", "2", "3", "4"]
    assert index.remove(["2", "unknown"]) == 1
    assert _best(index, {"key": "z", "name": "Robert Bosch GmbH", "vat": "DE136695976"})[0] == "new"
    index.save(tmp_path / "idx")
    loaded = MatchIndex.load(tmp_path / "idx")
    assert sorted(loaded.keys()) == ["1", "3", "4"] and loaded.watermark == "2026-11-20 08:00:00"
    assert _best(loaded, {"key": "y", "name": "BASF", "vat": "DE149145263"}) == ("link", "4")
    assert _best(loaded, {"key": "w", "name": "华为技术", "phone": "+86 755 2878 0808"}) == ("link", "1")


def test_load_refuses_another_format(tmp_path: Path) -> None:
    MatchIndex.build(_partners()).save(tmp_path / "idx")
    meta = tmp_path / "idx" / "meta.json"
    meta.write_text(meta.read_text().replace(f'"format": {FORMAT}', '"format": 999'))
    with pytest.raises(ValueError, match="rebuild"):
        MatchIndex.load(tmp_path / "idx")


def test_blocking_keys_keep_kinds_apart_and_skip_invalid_identifiers() -> None:
    company = normalize_record({"name": "Acme", "phone": "13812345678", "uscc": "91350100M000100Y44"})
    person = normalize_record({"kind": "person", "name": "Li Wei", "mobile": "13812345678"})
    company_keys, person_keys = set(blocking_keys(company)), set(blocking_keys(person))
    assert not company_keys & person_keys
    assert not any(k.startswith("cu:") for k in company_keys)  # the USCC is invalid
    assert "cp:+8613812345678" in company_keys


def test_weak_blocks_are_capped_but_strong_ones_never() -> None:
    rows = [
        normalize_record({"key": str(i), "name": f"Common Name {i}", "phone": "+86 138 0000 0000"})
        for i in range(30)
    ]
    index = MatchIndex.build(rows)
    probe = normalize_record({"key": "q", "name": "Common Name", "phone": "+86 138 0000 0000"})
    result = match([probe], index, MatchConfig(max_block=5))
    assert result.stats["candidate_pairs"] == 30  # the phone block is strong: all 30 compared
    assert result.stats["skipped_blocks"] >= 1  # the common name token block was skipped
