"""Phone numbers with Google's libphonenumber (``phonenumbers``), stored as E.164.

Numbers without a country code are read in the default region (CN unless configured).
Full-width digits, ``0086``/``+86`` prefixes, separators and extensions (``ext. 12``,
``x12``, ``#12``, ``转12``, ``-分机12``, and a trailing ``-856`` after a complete landline:
``010-12345678-856``) are understood; the extension is not part of the E.164 value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.text import clip, nfkc

_HAN_EXTENSION = re.compile(r"(?:转|分机|-分机|内线)\s*(\d{1,6})\s*$")
# a trailing "-856" after a complete landline (010-12345678-856): an extension, taken as one
# only when the number without it is valid and the number with it is not
_DASH_EXTENSION = re.compile(r"\s*[-‐‑–—]\s*(\d{1,6})\s*$")
_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.VOIP: "voip",
}


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    region: str | None  # ISO region of the number
    extension: str | None

    @property
    def kind(self) -> str:
        """mobile, fixed, fixed_or_mobile, toll_free, voip or other (looked up when asked)."""
        return phone_kind(self.e164)


@lru_cache(maxsize=10_000)
def phone_kind(e164: str) -> str:
    return _TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164)), "other")


# Chinese mobile numbers, the bulk of Chinese lists: 11 digits starting with 1. Their validity
# and kind in libphonenumber's metadata depend on the leading digits only, so the verdict for
# one number is cached for its first seven digits (its number block) and reused.
_CN_MOBILE = re.compile(r"(?:\+86|0086)?(1\d{10})")
_SEPARATORS = re.compile(r"[\s\-().]")


_E164 = re.compile(r"\+([1-9]\d{6,14})")
_BLOCKS: dict[tuple[str, int, str], str | None] = {}  # (country code, length, block) -> region
MAX_BLOCKS = 500_000


def _block_region(country_code: str, national: str) -> str | None:
    """Region of a number's block: "" when its numbers are invalid, None when unsure.

    libphonenumber decides validity from the national number's length and leading digits;
    the verdict for one number is reused for every number that differs from it only in its
    last four digits (its block), which spares a full parse for most numbers of a list.
    Blocks whose digits libphonenumber rewrites (a trunk prefix written after the country
    code, +1 1…, +7 8…) are left to the full parse.
    """
    key = (country_code, len(national), national[:-4])
    if key not in _BLOCKS:
        number = phonenumbers.parse(f"+{country_code}{national}")
        if str(number.national_number) != national or number.italian_leading_zero:
            region = None
        elif phonenumbers.is_valid_number(number):
            region = phonenumbers.region_code_for_number(number)
        else:
            region = ""
        if len(_BLOCKS) >= MAX_BLOCKS:
            _BLOCKS.clear()
        _BLOCKS[key] = region
    return _BLOCKS[key]


class _Invalid(Exception):
    """The fast path knows the number is invalid."""


def _fast(compact: str, default_region: str) -> tuple[str, str] | None:
    """(E.164, region) for a Chinese mobile or an E.164 number with a known block.

    None when the full parse must decide; raises _Invalid when the block is invalid.
    """
    mobile = _CN_MOBILE.fullmatch(compact)
    if mobile and (default_region == "CN" or compact.startswith(("+86", "0086"))):
        candidate = ("86", mobile[1])
    else:
        full = _E164.fullmatch(compact)
        if not full:
            return None
        digits = full[1]
        size = next((n for n in (1, 2, 3) if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE), 0)
        if not size:
            return None
        candidate = (digits[:size], digits[size:])
    region = _block_region(*candidate)
    if region is None:
        return None
    if not region:
        raise _Invalid
    return f"+{candidate[0]}{candidate[1]}", region


@lru_cache(maxsize=200_000)
def normalize_phone(value: str, default_region: str = "CN", field: str = "phone") -> Phone | Invalid:
    """The number in E.164, or why it is not a valid phone number.

    >>> normalize_phone("138 1234 5678").e164
    '+8613812345678'
    >>> normalize_phone("0086-10-8888 6666 转 123").e164, normalize_phone("＋86 (10) 88886666").e164
    ('+861088886666', '+861088886666')
    >>> normalize_phone("+49 30 901820", "CN").e164
    '+4930901820'
    >>> normalize_phone("12345").code
    'phone.invalid'
    """
    text = nfkc(clip(value))
    if not text:
        return invalid(field, value, "phone.empty", "no phone number given")
    extension = None
    match = _HAN_EXTENSION.search(text)
    if match:
        extension, text = match[1], text[: match.start()]
    try:
        fast = _fast(_SEPARATORS.sub("", text), default_region.upper())
    except _Invalid:
        fast = None  # the full parse below gives the reason
    if fast is not None:
        return Phone(e164=fast[0], region=fast[1], extension=extension)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except NumberParseException as exc:
        return invalid(
            field,
            value,
            "phone.unparseable",
            f"not a phone number ({exc._msg}); give digits with an optional +country code",
        )
    if not phonenumbers.is_valid_number(number):
        dashed = _DASH_EXTENSION.search(text)
        if dashed and extension is None and dashed.start() > 0:
            shorter = normalize_phone(text[: dashed.start()], default_region, field)
            if isinstance(shorter, Phone):
                return Phone(e164=shorter.e164, region=shorter.region, extension=dashed[1])
        return invalid(
            field,
            value,
            "phone.invalid",
            "not a valid number for its country (wrong length or prefix); "
            f"numbers without +country code are read as {default_region.upper()}",
        )
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(number),
        extension=extension or number.extension or None,
    )
