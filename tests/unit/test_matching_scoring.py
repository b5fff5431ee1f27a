"""Fellegi-Sunter scoring: EM recovers m from data, overrides win, weights have the right sign."""

from __future__ import annotations

import numpy as np

from sync_worker.matching.compare import FIELDS
from sync_worker.matching.scoring import Model, estimate_u, probability, train_m


def _draw(rng: np.random.Generator, probs: dict[str, np.ndarray], n: int) -> np.ndarray:
    return np.stack([rng.choice(len(probs[f.name]), size=n, p=probs[f.name]) for f in FIELDS], axis=1).astype(
        np.int8
    )


def _truth() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Generating m and u: informative for identifiers, names and phones; some values missing."""
    m, u = {}, {}
    for f in FIELDS:
        width = len(f.levels)
        m_f = np.zeros(width)
        u_f = np.zeros(width)
        m_f[0], u_f[0] = 0.3, 0.3  # missing, equally often for both
        m_f[-1], m_f[1:-1] = 0.6, 0.1 / max(width - 2, 1)
        u_f[1], u_f[2:] = 0.65, 0.05 / max(width - 2, 1)
        m[f.name] = m_f / m_f.sum()
        u[f.name] = u_f / u_f.sum()
    return m, u


def test_em_recovers_m_and_the_match_share() -> None:
    rng = np.random.default_rng(42)
    m_true, u_true = _truth()
    n, share = 60_000, 0.2
    matches = _draw(rng, m_true, int(n * share))
    non_matches = _draw(rng, u_true, n - int(n * share))
    pairs = np.concatenate([matches, non_matches])
    model = Model.default()
    estimate_u(_draw(rng, u_true, 50_000), model)  # random pairs: non-matches
    train_m(pairs, model)
    assert abs(model.prior - share) < 0.02
    for f in FIELDS:
        expected = m_true[f.name][1:] / m_true[f.name][1:].sum()  # m among present values
        assert np.allclose(model.m[f.name][1:], expected, atol=0.04), f.name
    assert model.iterations > 1


def test_u_comes_from_random_pairs() -> None:
    rng = np.random.default_rng(1)
    _m, u_true = _truth()
    model = Model.default()
    estimate_u(_draw(rng, u_true, 40_000), model)
    expected = u_true["name"][1:] / u_true["name"][1:].sum()
    assert np.allclose(model.u["name"][1:], expected, atol=0.02)


def test_too_few_random_pairs_keep_the_defaults() -> None:
    model = Model.default()
    before = model.u["phone"].copy()
    estimate_u(np.zeros((10, len(FIELDS)), dtype=np.int8), model)
    assert np.array_equal(model.u["phone"], before) and model.notes


def test_weights_agreement_positive_disagreement_negative_missing_zero() -> None:
    weights = Model.default().weights()
    for i, f in enumerate(FIELDS):
        assert weights[i, 0] == 0.0
        if f.name != "branch":
            assert weights[i, len(f.levels) - 1] > 0, f.name
            assert weights[i, 1] < 0, f.name


def test_per_source_overrides_win() -> None:
    model = Model.default()
    phone = next(i for i, f in enumerate(FIELDS) if f.name == "phone")
    before = model.weights()[phone, 2]
    model.override({"phone": {"same": 0.5, "different": 0.5}}, {"phone": {"same": 0.01, "different": 0.99}})
    after = model.weights()[phone, 2]
    assert after < before and abs(after - np.log2(0.5 / 0.01)) < 1e-9


def test_scores_and_probability() -> None:
    model = Model.default()
    levels = np.zeros((2, len(FIELDS)), dtype=np.int8)
    levels[1, 0] = 2  # same USCC
    scores = model.scores(levels)
    assert scores[1] > scores[0]
    assert probability(scores[1]) > 0.99 > probability(scores[0])
