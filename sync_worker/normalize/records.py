"""One raw record (a file row, a web-form submission, a registry hit, an Odoo partner) in,
one :class:`NormalizedRecord` out. Every unusable value is reported in ``problems`` and never
used as a match key; the record itself is always produced."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from sync_worker.normalize.address import (
    ChineseAddress,
    canonical_place,
    normalize_country,
    parse_chinese_address,
    rest_as_written,
)
from sync_worker.normalize.company import normalize_company_name
from sync_worker.normalize.email_address import normalize_email
from sync_worker.normalize.identifiers import normalize_lei, normalize_uscc, normalize_vat
from sync_worker.normalize.person import normalize_person_name
from sync_worker.normalize.phone import normalize_phone
from sync_worker.normalize.record import Display, Invalid, Kind, NormalizedRecord
from sync_worker.normalize.text import clip, fold, has_han, romanize, tidy

SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)
_PERSON_KINDS = frozenset({"person", "individual", "contact", "private"})
_MULTI_PHONE = re.compile(r"[;,/、，；]|\s{2,}|\bor\b")
_MULTI_EMAIL = re.compile(r"[;,\s，；]+")
MAX_VALUES = 10  # phone numbers or e-mails kept per record


def _values(raw: object, splitter: re.Pattern[str]) -> list[str]:
    items: Iterable[object] = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        text = clip(item)
        if text:
            out.extend(part.strip() for part in splitter.split(text) if part.strip())
    return out[:MAX_VALUES]


def _kind(raw: Mapping[str, Any]) -> Kind:
    return "person" if clip(raw.get("kind")).lower() in _PERSON_KINDS else "company"


_REGION_OF_CODE = {
    "el": "GR",
    "xi": "GB",
    "uk": "GB",
    "plc": "GB",
    "llp": "GB",
    "inc": "US",
    "corp": "US",
    "llc": "US",
    "lp": "US",
}


def _region_hint(fields: Mapping[str, Any], emails: Iterable[str]) -> str | None:
    """Where a record without a country most likely is, to read its national phone numbers:
    the VAT number's prefix, the legal form's country, else the e-mail's country domain."""
    hints = []
    if fields.get("vat"):
        hints.append(fields["vat"][:2].lower())
    if fields.get("uscc"):
        hints.append("cn")
    form = fields.get("legal_form") or ""
    hints.append(form.split(".", 1)[0] if "." in form else form)
    hints.extend(e.rsplit(".", 1)[-1] for e in emails)
    for hint in hints:
        region = _REGION_OF_CODE.get(hint) or (hint.upper() if len(hint) == 2 else None)
        if region and region in SUPPORTED_REGIONS:
            return region
    return None


@dataclass(frozen=True, slots=True)
class _Address:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None  # as written (tidied)
    street_key: str | None = None  # what matching compares
    chinese: bool = False


def _agrees(given: ChineseAddress | None, free: ChineseAddress) -> bool:
    """Whether the places read from a free-text address agree with the address columns' (or
    only fill what they leave open): a district the free text adds must lie in their city."""
    if given is None:
        return True
    for mine, theirs in (
        (given.province, free.province),
        (given.city, free.city),
        (given.district, free.district),
    ):
        if mine and theirs and mine != theirs:
            return False
    if free.district and not given.district and given.city:
        return parse_chinese_address(given.city + free.district).district == free.district
    return True


def _address(raw: Mapping[str, Any]) -> _Address:
    """Province, city, district and street of a raw record, from its address columns and its
    free-text address (a Chinese one is split into places and street)."""
    street = tidy(raw.get("street"))
    columns = "".join(tidy(raw.get(k)) for k in ("state", "city", "district"))
    address = tidy(raw.get("address"))
    if not (has_han(columns) or (not columns and has_han(address))):
        # Chinese places written in pinyin get their official name (Shenzhen -> 深圳市)
        street = street or address
        return _Address(
            province=canonical_place(raw.get("state")) or tidy(raw.get("state")) or None,
            city=canonical_place(raw.get("city")) or tidy(raw.get("city")) or None,
            district=tidy(raw.get("district")) or None,
            street=street or None,
            street_key=fold(street) or None,
        )
    given = parse_chinese_address(columns) if columns else None
    province, city, district = (given.province, given.city, given.district) if given else (None,) * 3
    rest, rest_key = (given.street, given.street) if given else ("", "")
    if address:
        free = parse_chinese_address(address)
        if _agrees(given, free):
            province, city, district = province or free.province, city or free.city, district or free.district
            rest, rest_key = rest_as_written(address, free), free.street
        else:  # its places contradict the columns: the columns win, the text is kept whole
            rest, rest_key = address, re.sub(r"\s+", "", address)
    return _Address(
        province=province,
        city=city,
        district=district,
        street=street or rest or None,
        street_key=fold(street or rest_key) or None,
        chinese=True,
    )


def normalize_record(raw: Mapping[str, Any], *, default_region: str = "CN") -> NormalizedRecord:
    """Normalise one raw record; see :mod:`sync_worker.normalize.record` for the keys."""
    return normalize_row(raw, default_region=default_region)[0]


def normalize_row(raw: Mapping[str, Any], *, default_region: str = "CN") -> tuple[NormalizedRecord, Display]:
    """Normalise one raw record, and its values as the source spells them for storing."""
    problems: list[Invalid] = []
    kind = _kind(raw)
    name = clip(raw.get("name"))
    fields: dict[str, Any] = {}

    if kind == "company":
        company = normalize_company_name(name)
        if isinstance(company, Invalid):
            problems.append(company)
            fields.update(name_norm="")
        else:
            fields.update(
                name_norm=company.core,
                name_tokens=company.tokens,
                name_pinyin=company.key,
                name_roman="".join(romanize(company.core)),
                legal_form=company.legal_form,
                is_branch=company.is_branch,
                name_location=company.location,
            )
    else:
        person = normalize_person_name(name)
        if isinstance(person, Invalid):
            problems.append(person)
            fields.update(name_norm="")
        else:
            fields.update(
                name_norm=f"{person.family} {person.given}".strip(),
                name_tokens=person.tokens,
                name_pinyin="".join(person.tokens),
                name_roman="".join(person.tokens),
                name_initials=person.initials,
            )
        employer = clip(raw.get("company"))
        if employer:
            company = normalize_company_name(employer, "company")
            if isinstance(company, Invalid):
                problems.append(company)
            else:
                fields["company_norm"] = company.key

    for key, normalizer in (("uscc", normalize_uscc), ("lei", normalize_lei)):
        if clip(raw.get(key)):
            value = normalizer(raw.get(key), key)
            if isinstance(value, Invalid):
                problems.append(value)
            else:
                fields[key] = value
    if clip(raw.get("vat")):
        vat = normalize_vat(raw.get("vat"))
        if isinstance(vat, Invalid):
            # Odoo keeps a Chinese company's USCC in its VAT field
            uscc = normalize_uscc(raw.get("vat"), "vat")
            if isinstance(uscc, Invalid):
                problems.append(vat if not has_han(clip(raw.get("vat"))) else uscc)
            else:
                fields.setdefault("uscc", uscc)
        else:
            fields["vat"] = vat

    emails: list[str] = []
    shown_emails: list[str] = []
    for text in _values(raw.get("email"), _MULTI_EMAIL):
        email = normalize_email(text)
        if isinstance(email, Invalid):
            problems.append(email)
        elif email.key not in emails:
            emails.append(email.key)
            shown_emails.append(email.normalized)

    country = None
    if clip(raw.get("country")):
        found = normalize_country(raw.get("country"))
        if isinstance(found, Invalid):
            problems.append(found)
        else:
            country = found
    phones: list[str] = []
    for key in ("phone", "mobile"):
        for text in _values(raw.get(key), _MULTI_PHONE):
            phone = normalize_phone(text, country or _region_hint(fields, emails) or default_region, key)
            if isinstance(phone, Invalid):
                problems.append(phone)
            elif phone.e164 not in phones:
                phones.append(phone.e164)
    place = _address(raw)
    if place.chinese and place.province and country is None:
        country = "CN"
    zip_shown = tidy(raw.get("zip"))
    zip_code = re.sub(r"\s+", "", fold(zip_shown)) or None

    record = NormalizedRecord(
        key=clip(raw.get("key")),
        kind=kind,
        name=name,
        phones=tuple(phones),
        emails=tuple(emails),
        country=country,
        province=fold(place.province) or None,
        city=fold(place.city) or None,
        district=fold(place.district) or None,
        street=place.street_key,
        zip=zip_code,
        problems=tuple(problems),
        **fields,
    )
    display = Display(
        name=tidy(name),
        company=tidy(raw.get("company")),
        emails=tuple(shown_emails),
        province=place.province,
        city=place.city,
        district=place.district,
        street=place.street,
        zip=zip_shown or None,
    )
    return record, display
