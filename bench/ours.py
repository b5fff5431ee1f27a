"""This project's engine in the benchmark: normalise the raw records, then match or dedupe.

Timed from the raw records (dicts) to the decisions, normalisation included. Keys are the
generator's (``P<n>`` existing partner, ``R<n>`` incoming record), mapped to global ids
(:mod:`bench.metrics`) only after the clock has stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sync_worker.matching import MatchConfig, MatchIndex, dedupe, match
from sync_worker.matching.engine import _file_pairs
from sync_worker.matching.index import query_hashes
from sync_worker.matching.results import MatchResult
from sync_worker.normalize import NormalizedRecord, normalize_record

Progress = Callable[[str], None]


@dataclass
class OursOutput:
    links: tuple[np.ndarray, np.ndarray]  # asserted matches (global ids)
    reviews: tuple[np.ndarray, np.ndarray]  # pairs queued for a person
    cluster: np.ndarray  # predicted entity label per global record
    candidates: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    stats: dict[str, Any] = field(default_factory=dict)


def global_id(key: str, n_index: int) -> int:
    """``P17`` -> 17, ``R5`` -> ``n_index + 5``."""
    return int(key[1:]) + (n_index if key[0] == "R" else 0)


def normalize_all(
    rows: Iterable[Mapping[str, Any]], progress: Progress, label: str
) -> Iterable[NormalizedRecord]:
    """Normalise a stream of raw records, reporting progress every 100,000."""
    for count, row in enumerate(rows, 1):
        yield normalize_record(row)
        if count % 100_000 == 0:
            progress(f"ours: {label} {count:,} normalised")


def build_index(rows: Iterable[Mapping[str, Any]], progress: Progress) -> tuple[MatchIndex, float]:
    """The match index of the existing partners (streamed), and the seconds it took."""
    started = time.perf_counter()
    index = MatchIndex.build(normalize_all(rows, progress, "index"))
    return index, time.perf_counter() - started


def _pairs(items: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(items, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def _output(result: MatchResult, n_index: int, m: int) -> OursOutput:
    """Links, reviews and clusters in global ids."""
    links: list[tuple[int, int]] = []
    reviews: list[tuple[int, int]] = []
    cluster = np.arange(n_index + m, dtype=np.int64)
    for decision in result.decisions:
        g = global_id(decision.key, n_index)
        if decision.action == "link" and decision.partner_key is not None:
            links.append((g, global_id(decision.partner_key, n_index)))
            cluster[g] = global_id(decision.partner_key, n_index)
        else:
            if decision.action == "review" and decision.partner_key is not None:
                reviews.append((g, global_id(decision.partner_key, n_index)))
            cluster[g] = n_index + m + decision.cluster
    for a, b, _score, action in result.file_pairs:
        (links if action == "link" else reviews).append((global_id(a, n_index), global_id(b, n_index)))
    return OursOutput(_pairs(links), _pairs(reviews), cluster)


def candidate_pairs(
    records: Sequence[NormalizedRecord], index: MatchIndex | None, n_index: int, config: MatchConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs the engine compared (blocking output), in global ids: as ``match`` finds them."""
    file_left, file_right, _ = _file_pairs(records, config)
    lefts, rights = [file_left.astype(np.int64) + n_index], [file_right.astype(np.int64) + n_index]
    if index is not None:
        hashes, owners, _ = query_hashes(records)
        positions, rows, _ = index.candidates(hashes, owners, config.max_block)
        table_keys = index.table.take("key", rows) if len(rows) else []
        lefts.append(positions.astype(np.int64) + n_index)
        rights.append(np.fromiter((global_id(k, n_index) for k in table_keys), np.int64, len(table_keys)))
    return np.concatenate(lefts), np.concatenate(rights)


def run_ours(
    index: MatchIndex | None,
    incoming_rows: Sequence[Mapping[str, Any]],
    n_index: int,
    config: MatchConfig,
    progress: Progress,
) -> tuple[OursOutput, list[NormalizedRecord]]:
    """Normalise the incoming records and match them against ``index`` (or dedupe them)."""
    started = time.perf_counter()
    records = list(normalize_all(incoming_rows, progress, "incoming"))
    normalised = time.perf_counter()
    progress(f"ours: matching {len(records):,} records")
    result = dedupe(records, config) if index is None else match(records, index, config)
    done = time.perf_counter()
    output = _output(result, n_index, len(records))
    output.stats = {
        "timings": {"normalising": round(normalised - started, 3), "matching": round(done - normalised, 3)},
        "engine": {k: v for k, v in result.stats.items() if k != "model_notes"},
        "model_notes": list(result.model.notes) if result.model else [],
        "invalid_values": sum(len(r.problems) for r in records),
    }
    return output, records
