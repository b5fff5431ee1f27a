"""Person names: Chinese (surname first) and Western order, pinyin, initials.

The result always names the family name first: ``李伟``, ``Li Wei``, ``LI, Wei`` and
``Wei LI`` all become family ``li``, given ``wei``; ``John A. Smith`` becomes family
``smith``, given ``john a``. A romanised name is read as Chinese when one of its two or three
words is a common Chinese surname (``data/chinese_surnames.csv``) in pinyin; upper-case
(``ZHANG Wei``) and a comma (``Zhang, Wei``) mark the family name explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.tables import read_table
from sync_worker.normalize.text import clip, fold, has_han, is_han, nfkc, pinyin_syllables, to_simplified

_TITLES = frozenset("mr mrs ms miss dr prof sir madam herr frau mme mlle dipl ing jr sr phd md".split())
_HAN_TITLES = (
    "先生",
    "女士",
    "小姐",
    "总经理",
    "经理",
    "总监",
    "主任",
    "博士",
    "教授",
    "老师",
    "董事长",
    "总裁",
)


@dataclass(frozen=True, slots=True)
class PersonName:
    display: str
    family: str  # folded; Han characters for Han names
    given: str
    family_latin: str  # pinyin for Han names, else the folded latin family name
    given_latin: str  # given names, syllables joined: "xiaoming"
    initials: str  # family initial, then the given names' initials: "sja" for John A. Smith
    is_chinese: bool

    @property
    def key(self) -> str:
        """Family name first, latin script: ``li wei``, ``smith john a``."""
        return f"{self.family_latin} {self.given_latin}".strip()

    @property
    def tokens(self) -> tuple[str, ...]:
        """Sorted latin tokens: the same for ``Li Wei`` and ``Wei Li`` whichever is the family."""
        return tuple(sorted(self.key.split()))


@lru_cache(maxsize=1)
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(Han surnames, their pinyin spellings)."""
    rows = [row["surname"] for row in read_table("chinese_surnames.csv")]
    han = frozenset(rows)
    latin = frozenset("".join(pinyin_syllables(s)) for s in rows)
    return han, latin


def _split_han(name: str) -> tuple[str, str]:
    han, _latin = _surnames()
    if len(name) >= 3 and name[:2] in han:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _latin(han: str) -> str:
    return "".join(pinyin_syllables(han))


@lru_cache(maxsize=100_000)
def normalize_person_name(value: str, field: str = "name") -> PersonName | Invalid:
    """See the module docstring.

    >>> p = normalize_person_name("欧阳修")
    >>> (p.family, p.given, p.key)
    ('欧阳', '修', 'ouyang xiu')
    >>> normalize_person_name("Xiaoming ZHANG").key, normalize_person_name("Zhang, Xiao Ming").key
    ('zhang xiaoming', 'zhang xiaoming')
    >>> normalize_person_name("Dr. John A. Smith").key
    'smith john a'
    """
    display = clip(value)
    text = to_simplified(nfkc(display))
    for title in _HAN_TITLES:
        if text.endswith(title) and len(text) > len(title) + 1:
            text = text[: -len(title)]
    if has_han(text):
        han = "".join(c for c in text if is_han(c))
        if not han:
            return invalid(field, value, "person.empty", "the person's name is empty")
        family, given = _split_han(han)
        return PersonName(
            display,
            family,
            given,
            _latin(family),
            _latin(given),
            _latin(family)[:1] + _latin(given)[:1],
            True,
        )
    comma = "," in text
    family_first_explicit = None
    if comma:
        before, _, after = text.partition(",")
        family_first_explicit = (fold(before), fold(after))
    raw_words = [w for w in re.split(r"[\s.]+", text) if w.strip(",")]
    words = [fold(w) for w in raw_words]
    pairs = [(w, r) for w, r in zip(words, raw_words, strict=True) if w and w not in _TITLES]
    if not pairs:
        return invalid(field, value, "person.empty", "the person's name is empty or only a title")
    words = [w for w, _ in pairs]
    raw = [r.strip(",") for _, r in pairs]
    _han, latin_surnames = _surnames()
    if family_first_explicit and all(family_first_explicit):
        family, given_words = family_first_explicit[0], family_first_explicit[1].split()
    elif len(words) == 1:
        family, given_words = words[0], []
    else:
        upper = [i for i, r in enumerate(raw) if r.isupper() and len(r) > 1]
        if len(upper) == 1 and len(upper) < len(raw):
            index = upper[0]
        elif (
            len(words) <= 3
            and words[0] in latin_surnames
            and (words[-1] not in latin_surnames or len(words) == 2)
        ):
            index = 0  # romanised Chinese name, family name first (Li Wei)
        else:
            index = len(words) - 1  # Western order: the family name comes last
        family = words[index]
        given_words = words[:index] + words[index + 1 :]
    chinese = family in latin_surnames and len(given_words) <= 2
    given = "".join(given_words) if chinese else " ".join(given_words)
    initials = family[:1] + "".join(w[0] for w in given_words)
    return PersonName(display, family, given, family, given, initials, chinese)
