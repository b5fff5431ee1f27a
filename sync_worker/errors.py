"""Error types of the sync worker.

The retry policy follows the type: a task retries a :class:`RetriableError` with back-off,
gives up at once on a :class:`FatalError`, and records a :class:`RowRejected` against the row
it concerns while the rest of the batch goes on.
"""

from __future__ import annotations


class SyncWorkerError(Exception):
    """Base class of every error the worker raises on purpose."""


class ConfigError(SyncWorkerError):
    """The configuration is unusable. Carries every problem found, not only the first."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            "invalid configuration:\n" + "\n".join(f"  - {problem}" for problem in self.problems)
        )


class FatalError(SyncWorkerError):
    """Retrying will not help (wrong credentials, contract version mismatch, bad input file)."""


class RetriableError(SyncWorkerError):
    """A transient failure (Odoo down, broker or network hiccup): retry later."""


class RowRejected(SyncWorkerError):
    """One input row cannot be used; ``reason`` says what was wrong and what is expected."""

    def __init__(self, key: str, code: str, reason: str):
        self.key = key
        self.code = code
        self.reason = reason
        super().__init__(f"row {key}: {reason} ({code})")
