"""Blocking keys: which records are worth comparing at all.

Each record yields a handful of keys; two records become a candidate pair when they share a
key. Keys carry the record kind, so persons and companies never meet. The keys:

======  ===============================================================  ==========
prefix  key                                                              strength
======  ===============================================================  ==========
``u``   valid Unified Social Credit Code                                 strong
``v``   valid EU VAT number                                              strong
``l``   valid LEI                                                        strong
``p``   phone number (E.164)                                             strong
``e``   e-mail address                                                   strong
``d``   e-mail domain, unless a free-mail domain                         weak
``n``   distinctive name key (pinyin for Han names)                      weak
``r``   the whole name, romanised; its block size is how common the name  weak
        is (term-frequency adjustment of the *exact name* weight)
``t``   each distinctive name token of 3+ letters                        weak
``h``   first 5 letters of the name key (typos at the end)               weak
``z``   last 5 letters of the name key (typos at the start)              weak
``x``   short name keys (4-9 letters): the key with one letter deleted,   weak
        each position (names one edit apart share one: nethub / netub)
``s``   companies: the Han characters of the distinctive name, sorted      weak
        (swapped characters: 盈兴 / 兴盈)
``f``   persons: family name + employer key                              weak
``i``   persons: initials (in either order) + city                       weak
``a``   persons: street (with its number)                                weak
``q``   persons: zip                                                     weak
``t``   persons too: each Latin name token of 3+ letters                 weak
======  ===============================================================  ==========

Weak keys shared by too many records (a very common name token) are not used whole
(``MatchConfig.max_block``); strong keys always are. Inside one file such an oversized block
is split by a second key (:func:`second_keys`: city, legal form, country, zip, first letter
of the name key, a person's family name, each distinctive Latin token of a company's name):
records sharing the oversized key *and* a second key are compared, when that sub-block is
small enough itself.
"""

from __future__ import annotations

import zlib

from sync_worker.normalize.record import NormalizedRecord

STRONG_PREFIXES = frozenset("uvlpe")
FREE_MAIL = frozenset(
    "qq.com 163.com 126.com sina.com sina.cn sohu.com yeah.net 139.com 189.cn aliyun.com foxmail.com "
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com yahoo.com.cn icloud.com "
    "me.com mac.com aol.com gmx.de gmx.net web.de t-online.de freenet.de mail.ru yandex.ru proton.me "
    "protonmail.com orange.fr free.fr laposte.net libero.it qq.cn vip.qq.com vip.163.com".split()
)


def blocking_keys(record: NormalizedRecord) -> list[str]:
    """The blocking keys of one record (see the module docstring)."""
    kind = "c" if record.kind == "company" else "p"
    keys: list[str] = []
    for prefix, value in (("u", record.uscc), ("v", record.vat), ("l", record.lei)):
        if value:
            keys.append(f"{kind}{prefix}:{value}")
    keys.extend(f"{kind}p:{phone}" for phone in record.phones)
    for email in record.emails:
        keys.append(f"{kind}e:{email}")
        domain = email.rpartition("@")[2]
        if domain and domain not in FREE_MAIL:
            keys.append(f"{kind}d:{domain}")
    if record.name_roman:
        keys.append(name_value_key(record))
    name = record.name_pinyin
    if name:
        keys.append(f"{kind}n:{name}")
        if len(name) >= 8:
            keys.append(f"{kind}h:{name[:5]}")
            keys.append(f"{kind}z:{name[-5:]}")
        if 4 <= len(name) <= 9:
            keys.extend({f"{kind}x:{name[:i]}{name[i + 1 :]}" for i in range(len(name))})
            keys.append(f"{kind}x:{name}")
    if record.kind == "company":
        for token in record.name_tokens:
            latin = token if token.isascii() else ""
            if len(latin) >= 3:
                keys.append(f"ct:{latin}")
        han = "".join(sorted("".join(t for t in record.name_tokens if not t.isascii())))
        if len(han) >= 2:
            keys.append(f"cs:{han}")
    else:
        family = record.name_norm.split(" ")[0] if record.name_norm else ""
        if family and record.company_norm:
            keys.append(f"pf:{record.name_tokens and record.name_pinyin}|{record.company_norm}")
            keys.append(f"pf:{family}|{record.company_norm}")
        if record.name_initials and (record.city or record.province):
            # in either order: "Krause S." and "Stefan Krause" are not told apart by word order
            initials = "".join(sorted(record.name_initials))
            keys.append(f"pi:{initials}|{record.city or record.province}")
        # not from the name: a person whose name is mistyped or reordered is still found
        # at their address (a block of neighbours or colleagues, scored by the name)
        if record.street:
            keys.append(f"pa:{record.street}")
        if record.zip:
            keys.append(f"pq:{record.zip}")
        keys.extend(f"pt:{t}" for t in record.name_tokens if t.isascii() and len(t) >= 3)
    return keys


def second_keys(record: NormalizedRecord) -> list[str]:
    """The keys an oversized weak block is split by (see the module docstring)."""
    keys = [f"c:{record.city or record.province}"] if record.city or record.province else []
    if record.legal_form:
        keys.append(f"g:{record.legal_form}")
    if record.country:
        keys.append(f"k:{record.country}")
    if record.zip:
        keys.append(f"q:{record.zip}")
    if record.name_pinyin:
        keys.append(f"a:{record.name_pinyin[0]}")
    if record.kind == "company":
        keys.extend(f"t:{t}" for t in record.name_tokens if t.isascii() and len(t) >= 3)
    elif record.name_norm:
        keys.append(f"y:{record.name_norm.split(' ')[0]}")
    return keys


def sub_block_hash(block: int, second: str) -> int:
    """The hash of the sub-block of block hash ``block`` holding records with key ``second``."""
    return (block * 0x100000001B3 ^ key_hash(second)) & 0x7FFFFFFFFFFFFFFF


def name_value_key(record: NormalizedRecord) -> str:
    """The ``r`` key: kind and whole romanised name (two records with an exact name share it)."""
    return f"{'c' if record.kind == 'company' else 'p'}r:{record.name_roman}"


def key_hash(key: str) -> int:
    """A stable 63-bit hash of a key (the same in every process, unlike ``hash()``).

    Two CRC-32s with different seeds: fast, and with 63 bits a collision among even
    hundreds of millions of keys is unlikely; a collision would only add candidate pairs.
    """
    data = key.encode("utf-8")
    return ((zlib.crc32(data) << 31) ^ zlib.crc32(data, 0x5BD1E995)) & 0x7FFFFFFFFFFFFFFF


def is_strong(key: str) -> bool:
    return key[1] in STRONG_PREFIXES and key[2] == ":"
