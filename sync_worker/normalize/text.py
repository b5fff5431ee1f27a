"""Text folding shared by every normaliser: width, case, punctuation, script.

All functions are total (they never raise) and cap their input, so a hostile value costs
bounded time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

MAX_INPUT = 512  # characters kept of any single input value

_PUNCT_OR_SYMBOL = re.compile(r"[\W_]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def clip(value: object) -> str:
    """A trimmed string of at most MAX_INPUT characters; ``None`` and non-strings become text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_INPUT].strip()


# C0/C1 control characters (tab and newline are white space), zero-width and BOM characters
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
# full-width digits and Latin letters -> ASCII; full-width punctuation (，（）) is left as written
_FULL_WIDTH_ALNUM = {
    **{code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)},
    **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},
    **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)},
}


def tidy(value: object, *, lines: bool = False) -> str:
    r"""A value as the source spells it, fit to be stored: trimmed, control characters removed,
    white space collapsed (``lines``: within each line, blank lines dropped), full-width digits and
    Latin letters as ASCII. Never case-folded, never transliterated: :func:`fold` is for matching.

    >>> tidy("  12\tBaker\u3000Street\x00 "), tidy("ＡＢＣ（北京）１号")
    ('12 Baker Street', 'ABC（北京）1号')
    >>> tidy("First line  \r\n\r\n  second", lines=True)
    'First line\nsecond'
    """
    text = _CONTROL.sub("", clip(value)).translate(_FULL_WIDTH_ALNUM)
    if not lines:
        return _SPACES.sub(" ", text).strip()
    kept = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in kept if line)


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width letters, digits and punctuation become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """Character table from OpenCC's TSCharacters dictionary (first candidate of each entry,
    followed to its end where that candidate has an entry of its own)."""
    table: dict[int, str] = {}
    source = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and parts[0] != parts[1]:
            table[ord(parts[0])] = parts[1]
    # Some entries chain (薴 -> 苧, 苧 -> 苎): follow each to its end, so that folding is
    # idempotent and a folded key folds to itself.
    for code, target in table.items():
        seen = {code}
        while len(target) == 1 and ord(target) in table and ord(target) not in seen:
            seen.add(ord(target))
            target = table[ord(target)]
        table[code] = target
    return table


def to_simplified(text: str) -> str:
    """Traditional Chinese characters replaced by their Simplified form (華為 -> 华为)."""
    return text.translate(_traditional_to_simplified())


def is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2EBEF
        or 0xF900 <= code <= 0xFAFF
    )


def has_han(text: str) -> bool:
    return any(is_han(char) for char in text)


_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN = re.compile(f"[{_HAN_RANGES}]+|[0-9]+|[^\\s0-9{_HAN_RANGES}]+")


def fold(text: object) -> str:
    """NFKC, Simplified Chinese, lower case, punctuation and symbols to spaces, single spaces.

    >>> fold("  ＡＢＣ　Co., Ltd.（北京）  ")
    'abc co ltd 北京'
    >>> fold("華為"), fold("Müller-Lüdenscheidt")
    ('华为', 'muller ludenscheidt')
    """
    text = nfkc(clip(text))
    if not text.isascii():
        text = to_simplified(text)
        if _ACCENTED.search(text):  # é -> e, so Western spellings meet
            bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
            text = unicodedata.normalize("NFC", bare)  # recompose what is not an accent (Hangul)
    text = _PUNCT_OR_SYMBOL.sub(" ", text.casefold())
    return _SPACES.sub(" ", text).strip()


def split_scripts(text: str) -> list[str]:
    """Tokens of folded text; a run of Han characters is one token, separated from Latin.

    >>> split_scripts("abc华为2号 def")
    ['abc', '华为', '2', '号', 'def']
    """
    return _TOKEN.findall(text)


def _toneless(syllable: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", syllable) if not unicodedata.combining(c))
    return plain.replace("ü", "v").lower()


@lru_cache(maxsize=1)
def _pinyin_tables() -> tuple[dict[str, str], dict[str, tuple[str, ...]], int]:
    """pypinyin's character and phrase dictionaries, toneless.

    pypinyin's own ``lazy_pinyin`` segments with much per-call overhead (~0.3 ms a name); a
    greedy longest-phrase match over the same dictionaries gives the same readings for names
    at a fraction of the cost, which matters when a million partners are indexed.
    """
    from pypinyin.phrases_dict import phrases_dict  # large: loaded on first use only
    from pypinyin.pinyin_dict import pinyin_dict

    chars = {chr(code): _toneless(readings.split(",")[0]) for code, readings in pinyin_dict.items()}
    phrases = {
        phrase: tuple(_toneless(options[0]) for options in readings)
        for phrase, readings in phrases_dict.items()
        if len(phrase) > 1
    }
    return chars, phrases, max(map(len, phrases))


@lru_cache(maxsize=200_000)
def pinyin_syllables(han: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a run of Han characters, read by phrase (重庆 -> chong qing).

    >>> pinyin_syllables("重庆银行"), pinyin_syllables("华为")
    (('chong', 'qing', 'yin', 'hang'), ('hua', 'wei'))
    """
    chars, phrases, longest = _pinyin_tables()
    out: list[str] = []
    i = 0
    while i < len(han):
        for length in range(min(longest, len(han) - i), 1, -1):
            reading = phrases.get(han[i : i + length])
            if reading is not None:
                out.extend(reading)
                i += length
                break
        else:
            syllable = chars.get(han[i])
            if syllable:
                out.append(syllable)
            i += 1
    return tuple(out)


def romanize(text: str) -> list[str]:
    """Latin tokens of folded text: Han runs as pinyin syllables, other tokens unchanged.

    >>> romanize("华为 technologies")
    ['hua', 'wei', 'technologies']
    """
    out: list[str] = []
    for token in split_scripts(text):
        if is_han(token[0]):
            out.extend(pinyin_syllables(token))
        else:
            out.append(token)
    return out
