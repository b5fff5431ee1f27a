"""How a run retries after a :class:`~sync_worker.errors.RetriableError` (pure, no Celery).

- :func:`retry_delay` — exponential back-off with jitter: ``CUSTOMER_SYNC_RETRY_BACKOFF``
  seconds doubled for each further retry, capped at ``CUSTOMER_SYNC_RETRY_BACKOFF_MAX``.
- :func:`failures_in_a_row` — the retry budget (``CUSTOMER_SYNC_RETRY_MAX``) counts the
  failures at one point of the run, its checkpoint. An attempt that applied at least one more
  batch before failing starts a new count, so a long list over a flaky network finishes as long
  as every batch passes in the end; a batch that keeps failing puts the run in its dead-letter
  state (``failed``, with where it stopped and why).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any


def retry_delay(retry: int, base: float, maximum: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, …).

    ``base`` doubled per retry and capped at ``maximum``, with "equal jitter": somewhere between
    half of that and all of it. Workers that failed together spread out, and every retry still
    waits (a full jitter may retry at once and hammer an Odoo that is coming back up)."""
    if retry < 1:
        raise ValueError("retries are numbered from 1")
    ceiling = min(maximum, base * 2 ** min(retry - 1, 62))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def batches_done(checkpoint: Mapping[str, Any] | None) -> int:
    return int((checkpoint or {}).get("batches_done") or 0)


def failures_in_a_row(
    previous: int, started_at: Mapping[str, Any] | None, stopped_at: Mapping[str, Any]
) -> int:
    """The failures at the point where the run now stands, this one included: ``previous + 1``
    when the attempt got no further than the checkpoint it started from, else 1."""
    return previous + 1 if batches_done(stopped_at) <= batches_done(started_at) else 1
