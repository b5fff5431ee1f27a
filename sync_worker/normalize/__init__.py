"""Normalisation and validation: pure functions, no I/O.

Each normaliser returns the normalised value or an :class:`Invalid` that says what was wrong
(``code``) and what is expected (``reason``). :func:`normalize_record` applies them all to one
raw record. See docs/normalization.md.
"""

from sync_worker.normalize.address import ChineseAddress, normalize_country, parse_chinese_address
from sync_worker.normalize.company import CompanyName, normalize_company_name
from sync_worker.normalize.email_address import Email, normalize_email
from sync_worker.normalize.identifiers import normalize_lei, normalize_uscc, normalize_vat
from sync_worker.normalize.person import PersonName, normalize_person_name
from sync_worker.normalize.phone import Phone, normalize_phone
from sync_worker.normalize.record import Display, Invalid, NormalizedRecord
from sync_worker.normalize.records import normalize_record, normalize_row

__all__ = [
    "ChineseAddress",
    "CompanyName",
    "Display",
    "Email",
    "Invalid",
    "NormalizedRecord",
    "PersonName",
    "Phone",
    "normalize_company_name",
    "normalize_country",
    "normalize_email",
    "normalize_lei",
    "normalize_person_name",
    "normalize_phone",
    "normalize_record",
    "normalize_row",
    "normalize_uscc",
    "normalize_vat",
    "parse_chinese_address",
]
