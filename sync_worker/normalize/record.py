"""The normalised record: the one shape that normalisation produces and matching consumes.

A raw record is a plain mapping (one row of a file, one web-form submission, one registry
hit, or one existing Odoo partner). The keys a raw record may carry:

=================  ==================================================================
key                the record's key in its source (row number, submission id, partner id)
kind               ``"company"`` or ``"person"`` (default ``"company"``)
name               display name as received
company            for a person: the employer's name
uscc, vat, lei     identifiers as received (any formatting)
phone, mobile      phone numbers as received (a list is accepted too)
email              e-mail address(es) as received (a list is accepted too)
country            ISO code or country name
state, city, district, street, zip   address parts as received
address            a free-text address (Chinese addresses are split into parts)
=================  ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["company", "person"]


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why one input value could not be used. Never carries more than a capped excerpt."""

    field: str
    value: str
    code: str  # stable machine code, e.g. "uscc.checksum", "phone.unparseable"
    reason: str  # a sentence for a person: what was wrong and what is expected


@dataclass(frozen=True, slots=True)
class NormalizedRecord:
    key: str
    kind: Kind
    name: str  # trimmed display name as received
    name_norm: str  # folded comparable name; for companies without the legal-form suffix
    name_tokens: tuple[str, ...] = ()
    name_pinyin: str = ""  # latin key: pinyin of Han names, folded latin otherwise
    name_roman: str = ""  # the whole comparable name romanised, no spaces (generic words kept)
    legal_form: str | None = None  # canonical legal-form code, e.g. "cn.llc", "de.gmbh"
    is_branch: bool = False
    uscc: str | None = None  # only valid identifiers ever appear here
    vat: str | None = None
    lei: str | None = None
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()  # lower-cased, syntax-checked
    country: str | None = None  # ISO 3166-1 alpha-2
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    zip: str | None = None
    company_norm: str | None = None  # persons: the employer's company key (romanised, distinctive)
    name_location: str | None = None  # companies: romanised place named in the name (shenzhen)
    name_initials: str = ""  # persons: family initial then given initials ("sja")
    problems: tuple[Invalid, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Display:
    """A record's values as its source spells them, for storing (trimmed, white space collapsed,
    control characters removed, full-width digits and letters as ASCII; never case-folded).
    :class:`NormalizedRecord` holds the folded forms, which are for matching only."""

    name: str = ""
    company: str = ""
    emails: tuple[str, ...] = ()  # local part as given, domain lower-cased
    province: str | None = None  # official name of a Chinese province; else as written
    city: str | None = None
    district: str | None = None
    street: str | None = None
    zip: str | None = None
