"""A file row's columns turned into observation keys by a column mapping.

The mapping (column header -> observation key) is proposed and saved in Odoo
(``propose_mapping``, docs/rpc-contract.md); this module only applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sync_worker.sources.files import Row

# the observation keys of docs/rpc-contract.md, "Mappable fields"
MAPPABLE_FIELDS = frozenset(
    {
        "external_key",
        "kind",
        "name",
        "company",
        "function",
        "email",
        "phone",
        "mobile",
        "website",
        "uscc",
        "vat",
        "lei",
        "country",
        "state",
        "city",
        "district",
        "street",
        "street2",
        "zip",
        "address",
        "comment",
    }
)
# keys that hold several values: the values of all columns mapped to them are kept, joined
MULTI_VALUED = frozenset({"email", "phone", "mobile"})
JOIN = "; "


def _check(mapping: Mapping[str, str]) -> None:
    unknown = sorted({key for key in mapping.values() if key and key not in MAPPABLE_FIELDS})
    if unknown:
        raise ValueError(
            f"unknown observation key(s) in the column mapping: {', '.join(unknown)}; "
            f"expected one of {', '.join(sorted(MAPPABLE_FIELDS))}"
        )


def apply_mapping(row: Row, mapping: Mapping[str, str]) -> dict[str, str]:
    """Observation key -> value for one row.

    Columns are taken in file order. Several columns mapped to a multi-valued key (email,
    phone, mobile) are joined with "; " (duplicates dropped); for any other key the first
    non-empty value wins. Unmapped columns, and columns mapped to "" (ignored on purpose), are
    left out; values are stripped of surrounding whitespace; keys without a value are absent.
    Raises ValueError for a key that is not an observation key."""
    _check(mapping)
    out: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for header, raw in row.values.items():
        key = mapping.get(header)
        value = raw.strip()
        if not key or not value:
            continue
        if key in MULTI_VALUED:
            values = multi.setdefault(key, [])
            if value not in values:
                values.append(value)
        elif key not in out:
            out[key] = value
    for key, values in multi.items():
        out[key] = JOIN.join(values)
    return out


def missing_columns(headers: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    """Mapped columns that the file does not have (a saved mapping from an older file), in
    mapping order; also checks the keys (ValueError as in :func:`apply_mapping`)."""
    _check(mapping)
    present = set(headers)
    return [header for header, key in mapping.items() if key and header not in present]
