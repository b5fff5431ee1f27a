"""An inverted index from blocking-key hashes to rows, as CSR arrays (no Python dicts)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np

from sync_worker.matching.keys import is_strong, key_hash


class BlockIndex:
    """Sorted unique key hashes; ``rows[indptr[k]:indptr[k + 1]]`` share key ``k``."""

    def __init__(self, hashes: np.ndarray, indptr: np.ndarray, rows: np.ndarray, strong: np.ndarray):
        self.hashes = hashes  # int64, sorted, unique
        self.indptr = indptr  # int64, len(hashes) + 1
        self.rows = rows  # int32
        self.strong = strong  # bool per key

    @classmethod
    def build(cls, keyed_rows: Iterable[tuple[int, list[str]]]) -> BlockIndex:
        """From ``(row, keys)`` pairs."""
        hashes = array("q")
        rows = array("i")
        strong = array("b")
        for row, keys in keyed_rows:
            for key in set(keys):
                hashes.append(key_hash(key))
                rows.append(row)
                strong.append(1 if is_strong(key) else 0)
        return cls.from_arrays(
            np.frombuffer(hashes, dtype=np.int64),
            np.frombuffer(rows, dtype=np.int32),
            np.frombuffer(strong, dtype=np.int8).astype(bool),
        )

    @classmethod
    def from_arrays(cls, hashes: np.ndarray, rows: np.ndarray, strong: np.ndarray) -> BlockIndex:
        order = np.lexsort((rows, hashes))
        hashes, rows, strong = hashes[order], rows[order], strong[order]
        unique, first = np.unique(hashes, return_index=True)
        indptr = np.append(first, len(hashes)).astype(np.int64)
        return cls(unique, indptr, rows.astype(np.int32, copy=False), strong[first])

    @classmethod
    def empty(cls) -> BlockIndex:
        return cls(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.hashes)

    def block_sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    def lookup(
        self, query_hashes: np.ndarray, query_owner: np.ndarray, max_block: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Rows sharing each queried key: ``(owners, rows, skipped)``.

        ``owners[i]`` is the ``query_owner`` of the key that found ``rows[i]``. Weak keys with
        more than ``max_block`` rows are skipped (counted in ``skipped``); strong keys never.
        """
        if not len(self.hashes) or not len(query_hashes):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), 0
        pos = np.searchsorted(self.hashes, query_hashes)
        pos = np.minimum(pos, len(self.hashes) - 1)
        found = self.hashes[pos] == query_hashes
        starts = self.indptr[pos]
        sizes = self.indptr[pos + 1] - starts
        too_big = found & ~self.strong[pos] & (sizes > max_block)
        keep = found & ~too_big
        starts, sizes, owners = starts[keep], sizes[keep], query_owner[keep]
        total = int(sizes.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), int(too_big.sum())
        shift = np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
        positions = shift + np.arange(total, dtype=np.int64)
        return (
            np.repeat(owners, sizes).astype(np.int64),
            self.rows[positions].astype(np.int64),
            int(too_big.sum()),
        )

    def counts(self, query_hashes: np.ndarray) -> np.ndarray:
        """How many rows hold each queried key (0 for an unknown key)."""
        query_hashes = np.asarray(query_hashes, dtype=np.int64)
        if not len(self.hashes) or not len(query_hashes):
            return np.zeros(len(query_hashes), np.int64)
        pos = np.minimum(np.searchsorted(self.hashes, query_hashes), len(self.hashes) - 1)
        found = self.hashes[pos] == query_hashes
        return np.where(found, self.indptr[pos + 1] - self.indptr[pos], 0).astype(np.int64)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"hashes": self.hashes, "indptr": self.indptr, "rows": self.rows, "strong": self.strong}
