"""A sync run against Odoo: the pipeline's ports over :class:`SyncApi`, shared by the Celery
tasks and the CLI.

- :class:`RunSink` — the pipeline's sink: ``check_unchanged`` (None when Odoo does not offer
  it), ``apply_batch``, ``report_progress`` (answers the
  cancel flag), ``finish_run``. It remembers the last batch Odoo answered (the run's
  checkpoint, also when reporting it failed) and the batch on its way, so that a task that
  retries resumes from there and a run that gives up says where it stopped.
- :func:`index_cache` — the run's index port: the cached match index of this Odoo database;
  :func:`row_memo` — the rows earlier runs normalised (:mod:`sync_worker.row_memo`).
- :func:`execute_run` — one claimed or created run, its file on local disk: read it, run the
  pipeline, finish. A file Odoo's reader refuses ends the run as ``failed`` with the reader's
  message; a :class:`~sync_worker.errors.RetriableError` is left to the caller (the task
  retries, the CLI reports).
- :func:`download_run_file`, :func:`start_import` — a run's file from Odoo to a temporary
  file, and a local file to a new run (``create_run`` + ``upload_chunk``).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sync_worker.config import Settings
from sync_worker.contract import (
    BatchAnswer,
    BatchRow,
    CheckAnswer,
    Checkpoint,
    CheckRow,
    FinalState,
    MessageParams,
    PairRow,
    ProgressAnswer,
    Run,
)
from sync_worker.errors import FatalError, FileRejected
from sync_worker.index_cache import IndexCache, cache_folder
from sync_worker.odoo_client.sync_api import SyncApi, file_sha256
from sync_worker.pipeline import PipelineResult, RunOptions
from sync_worker.pipeline import run as run_pipeline
from sync_worker.row_memo import RowMemoStore
from sync_worker.sources.files import FileHints, FileInfo, open_table

_logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]  # (phase, rows, total)


class RunSink:
    """The pipeline's sink for one run in Odoo.

    ``checkpoint`` is what Odoo has applied as far as this worker knows: the run's checkpoint
    when the attempt started, moved by every batch Odoo answered. ``sending`` is the batch on
    its way (number, first and last row of the file), None between batches.
    """

    def __init__(
        self,
        api: SyncApi,
        run_id: int,
        progress: Progress | None = None,
        checkpoint: Checkpoint | None = None,
    ):
        self.api = api
        self.run_id = run_id
        self.progress = progress
        self.summary: Any = None
        start: Mapping[str, Any] = checkpoint or {}
        self.checkpoint: Checkpoint = {
            "rows_done": int(start.get("rows_done") or 0),
            "batches_done": int(start.get("batches_done") or 0),
        }
        self.sending: tuple[int, int | None, int | None] | None = None

    def check_unchanged(self, check_no: int, rows: Sequence[CheckRow]) -> CheckAnswer | None:
        """Odoo's answer, or None when this Odoo does not offer the check (an older addon)."""
        if not self.api.offers("check_unchanged"):
            return None
        return self.api.check_unchanged(self.run_id, check_no, rows)

    def apply_batch(self, batch_no: int, rows: Sequence[BatchRow | PairRow]) -> BatchAnswer:
        numbers = [number for row in rows if (number := row.get("row")) is not None]
        self.sending = (batch_no, min(numbers, default=None), max(numbers, default=None))
        answer = self.api.apply_batch(self.run_id, batch_no, rows)
        self.sending = None
        return answer

    def report_progress(
        self,
        rows_read: int,
        rows_total: int | None = None,
        checkpoint: Checkpoint | None = None,
        message: str | None = None,
    ) -> ProgressAnswer:
        if checkpoint is not None:
            # the pipeline reports a batch's checkpoint right after Odoo answered it: applied
            self.checkpoint = {
                "rows_done": checkpoint["rows_done"],
                "batches_done": checkpoint["batches_done"],
            }
        if self.progress:
            phase = "apply" if checkpoint else "read"
            self.progress(phase, checkpoint["rows_done"] if checkpoint else rows_read, rows_total)
        return self.api.report_progress(
            self.run_id, rows_read, rows_total=rows_total, checkpoint=checkpoint, message=message
        )

    def finish(
        self,
        state: FinalState,
        message: str | None,
        stats: dict[str, Any],
        *,
        message_code: str | None = None,
        message_params: MessageParams | None = None,
    ) -> Any:
        self.summary = self.api.finish_run(
            self.run_id,
            state,
            message=message,
            stats=stats,
            message_code=message_code,
            message_params=message_params,
        )
        return self.summary

    def stop_point(self) -> tuple[str, str]:
        """``(where, applied)`` for a person: the batch the run stopped at, and what is applied."""
        done = self.checkpoint
        if done["batches_done"]:
            applied = (
                f"batches 1-{done['batches_done']} ({done['rows_done']} rows) are applied and stay applied"
            )
        else:
            applied = "nothing was applied"
        if self.sending is not None:
            batch_no, first, last = self.sending
            rows = f"rows {first}-{last} of the file" if first is not None else "the in-file pairs"
            return f"at batch {batch_no} ({rows})", applied
        if done["batches_done"]:
            return f"after batch {done['batches_done']}", applied
        return "before the first batch", applied

    def stop_params(self) -> MessageParams:
        """:meth:`stop_point` as values: the batch on its way (None between batches) with its first
        and last file row (None for the in-file pairs), and the batches and rows applied."""
        batch_no, first, last = self.sending if self.sending is not None else (None, None, None)
        return {
            "batch": batch_no,
            "first_row": first,
            "last_row": last,
            "batches_done": self.checkpoint["batches_done"],
            "rows_done": self.checkpoint["rows_done"],
        }


def index_cache(api: SyncApi, settings: Settings) -> IndexCache:
    folder = cache_folder(settings.cache_dir, settings.odoo_url, settings.odoo_db)
    return IndexCache(folder, api, default_region=settings.default_region)


def row_memo(settings: Settings) -> RowMemoStore:
    """The memos of rows normalised by earlier runs against this Odoo database."""
    return RowMemoStore(cache_folder(settings.cache_dir, settings.odoo_url, settings.odoo_db))


def hints_of(run: Run) -> FileHints:
    file: dict[str, Any] = dict(run.get("file") or {})
    return FileHints(
        encoding=file.get("encoding") or None,
        delimiter=file.get("delimiter") or None,
        header_row=file.get("header_row") or None,
    )


def open_run_file(run: Run, path: Path) -> tuple[FileInfo, Iterator[Any]]:
    return open_table(path, hints_of(run))


def execute_run(
    api: SyncApi,
    run: Run,
    path: Path,
    settings: Settings,
    *,
    progress: Progress | None = None,
    dry_run: bool | None = None,
    sink: RunSink | None = None,
) -> PipelineResult:
    """Run the pipeline over ``path`` for ``run`` (already running in Odoo) and finish it.

    A run with a checkpoint (a retried task, a stale run claimed again) skips the batches
    already applied. ``sink`` lets the caller see where a failed attempt stopped."""
    run_id = run["run_id"]
    source = run["source"]
    checkpoint = run.get("checkpoint") or {}
    if sink is None:
        sink = RunSink(api, run_id, progress, checkpoint=checkpoint)
    try:
        info, rows = open_run_file(run, path)
        mapping = api.propose_mapping(list(info.headers), source=source["id"])["mapping"]
        if not any(field == "name" for field in mapping.values()) and not any(
            field in ("uscc", "vat", "lei") for field in mapping.values()
        ):
            raise FileRejected(
                "file.no_name_column",
                "No column of the file is mapped to the name or an identifier: map the columns on "
                f"the source (columns: {', '.join(info.headers[:20])}).",
                {"columns": ", ".join(info.headers[:20])},
            )
        options = RunOptions(
            mapping=mapping,
            default_region=source.get("default_region") or settings.default_region,
            dry_run=bool(source.get("dry_run")) if dry_run is None else dry_run,
            batches_done=int(checkpoint.get("batches_done") or 0),
            rows_done=int(checkpoint.get("rows_done") or 0),
            batch_rows=settings.batch_rows,
        )
        result = run_pipeline(rows, index_cache(api, settings), sink, options, memo=row_memo(settings))
    except FileRejected as exc:
        _logger.warning("run %s: file refused: %s", run_id, exc)
        sink.finish(
            "failed", exc.message, {"error": exc.code}, message_code=exc.code, message_params=exc.params
        )
        result = PipelineResult(
            state="failed",
            message=exc.message,
            message_code=exc.code,
            message_params=dict(exc.params),
            stats={"error": exc.code},
        )
    result.summary = sink.summary
    return result


@contextlib.contextmanager
def download_run_file(api: SyncApi, run: Run) -> Iterator[Path]:
    """The run's file in a temporary file, removed afterwards."""
    file: dict[str, Any] = dict(run.get("file") or {})
    if not file:
        raise FatalError(f"run {run['run_id']} has no file")
    suffix = Path(file.get("name") or "file").suffix[:10]
    with tempfile.TemporaryDirectory(prefix="customer-sync-") as folder:
        path = Path(folder) / f"run-{run['run_id']}{suffix}"
        with path.open("wb") as out:
            api.download(run["run_id"], out, expected_sha256=file.get("sha256") or None)
        yield path


def start_import(
    api: SyncApi,
    path: Path,
    source: str | int,
    trigger: str,
    *,
    dry_run: bool = False,
    filename: str | None = None,
    worker: str | None = None,
) -> Run:
    """A new run (already running for us) with ``path`` uploaded as its file."""
    size = path.stat().st_size
    run = api.create_run(
        source, trigger, filename or path.name, size, file_sha256(path), dry_run=dry_run, worker=worker
    )
    answer = api.upload(run["run_id"], path)
    if not answer.get("done"):
        raise FatalError(f"Odoo did not accept the whole file of run {run['run_id']} ({answer})")
    return run
