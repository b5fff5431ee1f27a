"""Column mapping of purchased lists: which column header means which observation field.

Pure code (no Odoo, no I/O): the upload wizard and the sync API's ``propose_mapping`` (which the
worker's CLI calls) use the same rules, so both propose the same mapping.

Headers are compared folded: Unicode NFKC (full-width letters, digits and brackets become
half-width), case-folded, with spaces, punctuation and marks such as ``*`` removed, and a
trailing bracketed remark (``手机（必填）``, ``Email (work)``) tried without it.

>>> fold("  Ｅ-Mail ")
'email'
>>> fold("公司 名称：")
'公司名称'
>>> propose(["公司名称", "手机号", "电子邮件", "备注"])
({'公司名称': 'name', '手机号': 'mobile', '电子邮件': 'email', '备注': 'comment'}, [])

A person's name next to a company name makes the row a contact person at that company:

>>> propose(["公司名称", "联系人", "职务"])
({'公司名称': 'company', '联系人': 'name', '职务': 'function'}, [])
>>> propose(["Company Name", "Tel.", "Mystery"], {"Mystery": "comment"})
({'Mystery': 'comment', 'Company Name': 'name', 'Tel.': 'phone'}, [])
>>> propose(["电话", "座机"])
({'电话': 'phone'}, ['座机'])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

MAPPABLE_FIELDS: list[tuple[str, str]] = [
    ("external_key", "External Key"),
    ("kind", "Kind (Company or Person)"),
    ("name", "Name"),
    ("company", "Employer (of a Person)"),
    ("function", "Job Position"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("mobile", "Mobile"),
    ("website", "Website"),
    ("uscc", "Unified Social Credit Code"),
    ("vat", "Tax ID / VAT"),
    ("lei", "LEI"),
    ("country", "Country"),
    ("state", "Province / State"),
    ("city", "City"),
    ("district", "District"),
    ("street", "Street"),
    ("street2", "Street 2"),
    ("zip", "ZIP"),
    ("address", "Address (Free Text)"),
    ("comment", "Notes"),
]
"""The observation keys a column can be mapped to (docs/rpc-contract.md), with their labels."""

FIELD_NAMES = frozenset(name for name, _label in MAPPABLE_FIELDS)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_key": (
        "external key",
        "external id",
        "key",
        "id",
        "record id",
        "编号",
        "序号编码",
        "客户编号",
        "记录编号",
        "外部编号",
        "唯一编号",
    ),
    "kind": ("kind", "type", "customer type", "类型", "客户类型", "类别", "主体类型"),
    "name": (
        "name",
        "company",
        "company name",
        "organisation",
        "organization",
        "organisation name",
        "organization name",
        "customer",
        "customer name",
        "account",
        "account name",
        "enterprise",
        "公司",
        "公司名称",
        "公司名",
        "企业",
        "企业名称",
        "企业名",
        "单位",
        "单位名称",
        "客户",
        "客户名称",
        "客户名",
        "机构名称",
        "组织名称",
        "名称",
    ),
    "company": ("employer", "works for", "所属公司", "工作单位", "任职公司", "就职公司"),
    "function": (
        "job title",
        "title",
        "position",
        "job position",
        "function",
        "role",
        "职位",
        "职务",
        "岗位",
        "头衔",
        "职称",
    ),
    "email": (
        "email",
        "e mail",
        "email address",
        "mail",
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮件",
        "邮箱地址",
        "电邮",
    ),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "phone number",
        "landline",
        "office phone",
        "work phone",
        "电话",
        "座机",
        "固话",
        "固定电话",
        "联系电话",
        "办公电话",
        "电话号码",
    ),
    "mobile": (
        "mobile",
        "mobile phone",
        "cell",
        "cell phone",
        "cellphone",
        "mobile number",
        "手机",
        "手机号",
        "手机号码",
        "移动电话",
    ),
    "website": (
        "website",
        "web site",
        "web",
        "url",
        "homepage",
        "home page",
        "site",
        "网址",
        "官网",
        "网站",
        "公司网址",
        "主页",
    ),
    "uscc": (
        "uscc",
        "unified social credit code",
        "social credit code",
        "credit code",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一信用代码",
        "统一代码",
    ),
    "vat": (
        "vat",
        "vat number",
        "vat id",
        "tax id",
        "tax number",
        "tin",
        "税号",
        "纳税人识别号",
        "税务登记号",
        "纳税识别号",
    ),
    "lei": ("lei", "lei code", "legal entity identifier"),
    "country": ("country", "nation", "country code", "国家", "国家地区", "国别", "国家或地区"),
    "state": (
        "state",
        "province",
        "region",
        "state province",
        "county",
        "省",
        "省份",
        "省市",
        "所在省份",
        "地区",
    ),
    "city": ("city", "town", "市", "城市", "所在城市", "地级市"),
    "district": ("district", "区", "区县", "县区", "区域", "县"),
    "street": ("street", "street address", "address line 1", "address1", "街道", "街道地址"),
    "street2": ("street 2", "street2", "address line 2", "address2"),
    "zip": ("zip", "zip code", "postcode", "postal code", "post code", "邮编", "邮政编码"),
    "address": (
        "address",
        "full address",
        "地址",
        "详细地址",
        "公司地址",
        "通讯地址",
        "联系地址",
        "注册地址",
        "办公地址",
    ),
    "comment": (
        "comment",
        "comments",
        "note",
        "notes",
        "remark",
        "remarks",
        "description",
        "备注",
        "说明",
        "附注",
        "描述",
    ),
}
"""Chinese and English header names of every mappable field, compared after :func:`fold`."""

PERSON_NAMES: tuple[str, ...] = (
    "contact",
    "contact name",
    "contact person",
    "person",
    "full name",
    "person name",
    "first and last name",
    "联系人",
    "联系人姓名",
    "姓名",
    "联络人",
    "客户姓名",
    "人名",
)
"""Headers of a person's name. Alone they map to ``name``; next to a company-name column the row
is a contact person: the person's column maps to ``name`` and the company's to ``company`` (the
person's employer), as the contract defines them."""

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
_TRAILING_REMARK = re.compile(r"\s*[(\[{][^()\[\]{}]*[)\]}]\s*$")


def fold(header: object) -> str:
    """The comparable form of a header: NFKC, case-folded, without spaces and punctuation.

    >>> fold("Company_Name")
    'companyname'
    >>> fold("手机（必填）")
    '手机必填'
    >>> fold(None)
    ''
    """
    if header is None:
        return ""
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    return _DROP.sub("", text)


def _without_remark(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header or ""))
    return fold(_TRAILING_REMARK.sub("", text))


_LOOKUP: dict[str, str] = {fold(name): name for name in FIELD_NAMES}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _LOOKUP.setdefault(fold(_name), _field)
_PERSON = "person name"
for _name in PERSON_NAMES:
    _LOOKUP.setdefault(fold(_name), _PERSON)


def _lookup(header: object) -> str | None:
    key = fold(header)
    if not key:
        return None
    return _LOOKUP.get(key) or _LOOKUP.get(_without_remark(header))


def field_for(header: object) -> str | None:
    """The field a header names by its synonyms alone, or ``None`` (a person's name: ``name``).

    >>> field_for("统一社会信用代码")
    'uscc'
    >>> field_for("Mobile Phone (private)")
    'mobile'
    >>> field_for("姓名")
    'name'
    >>> field_for("销售额") is None
    True
    """
    found = _lookup(header)
    return "name" if found == _PERSON else found


def propose(
    headers: Sequence[object], saved_mapping: Mapping[str, str | None] | None = None
) -> tuple[dict[str, str], list[str]]:
    """``(mapping, unmapped)`` for the ``headers`` of a file.

    The source's saved mapping comes first (matched exactly, then folded; a saved ``None`` or
    ``""`` keeps a column deliberately unmapped), then the synonyms. Each field is given to one
    column only, the first; the other columns are ``unmapped``, in file order. Blank headers
    are ignored.
    """
    saved = dict(saved_mapping or {})
    saved_folded = {fold(header): field for header, field in saved.items()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    pending: list[str] = []
    for raw in headers:
        header = "" if raw is None else str(raw).strip()
        if not header or header in mapping:
            continue
        if header in saved or fold(header) in saved_folded:
            field = saved[header] if header in saved else saved_folded[fold(header)]
            if field and field in FIELD_NAMES and field not in taken:
                mapping[header] = field
                taken.add(field)
            continue
        pending.append(header)
    found = {header: _lookup(header) for header in pending}
    has_person = _PERSON in found.values() and "name" not in taken
    for header in pending:
        field = found[header]
        if has_person and field == "name":
            field = "company"  # a company column next to a person's name: the person's employer
        elif field == _PERSON:
            field = "name"
        if field and field not in taken:
            mapping[header] = field
            taken.add(field)
    unmapped = []
    for raw in headers:
        header = "" if raw is None else str(raw).strip()
        if header and header not in mapping and header not in unmapped:
            unmapped.append(header)
    return mapping, unmapped


def mapped_count(row: Iterable[object], saved_mapping: Mapping[str, str | None] | None = None) -> int:
    """How many cells of ``row`` would be mapped to a field if it were the header row."""
    cells = [cell for cell in row if cell is not None and str(cell).strip()]
    mapping, _unmapped = propose(cells, saved_mapping)
    return len(mapping)


def find_header_row(
    rows: Sequence[Sequence[object]], saved_mapping: Mapping[str, str | None] | None = None, limit: int = 20
) -> int:
    """The index (0-based) of the header among the first ``limit`` rows: the row with the most
    cells that map to a field; the first such row on a tie. Title or junk rows above it are
    skipped this way. When no row maps at all, the first row with the most non-empty cells.

    >>> find_header_row([["2026 年客户名单"], [], ["公司名称", "手机", "邮箱"], ["甲公司", "138", "a@b.cn"]])
    2
    >>> find_header_row([["a", "b"], ["x", "y", "z"]])
    1
    >>> find_header_row([])
    0
    """
    best_index, best_score = 0, -1
    for index, row in enumerate(rows[:limit]):
        score = mapped_count(row, saved_mapping)
        if score > best_score:
            best_index, best_score = index, score
    if best_score > 0:
        return best_index
    best_index, best_width = 0, -1
    for index, row in enumerate(rows[:limit]):
        width = sum(1 for cell in row if cell is not None and str(cell).strip())
        if width > best_width:
            best_index, best_width = index, width
    return best_index
