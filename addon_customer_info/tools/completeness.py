"""Completeness of a customer record: how much of what matters for its kind is filled.

A criterion is a group of alternatives: it is met when any field of the group has a value
(e.g. "a way to reach them" is met by an email *or* a phone number).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Criterion = tuple[str, ...]


def completeness_score(filled: Mapping[str, bool], criteria: Sequence[Criterion]) -> int:
    """Percentage (0-100, rounded down) of ``criteria`` met by the ``filled`` fields.

    >>> completeness_score({"email": False, "phone": True, "vat": False}, [("email", "phone"), ("vat",)])
    50
    >>> completeness_score({}, [])
    100
    """
    if not criteria:
        return 100
    met = sum(1 for group in criteria if any(filled.get(name) for name in group))
    return met * 100 // len(criteria)


def missing_criteria(filled: Mapping[str, bool], criteria: Sequence[Criterion]) -> list[Criterion]:
    """The criteria that ``filled`` does not meet, in their order.

    >>> missing_criteria({"email": True}, [("email", "phone"), ("vat",)])
    [('vat',)]
    """
    return [group for group in criteria if not any(filled.get(name) for name in group)]
