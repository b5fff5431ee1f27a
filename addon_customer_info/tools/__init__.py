"""Pure helpers of the addon: no Odoo, no I/O, so they can be read and tested on their own."""

from .classification import HAS_LEVELS, LEVELS, classify_prospect
from .completeness import completeness_score, missing_criteria
from .dates import next_occurrence, periods_overlap

__all__ = [
    "HAS_LEVELS",
    "LEVELS",
    "classify_prospect",
    "completeness_score",
    "missing_criteria",
    "next_occurrence",
    "periods_overlap",
]
