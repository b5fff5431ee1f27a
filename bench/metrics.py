"""Evaluation of a matching run against the generator's labels. Pure numpy, no I/O.

Records are numbered globally: the existing partners (index) ``0..N-1``, the incoming records
``N..N+M-1``; a file without index has ``N = 0``. ``entity[g]`` is the true entity of record ``g``.

**Pairs.** The scope is every pair with at least one incoming record (pairs of two existing
partners are not the task: the index holds one record per entity). A *true pair* is two
records of the same entity; a *predicted pair* is one the engine asserts is a match (our
engine: a ``link`` decision or an in-file pair it links; a baseline: a pair scored at or above
its threshold). Precision, recall and F1 of the predicted pairs against the true pairs.

**Clusters.** B-cubed precision, recall and F1 (Bagga and Baldwin, 1998) of the entities the
engine resolves: each record's predicted cluster (an existing partner and the incoming records
resolved to it; or a new entity made of incoming records) against its true entity, averaged
over the *evaluated records*: every incoming record plus every existing partner that is a true
or a predicted match of one (the other partners are singletons in both clusterings and would
only inflate the figure). Unlike pairwise scores, B-cubed weighs each record once, so one
large wrong merge and many small misses count by how many records they mislead.

**Blocking recall.** The share of true pairs among the candidate pairs an engine compared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as connected_components_of


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ClusterScores:
    precision: float
    recall: float
    f1: float
    records: int  # evaluated records
    clusters: int  # predicted clusters among them
    entities: int  # true entities among them

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def prf(true_positives: int, predicted: int, actual: int) -> Scores:
    """Precision, recall and F1; an empty prediction has precision 1 (it asserted nothing wrong)."""
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, int(true_positives), int(predicted), int(actual))


def encode_pairs(a: np.ndarray, b: np.ndarray, n_index: int, width: int) -> np.ndarray:
    """Unordered pairs as sorted unique int64 codes ``low * width + high``; self-pairs and pairs of
    two index records (both ids below ``n_index``) are dropped."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    low, high = np.minimum(a, b), np.maximum(a, b)
    keep = (low != high) & (high >= n_index)
    return np.unique(low[keep] * width + high[keep])


def true_pairs(entity: np.ndarray, n_index: int) -> np.ndarray:
    """Codes of all same-entity pairs with at least one incoming record."""
    entity = np.asarray(entity, dtype=np.int64)
    width = len(entity)
    order = np.argsort(entity, kind="stable")
    sorted_entities = entity[order]
    starts = np.flatnonzero(np.r_[True, sorted_entities[1:] != sorted_entities[:-1]])
    sizes = np.diff(np.r_[starts, len(entity)])
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        members = order[start : start + size]
        i, j = np.triu_indices(size, k=1)
        lows.append(members[i])
        highs.append(members[j])
    if not lows:
        return np.zeros(0, dtype=np.int64)
    return encode_pairs(np.concatenate(lows), np.concatenate(highs), n_index, width)


def pair_scores(predicted: np.ndarray, truth: np.ndarray) -> Scores:
    """Scores of predicted pair codes against true pair codes (both from :func:`encode_pairs`)."""
    hits = int(np.isin(predicted, truth, assume_unique=True).sum())
    return prf(hits, len(predicted), len(truth))


def best_threshold(codes: np.ndarray, probabilities: np.ndarray, truth: np.ndarray) -> tuple[float, Scores]:
    """The score threshold with the best pairwise F1 (an oracle: it uses the labels)."""
    if not len(codes):
        return 1.0, prf(0, 0, len(truth))
    order = np.argsort(-probabilities, kind="stable")
    hit = np.isin(codes[order], truth, assume_unique=True)
    tp = np.cumsum(hit)
    predicted = np.arange(1, len(order) + 1)
    f1 = 2 * tp / (predicted + len(truth))
    # only cut between distinct scores
    sorted_p = probabilities[order]
    last_of_run = np.r_[sorted_p[1:] != sorted_p[:-1], True]
    f1 = np.where(last_of_run, f1, -1.0)
    k = int(np.argmax(f1))
    return float(sorted_p[k]), prf(int(tp[k]), int(predicted[k]), len(truth))


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label per node of the undirected graph with edges ``a``-``b`` (scipy)."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (np.asarray(a), np.asarray(b))), shape=(n, n))
    return connected_components_of(graph, directed=False)[1].astype(np.int64)


def evaluated_records(entity: np.ndarray, cluster: np.ndarray, n_index: int) -> np.ndarray:
    """Ids of the records B-cubed averages over (see the module docstring)."""
    entity = np.asarray(entity, dtype=np.int64)
    cluster = np.asarray(cluster, dtype=np.int64)
    incoming = np.arange(n_index, len(entity))
    if not n_index:
        return incoming
    index = np.arange(n_index)
    true_partner = np.isin(entity[:n_index], entity[n_index:])
    predicted_partner = np.isin(cluster[:n_index], cluster[n_index:])
    return np.concatenate([index[true_partner | predicted_partner], incoming])


def bcubed(entity: np.ndarray, cluster: np.ndarray, records: np.ndarray) -> ClusterScores:
    """B-cubed precision, recall and F1 of the clustering ``cluster`` over ``records``."""
    t = np.asarray(entity, dtype=np.int64)[records]
    c = np.asarray(cluster, dtype=np.int64)[records]
    if not len(records):
        return ClusterScores(1.0, 1.0, 1.0, 0, 0, 0)
    _, t_ids = np.unique(t, return_inverse=True)
    _, c_ids = np.unique(c, return_inverse=True)
    cell = c_ids.astype(np.int64) * (int(t_ids.max()) + 1) + t_ids
    _, cell_ids, cell_sizes = np.unique(cell, return_inverse=True, return_counts=True)
    overlap = cell_sizes[cell_ids].astype(float)
    c_sizes = np.bincount(c_ids)[c_ids]
    t_sizes = np.bincount(t_ids)[t_ids]
    precision = float(np.mean(overlap / c_sizes))
    recall = float(np.mean(overlap / t_sizes))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClusterScores(precision, recall, f1, len(records), int(c_ids.max()) + 1, int(t_ids.max()) + 1)


def encode_pairs_unsorted(a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """Codes ``low * width + high`` of the pairs ``a``-``b`` in their given order (no filtering)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    return np.minimum(a, b) * width + np.maximum(a, b)


def _pairs_within(sizes: np.ndarray, index_sizes: np.ndarray) -> int:
    """Pairs inside groups of ``sizes`` records, minus those made of two index records."""
    sizes = sizes.astype(np.int64)
    index_sizes = index_sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2 - index_sizes * (index_sizes - 1) // 2).sum())


def cluster_pair_scores(entity: np.ndarray, cluster: np.ndarray, n_index: int) -> Scores:
    """Pairwise precision, recall and F1 of a clustering: a predicted pair is two records the
    engine put into one entity, a true pair two records of one entity (pairs of two existing
    partners left out). Counted from the contingency table, never enumerated, so a huge wrong
    cluster costs memory proportional to the records, not to its pairs."""
    entity = np.asarray(entity, dtype=np.int64)
    cluster = np.asarray(cluster, dtype=np.int64)
    is_index = (np.arange(len(entity)) < n_index).astype(np.int64)

    def grouped(labels: np.ndarray) -> int:
        _, ids = np.unique(labels, return_inverse=True)
        return _pairs_within(np.bincount(ids), np.bincount(ids, weights=is_index).astype(np.int64))

    _, t_ids = np.unique(entity, return_inverse=True)
    _, c_ids = np.unique(cluster, return_inverse=True)
    cell = c_ids.astype(np.int64) * (int(t_ids.max(initial=0)) + 1) + t_ids
    return prf(grouped(cell), grouped(cluster), grouped(entity))
