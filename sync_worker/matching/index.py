"""The match index: existing partners in the compact form matching needs.

Built once from every partner (normalised), then kept current incrementally: ``upsert`` the
partners created or changed since the ``watermark`` (their ``write_date``), ``remove`` the
archived or deleted ones. Changes go to a small delta next to the immutable base; ``save``
folds them in. Saved as a folder of ``.npy`` arrays plus ``meta.json``, loaded memory-mapped,
so a cached index of a million partners opens in about a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from sync_worker.matching.blocks import BlockIndex
from sync_worker.matching.columns import StringColumn
from sync_worker.matching.keys import blocking_keys, is_strong, key_hash
from sync_worker.matching.table import TEXT_FIELDS, RecordTable
from sync_worker.normalize.record import NormalizedRecord

FORMAT = 3
CHUNK = 50_000


class StackedTable(RecordTable):
    """The base table with the delta rows after it, read without copying the base."""

    def __init__(self, base: RecordTable, delta: RecordTable):
        self.base, self.delta = base, delta
        super().__init__(
            base.columns, np.concatenate([base.kind, delta.kind]), np.concatenate([base.branch, delta.branch])
        )

    def take(self, name: str, rows: np.ndarray) -> list[str]:
        rows = np.asarray(rows)
        split = len(self.base)
        if not len(self.delta) or (len(rows) and rows.max() < split):
            return self.base.take(name, rows)
        out: list[str] = [""] * len(rows)
        low = np.flatnonzero(rows < split)
        high = np.flatnonzero(rows >= split)
        for position, value in zip(low, self.base.take(name, rows[low]), strict=True):
            out[position] = value
        for position, value in zip(high, self.delta.take(name, rows[high] - split), strict=True):
            out[position] = value
        return out


class MatchIndex:
    """Existing partners for matching. ``NormalizedRecord.key`` is the partner id."""

    def __init__(
        self,
        base: RecordTable,
        blocks: BlockIndex,
        alive: np.ndarray | None = None,
        watermark: str | None = None,
    ):
        self.base = base
        self.blocks = blocks
        self.alive = np.ones(len(base), dtype=bool) if alive is None else alive
        self.watermark = watermark
        self._delta: list[NormalizedRecord] = []
        self._delta_table = RecordTable.from_records([])
        self._delta_blocks = BlockIndex.empty()
        self._rows_by_key: dict[str, int] | None = None

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        records: Iterable[NormalizedRecord],
        watermark: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> MatchIndex:
        """Index ``records`` (streamed: they are not all held in memory at once)."""
        tables: list[RecordTable] = []
        hashes, rows, strong = [], [], []
        chunk: list[NormalizedRecord] = []
        offset = 0

        def flush() -> None:
            nonlocal offset, chunk
            if not chunk:
                return
            tables.append(RecordTable.from_records(chunk, compact=True))
            block = BlockIndex.build((offset + i, blocking_keys(r)) for i, r in enumerate(chunk))
            sizes = block.block_sizes()
            hashes.append(np.repeat(block.hashes, sizes))
            strong.append(np.repeat(block.strong, sizes))
            rows.append(block.rows)
            offset += len(chunk)
            chunk = []
            if progress:
                progress(offset)

        for record in records:
            chunk.append(record)
            if len(chunk) >= CHUNK:
                flush()
        flush()
        table = tables[0] if tables else RecordTable.from_records([], compact=True)
        for more in tables[1:]:
            table = table.concat(more)
        blocks = (
            BlockIndex.from_arrays(np.concatenate(hashes), np.concatenate(rows), np.concatenate(strong))
            if hashes
            else BlockIndex.empty()
        )
        return cls(table, blocks, watermark=watermark)

    # -- reading ----------------------------------------------------------------------

    @property
    def table(self) -> RecordTable:
        return StackedTable(self.base, self._delta_table) if self._delta else self.base

    def __len__(self) -> int:
        return int(self.alive.sum())

    def candidates(
        self, query_hashes: np.ndarray, query_owner: np.ndarray, max_block: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Rows (of :attr:`table`) sharing a blocking key with each query; see BlockIndex.lookup."""
        owners, rows, skipped = self.blocks.lookup(query_hashes, query_owner, max_block)
        if self._delta:
            d_owners, d_rows, d_skipped = self._delta_blocks.lookup(query_hashes, query_owner, max_block)
            owners = np.concatenate([owners, d_owners])
            rows = np.concatenate([rows, d_rows + len(self.base)])
            skipped += d_skipped
        keep = self.alive[rows]
        return owners[keep], rows[keep], skipped

    def key_counts(self, hashes: np.ndarray) -> np.ndarray:
        """How many indexed partners hold each key (archived ones still counted until compacted)."""
        counts = self.blocks.counts(hashes)
        if self._delta:
            counts = counts + self._delta_blocks.counts(hashes)
        return counts

    def keys(self) -> list[str]:
        table = self.table
        return [
            k
            for k, alive in zip(table.take("key", np.arange(len(self.alive))), self.alive, strict=True)
            if alive
        ]

    # -- incremental updates ------------------------------------------------------------

    def _row_of(self) -> dict[str, int]:
        if self._rows_by_key is None:
            table = self.table
            every = table.take("key", np.arange(len(self.alive)))
            self._rows_by_key = {key: row for row, key in enumerate(every) if self.alive[row]}
        return self._rows_by_key

    def upsert(self, records: Sequence[NormalizedRecord], watermark: str | None = None) -> None:
        """Add new partners and replace changed ones (same key)."""
        rows = self._row_of()
        start = len(self.alive)
        self.alive = np.concatenate([self.alive, np.ones(len(records), dtype=bool)])
        for offset, record in enumerate(records):
            old = rows.get(record.key)
            if old is not None:
                self.alive[old] = False
            rows[record.key] = start + offset
            self._delta.append(record)
        self._delta_table = RecordTable.from_records(self._delta)
        self._delta_blocks = BlockIndex.build((i, blocking_keys(r)) for i, r in enumerate(self._delta))
        if watermark is not None:
            self.watermark = max(filter(None, (self.watermark, watermark)))

    def remove(self, keys: Iterable[str]) -> int:
        """Forget archived or deleted partners; returns how many were indexed."""
        rows = self._row_of()
        removed = 0
        for key in keys:
            row = rows.pop(key, None)
            if row is not None:
                self.alive[row] = False
                removed += 1
        return removed

    def compact(self) -> None:
        """Fold the delta into the base and drop removed rows (new row numbers)."""
        if not self._delta and self.alive.all():
            return
        split = len(self.base)
        delta_table = RecordTable.from_records(self._delta, compact=True)
        keep_base = np.flatnonzero(self.alive[:split])
        keep_delta = np.flatnonzero(self.alive[split:])
        columns: dict[str, Sequence[str]] = {}
        for name in TEXT_FIELDS:
            base_col = self.base.columns[name]
            assert isinstance(base_col, StringColumn)
            delta_col = delta_table.columns[name]
            assert isinstance(delta_col, StringColumn)
            columns[name] = base_col.select(keep_base).concat(delta_col.select(keep_delta))
        kind = np.concatenate([self.base.kind[keep_base], delta_table.kind[keep_delta]])
        branch = np.concatenate([self.base.branch[keep_base], delta_table.branch[keep_delta]])
        new_row = np.full(len(self.alive), -1, dtype=np.int64)
        new_row[keep_base] = np.arange(len(keep_base))
        new_row[split + keep_delta] = len(keep_base) + np.arange(len(keep_delta))
        parts = []
        for blocks, shift in ((self.blocks, 0), (self._delta_blocks, split)):
            sizes = blocks.block_sizes()
            entry_rows = new_row[blocks.rows.astype(np.int64) + shift]
            valid = entry_rows >= 0
            parts.append(
                (
                    np.repeat(blocks.hashes, sizes)[valid],
                    entry_rows[valid],
                    np.repeat(blocks.strong, sizes)[valid],
                )
            )
        self.base = RecordTable(columns, kind, branch)
        self.blocks = BlockIndex.from_arrays(*(np.concatenate(p) for p in zip(*parts, strict=True)))
        self.alive = np.ones(len(kind), dtype=bool)
        self._delta = []
        self._delta_table = RecordTable.from_records([])
        self._delta_blocks = BlockIndex.empty()
        self._rows_by_key = None

    # -- persistence --------------------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        """Write the index (compacted) to ``folder``: ``.npy`` arrays and ``meta.json``."""
        self.compact()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"kind": self.base.kind, "branch": self.base.branch}
        for name in TEXT_FIELDS:
            column = self.base.columns[name]
            assert isinstance(column, StringColumn)
            arrays[f"{name}.data"], arrays[f"{name}.offsets"] = column.arrays()
        arrays.update({f"blocks.{k}": v for k, v in self.blocks.arrays().items()})
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", np.asarray(array))
        meta = {
            "format": FORMAT,
            "records": len(self.base),
            "watermark": self.watermark,
            "fields": list(TEXT_FIELDS),
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, folder: str | Path) -> MatchIndex:
        """Open a saved index, memory-mapped; raises ValueError for another format."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT or meta.get("fields") != list(TEXT_FIELDS):
            raise ValueError(f"{folder} holds an index of another format: rebuild it")

        def load(name: str) -> np.ndarray:
            return np.load(folder / f"{name}.npy", mmap_mode="r")

        columns: dict[str, Sequence[str]] = {
            name: StringColumn(load(f"{name}.data"), np.asarray(load(f"{name}.offsets")))
            for name in TEXT_FIELDS
        }
        base = RecordTable(columns, np.asarray(load("kind")), np.asarray(load("branch")))
        blocks = BlockIndex(
            *(np.asarray(load(f"blocks.{k}")) for k in ("hashes", "indptr", "rows", "strong"))
        )
        return cls(base, blocks, watermark=meta.get("watermark"))

    @property
    def nbytes(self) -> int:
        return self.base.nbytes + sum(int(a.nbytes) for a in self.blocks.arrays().values())


def query_hashes(records: Sequence[NormalizedRecord]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes, owner positions, strong flags) of the blocking keys of ``records``."""
    hashes: list[int] = []
    owners: list[int] = []
    strong: list[bool] = []
    for position, record in enumerate(records):
        for key in set(blocking_keys(record)):
            hashes.append(key_hash(key))
            owners.append(position)
            strong.append(is_strong(key))
    return (
        np.asarray(hashes, dtype=np.int64),
        np.asarray(owners, dtype=np.int64),
        np.asarray(strong, dtype=bool),
    )
