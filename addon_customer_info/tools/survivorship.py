"""Survivorship: which value of a field survives when a source reports one.

Pure code (no Odoo): the addon's batch apply asks :func:`decide` once per field a source
reports, with the current value, the trust of whoever set it, the incoming value and the
source's trust for that field. The rules:

* a source never blanks a value: an empty incoming value is skipped;
* an empty current value is filled;
* values that are equal once normalised (case, spacing, phone punctuation) are unchanged;
* a value another row of the same run wrote (rows of one file are observations of one moment,
  their order says nothing) is replaced only by a more complete one (:func:`more_complete`): two
  rows of one entity leave the fuller name (天津港湾物流有限公司, not 天津港湾物流), not the last;
* otherwise the higher-or-equal trust wins: the incoming value is applied;
* a lower-trust different value is kept as an observation, never written.

A person's manual edit counts as :data:`MANUAL_TRUST`; a value whose origin is unknown
(typed before provenance was recorded) counts as a manual edit too.
"""

from __future__ import annotations

import enum
import re
import unicodedata

MANUAL_TRUST = 80
"""The trust of a person's manual edit (and of a value of unknown origin)."""

MIN_TRUST = 0
MAX_TRUST = 100

_SPACES = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[\s().\-/]")
_CASE_INSENSITIVE = frozenset({"email", "website", "country", "country_id", "vat", "uscc", "lei"})
_PHONES = frozenset({"phone", "mobile"})
_DESCRIPTIVE = frozenset({"name", "street", "street2", "city", "zip", "function", "comment", "company_name"})
"""Free-text fields where a longer value says more; of any other field (e-mail, phone, website,
identifiers, a country or a company), the value one row of a run wrote stays for the run."""


class Verdict(enum.StrEnum):
    """What happens to one incoming field value."""

    APPLY = "apply"
    """Written to the partner (the field was empty, or the source is trusted at least as much)."""
    KEEP_AS_OBSERVATION = "keep_as_observation"
    """A different value from a less trusted source: recorded, not written."""
    UNCHANGED = "unchanged"
    """The partner already has this value."""
    SKIP_BLANK = "skip_blank"
    """The source has no value: a source never blanks a field."""


def is_blank(value: object) -> bool:
    """Whether ``value`` counts as no value (None, False, empty or whitespace-only text).

    >>> is_blank(None), is_blank(False), is_blank("  "), is_blank("x"), is_blank(0)
    (True, True, True, False, False)
    """
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


def normalise(field: str, value: object) -> object:
    """The comparable form of ``value`` for ``field``: the form two equal values share.

    Text is NFKC-normalised (full-width letters and digits become ASCII) with spacing
    collapsed; e-mails, websites, countries and identifiers ignore case; phones ignore
    spaces, dashes, dots and brackets; a website ignores its scheme and trailing slash.

    >>> normalise("name", "  深圳市腾达  科技有限公司 ")
    '深圳市腾达 科技有限公司'
    >>> normalise("email", "Sales@Tenda.CN") == normalise("email", "sales@tenda.cn")
    True
    >>> normalise("phone", "+86 755-8888 1234")
    '+8675588881234'
    >>> normalise("website", "https://www.Example.com/")
    'www.example.com'
    >>> normalise("vat", "ＤＥ 123456789")
    'de123456789'
    """
    if is_blank(value):
        return None
    if not isinstance(value, str):
        return value
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    if field in _PHONES:
        return _PHONE_NOISE.sub("", text)
    if field in ("vat", "uscc", "lei"):
        text = text.replace(" ", "")
    if field == "website":
        text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text, flags=re.IGNORECASE).rstrip("/")
    if field in _CASE_INSENSITIVE:
        return text.casefold()
    return text


def same_value(field: str, left: object, right: object) -> bool:
    """Whether two values of ``field`` are the same once normalised.

    >>> same_value("phone", "+86 755 8888 1234", "+8675588881234")
    True
    >>> same_value("name", "Tenda", "Tenda Ltd")
    False
    """
    return normalise(field, left) == normalise(field, right)


def more_complete(field: str, current: object, incoming: object) -> bool:
    """Whether ``incoming`` says more than ``current``, both from rows of one file: for free text,
    the longer once normalised (the legal suffix, the street number); never for other fields.

    >>> more_complete("name", "天津港湾物流", "天津港湾物流有限公司")
    True
    >>> more_complete("name", "天津港湾物流有限公司", "天津港湾物流")
    False
    >>> more_complete("name", "Acme", " Acme  ")
    False
    >>> more_complete("phone", "+86 22 1", "+86 22 12345678")
    False
    """
    if field not in _DESCRIPTIVE:
        return False
    left, right = normalise(field, current), normalise(field, incoming)
    if not isinstance(right, str):
        return False
    return not isinstance(left, str) or len(right) > len(left)


def check_trust(trust: int) -> int:
    """``trust`` if it lies within 0..100, else ``ValueError``.

    >>> check_trust(60)
    60
    >>> check_trust(101)
    Traceback (most recent call last):
    ...
    ValueError: trust must lie between 0 and 100, not 101
    """
    if not isinstance(trust, int) or isinstance(trust, bool) or not MIN_TRUST <= trust <= MAX_TRUST:
        raise ValueError(f"trust must lie between {MIN_TRUST} and {MAX_TRUST}, not {trust!r}")
    return trust


def decide(
    field: str,
    current: object,
    current_trust: int | None,
    incoming: object,
    incoming_trust: int,
    *,
    same_run: bool = False,
) -> Verdict:
    """What to do with ``incoming`` (trusted ``incoming_trust``) for a field holding ``current``.

    ``current_trust`` is the trust of whoever set the current value, :data:`MANUAL_TRUST`
    for a person's edit, or ``None`` when the origin is unknown (counted as a manual edit).
    ``same_run``: another row of the run that ``incoming`` comes from set the current value.

    >>> decide("email", "a@x.cn", None, None, 90)
    <Verdict.SKIP_BLANK: 'skip_blank'>
    >>> decide("email", None, None, "a@x.cn", 10)
    <Verdict.APPLY: 'apply'>
    >>> decide("email", "A@x.cn", 40, "a@x.cn", 90)
    <Verdict.UNCHANGED: 'unchanged'>
    >>> decide("phone", "+86 1", 40, "+86 2", 40)
    <Verdict.APPLY: 'apply'>
    >>> decide("phone", "+86 1", MANUAL_TRUST, "+86 2", 60)
    <Verdict.KEEP_AS_OBSERVATION: 'keep_as_observation'>
    >>> decide("phone", "+86 1", None, "+86 2", 90)
    <Verdict.APPLY: 'apply'>
    >>> decide("name", "天津港湾物流有限公司", 40, "天津港湾物流", 40, same_run=True)
    <Verdict.KEEP_AS_OBSERVATION: 'keep_as_observation'>
    >>> decide("name", "天津港湾物流", 40, "天津港湾物流有限公司", 40, same_run=True)
    <Verdict.APPLY: 'apply'>
    """
    check_trust(incoming_trust)
    if is_blank(incoming):
        return Verdict.SKIP_BLANK
    if is_blank(current):
        return Verdict.APPLY
    if same_value(field, current, incoming):
        return Verdict.UNCHANGED
    if same_run:
        return Verdict.APPLY if more_complete(field, current, incoming) else Verdict.KEEP_AS_OBSERVATION
    held = MANUAL_TRUST if current_trust is None else check_trust(current_trust)
    if incoming_trust >= held:
        return Verdict.APPLY
    return Verdict.KEEP_AS_OBSERVATION
