"""Strong identifiers of partners (USCC, VAT, LEI, e-mail) in their normalised form.

Pure code (no Odoo). The forms match the sync worker's normaliser, so that an identifier
the worker sends and one a person types on the contact form compare equal:

* USCC, VAT and LEI: half-width, upper case, without spaces and separators;
* e-mail: trimmed and lower case.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as stdnum_uscc

KINDS = ("uscc", "vat", "lei", "email")
"""The strong identifier kinds, strongest first."""

_SEPARATORS = re.compile(r"[\s\-./_]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def compact(value: object) -> str:
    """Half-width, upper case, without spaces and separators.

    >>> compact(" 9144 0300-MA5F.ＸＸＸＸＸＸ ")
    '91440300MA5FXXXXXX'
    """
    if not isinstance(value, str):
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def is_uscc(value: object) -> bool:
    """Whether ``value`` is a valid Unified Social Credit Code (with its check character).

    >>> is_uscc("91110108551385082Q"), is_uscc("91110108551385082A"), is_uscc("DE136695976")
    (True, False, False)
    """
    code = compact(value)
    return len(code) == 18 and stdnum_uscc.is_valid(code)


def normalise(kind: str, value: object) -> str | None:
    """The stored form of an identifier of ``kind``, or ``None`` when there is none.

    >>> normalise("email", "  Sales@Tenda.CN ")
    'sales@tenda.cn'
    >>> normalise("email", "not an address") is None
    True
    >>> normalise("lei", "5493 00FX ZCP8 2YTG 8S22")
    '549300FXZCP82YTG8S22'
    >>> normalise("vat", "") is None
    True
    """
    if kind not in KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    if not isinstance(value, str) or not value.strip():
        return None
    if kind == "email":
        text = unicodedata.normalize("NFKC", value).strip().strip("<>\"'").lower()
        if text.startswith("mailto:"):
            text = text[7:]
        return text if _EMAIL.match(text) else None
    return compact(value) or None


def vat_kind(value: object) -> str:
    """``uscc`` when a partner's tax id is a valid USCC, else ``vat``.

    >>> vat_kind("91110108551385082Q"), vat_kind("DE136695976")
    ('uscc', 'vat')
    """
    return "uscc" if is_uscc(value) else "vat"


def partner_identifiers(email: object, vat: object, *, commercial: bool) -> list[tuple[str, str]]:
    """The ``(kind, value)`` identifiers a partner's own fields give it.

    The tax id only counts for a commercial entity (a company, or a person without one):
    contact persons inherit their company's tax id, which identifies the company, not them.

    >>> partner_identifiers("Li@X.cn", "91110108551385082Q", commercial=True)
    [('uscc', '91110108551385082Q'), ('email', 'li@x.cn')]
    >>> partner_identifiers("li@x.cn", "91110108551385082Q", commercial=False)
    [('email', 'li@x.cn')]
    """
    found = []
    if commercial:
        kind = vat_kind(vat)
        value = normalise(kind, vat)
        if value:
            found.append((kind, value))
    address = normalise("email", email)
    if address:
        found.append(("email", address))
    return found
