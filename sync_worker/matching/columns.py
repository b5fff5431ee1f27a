"""Compact columns: a million short strings in one UTF-8 buffer plus an offsets array.

A Python ``str`` costs about 50 bytes before its characters; a partner index holds a dozen
strings per partner. A :class:`StringColumn` stores them back to back, so an index of
1,000,000 partners stays in the hundreds of megabytes and loads from disk memory-mapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class StringColumn(Sequence[str]):
    """An immutable sequence of strings in one buffer."""

    __slots__ = ("_data", "_offsets")

    def __init__(self, data: np.ndarray, offsets: np.ndarray):
        self._data = data  # uint8, the UTF-8 bytes of every value back to back
        self._offsets = offsets  # int64, len(values) + 1

    @classmethod
    def from_values(cls, values: Iterable[str]) -> StringColumn:
        builder = StringColumnBuilder()
        for value in values:
            builder.append(value)
        return builder.build()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, end = self._offsets[index], self._offsets[index + 1]
        return bytes(self._data[start:end]).decode("utf-8")

    def take(self, rows: np.ndarray | Sequence[int]) -> list[str]:
        """The values at ``rows``, decoded (empty values cost nothing)."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = self._offsets[rows]
        ends = self._offsets[rows + 1]
        filled = np.flatnonzero(ends > starts)
        out = [""] * len(rows)
        if not len(filled):
            return out
        # ndarray.data is the buffer as a memoryview (numpy types memoryview(ndarray) only for 3.12+)
        buffer = np.ascontiguousarray(self._data).data.cast("B")
        spans = zip(filled.tolist(), starts[filled].tolist(), ends[filled].tolist(), strict=True)
        for position, a, b in spans:
            out[position] = str(buffer[a:b], "utf-8")
        return out

    def select(self, rows: np.ndarray) -> StringColumn:
        """A new column of the values at ``rows`` (vectorised: no decoding)."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = self._offsets[rows]
        lengths = self._offsets[rows + 1] - starts
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        positions = np.repeat(starts - offsets[:-1], lengths) + np.arange(total, dtype=np.int64)
        return StringColumn(np.asarray(self._data)[positions], offsets)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._data, self._offsets

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes + self._offsets.nbytes)

    def concat(self, other: StringColumn) -> StringColumn:
        data = np.concatenate([np.asarray(self._data), np.asarray(other._data)])
        offsets = np.concatenate([self._offsets[:-1], other._offsets + self._offsets[-1]])
        return StringColumn(data, offsets)


class StringColumnBuilder:
    """Collects strings as UTF-8 chunks; ``build`` joins them once."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def append(self, value: str) -> None:
        self._chunks.append(value.encode("utf-8"))

    def extend(self, values: Iterable[str]) -> None:
        self._chunks.extend(v.encode("utf-8") for v in values)

    def build(self) -> StringColumn:
        lengths = np.fromiter(map(len, self._chunks), dtype=np.int64, count=len(self._chunks))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.frombuffer(b"".join(self._chunks), dtype=np.uint8)
        return StringColumn(data, offsets)
