"""The matching engine: blocking, explainable Fellegi-Sunter scoring, in-file clustering.

Pure code (no I/O). The public API::

    from sync_worker.matching import MatchConfig, MatchIndex, dedupe, match

    index = MatchIndex.build(normalized_partners)      # NormalizedRecord.key = partner id
    result = match(normalized_rows, index, MatchConfig())
    for decision in result.decisions:                  # one per row
        decision.action        # "link" | "review" | "new"
        decision.partner_key   # the partner linked to or proposed
        decision.explain()     # "same USCC: +14.2; name close (0.95): +5.1; ..."

See docs/matching.md.
"""

from sync_worker.matching.config import MatchConfig
from sync_worker.matching.engine import dedupe, match
from sync_worker.matching.index import MatchIndex
from sync_worker.matching.results import Decision, Evidence, MatchResult

__all__ = ["Decision", "Evidence", "MatchConfig", "MatchIndex", "MatchResult", "dedupe", "match"]
