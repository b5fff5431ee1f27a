"""Comparison levels: for each candidate pair and field, how alike the two values are.

Levels are small integers, ``0`` always meaning *missing* (one side has no value: no
evidence either way). The scorer turns each level into a Fellegi-Sunter match weight.
Similarities come from rapidfuzz (Jaro-Winkler on the romanised name key, token-sort ratio
on the folded name, token-set ratio on streets), computed for all pairs in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from sync_worker.matching.keys import FREE_MAIL
from sync_worker.matching.table import RecordTable


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # for evidence texts: "USCC", "name", "phone"
    levels: tuple[str, ...]  # level names, index = level; levels[0] == "missing"
    strong_id: bool = False


FIELDS: tuple[Field, ...] = (
    Field("uscc", "USCC", ("missing", "different", "same"), strong_id=True),
    Field("vat", "VAT number", ("missing", "different", "same"), strong_id=True),
    Field("lei", "LEI", ("missing", "different", "same"), strong_id=True),
    Field("name", "name", ("missing", "different", "similar", "close", "exact")),
    Field("phone", "phone", ("missing", "different", "same")),
    Field("email", "e-mail", ("missing", "different", "same domain", "same")),
    Field("city", "city", ("missing", "different", "same")),
    Field("district", "district", ("missing", "different", "same")),
    Field("street", "street", ("missing", "different", "close")),
    Field("employer", "employer", ("missing", "different", "same")),
    Field("location", "place in name", ("missing", "different", "same")),
    Field("branch", "branch", ("missing", "different", "same")),
)
FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}

NAME_CLOSE = 0.94
NAME_SIMILAR = 0.86
STREET_CLOSE = 85.0


@dataclass
class Comparison:
    """Levels (pairs x fields) plus the name similarity behind each name level."""

    levels: np.ndarray  # int8, shape (n_pairs, len(FIELDS))
    name_similarity: np.ndarray  # float32 in [0, 1]


def _exact_levels(left: list[str], right: list[str]) -> np.ndarray:
    a = np.asarray(left, dtype=object)
    b = np.asarray(right, dtype=object)
    present = (a != "") & (b != "")
    return np.where(present, np.where(a == b, 2, 1), 0).astype(np.int8)


def _domain(email: str) -> str:
    domain = email.rpartition("@")[2]
    return "" if domain in FREE_MAIL else domain


def _multi_levels(left: list[str], right: list[str], domains: bool) -> np.ndarray:
    """Phones or e-mails ("|"-joined): shared value, shared company domain, different, missing."""
    a = np.asarray(left, dtype=object)
    b = np.asarray(right, dtype=object)
    present = (a != "") & (b != "")
    out = np.where(present, np.where(a == b, 3 if domains else 2, 1), 0).astype(np.int8)
    differing = np.flatnonzero(present & (a != b))
    for i in differing:
        x, y = a[i], b[i]
        if "|" in x or "|" in y:
            sx, sy = set(x.split("|")), set(y.split("|"))
            if sx & sy:
                out[i] = 3 if domains else 2
            elif domains and ({_domain(e) for e in sx} & {_domain(e) for e in sy}) - {""}:
                out[i] = 2
        elif domains:
            d = _domain(x)
            if d and d == _domain(y):
                out[i] = 2
    return out


def _similarity(left: Sequence[str], right: Sequence[str], scorer, workers: int) -> np.ndarray:
    if not len(left):
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(left, right, scorer=scorer, workers=workers, dtype=np.float32)


def _name_levels(
    key_l: list[str],
    key_r: list[str],
    norm_l: list[str],
    norm_r: list[str],
    ini_l: list[str],
    ini_r: list[str],
    person: np.ndarray,
    workers: int,
) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(key_l, dtype=object), np.asarray(key_r, dtype=object)
    present = (a != "") & (b != "")
    jw = _similarity(key_l, key_r, JaroWinkler.normalized_similarity, workers)
    tokens = _similarity(norm_l, norm_r, fuzz.token_sort_ratio, workers) / 100.0
    similarity = np.maximum(jw, tokens)
    same_initials = np.asarray([x == y and x != "" for x, y in zip(ini_l, ini_r, strict=True)], dtype=bool)
    family_l = np.asarray([n.split(" ", 1)[0] for n in norm_l], dtype=object)
    family_r = np.asarray([n.split(" ", 1)[0] for n in norm_r], dtype=object)
    initials_match = person & same_initials & (family_l == family_r)
    levels = np.full(len(key_l), 1, dtype=np.int8)
    levels[(similarity >= NAME_SIMILAR) | initials_match] = 2
    levels[similarity >= NAME_CLOSE] = 3
    levels[a == b] = 4
    levels[~present] = 0
    return levels, np.where(a == b, 1.0, similarity).astype(np.float32)


def compare(
    left: RecordTable, right: RecordTable, li: np.ndarray, ri: np.ndarray, workers: int = 1
) -> Comparison:
    """Comparison levels for the pairs ``(left[li[k]], right[ri[k]])``."""
    n = len(li)
    levels = np.zeros((n, len(FIELDS)), dtype=np.int8)
    if n == 0:
        return Comparison(levels, np.zeros(0, dtype=np.float32))

    def both(name: str) -> tuple[list[str], list[str]]:
        return left.take(name, li), right.take(name, ri)

    for field in ("uscc", "vat", "lei", "city", "district", "location"):
        levels[:, FIELD_INDEX[field]] = _exact_levels(*both(field))
    # employers: the romanised company keys, with tolerance for small differences
    emp_l, emp_r = both("employer")
    present = np.asarray([bool(x and y) for x, y in zip(emp_l, emp_r, strict=True)])
    if present.any():
        jw = _similarity(emp_l, emp_r, JaroWinkler.normalized_similarity, workers)
        levels[:, FIELD_INDEX["employer"]] = np.where(present, np.where(jw >= NAME_CLOSE, 2, 1), 0)

    person = left.kind[li] == 1
    name_levels, name_similarity = _name_levels(
        *both("name_key"), *both("name_norm"), *both("initials"), person, workers
    )
    levels[:, FIELD_INDEX["name"]] = name_levels
    levels[:, FIELD_INDEX["phone"]] = _multi_levels(*both("phones"), domains=False)
    levels[:, FIELD_INDEX["email"]] = _multi_levels(*both("emails"), domains=True)

    street_l, street_r = both("street")
    street_present = np.asarray([bool(x and y) for x, y in zip(street_l, street_r, strict=True)])
    if street_present.any():
        ratio = _similarity(street_l, street_r, fuzz.token_set_ratio, workers)
        levels[:, FIELD_INDEX["street"]] = np.where(street_present, np.where(ratio >= STREET_CLOSE, 2, 1), 0)

    branch_l, branch_r = left.branch[li], right.branch[ri]
    companies = ~person
    levels[:, FIELD_INDEX["branch"]] = np.where(companies, np.where(branch_l == branch_r, 2, 1), 0)
    return Comparison(levels, name_similarity)
