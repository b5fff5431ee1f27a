"""The matching benchmark runner: every engine really runs on a tiny scenario, and the report
(table, targets, JSON) says what the results say."""

from __future__ import annotations

import json

import pytest

from bench import matching
from bench.matching import Scenario

pytestmark = pytest.mark.unit

TINY_FILE = Scenario("tiny-file", 400, 0, matching.ENGINES, "400 records, deduplicated")
SMALL_FILE = Scenario("small-file", 3_000, 0, matching.ENGINES, "3,000 records, deduplicated")
TINY_LINK = Scenario("tiny-link", 200, 1_000, matching.ENGINES, "200 incoming against 1,000 partners")


@pytest.mark.parametrize("scenario", [TINY_FILE, TINY_LINK], ids=lambda s: s.name)
def test_our_engine_runs_and_is_scored(scenario):
    result = matching.run_one("ours", scenario, seed=3, threads=1)
    assert result["status"] == "ok"
    assert result["records"] == scenario.records
    assert result["pairs"]["precision"] >= 0.9
    assert result["pairs"]["actual"] > 0
    assert result["blocking"]["recall"] > 0
    assert result["blocking"]["candidate_pairs"] >= result["pairs"]["true_positives"] / 2
    assert result["peak_rss_mb"] > 0 and result["records_per_second"] > 0
    assert result["linked_or_reviewed"]["recall"] >= result["asserted_links"]["recall"]
    if scenario.index:
        assert result["index"]["partners"] == scenario.index and result["index"]["memory_mb"] > 0


@pytest.mark.parametrize("engine", ["splink", "recordlinkage"])
def test_each_baseline_runs_on_the_same_data(engine):
    result = matching.run_one(engine, SMALL_FILE, seed=3, threads=1)
    assert result["status"] == "ok"
    assert result["pairs"]["actual"] == matching.run_one("ours", SMALL_FILE, 3, 1)["pairs"]["actual"]
    # a working baseline finds a good share of the duplicates at its best threshold
    assert result["oracle"]["f1"] > 0.5
    # and its score at its own threshold is the F1 of the pairs it predicted (2 TP / (P + A))
    pairs = result["pairs"]
    assert pairs["predicted"] > 0 and pairs["true_positives"] <= min(pairs["predicted"], pairs["actual"])
    assert pairs["f1"] == pytest.approx(
        2 * pairs["true_positives"] / (pairs["predicted"] + pairs["actual"]), abs=1e-4
    )


def _fake(engine: str, f1: float, rate: float, scenario: str = "dedupe-10k", **extra) -> dict:
    scores = {"precision": f1, "recall": f1, "f1": f1}
    return {
        "engine": engine,
        "scenario": scenario,
        "status": "ok",
        "records": 10_000,
        "index": 0,
        "seconds": 10_000 / rate,
        "records_per_second": rate,
        "peak_rss_mb": 300.0,
        "pairs": scores,
        "clusters": scores,
        **extra,
    }


def test_targets_say_met_and_missed():
    results = [
        _fake("ours", 0.95, 5000.0, blocking={"candidate_pairs": 10, "recall": 0.99}),
        _fake("splink", 0.70, 1000.0),
        _fake("recordlinkage", 0.96, 6000.0),
        _fake(
            "ours",
            0.9,
            900.0,
            scenario="link-100k",
            index={"build_seconds": 100.0, "load_seconds": 0.5},
        ),
    ]
    results[-1]["seconds"] = 200.0
    lines = matching.targets(results)
    assert "dedupe-10k: pair F1 0.9500 < 0.97 -> MISSED" in lines
    assert "dedupe-10k: pair F1 above splink (0.7000) -> met" in lines
    assert "dedupe-10k: pair F1 above recordlinkage (0.9600) -> MISSED" in lines
    assert any("0.83x the fastest baseline (recordlinkage" in line and "MISSED" in line for line in lines)
    assert any(line.startswith("link-100k: 200 s (target < 180 s)") and "MISSED" in line for line in lines)


def test_main_prints_the_table_and_writes_json(tmp_path, capsys):
    calls = []

    def run(engine, scenario, seed, threads, timeout):
        calls.append((engine, scenario.name))
        if engine == "splink":
            return {"engine": engine, "scenario": scenario.name, "status": "did not finish in 5 s"}
        return _fake(engine, 0.9, 1000.0, scenario=scenario.name)

    out = tmp_path / "bench.json"
    code = matching.main(["--scenario", "dedupe-10k", "--output", str(out), "--timeout", "5"], run=run)
    assert code == 0
    assert calls == [("ours", "dedupe-10k"), ("splink", "dedupe-10k"), ("recordlinkage", "dedupe-10k")]
    printed = capsys.readouterr().out
    assert "| dedupe-10k | splink | did not finish in 5 s |" in printed
    assert "| dedupe-10k | ours | 0.900 | 0.900 | 0.900 |" in printed
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] >= 1
    assert [r["engine"] for r in report["results"]] == ["ours", "splink", "recordlinkage"]
    assert report["targets"][0].startswith("dedupe-10k: pair F1 0.9000 < 0.97")


def test_large_scenario_runs_only_our_engine_unless_asked():
    calls = []

    def run(engine, scenario, seed, threads, timeout):
        calls.append(engine)
        return {"engine": engine, "scenario": scenario.name, "status": "skipped in this test"}

    matching.main(["--scenario", "link-100k", "--output", "/dev/null"], run=run)
    assert calls == ["ours"]
    calls.clear()
    matching.main(["--scenario", "link-100k", "--large-baselines", "--output", "/dev/null"], run=run)
    assert calls == list(matching.ENGINES)
