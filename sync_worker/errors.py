"""Error types of the sync worker.

The retry policy follows the type: a task retries a :class:`RetriableError` with back-off,
gives up at once on a :class:`FatalError`, and records a :class:`RowRejected` against the row
it concerns while the rest of the batch goes on.
"""

from __future__ import annotations

from typing import Any


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


class FileRejected(FatalError):
    """A whole input file is refused (too large, unreadable, a broken archive, a limit passed).

    ``code`` is stable (``file.too_large``, ``file.encoding_unknown``, …: docs/file-reader.md);
    the message names the limit or the fault, its value, and what to do about it. ``params``
    (optional) are the values the message names, sent with the code so that Odoo can say it in
    the reader's language (``message_params`` of ``finish_run``).
    """

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None):
        self.code = code
        self.message = message
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(f"{message} ({code})")

    def __reduce__(self) -> tuple[type[FileRejected], tuple[str, str, dict[str, Any]]]:
        return (type(self), (self.code, self.message, self.params))  # picklable despite three arguments
