"""Labelled benchmark data: Chinese and Western companies and contact persons, with duplicates.

Every record is a *raw record* in the format :func:`sync_worker.normalize.normalize_record`
reads (see :mod:`sync_worker.normalize.record`), labelled with the id of the real-world
entity it describes. Deterministic for a seed; streamed, so a million records never sit in
memory at once (about 30 µs per record on one core).

Run ``python -m bench.datagen --help`` to write a data set as CSV or JSON lines.

Entities
========
An entity is a pure function of ``(seed, entity id)``, so entity 17 is the same whatever the
size of the data set. Shares (:class:`Rates`): 70 % companies, 30 % contact persons;
companies are 55 % Chinese, 45 % Western (DE, GB, US, FR, IT, NL, ES, AT, BE, PL).

* Chinese company: registered name region + trade name + industry + organisational form
  (``深圳市华信科技有限公司``), 92 % of them known primarily by that Han name, the rest by
  their English name (``Shenzhen Huaxin Technology Co., Ltd.``, pinyin of the trade name);
  a valid USCC (registration authorities 9, 5, 1, N, A, Y by their real shares, the region
  code from the company's district); a landline with area code (or a mobile for a quarter of
  them), a mailbox at its own domain or at a free-mail domain; an address from China's
  administrative divisions (``cpca``'s table), two thirds in the twenty big business cities.
* Western company: invented or surname trade name + industry word + the country's legal form
  (``Novatek Logistik GmbH``); a valid VAT number (EU countries); national phone formats.
* LEIs for 10 % of Western and 3 % of Chinese companies.
* Hard negatives, i.e. different entities that look alike: 5 % of companies are *siblings*
  of an earlier company (same trade name and city, different industry: ``华信科技`` vs
  ``华信电子``; Western: same brand, another industry or country), 2 % of Chinese companies
  are *branches* (``…有限公司北京分公司``, own USCC); common person names (张伟, Thomas
  Müller) recur at different employers, and colleagues share their employer's switchboard.
* Contact person: Chinese (surname by frequency, compound surnames included, one- or
  two-character given name, pinyin) or Western (first and family names per language); an
  employer (an earlier company entity), a mobile, sometimes the office line, a work or
  free-mail address, a city.
* E-mail addresses are never shared by two entities (the generator models no shared generic
  mailboxes): a company's domain is its own, from its trade name (pinyin for Chinese ones),
  and a namesake that comes later (a larger entity id) takes the name with its city
  (``szhongjin.com``, ``visser-amsterdam.nl``), line of business (``klein-bau.de``) or legal
  form, or else with a number (``meyer2.de``); a person's work address at the employer's
  domain (``zhang.wei@``; ``zhang.wei2@`` for a namesake colleague), a private one at a free
  mailer, each unique to the person. Since the first entity to want an address gets it, making
  entity ``n`` first makes entities ``0..n-1``, once per process (about 110 bytes kept per
  entity: some 110 MB for a million).

Records
=======
Each record *renders* its entity: the same facts, in one of the forms real lists use. Every
rendering, duplicate or not, varies independently in:

* phone format: ``+86 138 1234 5678``, ``0086-138…``, ``138 1234 5678``, ``13812345678``,
  ``(010) 12345678``, ``010-12345678``, ``+49 (0)30 …``, ``030/…``, ``(212) 555-0123`` …; a
  Chinese landline without its area code in 4 % of renderings (unrecoverable, as in life);
* presence of each field (base rates in :class:`Rates`: a purchased list lacks identifiers
  more often than the partner index does);
* where the identifier sits: existing partners (Odoo) carry the USCC in ``vat`` (80 %),
  purchased lists in ``uscc``; VAT with or without country prefix and spaces;
* country as ISO code, English or native name, or absent; address as one string or split;
* identifier typos: in 2 % of the records that carry identifiers, one of them has a mistyped
  character (its checksum fails; the record is tagged ``id_typo``), as in real lists.

Duplicates
==========
The first record of an entity in a data set is a clean rendering; each further record of it
(a *duplicate*) also gets 1-4 corruptions (1: 45 %, 2: 35 %, 3: 15 %, 4: 5 %), drawn by
weight from those that apply, and recorded in ``LabelledRecord.corruptions``:

=====================  ====  ================================================================
corruption             wt.   effect
=====================  ====  ================================================================
``suffix_variant``     3     legal form written differently or dropped (有限公司 → 有限责任公司,
                             Co., Ltd. → Company Limited, GmbH → G.m.b.H., Ltd → Limited)
``name_typo``          3     one typo: Han homophone (华信 → 华鑫), dropped or swapped
                             character; Latin insert/delete/substitute/transpose
``script_swap``        2     Chinese: Han name ↔ English/pinyin name (persons: 张伟 ↔ Zhang Wei)
``traditional``        1.5   Chinese: Traditional characters (name and address)
``fullwidth``          1.5   ASCII letters, digits and brackets as full-width forms
``region_variant``     1.5   Chinese companies: region prefix added, dropped or moved into
                             brackets (深圳市华信科技 / 华信科技 / 华信（深圳）科技)
``case_space``         1     upper/lower case, missing or extra spaces
``name_order``         3     persons: family and given name swapped (Müller, Hans; Wei Zhang)
``nickname_initial``   1     Western persons: nickname or initial (Bill, H. Müller)
``accents``            1     Western: accents stripped or umlauts transliterated (Mueller)
``employer_variant``   1.5   persons: employer written with another suffix or script
``employer_changed``   0.5   persons: an outdated or new employer
``phone_missing``      1.5   no phone
``phone_changed``      1     another number (a new switchboard, a second mobile)
``email_missing``      1.5   no e-mail
``email_changed``      1     another mailbox (sales@ for info@; private for work)
``email_case``         1     e-mail in mixed or upper case
``id_missing``         2     identifiers left out
``address_outdated``   1.5   an old address: other street (30 % also district, 10 % city)
``address_missing``    1     no address
=====================  ====  ================================================================

Modes
=====
(a) :func:`file_records` - one incoming file: 20 % of its records duplicate an earlier record's
    entity (so clusters of 2, 3 and more arise), the rest are new entities.
(b) :func:`index_records` - N existing partners, one clean record per entity (entities
    ``0..N-1``, keys ``P<id>``); :func:`incoming_records` - M incoming records (keys
    ``R<n>``): 30 % are existing partners (a uniformly chosen index entity, rendered as a
    duplicate), 8 % duplicate an earlier incoming record, 62 % are new entities.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import random
import string
import sys
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate, count, islice
from pathlib import Path
from typing import Any

import phonenumbers
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin
from stdnum import lei as stdnum_lei
from stdnum.eu import vat as stdnum_vat

from bench import vocab
from bench.identifiers import is_valid_uscc, make_lei, make_uscc, make_vat, mistype

RAW_FIELDS = (
    "key",
    "kind",
    "name",
    "company",
    "uscc",
    "vat",
    "lei",
    "phone",
    "mobile",
    "email",
    "country",
    "state",
    "city",
    "district",
    "street",
    "zip",
    "address",
)

# -- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """Shares and rates of the generator (see the module docstring)."""

    person_share: float = 0.30
    chinese_company_share: float = 0.55
    han_primary: float = 0.92  # Chinese entities known primarily by their Han name
    sibling_share: float = 0.05
    branch_share: float = 0.02  # of Chinese companies
    lei_share_west: float = 0.10
    lei_share_cn: float = 0.03
    file_duplicate_share: float = 0.20  # mode (a)
    incoming_index_share: float = 0.30  # mode (b)
    incoming_duplicate_share: float = 0.08  # mode (b)
    corruption_counts: tuple[float, ...] = (0.45, 0.35, 0.15, 0.05)  # P(1), P(2), ... corruptions
    id_typo: float = 0.02
    #: field presence: (index record, incoming record)
    identifier_present: tuple[float, float] = (0.85, 0.55)
    lei_present: tuple[float, float] = (0.7, 0.5)
    phone_present: tuple[float, float] = (0.9, 0.8)
    email_present: tuple[float, float] = (0.75, 0.65)
    address_present: tuple[float, float] = (0.9, 0.75)
    country_present: tuple[float, float] = (0.9, 0.6)
    person_company_present: tuple[float, float] = (0.95, 0.85)


CORRUPTION_WEIGHTS: dict[str, float] = {
    "suffix_variant": 3,
    "name_typo": 3,
    "script_swap": 2,
    "traditional": 1.5,
    "fullwidth": 1.5,
    "region_variant": 1.5,
    "case_space": 1,
    "name_order": 3,
    "nickname_initial": 1,
    "accents": 1,
    "employer_variant": 1.5,
    "employer_changed": 0.5,
    "phone_missing": 1.5,
    "phone_changed": 1,
    "email_missing": 1.5,
    "email_changed": 1,
    "email_case": 1,
    "id_missing": 2,
    "address_outdated": 1.5,
    "address_missing": 1,
}
_COMPANY_CORRUPTIONS = (
    "suffix_variant",
    "name_typo",
    "script_swap",
    "traditional",
    "fullwidth",
    "region_variant",
    "case_space",
    "phone_missing",
    "phone_changed",
    "email_missing",
    "email_changed",
    "email_case",
    "id_missing",
    "address_outdated",
    "address_missing",
)
_PERSON_CORRUPTIONS = (
    "name_typo",
    "script_swap",
    "traditional",
    "fullwidth",
    "case_space",
    "name_order",
    "nickname_initial",
    "accents",
    "employer_variant",
    "employer_changed",
    "phone_missing",
    "phone_changed",
    "email_missing",
    "email_changed",
    "email_case",
    "address_missing",
)
_CHINESE_ONLY = frozenset({"script_swap", "traditional", "region_variant"})
_WESTERN_ONLY = frozenset({"nickname_initial", "accents"})

# -- deterministic random streams ------------------------------------------------------------

_ENTITY, _RECORD_INDEX, _RECORD_FILE, _RECORD_INCOMING, _PLAN, _OUTSIDE = range(6)


def _rng(seed: int, stream: int, number: int) -> random.Random:
    """An independent generator per (seed, stream, number): random access, same in every run."""
    return random.Random(((seed * 16 + stream) << 40) + number)


def _weighted(rng: random.Random, items: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return rng.choices(items, cum_weights=cumulative)[0]


def _cum(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


# -- tables -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class District:
    province: str
    city: str
    district: str
    code: str  # six-digit administrative division code


@lru_cache(maxsize=1)
def divisions() -> tuple[tuple[District, ...], dict[str, tuple[District, ...]]]:
    """Every district of China (cpca's table), and the districts of each major city."""
    names: dict[str, str] = {}
    spec = importlib.util.find_spec("cpca")  # its data file only: importing cpca needs pkg_resources
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (China's administrative divisions) is not installed")
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    text = table.read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        names[row["adcode"][:6]] = row["name"]
    out = []
    for code, name in sorted(names.items()):
        if code.endswith("00") or name in ("市辖区", "县") or len(name) < 2:
            continue
        province = names.get(code[:2] + "0000")
        if not province:
            continue
        city = names.get(code[:4] + "00", "")
        if city in ("", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            city = province if province.endswith("市") else name
        out.append(District(province, city, name, code))
    by_city: dict[str, list[District]] = {}
    for d in out:
        by_city.setdefault(d.city, []).append(d)
    major = {c[0]: tuple(by_city.get(c[0], ())) for c in vocab.CN_MAJOR_CITIES}
    return tuple(out), major


_MAJOR = {c[0]: c for c in vocab.CN_MAJOR_CITIES}
_CN_FORM_CUM = _cum(f[1] for f in vocab.CN_FORMS)
_USCC_KIND_CUM = _cum(k[1] for k in vocab.USCC_KINDS)
_SURNAME_CUM = _cum(s[2] for s in vocab.CN_SURNAMES)
_WEST_COUNTRY_LIST = tuple(vocab.WEST_COUNTRIES)
_WEST_COUNTRY_CUM = _cum(v[1] for v in vocab.WEST_COUNTRIES.values())
_WEST_FORM_CUM = {c: _cum(f[1] for f in forms) for c, forms in vocab.WEST_FORMS.items()}
_S2T = OpenCC("s2t")
_TRUNK = {"CN": "0", "DE": "0", "AT": "0", "GB": "0", "FR": "0", "NL": "0", "BE": "0"}
_COUNTRY_NAMES = {
    "CN": ("China", "中国", "PRC", "People's Republic of China"),
    "DE": ("Germany", "Deutschland"),
    "AT": ("Austria", "Österreich"),
    "GB": ("United Kingdom", "UK", "Great Britain"),
    "US": ("United States", "USA"),
    "FR": ("France",),
    "NL": ("Netherlands", "Nederland"),
    "IT": ("Italy", "Italia"),
    "ES": ("Spain", "España"),
    "BE": ("Belgium", "België"),
    "PL": ("Poland", "Polska"),
}
_INSTITUTION_EN = {
    "行业协会": "Industry Association",
    "基金会": "Foundation",
    "研究院": "Research Institute",
    "服务中心": "Service Center",
    "股份经济合作社": "Economic Cooperative",
    "促进会": "Promotion Association",
}


@lru_cache(maxsize=65536)
def _traditional(text: str) -> str:
    return str(_S2T.convert(text))


@cache
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char)[0]


def pinyin_word(text: str) -> str:
    """``华信`` -> ``Huaxin``: a trade name or given name romanised, character by character."""
    return "".join(_char_pinyin(c) for c in text).capitalize()


@lru_cache(maxsize=1)
def _homophones() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for char in dict.fromkeys(vocab.BRAND_CHARS + vocab.CN_GIVEN_CHARS):
        groups.setdefault(lazy_pinyin(char)[0], []).append(char)
    return {
        c: tuple(x for x in group if x != c) for group in groups.values() for c in group if len(group) > 1
    }


@lru_cache(maxsize=4096)
def _city_initials(city: str) -> str:
    """``深圳市`` -> ``sz``, ``长沙市`` -> ``cs``: as in city-prefixed domain names (``szhuaxin.com``)."""
    name = city.rstrip("市")
    return "".join(lazy_pinyin(name if len(name) <= 4 else name[:2], style=Style.FIRST_LETTER))


def _city_pinyin(city: str) -> str:
    major = _MAJOR.get(city)
    return major[2] if major else pinyin_word(city.rstrip("市"))


# -- entities ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phone:
    country: str
    area: str  # area code without trunk prefix ("" for mobiles)
    number: str  # subscriber number (the whole national number for mobiles)

    @property
    def national(self) -> str:
        return self.area + self.number


@dataclass(frozen=True, slots=True)
class Address:
    country: str
    state: str
    city: str
    district: str
    street: str
    zip: str


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    chinese: bool
    country: str
    lang: str
    han_primary: bool
    region: str  # Chinese: city in the registered name ("深圳市"), "" if none
    region_style: str  # "prefix" | "none"
    brand: str
    brand_latin: str
    industry: str
    industry_latin: str
    form: str  # canonical organisational form as registered ("有限公司", "GmbH")
    form_latin: str
    form_variants: tuple[str, ...]
    form_latin_variants: tuple[str, ...]
    branch_of: str  # Chinese branch: the head office's name ("" otherwise)
    uscc: str
    vat: str
    lei: str
    phone: Phone
    mobile: Phone | None
    email: str
    address: Address
    #: other domain names (without top-level domain) the company would take were its first choice
    #: taken by a namesake: city, line of business; see _company_addresses
    domain_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    chinese: bool
    lang: str
    han_primary: bool
    family: str
    given: str
    family_latin: str
    given_latin: str
    employer: Company
    mobile: Phone
    office: Phone
    email: str
    private_email: str
    address: Address


Entity = Company | Person


def _national_length(country: str, area: str) -> int:
    """Digits after the area code of a landline in ``country``."""
    if country == "CN":
        return 7 if area in vocab.CN_SEVEN_DIGIT_AREAS else 8
    if country in ("DE", "GB", "IT"):
        return 10 - len(area)
    return {"AT": 7 if area == "1" else 6, "FR": 8}.get(country, 7)


@cache
def _valid_heads(country: str, head: str, length: int) -> tuple[str, ...]:
    """Two-digit continuations of ``head`` that give numbers phonenumbers accepts as valid."""
    region = phonenumbers.region_code_for_country_code(int(vocab.CALLING_CODES[country]))
    heads = []
    for lead in range(20, 100):
        tries = (f"{head}{lead}{'0' * (length - 2)}", f"{head}{lead}{'7' * (length - 2)}")
        if all(phonenumbers.is_valid_number(phonenumbers.parse(n, region)) for n in tries):
            heads.append(str(lead))
    return tuple(heads) or ("23",)


def _number(rng: random.Random, country: str, head: str, length: int) -> str:
    """``length`` digits after ``head``, starting the way valid numbers there start."""
    lead = rng.choice(_valid_heads(country, head, length))
    rest = length - 2
    return f"{lead}{rng.randrange(10**rest):0{rest}d}"


def _landline(rng: random.Random, country: str, area: str) -> Phone:
    trunk = "" if country in ("US", "IT", "ES", "PL") else _TRUNK.get(country, "")
    return Phone(country, area, _number(rng, country, trunk + area, _national_length(country, area)))


def _mobile(rng: random.Random, country: str) -> Phone:
    head = rng.choice(vocab.MOBILE_HEADS[country])
    rest = vocab.MOBILE_LENGTHS[country] - len(head)
    trunk = _TRUNK.get(country, "") if country != "CN" else ""
    return Phone(country, "", head + _number(rng, country, trunk + head, rest))


def _cn_district(rng: random.Random) -> District:
    every, major = divisions()
    if rng.random() < 0.66:
        city = rng.choice(vocab.CN_MAJOR_CITIES)[0]
        if major.get(city):
            return rng.choice(major[city])
    return rng.choice(every)


def _cn_street(rng: random.Random) -> str:
    street = f"{rng.choice(vocab.CN_STREET_WORDS)}{rng.choice(vocab.CN_STREET_TYPES)}{rng.randint(1, 999)}号"
    if rng.random() < 0.4:
        street += (
            f"{rng.choice(vocab.BRAND_CHARS)}{rng.choice(vocab.BRAND_CHARS)}{rng.choice(vocab.CN_BUILDINGS)}"
        )
        street += f"{rng.randint(1, 40)}层"
    return street


def _cn_address(rng: random.Random, district: District) -> Address:
    major = _MAJOR.get(district.city)
    zip_code = f"{major[4]}{rng.randint(0, 999):03d}" if major else ""
    return Address("CN", district.province, district.city, district.district, _cn_street(rng), zip_code)


def _postcode(rng: random.Random, pattern: str) -> str:
    return "".join(
        rng.choice(string.digits) if c == "#" else rng.choice(string.ascii_uppercase) if c == "A" else c
        for c in pattern
    )


def _west_address(rng: random.Random, country: str, city: tuple[str, str, str]) -> Address:
    lang = vocab.WEST_COUNTRIES[country][0]
    patterns, words = vocab.WEST_STREETS[lang]
    street = rng.choice(patterns).format(w=rng.choice(words), n=rng.randint(1, 250))
    return Address(country, "", city[0], "", street, _postcode(rng, city[2]))


def _ascii_fold(text: str) -> str:
    for a, b in vocab.TRANSLITERATIONS.items():
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=65536)
def _domain_word(text: str) -> str:
    return "".join(c for c in _ascii_fold(text).lower() if c.isalnum())


@lru_cache(maxsize=16384)  # employers recur: persons pick them among the last 5,000 entities
def _company_core(seed: int, entity: int, rates: Rates, stream: int = _ENTITY) -> Company:
    """A company without relatives (the parent of a sibling or branch; an employer)."""
    rng = _rng(seed, stream, entity)
    rng.random()  # the kind draw (see entity())
    chinese = rng.random() < rates.chinese_company_share
    return _chinese_company(rng, entity, rates) if chinese else _western_company(rng, entity, rates)


def _chinese_company(rng: random.Random, entity: int, rates: Rates) -> Company:
    district = _cn_district(rng)
    kind = _weighted(rng, vocab.USCC_KINDS, _USCC_KIND_CUM)[0]
    brand = rng.choice(vocab.BRAND_CHARS) + rng.choice(vocab.BRAND_CHARS)
    if rng.random() < 0.08:
        brand += rng.choice(vocab.BRAND_CHARS)
    industry, industry_en = rng.choice(vocab.INDUSTRIES)
    if kind.startswith("9"):
        form, _, forms_en = _weighted(rng, vocab.CN_FORMS, _CN_FORM_CUM)
        variants = vocab.CN_FORM_VARIANTS[form]
    else:
        form = rng.choice(vocab.CN_INSTITUTION_SUFFIXES)
        forms_en, variants, industry, industry_en = (_INSTITUTION_EN[form],), (), "", ""
    city = district.city
    region_style = "prefix" if rng.random() < 0.6 else "none"
    area = _MAJOR[city][3] if city in _MAJOR else ""
    phone = _landline(rng, "CN", area) if area and rng.random() < 0.75 else _mobile(rng, "CN")
    mobile = _mobile(rng, "CN") if rng.random() < 0.15 else None
    if rng.random() < 0.25:
        email = f"{rng.randint(10**5, 10**10)}@{rng.choice(vocab.CN_FREE_MAIL)}"
    else:
        tld = rng.choice(("com", "com.cn", "cn", "net"))
        email = f"{rng.choice(vocab.COMPANY_MAILBOXES)}@{_domain_word(pinyin_word(brand))}.{tld}"
    stem = _domain_word(pinyin_word(brand))
    initials = _city_initials(city)
    industry_word = _domain_word(industry_en.split(" ")[0]) if industry_en else ""
    labels = (f"{initials}{stem}", f"{stem}{industry_word}", f"{_domain_word(_city_pinyin(city))}{stem}")
    lei = make_lei(rng) if rng.random() < rates.lei_share_cn else ""
    return Company(
        id=entity,
        chinese=True,
        country="CN",
        lang="zh",
        han_primary=rng.random() < rates.han_primary,
        region=city if city.endswith("市") else "",
        region_style=region_style,
        brand=brand,
        brand_latin=pinyin_word(brand),
        industry=industry,
        industry_latin=industry_en,
        form=form,
        form_latin=forms_en[0],
        form_variants=variants,
        form_latin_variants=forms_en[1:],
        branch_of="",
        uscc=make_uscc(rng, kind, district.code),
        vat="",
        lei=lei,
        phone=phone,
        mobile=mobile,
        email=email,
        address=_cn_address(rng, district),
        domain_labels=tuple(dict.fromkeys(label for label in labels if label != stem)),
    )


def _western_company(rng: random.Random, entity: int, rates: Rates) -> Company:
    country = _weighted(rng, _WEST_COUNTRY_LIST, _WEST_COUNTRY_CUM)
    lang, _, tld = vocab.WEST_COUNTRIES[country]
    if rng.random() < 0.35:
        family = rng.choice(vocab.WEST_LAST[lang])
        brand = family if rng.random() < 0.6 else f"{family} & {rng.choice(vocab.WEST_LAST[lang])}"
    else:
        brand = rng.choice(vocab.BRAND_HEADS) + rng.choice(vocab.BRAND_TAILS)
    industry = rng.choice(vocab.WEST_INDUSTRIES[lang]) if rng.random() < 0.8 else ""
    form, _, variants = _weighted(rng, vocab.WEST_FORMS[country], _WEST_FORM_CUM[country])
    city = rng.choice(vocab.WEST_CITIES[country])
    phone = _landline(rng, country, city[1])
    mobile = _mobile(rng, country) if rng.random() < 0.1 else None
    stem = _domain_word(brand)
    email = f"{rng.choice(vocab.COMPANY_MAILBOXES)}@{stem}.{tld}"
    return Company(
        id=entity,
        chinese=False,
        country=country,
        lang=lang,
        han_primary=False,
        region="",
        region_style="none",
        brand=brand,
        brand_latin=brand,
        industry=industry,
        industry_latin=industry,
        form=form,
        form_latin=form,
        form_variants=variants,
        form_latin_variants=variants,
        branch_of="",
        uscc="",
        vat=make_vat(rng, country) or "",
        lei=make_lei(rng) if rng.random() < rates.lei_share_west else "",
        phone=phone,
        mobile=mobile,
        email=email,
        address=_west_address(rng, country, city),
        domain_labels=tuple(
            dict.fromkeys(
                f"{stem}-{word}"
                for word in (_domain_word(industry), _domain_word(city[0]), _domain_word(form))
                if word
            )
        ),
    )


def _relative_of(seed: int, entity: int, rng: random.Random, rates: Rates) -> Company | None:
    """An earlier company this one is a sibling or branch of, if any."""
    if entity < 2 or rng.random() >= rates.sibling_share + rates.branch_share:
        return None
    other = entity - 1 - rng.randrange(min(entity - 1, 500))
    parent_rng = _rng(seed, _ENTITY, other)
    if parent_rng.random() < rates.person_share:
        return None
    return _company_core(seed, other, rates)


def _company(seed: int, entity: int, rng: random.Random, rates: Rates) -> Company:
    own = _chinese_company(rng, entity, rates) if rng.random() < rates.chinese_company_share else None
    own = own or _western_company(rng, entity, rates)
    parent = _relative_of(seed, entity, rng, rates)
    if parent is None or parent.chinese != own.chinese:
        return own
    if parent.chinese and rng.random() < rates.branch_share / (rates.sibling_share + rates.branch_share):
        head_office = _han_company_name(parent, parent.form, parent.region_style)
        city = own.address.city
        return _replace(
            own,
            brand=parent.brand,
            brand_latin=parent.brand_latin,
            industry=parent.industry,
            industry_latin=parent.industry_latin,
            branch_of=head_office,
            form=f"{city}分公司",
            form_latin=f"{_city_pinyin(city)} Branch",
            form_variants=(),
            form_latin_variants=("Branch",),
            region=parent.region,
            region_style=parent.region_style,
        )
    # sibling: same trade name (and city, for Chinese ones), another line of business
    changes: dict[str, Any] = {"brand": parent.brand, "brand_latin": parent.brand_latin}
    if parent.chinese:
        changes.update(region=parent.region, region_style=parent.region_style)
        if own.industry == parent.industry:
            changes.update(
                industry=parent.industry + "发展", industry_latin=parent.industry_latin + " Development"
            )
    return _replace(own, **changes)


def _replace(company: Company, **changes: Any) -> Company:
    values = {f: getattr(company, f) for f in Company.__slots__}  # type: ignore[attr-defined]
    values.update(changes)
    return Company(**values)


def _person(seed: int, entity: int, rng: random.Random, rates: Rates, book: _AddressBook) -> Person:
    employer_id = entity
    employer: Company | None = None
    for _ in range(50):  # an earlier company entity
        employer_id = max(0, entity - 1 - rng.randrange(min(max(entity, 1), 5000)))
        probe = _rng(seed, _ENTITY, employer_id)
        if probe.random() >= rates.person_share:
            core = _company_core(seed, employer_id, rates)
            employer = _replace(core, email=book.company_email(employer_id, core))
            break
    if employer is None:
        employer = _company_core(seed, entity, rates, _OUTSIDE)  # a company outside the data set
    chinese = rng.random() < (0.93 if employer.chinese else 0.03)
    if chinese:
        family, family_latin, _ = _weighted(rng, vocab.CN_SURNAMES, _SURNAME_CUM)
        given = "".join(rng.choice(vocab.CN_GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
        given_latin, lang = pinyin_word(given), "zh"
        mobile = _mobile(rng, "CN")
    else:
        lang = employer.lang if not employer.chinese else rng.choice(("en", "de", "fr"))
        family = rng.choice(vocab.WEST_LAST[lang])
        given = rng.choice(vocab.WEST_FIRST[lang])
        family_latin, given_latin = family, given
        mobile = _mobile(rng, employer.country)
    first, last = _domain_word(given_latin), _domain_word(family_latin)
    domain = employer.email.rpartition("@")[2]
    pattern = rng.randrange(4)
    work = book.take(0, _work_addresses(first, last, pattern, domain))
    if chinese:
        private = (
            _numbered_addresses(rng.randint(10**5, 10**10), "qq.com")
            if rng.random() < 0.5
            else _named_addresses(f"{last}{first}", rng.randint(1, 999), rng.choice(vocab.CN_FREE_MAIL))
        )
    else:
        private = _named_addresses(f"{first}.{last}", rng.randint(1, 99), rng.choice(vocab.WEST_FREE_MAIL))
    private_address = book.take(1, private)
    email, private_email = (work, private_address) if rng.random() < 0.7 else (private_address, work)
    address = (
        employer.address
        if rng.random() < 0.85
        else _company_core(seed, entity + (1 << 38), rates, _OUTSIDE).address
    )
    return Person(
        id=entity,
        chinese=chinese,
        lang=lang,
        han_primary=rng.random() < rates.han_primary,
        family=family,
        given=given,
        family_latin=family_latin,
        given_latin=given_latin,
        employer=employer,
        mobile=mobile,
        office=employer.phone,
        email=email,
        private_email=private_email,
        address=address,
    )


# -- e-mail addresses: one owner each -------------------------------------------------------------
#
# An entity wants an address (a company a mailbox at its trade name's domain, a person
# ``first.last@`` the employer's domain); if an entity with a smaller id already holds it, it
# takes the next of its candidates (``szhuaxin.com``, ``huaxintech.com``, ``lehmann-bau.de``,
# ``lehmann2.de``; ``zhang.wei2@``). Decided in entity-id order, so an entity still depends on
# (seed, id) only; :class:`_AddressBook` keeps which candidate each entity got.

_Candidates = Iterator[tuple[str, str]]  # (what must be unique: a domain or an address, the address)


def _company_addresses(c: Company) -> _Candidates:
    """A company's mailbox: at its own domain (unique per company) or a free-mail number."""
    local, _, domain = c.email.partition("@")
    if domain in vocab.CN_FREE_MAIL:
        yield from _numbered_addresses(int(local), domain)
        return
    stem, _, tld = domain.partition(".")
    for label in (stem, *c.domain_labels):
        yield f"D:{label}.{tld}", f"{local}@{label}.{tld}"
    for n in count(2):
        yield f"D:{stem}{n}.{tld}", f"{local}@{stem}{n}.{tld}"


def _work_addresses(first: str, last: str, pattern: int, domain: str) -> _Candidates:
    if domain in vocab.CN_FREE_MAIL:  # the employer uses free mail: so do its staff
        yield from _named_addresses(f"{last}{first}", 1, domain)
        return
    locals_ = (f"{first}.{last}", f"{first[0]}{last}", f"{last}{first}", f"{first}")
    for local in (locals_[pattern], *(x for i, x in enumerate(locals_) if i != pattern)):
        if local not in vocab.COMPANY_MAILBOXES:
            yield f"A:{local}@{domain}", f"{local}@{domain}"
    for n in count(2):
        yield f"A:{first}.{last}{n}@{domain}", f"{first}.{last}{n}@{domain}"


def _numbered_addresses(number: int, domain: str) -> _Candidates:
    for n in count(number):
        yield f"A:{n}@{domain}", f"{n}@{domain}"


def _named_addresses(local: str, number: int, domain: str) -> _Candidates:
    for n in count(number):
        yield f"A:{local}{n}@{domain}", f"{local}{n}@{domain}"


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class _AddressBook:
    """Who holds which address, for one (seed, rates): entities are built in id order, each
    taking the first of its candidate addresses nobody holds yet; later look-ups of an entity
    replay the choice it made (two per entity: a company's mailbox; a person's work and
    private address)."""

    SLOTS = 2

    def __init__(self, seed: int, rates: Rates) -> None:
        self.seed, self.rates = seed, rates
        self.taken: set[int] = set()  # digests of the domains and addresses held
        self.choices = array("H")  # per entity and slot: the index of the candidate it holds
        self.far: dict[int, int] = {}  # the rare indices above 65534, by entity and slot
        self.recent: OrderedDict[int, Entity] = OrderedDict()
        self._building: int | None = None  # the entity taking its addresses now
        self._replaying = -1

    def entity(self, entity_id: int) -> Entity:
        if (cached := self.recent.get(entity_id)) is not None:
            self.recent.move_to_end(entity_id)
            return cached
        while len(self.choices) <= self.SLOTS * entity_id:  # the new entities up to this one
            built = len(self.choices) // self.SLOTS
            self.choices.extend((0,) * self.SLOTS)
            self._building = built
            self._remember(built, self._make(built))
            self._building = None
        if (cached := self.recent.get(entity_id)) is not None:
            return cached
        self._replaying = entity_id
        made = self._make(entity_id)
        self._replaying = -1
        self._remember(entity_id, made)
        return made

    def _make(self, entity_id: int) -> Entity:
        rng = _rng(self.seed, _ENTITY, entity_id)
        if rng.random() < self.rates.person_share:
            return _person(self.seed, entity_id, rng, self.rates, self)
        c = _company(self.seed, entity_id, rng, self.rates)
        return _replace(c, email=self.take(0, _company_addresses(c)))

    def _remember(self, entity_id: int, e: Entity) -> None:
        self.recent[entity_id] = e
        if len(self.recent) > 16384:
            self.recent.popitem(last=False)

    def take(self, slot: int, candidates: _Candidates) -> str:
        """The address of the entity being made, in ``slot``: a new choice or the one it made."""
        if self._building is None:
            return next(islice(candidates, self._choice(self._replaying, slot), None))[1]
        for index, (key, address) in enumerate(candidates):
            digest = _digest(key)
            if digest not in self.taken:
                self.taken.add(digest)
                at = self.SLOTS * self._building + slot
                self.choices[at] = min(index, 0xFFFF)
                if index >= 0xFFFF:
                    self.far[at] = index
                return address
        raise AssertionError("unreachable: candidate addresses never run out")

    def company_email(self, entity_id: int, core: Company) -> str:
        """The mailbox the company ``entity_id`` (already made) holds."""
        return next(islice(_company_addresses(core), self._choice(entity_id, 0), None))[1]

    def _choice(self, entity_id: int, slot: int) -> int:
        at = self.SLOTS * entity_id + slot
        index = self.choices[at]
        return self.far[at] if index == 0xFFFF else index


@lru_cache(maxsize=8)
def _address_book(seed: int, rates: Rates) -> _AddressBook:
    return _AddressBook(seed, rates)


def entity(seed: int, entity_id: int, rates: Rates | None = None) -> Entity:
    """The entity ``entity_id`` of the data sets generated with ``seed`` (a pure function of
    them, though making it first makes every entity with a smaller id: see _AddressBook)."""
    return _address_book(seed, rates or Rates()).entity(entity_id)


# -- rendering --------------------------------------------------------------------------------

_FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)} | {0x20: 0x3000}


def fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (ＡＢＣ１２３（）)."""
    return text.translate(_FULLWIDTH)


def format_phone(phone: Phone, rng: random.Random) -> str:
    """The number in one of the ways lists write it."""
    cc = vocab.CALLING_CODES[phone.country]
    trunk = _TRUNK.get(phone.country, "")
    national, area, number = phone.national, phone.area, phone.number
    if phone.country == "CN" and not area:  # Chinese mobile
        return rng.choice(
            (
                f"+86 {national[:3]} {national[3:7]} {national[7:]}",
                f"+86{national}",
                f"0086-{national}",
                f"86-{national}",
                national,
                f"{national[:3]} {national[3:7]} {national[7:]}",
                f"{national[:3]}-{national[3:7]}-{national[7:]}",
                national,
            )
        )
    if phone.country == "CN":
        if rng.random() < 0.04:
            return number  # local number without its area code
        return rng.choice(
            (
                f"0{area}-{number}",
                f"(0{area}) {number}",
                f"0{area} {number}",
                f"+86 {area} {number}",
                f"+86-{area}-{number}",
                f"0086 {area} {number}",
                f"0{area}{number}",
                f"0{area}-{number[:4]}-{number[4:]}",
            )
        )
    if phone.country == "US":
        a, b, c = national[:3], national[3:6], national[6:]
        return rng.choice(
            (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}", f"{a}.{b}.{c}")
        )
    head = area or national[:3]
    tail = number if area else national[3:]
    return rng.choice(
        (
            f"+{cc} {head} {tail}",
            f"00{cc} {head} {tail}",
            f"{trunk}{head} {tail}",
            f"{trunk}{head}/{tail}",
            f"+{cc} ({trunk}){head} {tail}" if trunk else f"+{cc} {head}{tail}",
            f"{trunk}{head}{tail}",
            f"({trunk}{head}) {tail}",
            f"+{cc}{head}{tail}",
        )
    )


def _typo_latin(rng: random.Random, text: str) -> str:
    """One typo (insert, delete, substitute, transpose) that changes ``text``."""
    for _ in range(5):
        typo = _one_latin_typo(rng, text)
        if typo != text:
            return typo
    return text + "x"


def _one_latin_typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text + rng.choice(string.ascii_lowercase)
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    letter = rng.choice(string.ascii_lowercase)
    if op == 0:
        return text[:i] + letter + text[i:]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + letter + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _typo_han(rng: random.Random, text: str) -> str:
    """A homophone, a dropped or two swapped characters: a change of ``text``, if it can."""
    for _ in range(5):
        typo = _one_han_typo(rng, text)
        if typo != text:
            return typo
    return text


def _one_han_typo(rng: random.Random, text: str) -> str:
    homophones = _homophones()
    positions = [i for i, c in enumerate(text) if c in homophones]
    if positions and rng.random() < 0.7:
        i = rng.choice(positions)
        return text[:i] + rng.choice(homophones[text[i]]) + text[i + 1 :]
    if len(text) >= 3 and rng.random() < 0.5:
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :]
    if len(text) >= 2:
        i = rng.randrange(len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def _han_company_name(c: Company, form: str, region_style: str, brand: str | None = None) -> str:
    brand = brand if brand is not None else c.brand
    if c.branch_of:
        return f"{c.branch_of}{form}"
    region = c.region
    if not region or region_style == "none":
        return f"{brand}{c.industry}{form}"
    if region_style == "paren":
        return f"{brand}（{region.rstrip('市')}）{c.industry}{form}"
    return f"{region}{brand}{c.industry}{form}"


def _latin_company_name(c: Company, form: str, region_style: str, brand: str | None = None) -> str:
    brand = brand if brand is not None else c.brand_latin
    parts = [brand, c.industry_latin]
    if c.chinese and c.region and region_style == "prefix":
        parts.insert(0, _city_pinyin(c.region))
    if c.chinese and c.region and region_style == "paren":
        parts.insert(1, f"({_city_pinyin(c.region)})")
    if c.branch_of:
        parts = [
            _city_pinyin(c.region) if c.region and region_style != "none" else "",
            brand,
            c.industry_latin,
        ]
        parts.append(f"Co., Ltd. {form}")
        return " ".join(p for p in parts if p)
    name = " ".join(p for p in parts if p)
    return f"{name} {form}" if form else name


def company_name(c: Company, rng: random.Random, corruptions: frozenset[str]) -> str:
    """The company's name as one record writes it."""
    han = c.chinese and (c.han_primary != ("script_swap" in corruptions))
    region_style = c.region_style
    if "region_variant" in corruptions and c.region:
        region_style = rng.choice([s for s in ("prefix", "none", "paren") if s != region_style])
    if han:
        form = c.form
        if "suffix_variant" in corruptions and c.form_variants:
            form = rng.choice(c.form_variants)
        brand = _typo_han(rng, c.brand) if "name_typo" in corruptions else c.brand
        name = _han_company_name(c, form, region_style, brand)
        if "case_space" in corruptions:
            name = name.replace(brand, f" {brand} ", 1).strip()
        if "traditional" in corruptions:
            name = _traditional(name)
        if "fullwidth" in corruptions:
            name = name.replace("(", "（").replace(")", "）") if rng.random() < 0.5 else fullwidth(name)
        return name
    form = c.form_latin
    if "suffix_variant" in corruptions and c.form_latin_variants:
        form = rng.choice(c.form_latin_variants)
    brand = _typo_latin(rng, c.brand_latin) if "name_typo" in corruptions else c.brand_latin
    name = _latin_company_name(c, form, region_style, brand)
    if "case_space" in corruptions:
        name = rng.choice((name.upper(), name.lower(), name.replace(", ", ","), name.replace(" ", "  ", 1)))
    if "fullwidth" in corruptions:
        name = fullwidth(name)
    return name


def person_name(p: Person, rng: random.Random, corruptions: frozenset[str]) -> str:
    """The person's name as one record writes it."""
    if p.chinese:
        # a swapped order only shows in a romanised name
        han = p.han_primary != ("script_swap" in corruptions) and "name_order" not in corruptions
        if han:
            given = _typo_han(rng, p.given) if "name_typo" in corruptions else p.given
            name = f"{p.family}{given}"
            if "case_space" in corruptions:
                name = f"{p.family} {given}"
            if "traditional" in corruptions:
                name = _traditional(name)
            return fullwidth(name) if "fullwidth" in corruptions else name
        given = _typo_latin(rng, p.given_latin) if "name_typo" in corruptions else p.given_latin
        # romanised Chinese names come family-first or given-first (each person has a usual
        # order); name_order writes the other one
        family_first = (p.id % 2 == 0) != ("name_order" in corruptions)
        name = f"{p.family_latin} {given}" if family_first else f"{given} {p.family_latin}"
        if "case_space" in corruptions:
            name = f"{p.family_latin.upper()} {given}" if family_first else name.lower()
        return fullwidth(name) if "fullwidth" in corruptions else name
    given, family = p.given, p.family
    if "nickname_initial" in corruptions:
        given = vocab.NICKNAMES.get(given) or f"{given[0]}."
    if "name_typo" in corruptions:
        if rng.random() < 0.5:
            family = _typo_latin(rng, family)
        else:
            given = _typo_latin(rng, given)
    if "accents" in corruptions:
        given, family = (
            (_ascii_fold(given), _ascii_fold(family))
            if rng.random() < 0.5
            else (
                unicodedata.normalize("NFKD", given).encode("ascii", "ignore").decode(),
                unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode(),
            )
        )
    if "name_order" in corruptions:
        name = rng.choice((f"{family}, {given}", f"{family.upper()} {given}", f"{family} {given}"))
    else:
        name = f"{given} {family}"
    if "case_space" in corruptions:
        name = rng.choice((name.upper(), name.lower(), name.replace(" ", "  ")))
    return fullwidth(name) if "fullwidth" in corruptions else name


def _email_case(rng: random.Random, email: str) -> str:
    local, _, domain = email.partition("@")
    if rng.random() < 0.5:
        return email.upper()
    return f"{local.capitalize()}@{domain[:1].upper()}{domain[1:]}"


def _mistyped(rng: random.Random, code: str, start: int, valid: Callable[[str], bool]) -> str:
    """``code`` with one character mistyped so that its checksum fails."""
    for _ in range(20):
        typo = mistype(rng, code, start)
        if not valid(typo):
            return typo
    return typo


def _identifier_fields(
    c: Company, rng: random.Random, role: int, corruptions: set[str], rates: Rates
) -> dict[str, str]:
    """USCC, VAT and LEI as a record carries them; at most one of them mistyped (``id_typo``)."""
    if "id_missing" in corruptions:
        return {}
    present = rates.identifier_present[role]
    codes: dict[str, str] = {}
    if c.uscc and rng.random() < present:
        codes["uscc"] = c.uscc
    if c.vat and rng.random() < present:
        codes["vat"] = c.vat
    if c.lei and rng.random() < rates.lei_present[role]:
        codes["lei"] = c.lei
    if codes and rng.random() < rates.id_typo:
        kind = rng.choice(sorted(codes))
        start, valid = {
            "uscc": (0, is_valid_uscc),
            "vat": (2, stdnum_vat.is_valid),
            "lei": (6, stdnum_lei.is_valid),
        }[kind]
        codes[kind] = _mistyped(rng, codes[kind], start, valid)
        corruptions.add("id_typo")
    out: dict[str, str] = {}
    if "uscc" in codes:
        code = codes["uscc"]
        field_name = "vat" if rng.random() < (0.8 if role == 0 else 0.1) else "uscc"
        out[field_name] = fullwidth(code) if "fullwidth" in corruptions and rng.random() < 0.5 else code
    if "vat" in codes:
        code, style = codes["vat"], rng.random()
        out["vat"] = code[2:] if style < 0.15 else f"{code[:2]} {code[2:]}" if style < 0.3 else code
    if "lei" in codes:
        out["lei"] = codes["lei"]
    return out


def _country_field(country: str, rng: random.Random) -> str:
    return country if rng.random() < 0.5 else rng.choice(_COUNTRY_NAMES[country])


def _outdated(address: Address, rng: random.Random) -> Address:
    if address.country == "CN":
        district = District(address.state, address.city, address.district, "")
        if rng.random() < 0.1:
            district = _cn_district(rng)
        elif rng.random() < 0.3:
            _, major = divisions()
            district = rng.choice(major.get(address.city) or (district,))
        moved = _cn_address(rng, district)
        return Address("CN", moved.state, moved.city, moved.district, moved.street, moved.zip or address.zip)
    cities = vocab.WEST_CITIES[address.country]
    city = next((c for c in cities if c[0] == address.city), cities[0])
    if rng.random() < 0.1:
        city = rng.choice(cities)
    return _west_address(rng, address.country, city)


def _address_fields(
    address: Address, rng: random.Random, traditional: bool, person: bool, rates: Rates, role: int
) -> dict[str, str]:
    out: dict[str, str] = {}
    if address.country == "CN":
        if person and rng.random() < 0.7:
            out["city"] = address.city
        else:
            style = rng.random()
            if style < 0.5:
                head = "" if address.state == address.city or rng.random() < 0.4 else address.state
                out["address"] = f"{head}{address.city}{address.district}{address.street}"
            else:
                if address.state != address.city:
                    out["state"] = address.state
                out.update(city=address.city, district=address.district, street=address.street)
            if address.zip and rng.random() < 0.4:
                out["zip"] = address.zip
        if traditional:
            out = {k: _traditional(v) for k, v in out.items()}
    else:
        if person and rng.random() < 0.6:
            out["city"] = address.city
        else:
            out.update(street=address.street, city=address.city, zip=address.zip)
            if rng.random() < 0.3:
                for long, short in vocab.STREET_ABBREVIATIONS:
                    if long in address.street:
                        out["street"] = address.street.replace(long, short)
                        break
    if rng.random() < rates.country_present[role]:
        out["country"] = _country_field(address.country, rng)
    return out


def _pick_corruptions(rng: random.Random, e: Entity, rates: Rates) -> set[str]:
    names = _PERSON_CORRUPTIONS if isinstance(e, Person) else _COMPANY_CORRUPTIONS
    allowed = [
        n
        for n in names
        if (e.chinese or n not in _CHINESE_ONLY)
        and (not e.chinese or n not in _WESTERN_ONLY)
        and not (n == "region_variant" and isinstance(e, Company) and not e.region)
    ]
    count = rng.choices(range(1, len(rates.corruption_counts) + 1), weights=rates.corruption_counts)[0]
    chosen: set[str] = set()
    weights = [CORRUPTION_WEIGHTS[n] for n in allowed]
    while len(chosen) < min(count, len(allowed)):
        chosen.add(rng.choices(allowed, weights=weights)[0])
    return chosen


def render(
    e: Entity, key: str, rng: random.Random, role: int, duplicate: bool, rates: Rates
) -> tuple[dict[str, str], tuple[str, ...]]:
    """One raw record of entity ``e``; ``role`` 0 = partner index, 1 = incoming list."""
    corruptions = _pick_corruptions(rng, e, rates) if duplicate else set()
    frozen = frozenset(corruptions)
    raw: dict[str, str] = {"key": key}
    person = isinstance(e, Person)
    if isinstance(e, Person):
        raw["kind"] = "person"
        raw["name"] = person_name(e, rng, frozen)
        employer = e.employer
        if "employer_changed" in corruptions:
            employer = _company_core(rng.randrange(1 << 20), rng.randrange(1 << 30), rates, _OUTSIDE)
        if rng.random() < rates.person_company_present[role]:
            variant = frozenset(
                {"suffix_variant", "script_swap"} if "employer_variant" in corruptions else set()
            ) | (frozenset({"traditional"}) if "traditional" in corruptions else frozenset())
            raw["company"] = company_name(employer, rng, variant)
        phones = [] if "phone_missing" in corruptions else [e.mobile]
        if "phone_changed" in corruptions:
            phones = [_mobile(rng, e.mobile.country)]
        if phones and rng.random() < rates.phone_present[role]:
            raw["mobile" if rng.random() < 0.7 else "phone"] = format_phone(phones[0], rng)
        if "phone_missing" not in corruptions and rng.random() < 0.3 and "phone" not in raw:
            raw["phone"] = format_phone(e.office, rng)
        email = e.private_email if "email_changed" in corruptions else e.email
    else:
        raw["kind"] = "company"
        raw["name"] = company_name(e, rng, frozen)
        raw.update(_identifier_fields(e, rng, role, corruptions, rates))
        phone = e.phone
        if "phone_changed" in corruptions:
            phone = _landline(rng, phone.country, phone.area) if phone.area else _mobile(rng, phone.country)
        if "phone_missing" not in corruptions and rng.random() < rates.phone_present[role]:
            raw["phone"] = format_phone(phone, rng)
        if e.mobile and "phone_missing" not in corruptions and rng.random() < 0.5:
            raw["mobile"] = format_phone(e.mobile, rng)
        email = e.email
        if "email_changed" in corruptions:
            local, _, domain = email.partition("@")
            others = [m for m in vocab.COMPANY_MAILBOXES if m != local]
            email = (
                f"{rng.choice(others)}@{domain}"
                if not local.isdigit()
                else f"{rng.randint(10**5, 10**9)}@{domain}"
            )
    if "fullwidth" in corruptions:
        for name in ("phone", "mobile"):
            if name in raw and rng.random() < 0.5:
                raw[name] = fullwidth(raw[name])
    if "email_missing" not in corruptions and rng.random() < rates.email_present[role]:
        raw["email"] = _email_case(rng, email) if "email_case" in corruptions else email
    if "address_missing" not in corruptions and rng.random() < rates.address_present[role]:
        address = _outdated(e.address, rng) if "address_outdated" in corruptions else e.address
        raw.update(_address_fields(address, rng, "traditional" in corruptions, person, rates, role))
    return raw, tuple(sorted(corruptions))


# -- data sets -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledRecord:
    """A raw record and what the benchmark knows about it (never shown to an engine)."""

    raw: dict[str, str]
    entity: int  # true entity id: records with the same id describe the same company or person
    duplicate: bool  # not the first record of its entity in its data set (index + incoming)
    corruptions: tuple[str, ...] = field(default=())


def index_records(
    n: int, seed: int = 0, rates: Rates | None = None, start: int = 0
) -> Iterator[LabelledRecord]:
    """Mode (b): the existing partners, one clean record for each entity ``start..n-1``."""
    rates = rates or Rates()
    for i in range(start, n):
        e = entity(seed, i, rates)
        raw, corruptions = render(e, f"P{i}", _rng(seed, _RECORD_INDEX, i), 0, False, rates)
        yield LabelledRecord(raw, i, False, corruptions)


def _plan(count: int, seed: int, stream: int, shares: tuple[float, float], index_size: int, new_base: int):
    """(entity, duplicate) per record: an index entity, an earlier record's entity, or a new one."""
    rng = _rng(seed, _PLAN, stream)
    entities: list[int] = []
    seen: set[int] = set()
    index_share, duplicate_share = shares
    for j in range(count):
        draw = rng.random()
        if draw < index_share and index_size:
            entity_id = rng.randrange(index_size)
        elif draw < index_share + duplicate_share and entities:
            entity_id = entities[rng.randrange(len(entities))]
        else:
            entity_id = new_base + j
        duplicate = entity_id < index_size or entity_id in seen
        seen.add(entity_id)
        entities.append(entity_id)
        yield entity_id, duplicate


def incoming_records(
    m: int, index_size: int, seed: int = 0, rates: Rates | None = None
) -> Iterator[LabelledRecord]:
    """Mode (b): the incoming list matched against ``index_records(index_size, seed)``."""
    rates = rates or Rates()
    shares = (rates.incoming_index_share, rates.incoming_duplicate_share)
    for j, (entity_id, duplicate) in enumerate(_plan(m, seed, 1, shares, index_size, index_size)):
        e = entity(seed, entity_id, rates)
        raw, corruptions = render(e, f"R{j}", _rng(seed, _RECORD_INCOMING, j), 1, duplicate, rates)
        yield LabelledRecord(raw, entity_id, duplicate, corruptions)


def file_records(n: int, seed: int = 0, rates: Rates | None = None) -> Iterator[LabelledRecord]:
    """Mode (a): one incoming file with duplicates inside it (keys ``R<n>``)."""
    rates = rates or Rates()
    shares = (0.0, rates.file_duplicate_share)
    for j, (entity_id, duplicate) in enumerate(_plan(n, seed, 2, shares, 0, 0)):
        e = entity(seed, entity_id, rates)
        raw, corruptions = render(e, f"R{j}", _rng(seed, _RECORD_FILE, j), 1, duplicate, rates)
        yield LabelledRecord(raw, entity_id, duplicate, corruptions)


# -- command line -------------------------------------------------------------------------------


def _write(records: Iterable[LabelledRecord], path: Path, progress: Callable[[int], None]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = None
        if path.suffix == ".csv":
            writer = csv.DictWriter(out, [*RAW_FIELDS, "entity_id", "duplicate", "corruptions"])
            writer.writeheader()
        for record in records:
            row = {
                **record.raw,
                "entity_id": record.entity,
                "duplicate": int(record.duplicate),
                "corruptions": " ".join(record.corruptions),
            }
            if writer:
                writer.writerow(row)
            else:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
            if count % 100_000 == 0:
                progress(count)
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.datagen",
        description="Write labelled benchmark records (CSV or JSON lines, by the file suffix).",
    )
    parser.add_argument(
        "--mode",
        choices=("file", "link"),
        default="file",
        help="file: one list with in-file duplicates; link: partner index + incoming list",
    )
    parser.add_argument("--records", type=int, default=10_000, help="records of the file / incoming list")
    parser.add_argument("--index", type=int, default=100_000, help="link mode: existing partners")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("bench-results/data"),
        help="folder for file.csv or index.csv + incoming.csv",
    )
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)

    def progress(done: int) -> None:
        print(f"  {done:,} records", file=sys.stderr)

    if args.mode == "file":
        path = args.output / f"file.{args.format}"
        count = _write(file_records(args.records, args.seed), path, progress)
        print(f"{count:,} records -> {path}")
    else:
        index_path, incoming_path = (
            args.output / f"index.{args.format}",
            args.output / f"incoming.{args.format}",
        )
        count = _write(index_records(args.index, args.seed), index_path, progress)
        print(f"{count:,} partners -> {index_path}")
        count = _write(incoming_records(args.records, args.index, args.seed), incoming_path, progress)
        print(f"{count:,} incoming records -> {incoming_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
