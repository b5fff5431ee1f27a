"""Comparison levels: for each candidate pair and field, how alike the two values are.

Levels are small integers, ``0`` always meaning *missing* (one side has no value: no
evidence either way). The scorer turns each level into a Fellegi-Sunter match weight.
Similarities come from rapidfuzz (Jaro-Winkler on the romanised name key, token-sort ratio
on the folded name, token-set ratio on streets), computed for all pairs in one call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, JaroWinkler

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
    # companies' and persons' names weigh differently (张伟 and Thomas Müller recur; a company's
    # full name rarely does), so they are two fields; a pair has one of them, the other missing
    Field("name", "name", ("missing", "different", "similar", "close", "exact")),
    Field("person_name", "name", ("missing", "different", "similar", "close", "exact")),
    Field("phone", "phone", ("missing", "different", "same")),
    Field("email", "e-mail", ("missing", "different", "same domain", "same")),
    Field("city", "city", ("missing", "different", "same")),
    Field("district", "district", ("missing", "different", "same")),
    Field("street", "street", ("missing", "different", "close")),
    Field("zip", "zip", ("missing", "different", "same")),
    Field("employer", "employer", ("missing", "different", "same")),
    Field("location", "place in name", ("missing", "different", "same")),
    Field("branch", "branch", ("missing", "different", "same")),
    Field("legal_form", "legal form", ("missing", "different", "same")),
    Field("country", "country", ("missing", "different", "same")),
)
FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}

NAME_CLOSE = 0.94
NAME_SIMILAR = 0.86
STREET_CLOSE = 85.0
#: persons sharing a personal mailbox: names at least this similar may be one person's
MAILBOX_NAME_SIMILARITY = 0.75
#: local parts of shared mailboxes (a team's, not a person's)
ROLE_MAILBOXES = frozenset(
    "info sales office contact contacts admin service support hr mail hello team kontakt buero "
    "bureau vertrieb marketing enquiries inquiries orders order billing accounts finance help "
    "postmaster webmaster reception kefu xiaoshou".split()
)


@dataclass
class Comparison:
    """Levels (pairs x fields) plus the name similarity behind each name level."""

    levels: np.ndarray  # int8, shape (n_pairs, len(FIELDS))
    name_similarity: np.ndarray  # float32 in [0, 1]
    person: np.ndarray | None = None  # bool per pair: both records are persons
    #: bits added to an exact name's weight by how common that name is (0 elsewhere)
    tf_adjust: np.ndarray | None = None
    #: bool per pair: two persons with one personal e-mail address in common (see
    #: _personal_mailbox_shared) and names that may be one person's (same initials in any
    #: order, or similarity >= 0.75)
    own_mailbox: np.ndarray | None = None

    @property
    def name_level(self) -> np.ndarray:
        """The name level of each pair, company or person."""
        return self.levels[:, FIELD_INDEX["name"]] + self.levels[:, FIELD_INDEX["person_name"]]


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


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _name_levels(
    names: tuple[list[str], list[str]],
    romans: tuple[list[str], list[str]],
    keys: tuple[list[str], list[str]],
    initials: tuple[list[str], list[str]],
    person: np.ndarray,
    workers: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Name level and similarity per pair.

    Names in the same script are compared whole, romanised (so homophone typos and
    Traditional characters meet, and "Harris Electronics" is not "Harris Holdings"): the best of
    the Indel ratio of the romanised names and the token-sort ratio of the folded names.
    A Han name against a Latin one (华为技术 / Huawei Technologies) can only be compared by the
    distinctive part both romanise to; such a pair is at best *close*, never *exact*.
    """
    norm_l, norm_r = (np.asarray(side, dtype=object) for side in names)
    key_l = np.asarray(keys[0], dtype=object)
    present = (norm_l != "") & (norm_r != "")
    han_l = np.fromiter((bool(_HAN.search(n)) for n in norm_l), bool, len(norm_l))
    han_r = np.fromiter((bool(_HAN.search(n)) for n in norm_r), bool, len(norm_r))
    cross = han_l != han_r
    whole = np.maximum(
        _similarity(*romans, Indel.normalized_similarity, workers),
        _similarity(*names, fuzz.token_sort_ratio, workers) / 100.0,
    )
    by_key = _similarity(*keys, JaroWinkler.normalized_similarity, workers)
    similarity = np.where(cross, np.minimum(by_key, NAME_CLOSE), whole)
    same_initials = np.asarray([x == y and x != "" for x, y in zip(*initials, strict=True)], dtype=bool)
    family_l = np.asarray([n.split(" ", 1)[0] for n in norm_l], dtype=object)
    family_r = np.asarray([n.split(" ", 1)[0] for n in norm_r], dtype=object)
    initials_match = person & same_initials & (family_l == family_r)
    levels = np.full(len(norm_l), 1, dtype=np.int8)
    levels[(similarity >= NAME_SIMILAR) | initials_match] = 2
    levels[similarity >= NAME_CLOSE] = 3
    exact = ~cross & (
        (norm_l == norm_r) | (np.asarray(romans[0], dtype=object) == np.asarray(romans[1], dtype=object))
    )
    levels[exact] = 4
    levels[~present | ((key_l == "") & cross)] = 0
    return levels, np.where(exact, 1.0, similarity).astype(np.float32)


#: pairs compared at once: the field values of a chunk are materialised as Python strings,
#: so this bounds the memory of a comparison whatever the number of candidate pairs
CHUNK_PAIRS = 250_000


def compare(
    left: RecordTable, right: RecordTable, li: np.ndarray, ri: np.ndarray, workers: int = 1
) -> Comparison:
    """Comparison levels for the pairs ``(left[li[k]], right[ri[k]])``, in chunks."""
    if len(li) <= CHUNK_PAIRS:
        return _compare_chunk(left, right, li, ri, workers)
    parts = [
        _compare_chunk(left, right, li[s : s + CHUNK_PAIRS], ri[s : s + CHUNK_PAIRS], workers)
        for s in range(0, len(li), CHUNK_PAIRS)
    ]
    return Comparison(
        np.concatenate([p.levels for p in parts]),
        np.concatenate([p.name_similarity for p in parts]),
        np.concatenate([p.person for p in parts if p.person is not None]),
        own_mailbox=np.concatenate([p.own_mailbox for p in parts if p.own_mailbox is not None]),
    )


def _personal_mailbox_shared(left: list[str], right: list[str], same_employer: np.ndarray) -> np.ndarray:
    """Per pair: an e-mail address in common that is one person's: not a role's (info@, sales@),
    and at a company's own domain or held by two records with the same employer (a private
    free-mail box may be a family's)."""
    out = np.zeros(len(left), dtype=bool)
    for k, (x, y) in enumerate(zip(left, right, strict=True)):
        if x and y:
            shared = set(x.split("|")) & set(y.split("|"))
            out[k] = any(
                e.partition("@")[0] not in ROLE_MAILBOXES and (same_employer[k] or bool(_domain(e)))
                for e in shared
            )
    return out


def _compare_chunk(
    left: RecordTable, right: RecordTable, li: np.ndarray, ri: np.ndarray, workers: int
) -> Comparison:
    n = len(li)
    levels = np.zeros((n, len(FIELDS)), dtype=np.int8)
    if n == 0:
        return Comparison(
            levels, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=bool), own_mailbox=np.zeros(0, bool)
        )

    def both(name: str) -> tuple[list[str], list[str]]:
        return left.take(name, li), right.take(name, ri)

    for field in ("uscc", "vat", "lei", "city", "district", "zip", "location", "legal_form", "country"):
        levels[:, FIELD_INDEX[field]] = _exact_levels(*both(field))
    # employers: the romanised company keys, with tolerance for small differences
    emp_l, emp_r = both("employer")
    present = np.asarray([bool(x and y) for x, y in zip(emp_l, emp_r, strict=True)])
    if present.any():
        jw = _similarity(emp_l, emp_r, JaroWinkler.normalized_similarity, workers)
        levels[:, FIELD_INDEX["employer"]] = np.where(present, np.where(jw >= NAME_CLOSE, 2, 1), 0)

    person = left.kind[li] == 1
    name_levels, name_similarity = _name_levels(
        both("name_norm"), both("name_roman"), both("name_key"), both("initials"), person, workers
    )
    levels[:, FIELD_INDEX["name"]] = np.where(person, 0, name_levels)
    levels[:, FIELD_INDEX["person_name"]] = np.where(person, name_levels, 0)
    levels[:, FIELD_INDEX["phone"]] = _multi_levels(*both("phones"), domains=False)
    emails = both("emails")
    levels[:, FIELD_INDEX["email"]] = _multi_levels(*emails, domains=True)
    own_mailbox = person & (levels[:, FIELD_INDEX["email"]] == 3)
    if own_mailbox.any():
        initials_l, initials_r = both("initials")
        same_initials = np.asarray(
            [bool(x) and sorted(x) == sorted(y) for x, y in zip(initials_l, initials_r, strict=True)],
            dtype=bool,
        )
        own_mailbox &= same_initials | (name_similarity >= MAILBOX_NAME_SIMILARITY)
        own_mailbox &= _personal_mailbox_shared(*emails, levels[:, FIELD_INDEX["employer"]] == 2)

    street_l, street_r = both("street")
    street_present = np.asarray([bool(x and y) for x, y in zip(street_l, street_r, strict=True)])
    if street_present.any():
        ratio = _similarity(street_l, street_r, fuzz.token_set_ratio, workers)
        levels[:, FIELD_INDEX["street"]] = np.where(street_present, np.where(ratio >= STREET_CLOSE, 2, 1), 0)

    branch_l, branch_r = left.branch[li], right.branch[ri]
    companies = ~person
    levels[:, FIELD_INDEX["branch"]] = np.where(companies, np.where(branch_l == branch_r, 2, 1), 0)
    return Comparison(levels, name_similarity, person, own_mailbox=own_mailbox)
