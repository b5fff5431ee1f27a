"""A small, fixed, labelled data set whose scores are asserted: a regression in normalisation,
blocking or scoring fails CI here before it reaches the benchmark.

The files in ``tests/fixtures/matching/`` were written once by the benchmark's generator
(``bench.datagen``, seed 7) and are kept as they are, so that a change to the
generator does not move these figures: 800 records of one incoming file (643 entities), and
400 incoming records against 1,500 existing partners. ``entity_id`` is the label.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from bench import metrics, ours
from sync_worker.matching import MatchConfig, MatchIndex, dedupe, match
from sync_worker.normalize import normalize_record

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "matching"


def _load(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def file_set():
    rows = _load("labelled_800.csv")
    records = [normalize_record(r) for r in rows]
    return records, np.asarray([int(r["entity_id"]) for r in rows])


@pytest.fixture(scope="module")
def link_set():
    partners = _load("partners_1500.csv")
    incoming = _load("incoming_400.csv")
    index = MatchIndex.build(normalize_record(r) for r in partners)
    records = [normalize_record(r) for r in incoming]
    entity = np.concatenate([np.arange(len(partners)), [int(r["entity_id"]) for r in incoming]])
    return index, records, entity, len(partners)


def test_fixture_is_what_the_docstring_says(file_set, link_set):
    records, entity = file_set
    assert len(records) == 800 and len(set(entity.tolist())) == 643
    index, incoming, _, n_index = link_set
    assert len(index) == n_index == 1500 and len(incoming) == 400


def test_dedupe_scores_on_the_fixed_set(file_set):
    records, entity = file_set
    result = dedupe(records, MatchConfig())
    output = ours._output(result, 0, len(records))
    pairs = metrics.cluster_pair_scores(entity, output.cluster, 0)
    # measured 0.992 / 0.992 when this test was written
    assert pairs.precision >= 0.98, pairs
    assert pairs.f1 >= 0.97, pairs
    clusters = metrics.bcubed(entity, output.cluster, metrics.evaluated_records(entity, output.cluster, 0))
    assert clusters.f1 >= 0.98, clusters


def test_blocking_recall_on_the_fixed_set(file_set):
    records, entity = file_set
    left, right = ours.candidate_pairs(records, None, 0, MatchConfig())
    truth = metrics.true_pairs(entity, 0)
    candidates = metrics.encode_pairs(left, right, 0, len(entity))
    assert metrics.pair_scores(candidates, truth).recall >= 0.97
    # near-linear: a handful of candidates per record, not a quadratic number
    assert len(candidates) < 20 * len(records)


def test_match_scores_on_the_fixed_set(link_set):
    index, records, entity, n_index = link_set
    result = match(records, index, MatchConfig())
    output = ours._output(result, n_index, len(records))
    pairs = metrics.cluster_pair_scores(entity, output.cluster, n_index)
    # measured 0.977 precision, 0.971 F1 when this test was written
    assert pairs.precision >= 0.96, pairs
    assert pairs.f1 >= 0.95, pairs
    # every incoming record gets exactly one decision
    assert sorted(d.key for d in result.decisions) == sorted(r.key for r in records)
