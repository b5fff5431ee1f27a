"""Benchmark metrics, checked by hand on small examples."""

from __future__ import annotations

import numpy as np
import pytest

from bench import metrics

pytestmark = pytest.mark.unit


def test_prf_by_hand():
    s = metrics.prf(3, 4, 6)
    assert s.precision == pytest.approx(0.75)
    assert s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(0.6)
    # nothing predicted: nothing wrong asserted, nothing found
    empty = metrics.prf(0, 0, 5)
    assert (empty.precision, empty.recall, empty.f1) == (1.0, 0.0, 0.0)


def test_true_pairs_leave_out_pairs_of_two_partners():
    # records 0, 1 are partners (index); 2, 3, 4 incoming. Entities: {0, 2, 3}, {1, 4}
    entity = np.array([0, 1, 0, 0, 1])
    codes = metrics.true_pairs(entity, n_index=2)
    width = 5
    pairs = {(int(c) // width, int(c) % width) for c in codes}
    assert pairs == {(0, 2), (0, 3), (2, 3), (1, 4)}


def test_encode_pairs_is_unordered_and_unique():
    codes = metrics.encode_pairs(np.array([3, 2, 2, 1]), np.array([2, 3, 2, 0]), n_index=2, width=4)
    # (2,3) twice in both orders -> once; (2,2) a self-pair; (1,0) two partners -> dropped
    assert codes.tolist() == [2 * 4 + 3]


def test_cluster_pair_scores_by_hand():
    # partners 0,1,2; incoming 3..7. Entities: 0:{0,3,4} 1:{1,7} 5:{5,6}
    entity = np.array([0, 1, 2, 0, 0, 5, 5, 1])
    cluster = np.array([0, 1, 2, 0, 9, 5, 5, 2])
    s = metrics.cluster_pair_scores(entity, cluster, n_index=3)
    # true pairs: (0,3) (0,4) (3,4) (1,7) (5,6) = 5; predicted: (0,3) (5,6) (2,7) = 3; hits 2
    assert (s.true_positives, s.predicted, s.actual) == (2, 3, 5)


def test_cluster_pair_scores_do_not_count_two_partners_merged_as_a_pair_of_the_task():
    # an incoming record links two partners into one cluster: the partner-partner pair is out of
    # scope, the two partner-incoming pairs count (one right, one wrong)
    entity = np.array([0, 1, 0])
    cluster = np.array([7, 7, 7])
    s = metrics.cluster_pair_scores(entity, cluster, n_index=2)
    assert (s.true_positives, s.predicted, s.actual) == (1, 2, 1)


def test_bcubed_by_hand():
    entity = np.array([0, 0, 1, 1])
    cluster = np.array([0, 0, 0, 1])  # record 2 wrongly joins the first cluster
    s = metrics.bcubed(entity, cluster, np.arange(4))
    # precision per record: 2/3, 2/3, 1/3, 1 -> 2/3; recall: 1, 1, 1/2, 1/2 -> 3/4
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(3 / 4)
    assert (s.clusters, s.entities) == (2, 2)


def test_evaluated_records_skip_untouched_partners():
    entity = np.array([0, 1, 2, 0])  # partners 0,1,2; incoming 3 is partner 0
    cluster = np.array([0, 1, 2, 1])  # ... but linked to partner 1
    ids = metrics.evaluated_records(entity, cluster, n_index=3)
    assert sorted(ids.tolist()) == [0, 1, 3]


def test_best_threshold_picks_the_f1_optimum():
    truth = np.array([1, 2, 3])
    codes = np.array([1, 2, 9, 3])
    probability = np.array([0.9, 0.8, 0.7, 0.1])
    threshold, s = metrics.best_threshold(codes, probability, truth)
    # cut at 0.8: P 1, R 2/3 (F1 0.8); at 0.1: P 3/4, R 1 (F1 0.857)
    assert threshold == pytest.approx(0.1)
    assert s.f1 == pytest.approx(6 / 7)


def test_connected_components():
    labels = metrics.connected_components(5, np.array([0, 3]), np.array([1, 4]))
    assert labels[0] == labels[1] and labels[3] == labels[4]
    assert len({labels[0], labels[2], labels[3]}) == 3
