"""Duplicates inside one incoming file, grouped so that each group becomes one partner.

Plain transitive closure over "link" pairs lets one weak link chain unrelated records
together (A~B, B~C, so A~C). The grouping here is a union-find with three guards:

1. **Strong identifiers**: two groups never merge when they hold different valid values of
   the same identifier (USCC, VAT, LEI).
2. **Order**: pairs are merged from the highest score down, so the strongest evidence shapes
   the groups first.
3. **Support**: two groups of two or more records merge on a weak pair only when at least
   ``min_support`` linked pairs join them; a strong pair (a shared identifier) merges alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


class _Groups:
    def __init__(self, identifiers: Sequence[dict[str, str]]):
        self.parent = list(range(len(identifiers)))
        self.size = [1] * len(identifiers)
        self.ids = [dict(ids) for ids in identifiers]

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def conflict(self, a: int, b: int) -> bool:
        ids_a, ids_b = self.ids[a], self.ids[b]
        return any(kind in ids_b and ids_b[kind] != value for kind, value in ids_a.items())

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        for kind, value in self.ids[b].items():
            self.ids[a].setdefault(kind, value)


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    scores: np.ndarray,
    strong: np.ndarray,
    identifiers: Sequence[dict[str, str]],
    min_support: int = 2,
) -> np.ndarray:
    """Group ids (0..k-1, in order of first appearance) for ``n`` records.

    ``left``/``right``/``scores``/``strong`` describe the pairs judged "link"; ``identifiers``
    holds each record's valid strong identifiers by kind.
    """
    groups = _Groups(identifiers)
    order = np.argsort(-scores, kind="stable")
    deferred = []
    for k in order:
        a, b = groups.find(int(left[k])), groups.find(int(right[k]))
        if a == b or groups.conflict(a, b):
            continue
        if strong[k] or min(groups.size[a], groups.size[b]) == 1:
            groups.union(a, b)
        else:
            deferred.append(k)
    if deferred:
        support: Counter[tuple[int, int]] = Counter()
        for k in range(len(left)):
            a, b = groups.find(int(left[k])), groups.find(int(right[k]))
            if a != b:
                support[(min(a, b), max(a, b))] += 1
        for k in deferred:
            a, b = groups.find(int(left[k])), groups.find(int(right[k]))
            if a != b and support[(min(a, b), max(a, b))] >= min_support and not groups.conflict(a, b):
                groups.union(a, b)
    labels = np.empty(n, dtype=np.int64)
    seen: dict[int, int] = {}
    for i in range(n):
        labels[i] = seen.setdefault(groups.find(i), len(seen))
    return labels
