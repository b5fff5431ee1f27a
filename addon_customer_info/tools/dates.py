"""Date arithmetic for yearly important dates and for validity periods."""

from __future__ import annotations

import datetime


def _in_year(day: datetime.date, year: int) -> datetime.date:
    """``day`` moved to ``year``; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return day.replace(year=year, day=28)


def next_occurrence(day: datetime.date, today: datetime.date, *, yearly: bool = True) -> datetime.date | None:
    """The next time ``day`` comes round, on or after ``today``.

    A one-off date is its own occurrence while it lies ahead, and has none once past.

    >>> next_occurrence(datetime.date(1980, 5, 17), datetime.date(2025, 6, 1))
    datetime.date(2026, 5, 17)
    >>> next_occurrence(datetime.date(1980, 5, 17), datetime.date(2025, 5, 17))
    datetime.date(2025, 5, 17)
    >>> next_occurrence(datetime.date(1996, 2, 29), datetime.date(2025, 1, 1))
    datetime.date(2025, 2, 28)
    >>> next_occurrence(datetime.date(2020, 1, 1), datetime.date(2025, 1, 1), yearly=False) is None
    True
    """
    if not yearly:
        return day if day >= today else None
    candidate = _in_year(day, today.year)
    if candidate < today:
        candidate = _in_year(day, today.year + 1)
    return candidate


MaybeDate = datetime.date | None | bool
"""A date, or a missing one: ``None``, or ``False`` as Odoo gives an empty date field."""


def periods_overlap(start_a: MaybeDate, end_a: MaybeDate, start_b: MaybeDate, end_b: MaybeDate) -> bool:
    """Whether two closed periods share a day; a missing (``None``/``False``) bound is open-ended.

    >>> d = datetime.date
    >>> periods_overlap(d(2020, 1, 1), d(2020, 12, 31), d(2020, 12, 31), None)
    True
    >>> periods_overlap(d(2020, 1, 1), d(2020, 12, 31), d(2021, 1, 1), None)
    False
    >>> periods_overlap(False, False, d(1999, 1, 1), d(1999, 1, 2))
    True
    """
    starts_before_b_ends = not start_a or not end_b or start_a <= end_b
    b_starts_before_a_ends = not start_b or not end_a or start_b <= end_a
    return starts_before_b_ends and b_starts_before_a_ends
