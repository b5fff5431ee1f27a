"""The fields matching compares, for a set of records, as columns.

Both sides of a comparison — the incoming records and the index of existing partners — are
:class:`RecordTable` objects, so the same vectorised comparisons serve in-file
deduplication and matching against the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from sync_worker.matching.columns import StringColumn, StringColumnBuilder
from sync_worker.normalize.record import NormalizedRecord

#: String columns, in storage order. Multi-valued fields are joined with "|".
TEXT_FIELDS = (
    "key",
    "name_key",
    "name_norm",
    "name_roman",
    "initials",
    "uscc",
    "vat",
    "lei",
    "phones",
    "emails",
    "city",
    "district",
    "street",
    "zip",
    "employer",
    "location",
    "legal_form",
    "country",
    "display",
)


def row_values(record: NormalizedRecord) -> tuple[str, ...]:
    return (
        record.key,
        record.name_pinyin,
        record.name_norm,
        record.name_roman,
        record.name_initials,
        record.uscc or "",
        record.vat or "",
        record.lei or "",
        "|".join(record.phones),
        "|".join(record.emails),
        record.city or record.province or "",
        record.district or "",
        record.street or "",
        record.zip or "",
        record.company_norm or "",
        record.name_location or "",
        record.legal_form or "",
        record.country or "",
        record.name[:120],
    )


class RecordTable:
    """Columns of the fields matching needs; rows are addressed by position."""

    def __init__(self, columns: dict[str, Sequence[str]], kind: np.ndarray, branch: np.ndarray):
        self.columns = columns
        self.kind = kind  # int8: 0 company, 1 person
        self.branch = branch  # int8: 1 when the record is a branch

    @classmethod
    def from_records(cls, records: Iterable[NormalizedRecord], compact: bool = False) -> RecordTable:
        """A table of ``records``; ``compact`` stores strings in :class:`StringColumn` buffers."""
        if compact:
            records = list(records)
            values = [row_values(r) for r in records]
            columns: dict[str, Sequence[str]] = {}
            for i, name in enumerate(TEXT_FIELDS):
                builder = StringColumnBuilder()
                builder.extend(v[i] for v in values)
                columns[name] = builder.build()
            kinds = [0 if r.kind == "company" else 1 for r in records]
            branches = [1 if r.is_branch else 0 for r in records]
        else:
            records = list(records)
            values = [row_values(r) for r in records]
            columns = {name: [v[i] for v in values] for i, name in enumerate(TEXT_FIELDS)}
            kinds = [0 if r.kind == "company" else 1 for r in records]
            branches = [1 if r.is_branch else 0 for r in records]
        return cls(columns, np.asarray(kinds, dtype=np.int8), np.asarray(branches, dtype=np.int8))

    def __len__(self) -> int:
        return len(self.kind)

    def take(self, name: str, rows: np.ndarray) -> list[str]:
        column = self.columns[name]
        if isinstance(column, StringColumn):
            return column.take(rows)
        return [column[r] for r in rows]

    def concat(self, other: RecordTable) -> RecordTable:
        columns: dict[str, Sequence[str]] = {}
        for name in TEXT_FIELDS:
            mine, theirs = self.columns[name], other.columns[name]
            if isinstance(mine, StringColumn) and isinstance(theirs, StringColumn):
                columns[name] = mine.concat(theirs)
            else:
                columns[name] = [*mine, *theirs]
        return RecordTable(
            columns, np.concatenate([self.kind, other.kind]), np.concatenate([self.branch, other.branch])
        )

    @property
    def nbytes(self) -> int:
        total = int(self.kind.nbytes + self.branch.nbytes)
        for column in self.columns.values():
            total += column.nbytes if isinstance(column, StringColumn) else sum(len(v) + 49 for v in column)
        return total
