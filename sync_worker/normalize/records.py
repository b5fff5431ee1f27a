"""One raw record (a file row, a web-form submission, a registry hit, an Odoo partner) in,
one :class:`NormalizedRecord` out. Every unusable value is reported in ``problems`` and never
used as a match key; the record itself is always produced."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers

from sync_worker.normalize.address import canonical_place, normalize_country, parse_chinese_address
from sync_worker.normalize.company import normalize_company_name
from sync_worker.normalize.email_address import normalize_email
from sync_worker.normalize.identifiers import normalize_lei, normalize_uscc, normalize_vat
from sync_worker.normalize.person import normalize_person_name
from sync_worker.normalize.phone import normalize_phone
from sync_worker.normalize.record import Invalid, Kind, NormalizedRecord
from sync_worker.normalize.text import clip, fold, has_han, romanize

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


def normalize_record(raw: Mapping[str, Any], *, default_region: str = "CN") -> NormalizedRecord:
    """Normalise one raw record; see :mod:`sync_worker.normalize.record` for the keys."""
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
    for text in _values(raw.get("email"), _MULTI_EMAIL):
        email = normalize_email(text)
        if isinstance(email, Invalid):
            problems.append(email)
        elif email.key not in emails:
            emails.append(email.key)

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
    province = city = district = None
    street = fold(raw.get("street")) or None
    parts = "".join(clip(raw.get(k)) for k in ("state", "city", "district"))
    address = clip(raw.get("address"))
    chinese = has_han(parts) or (not parts and has_han(address))
    if chinese:
        parsed = parse_chinese_address(parts + (address if not parts else ""))
        province, city, district = parsed.province, parsed.city, parsed.district
        if not street:
            street = fold(parsed.street) or None
        if province and country is None:
            country = "CN"
    else:
        # Chinese places written in pinyin get their official name (Shenzhen -> 深圳市)
        province = canonical_place(raw.get("state")) or fold(raw.get("state")) or None
        city = canonical_place(raw.get("city")) or fold(raw.get("city")) or None
        district = fold(raw.get("district")) or None
        if not street and address:
            street = fold(address)
    zip_code = re.sub(r"\s+", "", fold(raw.get("zip"))) or None

    return NormalizedRecord(
        key=clip(raw.get("key")),
        kind=kind,
        name=name,
        phones=tuple(phones),
        emails=tuple(emails),
        country=country,
        province=province,
        city=city,
        district=district,
        street=street,
        zip=zip_code,
        problems=tuple(problems),
        **fields,
    )
