"""Strong identifiers: Unified Social Credit Code, EU VAT number, LEI.

Each ``normalize_*`` returns the compact valid identifier or an :class:`Invalid` saying what
is wrong. An invalid identifier is never used as a match key.

The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) has 18 characters:

=========  =====================================================================
position   meaning
=========  =====================================================================
1          registration authority (登记管理部门): 1-9, A (军队), N (农业), Y (其他)
2          organisation category within that authority (see ``USCC_CATEGORIES``)
3-8        administrative division code (行政区划码), six digits
9-17       organisation code (主体标识码, GB 11714)
18         check character over positions 1-17, modulo 31
=========  =====================================================================

The alphabet is the digits and the capital letters without I, O, Z, S and V. Some libraries
accept only the authorities 1, 5, 9 and Y and reject valid codes of the others (for example
N for collective economic organisations); this module follows the standard's full table.
"""

from __future__ import annotations

import re

from stdnum import lei as stdnum_lei
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError

from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.text import clip, nfkc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Registration authority -> allowed organisation category codes (GB 32100-2015, table 1).
USCC_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "1234569",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
_SEPARATORS = re.compile(r"[\s\-./_]+")


def compact(text: object) -> str:
    """Upper-case, half-width, without spaces and separators."""
    return _SEPARATORS.sub("", nfkc(clip(text))).upper()


def uscc_check_char(first17: str) -> str:
    """The check character of the first 17 characters of a USCC.

    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: object, field: str = "uscc") -> str | Invalid:
    """The compact USCC, or why it is not one.

    >>> normalize_uscc("9135 0100 M000 100Y 43")
    '91350100M000100Y43'
    >>> normalize_uscc("91350100M000100Y44").code
    'uscc.checksum'
    """
    code = compact(value)
    if not code:
        return invalid(field, value, "uscc.empty", "no Unified Social Credit Code given")
    if len(code) != 18:
        return invalid(
            field,
            value,
            "uscc.length",
            f"a Unified Social Credit Code has 18 characters, this has {len(code)}",
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return invalid(
            field,
            value,
            "uscc.characters",
            f"characters {''.join(bad)!r} cannot occur in a Unified Social Credit Code "
            "(digits and capital letters without I, O, Z, S, V)",
        )
    authority, category = code[0], code[1]
    if authority not in USCC_CATEGORIES:
        return invalid(
            field,
            value,
            "uscc.authority",
            f"{authority!r} is not a registration authority code (1-9, A, N, Y)",
        )
    if category not in USCC_CATEGORIES[authority]:
        return invalid(
            field,
            value,
            "uscc.category",
            f"{category!r} is not an organisation category of authority {authority!r} "
            f"(allowed: {', '.join(USCC_CATEGORIES[authority])})",
        )
    if not code[2:8].isdigit():
        return invalid(
            field,
            value,
            "uscc.division",
            "characters 3-8 must be the six digits of an administrative division code",
        )
    if uscc_check_char(code[:17]) != code[17]:
        return invalid(
            field,
            value,
            "uscc.checksum",
            "the check character (last) does not match: a character is mistyped",
        )
    return code


def normalize_vat(value: object, field: str = "vat") -> str | Invalid:
    """A compact EU VAT number with its country prefix (``DE136695976``), or why not.

    >>> normalize_vat("DE 136 695 976")
    'DE136695976'
    """
    text = clip(value)
    if not text:
        return invalid(field, value, "vat.empty", "no VAT number given")
    try:
        return str(stdnum_vat.validate(nfkc(text)))
    except ValidationError as exc:
        code = type(exc).__name__.replace("Invalid", "").lower() or "invalid"
        return invalid(
            field,
            value,
            f"vat.{code}",
            f"not a valid EU VAT number ({exc.message}); expected a country prefix "
            "and the national number, e.g. DE136695976",
        )


def normalize_lei(value: object, field: str = "lei") -> str | Invalid:
    """A compact Legal Entity Identifier (ISO 17442, 20 characters), or why not.

    >>> normalize_lei("5493 00FX ZCP8 2YTG 8S22")
    '549300FXZCP82YTG8S22'
    """
    text = clip(value)
    if not text:
        return invalid(field, value, "lei.empty", "no LEI given")
    if len(compact(text)) != 20:
        return invalid(field, value, "lei.length", f"an LEI has 20 characters, this has {len(compact(text))}")
    try:
        return str(stdnum_lei.validate(nfkc(text)))
    except ValidationError as exc:
        code = type(exc).__name__.replace("Invalid", "").lower() or "invalid"
        return invalid(
            field,
            value,
            f"lei.{code}",
            f"not a valid LEI ({exc.message}); expected 20 characters with two check digits",
        )
