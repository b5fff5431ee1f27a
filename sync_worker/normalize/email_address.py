"""E-mail addresses: syntax checked with ``email-validator``, never a network lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.text import clip, nfkc


@dataclass(frozen=True, slots=True)
class Email:
    normalized: str  # local part as given, domain lower-cased (what to store)
    key: str  # fully lower-cased (what to match on: mailboxes are case-blind in practice)
    domain: str


# Plain ASCII addresses, the vast majority, are recognised by this conservative pattern;
# everything it does not accept goes through email-validator. tests/unit/test_normalize_email.py
# checks that whatever the pattern accepts, email-validator accepts too, with the same result.
_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9](?:[A-Za-z0-9_%+-]|\.(?!\.)){0,62}[A-Za-z0-9_%+-]|[A-Za-z0-9])"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24})"
)
_SPECIAL = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _plain(text: str) -> Email | None:
    match = _PLAIN.fullmatch(text)
    if match is None or len(text) > 254:
        return None
    domain = match["domain"].lower()
    if domain.rsplit(".", 1)[-1] in _SPECIAL or any(
        domain == name or domain.endswith("." + name) for name in _SPECIAL
    ):
        return None
    return Email(
        normalized=f"{match['local']}@{domain}", key=f"{match['local']}@{domain}".lower(), domain=domain
    )


@lru_cache(maxsize=200_000)
def normalize_email(value: str, field: str = "email") -> Email | Invalid:
    """The address with a lower-cased domain, or why it is not a valid address.

    >>> normalize_email(" Wang.Wei@Example.COM ").normalized
    'Wang.Wei@example.com'
    >>> normalize_email("wang.wei@@example.com").code
    'email.invalid'
    """
    text = nfkc(clip(value)).strip("<>\"' ")
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not text:
        return invalid(field, value, "email.empty", "no e-mail address given")
    plain = _plain(text)
    if plain is not None:
        return plain
    try:
        info = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return invalid(field, value, "email.invalid", f"not a valid e-mail address: {exc}")
    local, _, domain = info.normalized.rpartition("@")
    domain = domain.lower()
    return Email(normalized=f"{local}@{domain}", key=f"{local}@{domain}".lower(), domain=domain)
