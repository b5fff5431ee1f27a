"""What matching decides, and why, in a form a review screen can show to a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sync_worker.matching.compare import FIELDS, Comparison
from sync_worker.matching.scoring import Model

Action = Literal["link", "review", "new"]


@dataclass(frozen=True)
class Evidence:
    field: str
    level: str
    weight: float
    text: str  # "same USCC: +12.1", "name close (0.93): +4.2", "phone differs: -3.0"


@dataclass(frozen=True)
class Decision:
    key: str  # the incoming record's key
    action: Action
    partner_key: str | None  # the existing partner linked to (link) or proposed (review)
    cluster: int  # records of the incoming file that are one entity share this id
    score: float | None  # total match weight of the deciding pair
    probability: float | None
    evidence: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()  # rules that overrode the score

    def explain(self) -> str:
        parts = [e.text for e in self.evidence]
        if self.score is not None:
            parts.append(f"total {self.score:+.1f} (p={self.probability:.3f})")
        parts.extend(self.reasons)
        return "; ".join(parts) or "no candidate"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "action": self.action,
            "partner_key": self.partner_key,
            "cluster": self.cluster,
            "score": self.score,
            "probability": self.probability,
            "evidence": [e.__dict__ for e in self.evidence],
            "reasons": list(self.reasons),
        }


@dataclass
class MatchResult:
    decisions: list[Decision]
    clusters: list[list[str]]  # keys of incoming records, one list per entity (size 1 included)
    stats: dict[str, Any] = field(default_factory=dict)
    model: Model | None = None
    #: scored in-file pairs (keys and score), kept for evaluation and the review queue
    file_pairs: list[tuple[str, str, float, Action]] = field(default_factory=list)
    #: per-field evidence of the in-file pairs left for review, by their two keys: what a
    #: reviewer is shown beside the two rows
    pair_evidence: dict[tuple[str, str], tuple[Evidence, ...]] = field(default_factory=dict)


_VERBS = {
    "same": "same {label}",
    "different": "{label} differs",
    "exact": "same {label}",
    "close": "{label} close",
    "similar": "{label} similar",
    "same domain": "same {label} domain",
}

_NAME_FIELDS = frozenset({"name", "person_name"})


def evidence_for(comparison: Comparison, row: int, weights: np.ndarray) -> tuple[Evidence, ...]:
    """Per-field evidence of one compared pair; missing values give none."""
    items = []
    similarity = float(comparison.name_similarity[row]) if len(comparison.name_similarity) else 0.0
    for i, f in enumerate(FIELDS):
        level = int(comparison.levels[row, i])
        if level == 0:
            continue
        name = f.levels[level]
        weight = float(weights[i, level])
        if f.name == "branch" and name == "same":
            continue  # two head offices (or two branches): says nothing worth showing
        text = _VERBS.get(name, "{label} " + name).format(label=f.label)
        if f.name in _NAME_FIELDS and name in ("close", "similar"):
            text += f" ({similarity:.2f})"  # the similarity measured is the name's
        tf = float(comparison.tf_adjust[row]) if comparison.tf_adjust is not None and name == "exact" else 0.0
        if tf:
            weight += tf
            text += f" ({'common' if tf < 0 else 'rare'} name {tf:+.1f})"
        if round(weight, 1) == 0:
            continue  # carries no weight: nothing for a reviewer to weigh
        items.append(Evidence(f.name, name, round(weight, 2), f"{text}: {weight:+.1f}"))
    return tuple(sorted(items, key=lambda e: -abs(e.weight)))
