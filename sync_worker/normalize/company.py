"""Company names: legal form, branch, location and the distinctive key.

``normalize_company_name("华为技术有限公司")`` and
``normalize_company_name("Huawei Technologies Co., Ltd.")`` both have the key ``huawei``:
folding (NFKC, Simplified Chinese, case, punctuation), the legal-form suffix separated using
``data/legal_forms.csv``, location words (深圳, Shenzhen) put aside, words that say what a
company does rather than who it is (``data/generic_words.csv``: 技术, Technologies) left out
of the key, and Han characters romanised as pinyin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sync_worker.normalize.address import place_keys, standalone_places
from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.tables import read_table
from sync_worker.normalize.text import clip, fold, is_han, romanize, split_scripts

MAX_SUFFIXES = 5  # legal form, designator, branch, location … never more per name


@dataclass(frozen=True, slots=True)
class LegalForm:
    code: str
    country: str
    kind: str  # legal | designator | branch
    variant: str


@dataclass(frozen=True, slots=True)
class CompanyName:
    display: str  # as received, trimmed
    folded: str  # whole name folded
    core: str  # folded, without legal form, designators, branch marker and location words
    legal_form: str | None
    is_branch: bool
    location: str | None  # romanised place name found in the name (shenzhen)
    tokens: tuple[str, ...]  # distinctive tokens, native script (Han runs as one token)
    key: str  # romanised distinctive tokens, no spaces: the cross-script comparison key


@lru_cache(maxsize=1)
def legal_forms() -> tuple[LegalForm, ...]:
    """The legal-form table, longest variant first (so 股份有限公司 wins over 有限公司)."""
    forms = [
        LegalForm(r["code"], r["country"], r["kind"], fold(r["variant"]))
        for r in read_table("legal_forms.csv")
    ]
    return tuple(sorted(forms, key=lambda f: len(f.variant), reverse=True))


@lru_cache(maxsize=1)
def _suffix_tables() -> tuple[tuple[LegalForm, ...], dict[tuple[str, ...], LegalForm], int]:
    """(Han variants longest first, Latin variants by their words, most words in a variant)."""
    han = tuple(f for f in legal_forms() if is_han(f.variant[0]))
    latin: dict[tuple[str, ...], LegalForm] = {}
    for form in legal_forms():
        if not is_han(form.variant[0]):
            latin.setdefault(tuple(form.variant.split()), form)
    return han, latin, max(map(len, latin))


def _strip_suffix(text: str) -> tuple[str, LegalForm] | None:
    """The name without its last legal-form suffix, and that suffix; None when there is none."""
    han, latin, longest = _suffix_tables()
    for form in han:
        if text.endswith(form.variant):
            rest = text[: -len(form.variant)].strip()
            if rest:
                return rest, form
            return None
    words = text.split()
    for count in range(min(longest, len(words) - 1), 0, -1):
        latin_form = latin.get(tuple(words[-count:]))
        if latin_form is not None:
            return " ".join(words[:-count]), latin_form
    return None


@lru_cache(maxsize=1)
def generic_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """(Latin generic words, Han generic words longest first)."""
    words = [fold(r["word"]) for r in read_table("generic_words.csv")]
    latin = frozenset(w for w in words if w and not is_han(w[0]))
    han = tuple(sorted((w for w in words if w and is_han(w[0])), key=len, reverse=True))
    return latin, han


def _strip_han_place_prefix(token: str, places: dict[str, str]) -> tuple[str | None, str]:
    for length in range(min(8, len(token) - 2), 1, -1):
        head = token[:length]
        if head in places:
            return places[head], token[length:]
    return None, token


def _strip_han_place_suffix(token: str, places: dict[str, str]) -> tuple[str | None, str]:
    for length in range(min(8, len(token) - 2), 1, -1):
        tail = token[-length:]
        if tail in places:
            return places[tail], token[:-length]
    return None, token


def _strip_generic_han(token: str, han_words: tuple[str, ...]) -> str:
    """Generic words off the end of a Han run, while two characters or nothing remain."""
    words, lengths = _han_generic_lookup(han_words)
    stripped = True
    while stripped:
        stripped = False
        for length in lengths:
            rest = len(token) - length
            if (rest >= 2 or rest == 0) and token[-length:] in words:
                token = token[:rest]
                stripped = True
                break
    return token


@lru_cache(maxsize=1)
def _han_generic_lookup(han_words: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    return frozenset(han_words), tuple(sorted({len(w) for w in han_words}, reverse=True))


@lru_cache(maxsize=100_000)
def normalize_company_name(value: str, field: str = "name") -> CompanyName | Invalid:
    """See the module docstring.

    >>> n = normalize_company_name("华为技术有限公司")
    >>> (n.core, n.legal_form, n.key)
    ('华为技术', 'cn.llc', 'huawei')
    >>> n = normalize_company_name("Huawei Technologies Co., Ltd.")
    >>> (n.core, n.legal_form, n.key)
    ('huawei technologies', 'ltd', 'huawei')
    >>> n = normalize_company_name("腾讯科技（深圳）有限公司")
    >>> (n.core, n.location, n.key)
    ('腾讯科技', 'shenzhen', 'tengxun')
    >>> normalize_company_name("華為技術有限公司").key
    'huawei'
    """
    display = clip(value)
    folded = fold(display)
    if not folded:
        return invalid(field, value, "name.empty", "the company name is empty or only punctuation")
    places = place_keys()
    text = folded
    legal_form: str | None = None
    is_branch = False
    location: str | None = None
    for _ in range(MAX_SUFFIXES):
        stripped = _strip_suffix(text)
        if stripped is not None:
            text, form = stripped
            if form.kind == "branch":
                is_branch = True
            elif form.kind == "legal" and legal_form is None:
                legal_form = form.code
        else:
            # a location at the end: 腾讯科技 深圳 / 华为技术有限公司深圳(分公司)
            tokens = text.split()
            if len(tokens) > 1 and tokens[-1] in places:
                location = location or places[tokens[-1]]
                text = " ".join(tokens[:-1])
                continue
            if tokens and is_han(tokens[-1][0]):
                found, rest = _strip_han_place_suffix(tokens[-1], places)
                if found and (is_branch or legal_form is None or len(tokens) == 1) and len(rest) >= 2:
                    if re.search(r"(有限|公司)$", rest) or is_branch:
                        location = location or found
                        text = " ".join([*tokens[:-1], rest])
                        continue
            break
    # a location at the start: 深圳市腾讯… / Beijing Baidu …
    tokens = split_scripts(text)
    if tokens and is_han(tokens[0][0]):
        found, rest = _strip_han_place_prefix(tokens[0], places)
        if found:
            location = location or found
            tokens = [rest, *tokens[1:]]
    elif len(tokens) > 1 and tokens[0] in places:
        location = location or places[tokens[0]]
        tokens = tokens[1:]
    # a place standing alone anywhere: 岳阳市 瑞兴 光电 / 汉雅 信阳 建筑工程 / lvchneg hangzhou pharma
    if len(tokens) > 1:
        alone = standalone_places()
        kept = [t for t in tokens if t not in alone]
        if kept and len(kept) < len(tokens):
            location = location or alone[next(t for t in tokens if t in alone)]
            tokens = kept
    core = " ".join(tokens)
    latin_generic, han_generic = generic_words()
    distinctive = []
    for token in tokens:
        if is_han(token[0]):
            distinctive.append(_strip_generic_han(token, han_generic))
        elif token not in latin_generic:
            distinctive.append(token)
    distinctive = [t for t in distinctive if t]
    if not distinctive:
        # only generic words are left (上海汽车): the location is part of the identity
        distinctive = [t for t in (location, *tokens) if t]
    key = "".join(romanize(" ".join(distinctive)))
    return CompanyName(
        display=display,
        folded=folded,
        core=core,
        legal_form=legal_form,
        is_branch=is_branch,
        location=location,
        tokens=tuple(distinctive),
        key=key,
    )
