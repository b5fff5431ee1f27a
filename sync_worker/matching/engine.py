"""One matching run: block, compare, score, apply the hard rules, cluster, decide.

``match(incoming, index)`` decides for every incoming record whether it is an existing
partner (link), might be one (review) or is new; ``dedupe(records)`` finds the duplicates
inside one file only. Both return a :class:`~sync_worker.matching.results.MatchResult`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from sync_worker.matching.blocks import BlockIndex
from sync_worker.matching.cluster import cluster
from sync_worker.matching.compare import FIELD_INDEX, FIELDS, Comparison, compare
from sync_worker.matching.config import MatchConfig
from sync_worker.matching.index import MatchIndex, query_hashes
from sync_worker.matching.keys import key_hash, name_value_key, second_keys, sub_block_hash
from sync_worker.matching.results import Action, Decision, Evidence, MatchResult, evidence_for
from sync_worker.matching.scoring import Model, estimate_u, probability, train_m
from sync_worker.matching.table import RecordTable
from sync_worker.normalize.record import NormalizedRecord

STRONG_FIELDS = tuple(FIELD_INDEX[f.name] for f in FIELDS if f.strong_id)
PHONE, EMAIL = FIELD_INDEX["phone"], FIELD_INDEX["email"]
LINK, REVIEW, NEW = 2, 1, 0
ACTIONS: dict[int, Action] = {LINK: "link", REVIEW: "review", NEW: "new"}


def _unique_pairs(left: np.ndarray, right: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    if not len(left):
        return left, right
    combined = np.unique(left.astype(np.int64) * width + right.astype(np.int64))
    return combined // width, combined % width


def _random_pairs(
    left: RecordTable, right: RecordTable, count: int, rng: np.random.Generator, same_table: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct random pairs of the same kind, to estimate u (how often non-matches agree).

    Only drawn when the tables are large enough for random pairs to be almost all
    non-matches (at least 20 possible pairs per pair drawn); otherwise none, and u keeps its
    defaults.
    """
    possible = len(left) * len(right)
    count = min(count, possible // 20)
    if count <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    li = rng.integers(0, len(left), count)
    ri = rng.integers(0, len(right), count)
    li, ri = _unique_pairs(li, ri, max(len(right), 1))
    keep = left.kind[li] == right.kind[ri]
    if same_table:
        keep &= li != ri
    return li[keep], ri[keep]


def _pair_actions(
    comparison: Comparison, scores: np.ndarray, config: MatchConfig
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Action per pair after the hard rules, and the rule notes per pair."""
    levels = comparison.levels
    prob = probability(scores)
    actions = np.where(
        prob >= config.link_threshold, LINK, np.where(prob >= config.review_threshold, REVIEW, NEW)
    )
    strong = levels[:, list(STRONG_FIELDS)]
    shared = (strong == 2).any(axis=1)
    conflict = (strong == 1).any(axis=1)
    name_contradicts = (comparison.name_level == 1) & (comparison.name_similarity < config.name_contradiction)
    notes: list[tuple[str, ...]] = [()] * len(scores)
    for k in np.flatnonzero(conflict):
        notes[k] = ("different identifiers of the same kind: never linked automatically",)
        actions[k] = REVIEW if actions[k] == LINK else NEW
    # a person is their name: colleagues share the office line, the employer and the mail domain;
    # not a personal mailbox, though: "Krause S." and "Stefan Krause" at one address are one person
    none = np.zeros(len(scores), dtype=bool)
    person = comparison.person if comparison.person is not None else none
    own_mailbox = comparison.own_mailbox if comparison.own_mailbox is not None else none
    names_differ = (comparison.name_level == 1) & np.where(person, ~own_mailbox, name_contradicts)
    for k in np.flatnonzero(names_differ & ~shared & (actions == LINK)):
        notes[k] = ("the names differ: never linked automatically",)
        actions[k] = REVIEW
    for k in np.flatnonzero((comparison.name_level == 1) & person & own_mailbox & (actions == LINK)):
        notes[k] = ("the names differ but the same personal e-mail address: linked",)
    for k in np.flatnonzero(shared & ~conflict):
        if name_contradicts[k]:
            notes[k] = ("shared identifier but the names contradict: review",)
            actions[k] = REVIEW
        elif actions[k] != LINK:
            notes[k] = ("shared valid identifier: linked",)
            actions[k] = LINK
    return actions.astype(np.int8), notes


#: bounds of the term-frequency adjustment, in bits
TF_FLOOR, TF_CEILING = -8.0, 3.0


def name_tf_adjustments(records: Sequence[NormalizedRecord], index: MatchIndex | None = None) -> np.ndarray:
    """Per record: the bits to add to an *exact name* weight, by how common its name is.

    Fellegi-Sunter weighs an exact name the same whether it is 张伟 or a name found once; the
    term-frequency adjustment (as in Splink) scales it by ``log2(reference / frequency)``:
    the frequency of this record's whole romanised name among the incoming records and the
    indexed partners, against the mean frequency over the batch. A name shared by twenty
    records loses about four bits; a name seen once gains a little. Bounded to
    ``[TF_FLOOR, TF_CEILING]``.
    """
    adjust = np.zeros(len(records))
    named = [i for i, r in enumerate(records) if r.name_roman]
    if not named:
        return adjust
    hashes = np.fromiter((key_hash(name_value_key(records[i])) for i in named), np.int64, len(named))
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    frequency = counts[inverse].astype(float)
    if index is not None:
        frequency += index.key_counts(hashes)
    reference = float(frequency.mean())
    adjust[named] = np.clip(np.log2(reference / frequency), TF_FLOOR, TF_CEILING)
    return adjust


def _with_tf(comparison: Comparison, rows: np.ndarray, adjust: np.ndarray) -> Comparison:
    """Attach the adjustment of each pair's incoming record to its exact-name pairs."""
    comparison.tf_adjust = (
        np.where(comparison.name_level == 4, adjust[rows], 0.0) if len(rows) else np.zeros(0)
    )
    return comparison


def _scores(model: Model, comparison: Comparison) -> np.ndarray:
    scores = model.scores(comparison.levels)
    return scores + comparison.tf_adjust if comparison.tf_adjust is not None else scores


def _fit_model(
    config: MatchConfig, candidate_levels: list[np.ndarray], random_levels: np.ndarray, records: int
) -> Model:
    model = Model.default()
    if config.estimate:
        estimate_u(random_levels, model)
        levels = np.concatenate(candidate_levels) if candidate_levels else np.zeros((0, len(FIELDS)), np.int8)
        if len(levels) >= config.min_pairs_for_em:
            max_prior = min(1.0, config.max_matches_per_record * records / len(levels))
            model.prior = min(model.prior, max_prior)
            train_m(levels, model, max_iter=200, update_u=True, fixed_m=config.fixed_m, max_prior=max_prior)
        else:
            model.notes.append(
                f"m kept at defaults: {len(levels)} candidate pairs < {config.min_pairs_for_em}"
            )
    model.override(config.m_overrides, config.u_overrides)
    return model


def _identifiers(table: RecordTable) -> list[dict[str, str]]:
    columns = {kind: table.take(kind, np.arange(len(table))) for kind in ("uscc", "vat", "lei")}
    return [{kind: columns[kind][i] for kind in columns if columns[kind][i]} for i in range(len(table))]


def _file_pairs(
    records: Sequence[NormalizedRecord], config: MatchConfig
) -> tuple[np.ndarray, np.ndarray, int]:
    """Candidate pairs inside the file: records sharing a blocking key, each pair once.

    A weak key held by more than ``max_block`` records is split by the records' second keys
    (:func:`~sync_worker.matching.keys.second_keys`); the count returned is of the sub-blocks
    still too large, which are skipped.
    """
    hashes, owners, strong = query_hashes(records)
    blocks = BlockIndex.from_arrays(hashes, owners.astype(np.int32), strong)
    left, right, _ = blocks.lookup(hashes, owners, config.max_block)
    # an oversized weak block is split by a second key instead of being skipped
    oversized = np.flatnonzero(~strong & (blocks.counts(hashes) > config.max_block))
    sub_hashes: list[int] = []
    sub_owners: list[int] = []
    seconds: dict[int, list[str]] = {}
    for k in oversized.tolist():
        owner = int(owners[k])
        if owner not in seconds:
            seconds[owner] = second_keys(records[owner])
        for second in seconds[owner]:
            sub_hashes.append(sub_block_hash(int(hashes[k]), second))
            sub_owners.append(owner)
    sub_h = np.asarray(sub_hashes, dtype=np.int64)
    sub_o = np.asarray(sub_owners, dtype=np.int64)
    sub = BlockIndex.from_arrays(sub_h, sub_o.astype(np.int32), np.zeros(len(sub_h), dtype=bool))
    sub_left, sub_right, skipped = sub.lookup(sub_h, sub_o, config.max_block)
    left, right = np.concatenate([left, sub_left]), np.concatenate([right, sub_right])
    keep = left < right
    left, right = _unique_pairs(left[keep], right[keep], max(len(records), 1))
    return left, right, skipped


def _strong_edges(comparison: Comparison) -> np.ndarray:
    levels = comparison.levels
    shared_id = (levels[:, list(STRONG_FIELDS)] == 2).any(axis=1)
    shared_contact = ((levels[:, PHONE] == 2) | (levels[:, EMAIL] == 3)) & (comparison.name_level >= 3)
    return shared_id | shared_contact


def _cluster_file(
    table: RecordTable,
    left: np.ndarray,
    right: np.ndarray,
    comparison: Comparison,
    scores: np.ndarray,
    actions: np.ndarray,
) -> np.ndarray:
    linked = actions == LINK
    return cluster(
        len(table),
        left[linked],
        right[linked],
        scores[linked],
        _strong_edges(comparison)[linked],
        _identifiers(table),
    )


def dedupe(records: Sequence[NormalizedRecord], config: MatchConfig | None = None) -> MatchResult:
    """Duplicates inside ``records`` only: clusters, scored pairs, one decision per record."""
    config = config or MatchConfig()
    started = time.perf_counter()
    records = list(records)
    table = RecordTable.from_records(records)
    left, right, skipped = _file_pairs(records, config)
    same_kind = table.kind[left] == table.kind[right]
    left, right = left[same_kind], right[same_kind]
    comparison = _with_tf(
        compare(table, table, left, right, config.workers), left, name_tf_adjustments(records)
    )
    rng = np.random.default_rng(config.seed)
    rl, rr = _random_pairs(table, table, config.random_pairs, rng, same_table=True)
    random_levels = compare(table, table, rl, rr, config.workers).levels
    model = _fit_model(config, [comparison.levels], random_levels, len(records))
    scores = _scores(model, comparison)
    actions, _notes = _pair_actions(comparison, scores, config)
    labels = _cluster_file(table, left, right, comparison, scores, actions)
    keys = [r.key for r in records]
    clusters: dict[int, list[str]] = {}
    for i, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(keys[i])
    decisions = [
        Decision(
            key=keys[i], action="new", partner_key=None, cluster=int(labels[i]), score=None, probability=None
        )
        for i in range(len(records))
    ]
    return MatchResult(
        decisions=decisions,
        clusters=list(clusters.values()),
        stats={
            "records": len(records),
            "file_candidate_pairs": len(left),
            "skipped_blocks": skipped,
            "links": int((actions == LINK).sum()),
            "reviews": int((actions == REVIEW).sum()),
            "em_iterations": model.iterations,
            "seconds": round(time.perf_counter() - started, 3),
        },
        model=model,
        file_pairs=[
            (keys[a], keys[b], float(s), ACTIONS[int(x)])
            for a, b, s, x in zip(left, right, scores, actions, strict=True)
            if x != NEW
        ],
        pair_evidence=_review_evidence(keys, left, right, comparison, actions, model),
    )


def match(
    incoming: Sequence[NormalizedRecord], index: MatchIndex, config: MatchConfig | None = None
) -> MatchResult:
    """For each incoming record: link to an existing partner, queue for review, or new."""
    config = config or MatchConfig()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    records = list(incoming)
    table = RecordTable.from_records(records)
    existing = index.table
    hashes, owners, _strong = query_hashes(records)
    xi, xr, skipped = index.candidates(hashes, owners, config.max_block)
    xi, xr = _unique_pairs(xi, xr, max(len(existing), 1))
    same_kind = table.kind[xi] == existing.kind[xr]
    xi, xr = xi[same_kind], xr[same_kind]
    fl, fr, file_skipped = _file_pairs(records, config)
    same_kind = table.kind[fl] == table.kind[fr]
    fl, fr = fl[same_kind], fr[same_kind]
    lap("blocking")

    adjust = name_tf_adjustments(records, index)
    x_cmp = _with_tf(compare(table, existing, xi, xr, config.workers), xi, adjust)
    f_cmp = _with_tf(compare(table, table, fl, fr, config.workers), fl, adjust)
    lap("comparing")

    rng = np.random.default_rng(config.seed)
    rl, rr = _random_pairs(table, existing, config.random_pairs, rng, same_table=False)
    random_levels = compare(table, existing, rl, rr, config.workers).levels
    model = _fit_model(config, [x_cmp.levels, f_cmp.levels], random_levels, len(records))
    x_scores, f_scores = _scores(model, x_cmp), _scores(model, f_cmp)
    x_actions, x_notes = _pair_actions(x_cmp, x_scores, config)
    f_actions, _ = _pair_actions(f_cmp, f_scores, config)
    lap("scoring")

    labels = _cluster_file(table, fl, fr, f_cmp, f_scores, f_actions)
    lap("clustering")

    decisions = _decide(records, labels, xi, xr, x_cmp, x_scores, x_actions, x_notes, existing, model, config)
    lap("deciding")

    keys = [r.key for r in records]
    clusters: dict[int, list[str]] = {}
    for i, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(keys[i])
    counts = {a: sum(1 for d in decisions if d.action == a) for a in ("link", "review", "new")}
    return MatchResult(
        decisions=decisions,
        clusters=list(clusters.values()),
        stats={
            "records": len(records),
            "index_records": len(index),
            "candidate_pairs": len(xi),
            "file_candidate_pairs": len(fl),
            "skipped_blocks": skipped + file_skipped,
            **counts,
            "em_iterations": model.iterations,
            "timings": timings,
            "seconds": round(sum(timings.values()), 3),
            "model_notes": model.notes,
        },
        model=model,
        file_pairs=[
            (keys[a], keys[b], float(s), ACTIONS[int(x)])
            for a, b, s, x in zip(fl, fr, f_scores, f_actions, strict=True)
            if x != NEW
        ],
        pair_evidence=_review_evidence(keys, fl, fr, f_cmp, f_actions, model),
    )


def _review_evidence(
    keys: list[str],
    left: np.ndarray,
    right: np.ndarray,
    comparison: Comparison,
    actions: np.ndarray,
    model: Model,
) -> dict[tuple[str, str], tuple[Evidence, ...]]:
    """Per-field evidence of the in-file pairs left for review (only those: a person reads them)."""
    weights = model.weights()
    return {
        (keys[int(left[k])], keys[int(right[k])]): evidence_for(comparison, k, weights)
        for k in np.flatnonzero(actions == REVIEW).tolist()
    }


def _decide(
    records: list[NormalizedRecord],
    labels: np.ndarray,
    xi: np.ndarray,
    xr: np.ndarray,
    comparison: Comparison,
    scores: np.ndarray,
    actions: np.ndarray,
    notes: list[tuple[str, ...]],
    existing: RecordTable,
    model: Model,
    config: MatchConfig,
) -> list[Decision]:
    """One decision per record; the records of one in-file cluster decide together."""
    weights = model.weights()
    # partner keys only of the pairs that can name a partner (link or review): millions of
    # candidate pairs need no Python string each
    wanted = np.flatnonzero(actions != NEW)
    partner_keys = dict(
        zip(wanted.tolist(), existing.take("key", xr[wanted]) if len(wanted) else [], strict=True)
    )
    order = np.lexsort((-scores, xi))  # by record, best pair first
    sorted_records = xi[order]
    bounds = np.searchsorted(sorted_records, np.arange(len(records) + 1))

    def pairs_of(i: int) -> list[int]:
        return order[bounds[i] : bounds[i + 1]].tolist()

    # per cluster: the linked partners of its members, best first
    cluster_links: dict[int, dict[str, float]] = {}
    for k in np.flatnonzero(actions == LINK).tolist():
        links = cluster_links.setdefault(int(labels[xi[k]]), {})
        links[partner_keys[k]] = max(links.get(partner_keys[k], -np.inf), float(scores[k]))

    decisions = []
    for i, record in enumerate(records):
        label = int(labels[i])
        pairs = pairs_of(i)
        links = cluster_links.get(label, {})
        reasons: list[str] = []
        chosen: int | None = None
        action: Action
        if links:
            ranked = sorted(links.items(), key=lambda item: -item[1])
            partner = ranked[0][0]
            own = [k for k in pairs if partner_keys.get(k) == partner]
            chosen = own[0] if own else None
            if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < config.ambiguity_margin:
                # two existing partners match about as well: they may be duplicates in Odoo
                action = "review"
                reasons.append(f"also matches partner {ranked[1][0]} ({ranked[1][1]:+.1f}): review")
            else:
                action = "link"
                if len(ranked) > 1:
                    reasons.append(f"also resembles partner {ranked[1][0]} ({ranked[1][1]:+.1f})")
            if chosen is None:
                reasons.append("linked through a duplicate in the same file")
        else:
            review = [k for k in pairs if actions[k] == REVIEW]
            if review:
                chosen, action, partner = review[0], "review", partner_keys[review[0]]
            else:
                chosen = pairs[0] if pairs else None
                action, partner = "new", None
        if chosen is not None:
            reasons = list(notes[chosen]) + reasons
            decisions.append(
                Decision(
                    key=record.key,
                    action=action,
                    partner_key=partner,
                    cluster=label,
                    score=round(float(scores[chosen]), 2),
                    probability=round(float(probability(scores[chosen])), 4),
                    evidence=evidence_for(comparison, chosen, weights),
                    reasons=tuple(reasons),
                )
            )
        else:
            decisions.append(
                Decision(
                    key=record.key,
                    action=action,
                    partner_key=partner,
                    cluster=label,
                    score=None,
                    probability=None,
                    reasons=tuple(reasons),
                )
            )
    return decisions
