"""The seed rule: purchase intent plus purchasing power classifies a prospect.

Both are judged on the same four-step scale. A customer *has* intent (or power) when the
level is ``medium`` or ``high``; ``low``, ``none`` and "not assessed" count as not having it.
The three cases:

1. intent and power             -> ``target``    (worth pursuing now)
2. intent without power         -> ``potential`` (wants it, cannot buy it yet)
3. power without intent         -> ``potential`` (could buy, does not want it yet)

Neither gives no classification: the rule has nothing to say about that customer.

>>> classify_prospect("high", "medium")
'target'
>>> classify_prospect("high", "low")
'potential'
>>> classify_prospect(None, "high")
'potential'
>>> classify_prospect("none", "low") is None
True
"""

from __future__ import annotations

from typing import Literal

Level = Literal["none", "low", "medium", "high"]
Prospect = Literal["target", "potential"]

LEVELS: tuple[Level, ...] = ("none", "low", "medium", "high")
"""The scale of purchase intent and of purchasing power, weakest first."""

HAS_LEVELS: frozenset[str] = frozenset({"medium", "high"})
"""Levels at which a customer counts as having the intent (or the power)."""


def classify_prospect(intent: str | None, power: str | None) -> Prospect | None:
    """Classify a customer from its purchase intent and purchasing power.

    :param intent: one of :data:`LEVELS`, or ``None``/``False`` when not assessed
    :param power: one of :data:`LEVELS`, or ``None``/``False`` when not assessed
    :return: ``"target"``, ``"potential"`` or ``None`` (the rule does not apply)
    :raises ValueError: for a level that is not on the scale
    """
    for value in (intent, power):
        if value and value not in LEVELS:
            raise ValueError(f"unknown level {value!r}; expected one of {', '.join(LEVELS)}")
    has_intent = intent in HAS_LEVELS
    has_power = power in HAS_LEVELS
    if has_intent and has_power:
        return "target"
    if has_intent or has_power:
        return "potential"
    return None
