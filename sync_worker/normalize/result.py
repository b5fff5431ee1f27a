"""Helpers to build :class:`Invalid` values with capped excerpts."""

from __future__ import annotations

from sync_worker.normalize.record import Invalid

EXCERPT = 80  # characters of the offending value kept in a problem report


def invalid(field: str, value: object, code: str, reason: str) -> Invalid:
    text = "" if value is None else str(value)
    if len(text) > EXCERPT:
        text = text[: EXCERPT - 1] + "…"
    return Invalid(field=field, value=text, code=code, reason=reason)
