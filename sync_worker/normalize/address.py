"""Addresses: Chinese province / city / district recognised in free text, country codes.

The administrative divisions come from the adcode table shipped by the ``cpca`` package
(MIT licence): 34 provincial units, 344 prefecture-level units and their districts and
counties, each with its six-digit division code. Only that data file is read; cpca's own
matcher is not used.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sync_worker.normalize.record import Invalid
from sync_worker.normalize.result import invalid
from sync_worker.normalize.text import clip, fold, nfkc, romanize, to_simplified

# Longest first: a name is also known without its administrative suffix (广东省 -> 广东).
_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
    "旗",
)
_MUNICIPALITIES = {"11", "12", "31", "50"}
_UNNAMED = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # six digits
    name: str  # official name, e.g. 广东省, 深圳市, 南山区
    level: int  # 0 province, 1 prefecture, 2 county/district

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


@dataclass(frozen=True, slots=True)
class ChineseAddress:
    province: str | None
    city: str | None
    district: str | None
    street: str  # the rest, folded to half-width
    division_code: str | None  # most precise division found


def short_name(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _adcodes_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (China's administrative divisions) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """Every administrative division by its six-digit code."""
    out: dict[str, Division] = {}
    with _adcodes_file().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, name = row["adcode"][:6], row["name"].strip()
            if name in _UNNAMED or not code.isdigit():
                continue
            level = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
            out[code] = Division(code, name, level)
    return out


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[Division, ...]]:
    """Full and short names -> the divisions they can denote (some names repeat: 朝阳区)."""
    index: dict[str, list[Division]] = {}
    for division in divisions().values():
        for key in {division.name, short_name(division.name)}:
            index.setdefault(key, []).append(division)
    return {key: tuple(value) for key, value in index.items()}


@lru_cache(maxsize=1)
def _name_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(k) for k in _names()}, reverse=True))


def _candidates_at(text: str, start: int) -> list[tuple[str, Division]]:
    """Division names that begin at ``start``, longest first."""
    found: list[tuple[str, Division]] = []
    names = _names()
    for length in _name_lengths():
        piece = text[start : start + length]
        if len(piece) == length and piece in names:
            found.extend((piece, division) for division in names[piece])
    return found


def _fits(division: Division, province: Division | None, city: Division | None) -> bool:
    if city is not None:
        return division.level == 2 and division.city_code == city.code
    if province is not None:
        return division.level > 0 and division.province_code == province.code
    return True


def parse_chinese_address(text: object) -> ChineseAddress:
    """Province, city and district at the start of a Chinese address; the rest is the street.

    >>> a = parse_chinese_address("广东省深圳市南山区科苑路15号")
    >>> (a.province, a.city, a.district, a.street)
    ('广东省', '深圳市', '南山区', '科苑路15号')
    >>> a = parse_chinese_address("深圳南山区科苑路15号")
    >>> (a.province, a.city, a.district)
    ('广东省', '深圳市', '南山区')
    >>> parse_chinese_address("北京市朝阳区建国路1号").district
    '朝阳区'
    """
    raw = to_simplified(nfkc(clip(text)))
    compact = re.sub(r"\s+", "", raw)
    province = city = district = None
    ambiguous = False
    pos = 0
    while pos < len(compact):
        best = None
        for piece, division in _candidates_at(compact, pos):
            if division.level == 0 and province is None and city is None and district is None:
                best = (piece, division)
            elif division.level > 0 and district is None and _fits(division, province, city):
                # a prefecture after a province, a district after a prefecture
                if division.level == 1 and city is None:
                    best = (piece, division)
                elif division.level == 2:
                    best = (piece, division)
            if best:
                break
        if not best:
            break
        piece, division = best
        if (
            province is None
            and city is None
            and len({d.code for d in _names()[piece] if d.level == division.level}) > 1
        ):
            # 朝阳区 alone could be in Beijing or Changchun: keep the name, infer nothing
            ambiguous = True
        if division.level == 0:
            province = division
        elif division.level == 1:
            city = division
        else:
            district = division
        pos += len(piece)
        if district is not None:
            break
    table = divisions()
    if ambiguous:
        return ChineseAddress(
            province=province.name if province else None,
            city=city.name if city else None,
            district=district.name if district else None,
            street=compact[pos:],
            division_code=None,
        )
    if district is not None:
        city = city or table.get(district.city_code)
    lowest = district or city
    if lowest is not None:
        province = province or table.get(lowest.province_code)
    if city is None and province is not None and province.code[:2] in _MUNICIPALITIES:
        city = province  # 北京市, 上海市, 天津市, 重庆市 are province and city at once
    most_precise = district or city or province
    return ChineseAddress(
        province=province.name if province else None,
        city=city.name if city else None,
        district=district.name if district else None,
        street=compact[pos:],
        division_code=most_precise.code if most_precise else None,
    )


def rest_as_written(text: object, parsed: ChineseAddress) -> str:
    """What follows the places :func:`parse_chinese_address` read at the start of ``text``, in
    ``text``'s own spelling (its spaces and Traditional characters kept), for storing.

    >>> rest_as_written("厦门市 思明区湖滨南路 88 号", parse_chinese_address("厦门市 思明区湖滨南路 88 号"))
    '湖滨南路 88 号'
    """
    written = clip(text)
    compact_length = len(re.sub(r"\s+", "", to_simplified(nfkc(written))))
    consumed = compact_length - len(parsed.street)
    count, rest = 0, ""
    for position, char in enumerate(written):
        if count >= consumed:
            rest = written[position:].strip()
            break
        count += len(re.sub(r"\s+", "", to_simplified(nfkc(char))))
    # a character whose normal form depends on its neighbours: the parser's own rest, then
    return rest if re.sub(r"\s+", "", to_simplified(nfkc(rest))) == parsed.street else parsed.street


# Short names of prefectures that companies put in front of their names. Other prefecture
# short names (阿里, 玉林, …) are also ordinary words in names and are only recognised in
# their full form (阿里地区). Province short names and provincial capitals always count.
_PREFIX_CITIES = frozenset(
    "深圳 广州 大连 青岛 宁波 厦门 苏州 无锡 佛山 东莞 珠海 温州 常州 南通 烟台 泉州 "
    "中山 惠州 嘉兴 绍兴 台州 金华 徐州 扬州 潍坊 唐山 洛阳 宜昌 襄阳 芜湖 汕头 江门".split()
)


@lru_cache(maxsize=1)
def place_keys() -> dict[str, str]:
    """Place names that mark a location in a company name -> their romanised short name.

    深圳 / 深圳市 / shenzhen -> shenzhen: full names of provinces and prefectures, short
    names of provinces, provincial capitals and the cities in ``_PREFIX_CITIES``.
    """
    keys: dict[str, str] = {}
    for division in divisions().values():
        if division.level > 1:
            continue
        short = short_name(division.name)
        roman = "".join(romanize(fold(short)))
        well_known = division.level == 0 or division.code.endswith("0100") or short in _PREFIX_CITIES
        keys.setdefault(division.name, roman)
        if well_known:
            keys.setdefault(short, roman)
            keys.setdefault(roman, roman)
    keys.update({"中国": "zhongguo", "中华": "zhonghua", "china": "zhongguo"})
    return keys


@lru_cache(maxsize=1)
def standalone_places() -> dict[str, str]:
    """Every province and prefecture by full, short and (unambiguous) romanised name -> romanised
    short name. Only for a token that stands alone in a company name (信阳 in 汉雅（信阳）建筑,
    "Jieyang" in "Jieyang Wanheng Trade"), where a place name is almost never part of the brand.
    """
    keys = dict(place_keys())
    for division in divisions().values():
        if division.level <= 1:
            short = short_name(division.name)
            roman = "".join(romanize(fold(short)))
            keys.setdefault(division.name, roman)
            keys.setdefault(short, roman)
    for roman in _latin_places():
        keys.setdefault(roman, roman)
    return keys


@lru_cache(maxsize=1)
def _latin_places() -> dict[str, Division]:
    """Romanised names of provinces and prefectures that denote one division only."""
    seen: dict[str, list[Division]] = {}
    for division in divisions().values():
        if division.level <= 1:
            roman = "".join(romanize(fold(short_name(division.name))))
            seen.setdefault(roman, []).append(division)
    return {roman: found[0] for roman, found in seen.items() if len(found) == 1}


def canonical_place(value: object) -> str | None:
    """A province or prefecture written in pinyin, as its official Chinese name.

    >>> canonical_place("Shenzhen"), canonical_place("GUANGDONG"), canonical_place("Suzhou")
    ('深圳市', '广东省', None)
    """
    division = _latin_places().get(fold(value).replace(" ", ""))
    return division.name if division else None


# --- countries ---------------------------------------------------------------

_COUNTRY_ALIASES = {
    "prc": "CN",
    "pr china": "CN",
    "p r china": "CN",
    "peoples republic of china": "CN",
    "people s republic of china": "CN",
    "mainland china": "CN",
    "china mainland": "CN",
    "中华人民共和国": "CN",
    "中国大陆": "CN",
    "大陆": "CN",
    "内地": "CN",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "britain": "GB",
    "usa": "US",
    "u s a": "US",
    "us": "US",
    "u s": "US",
    "america": "US",
    "united states of america": "US",
    "美国": "US",
    "hong kong": "HK",
    "hongkong": "HK",
    "香港": "HK",
    "中国香港": "HK",
    "macau": "MO",
    "macao": "MO",
    "澳门": "MO",
    "中国澳门": "MO",
    "taiwan": "TW",
    "台湾": "TW",
    "中国台湾": "TW",
    "korea": "KR",
    "south korea": "KR",
    "韩国": "KR",
    "holland": "NL",
    "deutschland": "DE",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale  # imported on first use: it loads locale data

    names: dict[str, str] = {}
    for locale in ("en", "zh", "zh_Hant", "de", "fr", "es", "it", "ja", "nl"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO"):
                names.setdefault(fold(name), code)
    names.update({fold(k): v for k, v in _COUNTRY_ALIASES.items()})
    return names


def normalize_country(value: object, field: str = "country") -> str | Invalid:
    """ISO 3166-1 alpha-2 code from a code or a name in several languages.

    >>> normalize_country("中国"), normalize_country("P.R. China"), normalize_country("Deutschland")
    ('CN', 'CN', 'DE')
    >>> normalize_country("de")
    'DE'
    """
    text = fold(value)
    if not text:
        return invalid(field, value, "country.empty", "no country given")
    if len(text) == 2 and text.isalpha() and text.isascii():
        code = text.upper()
        if code in _country_names().values():
            return code
    if len(text) == 3 and text.isascii():
        found = {
            "chn": "CN",
            "deu": "DE",
            "usa": "US",
            "gbr": "GB",
            "fra": "FR",
            "hkg": "HK",
            "twn": "TW",
            "jpn": "JP",
            "kor": "KR",
            "sgp": "SG",
        }.get(text)
        if found:
            return found
    named = _country_names().get(text)
    if named:
        return named
    return invalid(
        field,
        value,
        "country.unknown",
        "not a country name or ISO code we know; use the two-letter ISO code (CN, DE, US)",
    )
