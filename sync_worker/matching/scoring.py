"""Fellegi-Sunter scoring: m and u probabilities per comparison level, match weights, EM.

For a field at level ``l`` the match weight is ``log2(m_l / u_l)``: ``m_l`` is the chance of
that level among true matches, ``u_l`` among non-matches. A pair's score is the prior weight
``log2(p / (1 - p))`` plus the weights of its fields; the *missing* level always weighs 0.

``u`` is estimated from random record pairs (almost all non-matches); ``m`` and ``p`` by
expectation-maximisation over the candidate pairs, starting from :data:`DEFAULT_M`. Both can
be overridden per source through :class:`~sync_worker.matching.config.MatchConfig`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sync_worker.matching.compare import FIELDS

SMOOTHING = 1e-4  # pseudo-probability so that no level has m or u of 0

#: Starting (and small-data) m probabilities per field and level (index 0 = missing, unused).
DEFAULT_M: dict[str, tuple[float, ...]] = {
    "uscc": (0, 0.02, 0.98),
    "vat": (0, 0.02, 0.98),
    "lei": (0, 0.02, 0.98),
    "name": (0, 0.03, 0.12, 0.30, 0.55),
    "person_name": (0, 0.03, 0.12, 0.30, 0.55),
    "phone": (0, 0.25, 0.75),
    "email": (0, 0.25, 0.10, 0.65),
    "city": (0, 0.10, 0.90),
    "district": (0, 0.15, 0.85),
    "street": (0, 0.30, 0.70),
    "zip": (0, 0.15, 0.85),
    "employer": (0, 0.15, 0.85),
    "location": (0, 0.10, 0.90),
    "branch": (0, 0.05, 0.95),
    "legal_form": (0, 0.25, 0.75),
    "country": (0, 0.03, 0.97),
}
#: Starting (and small-data) u probabilities: how often random pairs agree.
DEFAULT_U: dict[str, tuple[float, ...]] = {
    "uscc": (0, 1 - 1e-6, 1e-6),
    "vat": (0, 1 - 1e-6, 1e-6),
    "lei": (0, 1 - 1e-6, 1e-6),
    "name": (0, 0.985, 0.012, 0.002, 0.001),
    "person_name": (0, 0.985, 0.012, 0.002, 0.001),
    "phone": (0, 1 - 1e-5, 1e-5),
    "email": (0, 0.999, 0.0009, 1e-5),
    "city": (0, 0.95, 0.05),
    "district": (0, 0.98, 0.02),
    "street": (0, 0.99, 0.01),
    "zip": (0, 0.99, 0.01),
    "employer": (0, 0.99, 0.01),
    "location": (0, 0.9, 0.1),
    "branch": (0, 0.1, 0.9),
    "legal_form": (0, 0.7, 0.3),
    "country": (0, 0.6, 0.4),
}


@dataclass
class Model:
    """m and u per field and level, and the prior share of matches among candidates."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float = 0.05
    iterations: int = 0
    trained_on: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def default(cls) -> Model:
        return cls(
            m={k: _normalise(np.asarray(v, dtype=float)) for k, v in DEFAULT_M.items()},
            u={k: _normalise(np.asarray(v, dtype=float)) for k, v in DEFAULT_U.items()},
        )

    def weights(self) -> np.ndarray:
        """Match weight per (field, level); missing = 0. Shape (fields, max levels)."""
        width = max(len(f.levels) for f in FIELDS)
        table = np.zeros((len(FIELDS), width))
        for i, f in enumerate(FIELDS):
            m, u = self.m[f.name], self.u[f.name]
            for level in range(1, len(f.levels)):
                table[i, level] = np.log2(max(m[level], SMOOTHING) / max(u[level], SMOOTHING * 1e-3))
        return table

    def prior_weight(self) -> float:
        p = min(max(self.prior, 1e-6), 1 - 1e-6)
        return float(np.log2(p / (1 - p)))

    def scores(self, levels: np.ndarray) -> np.ndarray:
        """Total match weight of each pair."""
        table = self.weights()
        total = np.full(len(levels), self.prior_weight())
        for i in range(len(FIELDS)):  # field by field: no (pairs x fields) float copy
            total += table[i][levels[:, i]]
        return total

    def override(
        self, m: Mapping[str, Mapping[str, float]] | None, u: Mapping[str, Mapping[str, float]] | None
    ) -> None:
        for target, values in ((self.m, m or {}), (self.u, u or {})):
            for name, by_level in values.items():
                f = next(f for f in FIELDS if f.name == name)
                probs = target[name].copy()
                for level_name, value in by_level.items():
                    probs[f.levels.index(level_name)] = value
                target[name] = _normalise(probs)

    def to_dict(self) -> dict:
        return {
            "m": {k: v.tolist() for k, v in self.m.items()},
            "u": {k: v.tolist() for k, v in self.u.items()},
            "prior": self.prior,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        return cls(
            m={k: np.asarray(v) for k, v in data["m"].items()},
            u={k: np.asarray(v) for k, v in data["u"].items()},
            prior=float(data["prior"]),
        )


def _normalise(probs: np.ndarray) -> np.ndarray:
    probs = probs.astype(float).copy()
    probs[0] = 0.0
    total = probs[1:].sum()
    if total > 0:
        probs[1:] /= total
    return probs


def estimate_u(levels: np.ndarray, model: Model, min_pairs: int = 1000) -> None:
    """u from comparison levels of random pairs (nearly all non-matches)."""
    if len(levels) < min_pairs:
        model.notes.append(f"u kept at defaults: {len(levels)} random pairs < {min_pairs}")
        return
    for i, f in enumerate(FIELDS):
        counts = np.bincount(levels[:, i], minlength=len(f.levels)).astype(float)
        if counts[1:].sum() < 50:
            continue  # too few present values to say anything
        counts[1:] += 0.5  # a level never seen among random pairs is rare, not impossible
        model.u[f.name] = _normalise(counts)


def train_m(
    levels: np.ndarray,
    model: Model,
    max_iter: int = 50,
    tol: float = 1e-5,
    update_u: bool = False,
    fixed_m: frozenset[str] = frozenset(),
    max_prior: float = 1.0,
) -> None:
    """m and the prior by EM over the candidate pairs' levels.

    With ``update_u`` the u probabilities are re-estimated too, from the candidate pairs the
    model holds to be non-matches: inside blocks, non-matches agree far more often than random
    pairs do (colleagues share a switchboard and a mail domain, namesakes share a city), and
    u from random pairs alone overrates such agreement as evidence. The random-pair u is then
    only the starting point.

    Fields in ``fixed_m`` keep their m: left free, EM's "match" class can drift to another
    latent class of the candidates (records of the same organisation: same employer, office
    line and mail domain, different persons), and the name is what tells the two apart.

    ``max_prior`` bounds the share of matches: a record has at most about one true partner,
    so matches cannot outnumber the records. Unbounded, EM on a large, name-blocked
    candidate set settled on "the names agree" as its match class (a prior of 0.17 where
    the truth was under 0.01).
    """
    n = len(levels)
    model.trained_on = n
    if n == 0:
        return
    # pairs with the same levels behave alike: EM runs over the distinct patterns, weighted
    # column by column: a (pairs x fields) int64 copy would cost 120 bytes per pair
    codes = np.zeros(n, dtype=np.int64)
    for column in range(levels.shape[1]):
        codes |= levels[:, column].astype(np.int64) << (3 * column)
    _codes, first, counts = np.unique(codes, return_index=True, return_counts=True)
    levels, counts = levels[first], counts.astype(float)
    field_rows = np.arange(len(FIELDS))[None, :]
    for iteration in range(1, max_iter + 1):
        width = max(len(f.levels) for f in FIELDS)
        log_m = np.zeros((len(FIELDS), width))
        log_u = np.zeros((len(FIELDS), width))
        for i, f in enumerate(FIELDS):
            log_m[i, 1 : len(f.levels)] = np.log(np.maximum(model.m[f.name][1:], SMOOTHING))
            log_u[i, 1 : len(f.levels)] = np.log(np.maximum(model.u[f.name][1:], SMOOTHING * 1e-3))
        lm = log_m[field_rows, levels].sum(axis=1) + np.log(model.prior)
        lu = log_u[field_rows, levels].sum(axis=1) + np.log(1 - model.prior)
        posterior = counts / (1.0 + np.exp(np.clip(lu - lm, -700, 700)))
        total = posterior.sum()
        change = 0.0
        for i, f in enumerate(FIELDS):
            weights = np.bincount(levels[:, i], weights=posterior, minlength=len(f.levels))
            weights[1:] += SMOOTHING * total
            new = _normalise(weights)
            if f.name not in fixed_m:
                change = max(change, float(np.abs(new - model.m[f.name]).max()))
                model.m[f.name] = new
            if update_u:
                weights = np.bincount(levels[:, i], weights=counts - posterior, minlength=len(f.levels))
                weights[1:] += SMOOTHING * (n - total)
                model.u[f.name] = _normalise(weights)
        new_prior = float(min(max(total / n, 1e-6), 1 - 1e-6, max_prior))
        change = max(change, abs(new_prior - model.prior))
        model.prior = new_prior
        model.iterations = iteration
        if change < tol:
            break


def probability(score: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.power(2.0, -np.asarray(score, dtype=float)))
