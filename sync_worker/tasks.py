"""Thin Celery tasks: ids and keys in, the work done by the pipeline and the Odoo client.

- ``customer_sync.claim_runs`` (beat, every 3 s): claims the runs queued in Odoo (the upload
  wizard's button) and hands each to ``process_run``.
- ``customer_sync.process_run(run)``: the run's file from Odoo, the pipeline, ``finish_run``.
  A :class:`RetriableError` (Odoo down, timeouts, 5xx, conflicts) retries with exponential
  back-off and jitter (:mod:`sync_worker.retry`), from the last batch Odoo answered: the retry
  carries that checkpoint, so the batches already applied are not sent again. When the run
  fails ``CUSTOMER_SYNC_RETRY_MAX`` more times at the same batch, it is finished as ``failed``
  with where it stopped, what is applied and the last error (its dead-letter state, visible on
  the run and retryable there). A :class:`FatalError` fails the run at once.
- ``customer_sync.scheduled`` (beat, every 60 s): the sources Odoo says are due; a purchased
  list with an inbox folder imports its oldest new file (``create_run`` with trigger
  ``schedule``), moves it to ``<inbox>/imported/`` and hands the run to ``process_run``.
- ``customer_sync.ping``, ``customer_sync.check_odoo``: liveness and Odoo's health.

A source is processed by one task at a time: Odoo's ``due_sources`` leaves out sources with a
run queued or running, and a Redis lock per source (when a Redis is configured, as broker or
result backend) guards against two workers or two beat ticks racing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

from celery import Task

from sync_worker import __version__
from sync_worker.celery_app import TASK_TIME_LIMIT, app, settings
from sync_worker.contract import MessageParams, Run
from sync_worker.errors import FatalError, RetriableError
from sync_worker.odoo_client import SyncApi, make_client
from sync_worker.odoo_client.runner import RunSink, download_run_file, execute_run, start_import
from sync_worker.retry import batches_done, failures_in_a_row, retry_delay

_logger = logging.getLogger(__name__)

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
MAX_CLAIMS = 4  # runs claimed per tick (each becomes its own task)
LOCK_TTL = 600  # seconds; renewed at every progress report of the run
INBOX_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx"})
INBOX_SETTLE_SECONDS = 5.0  # a file still being copied into the inbox is left for the next tick


def _api() -> SyncApi:
    return SyncApi(make_client(settings))


def _redis_url() -> str | None:
    for url in (settings.broker_url, settings.result_backend or ""):
        if url.startswith(("redis://", "rediss://")):
            return url
    return None


@contextlib.contextmanager
def source_lock(source_id: int) -> Iterator[Any]:
    """A Redis lock for one source (None when not acquired); a no-op lock without Redis."""
    url = _redis_url()
    if url is None:
        yield _NoLock()
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)
    lock = client.lock(f"customer_sync:source:{source_id}", timeout=LOCK_TTL, blocking=False)
    try:
        acquired = lock.acquire()
    except redis.RedisError as exc:
        raise RetriableError(f"the lock of source {source_id} is unavailable: {exc}") from exc
    try:
        yield lock if acquired else None
    finally:
        if acquired:
            with contextlib.suppress(redis.RedisError):
                lock.release()
        client.close()


class _NoLock:
    def reacquire(self) -> bool:
        return True


# -- liveness ---------------------------------------------------------------------------------


@app.task(name="customer_sync.ping")
def ping() -> dict[str, Any]:
    """Answer from a live worker: proves broker and worker are up."""
    return {"pong": True, "version": __version__, "hostname": socket.gethostname()}


@app.task(name="customer_sync.check_odoo")
def check_odoo() -> dict[str, Any]:
    """Beat's health check: can the worker reach Odoo, and is the addon installed there?"""
    try:
        health = make_client(settings).check()
    except (FatalError, RetriableError) as exc:
        _logger.error("Odoo health check failed: %s", exc)
        return {"ok": False, "error": str(exc)}
    if not health.ok:
        _logger.error(
            "Odoo %s is reachable but addon_customer_info is %s in database %s",
            health.server_version,
            health.addon_state,
            health.database,
        )
    else:
        _logger.info("Odoo %s reachable, addon installed in %s", health.server_version, health.database)
    return {"ok": health.ok, **asdict(health)}


# -- runs -------------------------------------------------------------------------------------


@app.task(name="customer_sync.claim_runs")
def claim_runs() -> dict[str, Any]:
    """Claim the runs queued in Odoo and hand each to ``process_run``."""
    claimed: list[int] = []
    try:
        api = _api()
        for _ in range(MAX_CLAIMS):
            run = api.claim_run(worker=WORKER_NAME)
            if not run:
                break
            _logger.info(
                "claimed run %s (%s) of source %s", run["run_id"], run["name"], run["source"]["name"]
            )
            process_run.apply_async(args=[run])
            claimed.append(run["run_id"])
    except (FatalError, RetriableError) as exc:
        _logger.error("claiming runs failed: %s", exc)
        return {"claimed": claimed, "error": str(exc)}
    return {"claimed": claimed}


def _finish_failed(
    api: SyncApi, run_id: int, message: str, code: str | None = None, params: MessageParams | None = None
) -> None:
    try:
        api.finish_run(run_id, "failed", message=message[:2000], message_code=code, message_params=params)
    except (FatalError, RetriableError) as exc:
        # Odoo stays unreachable: the run goes stale and is claimed again later
        _logger.error("run %s: could not record the failure in Odoo: %s", run_id, exc)


def dead_letter_message(failures: int, sink: RunSink, exc: Exception) -> str:
    """Why a run gave up, for the person who reads it on the run in Odoo."""
    where, applied = sink.stop_point()
    return (
        f"Gave up after {failures} failed attempts in a row {where}; {applied}. Last error: {exc}. "
        "Retry runs the file again: the rows already applied come back as unchanged."
    )


def dead_letter_params(failures: int, sink: RunSink, exc: Exception) -> MessageParams:
    """:func:`dead_letter_message` as the values of its code ``run.gave_up``."""
    return {"failures": failures, **sink.stop_params(), "error": str(exc)}


@app.task(
    name="customer_sync.process_run",
    bind=True,
    max_retries=None,  # the budget is ours: CUSTOMER_SYNC_RETRY_MAX failures at the same batch
    time_limit=TASK_TIME_LIMIT,
)
def process_run(self: Task, run: Run, failures: int = 0) -> dict[str, Any]:
    """One claimed (or scheduled) run from its file to its figures in Odoo.

    ``failures``: the attempts that failed in a row at the run's checkpoint (set by a retry)."""
    run_id = run["run_id"]
    api = _api()
    sink = RunSink(api, run_id, checkpoint=run.get("checkpoint"))
    try:
        with source_lock(run["source"]["id"]) as lock:
            if lock is None:
                # another run of this source is being processed: wait for it, without limit
                raise self.retry(countdown=15)

            def heartbeat(_phase: str, _rows: int, _total: int | None) -> None:
                lock.reacquire()

            sink.progress = heartbeat
            api.ensure_version()
            with download_run_file(api, run) as path:
                result = execute_run(api, run, path, settings, sink=sink)
    except RetriableError as exc:
        failures = failures_in_a_row(failures, run.get("checkpoint"), sink.checkpoint)
        if failures > settings.retry_max:
            message = dead_letter_message(failures, sink, exc)
            _logger.error("run %s: %s", run_id, message)
            _finish_failed(api, run_id, message, "run.gave_up", dead_letter_params(failures, sink, exc))
            return {"run_id": run_id, "state": "failed", "message": message}
        delay = retry_delay(failures, settings.retry_backoff, settings.retry_backoff_max)
        _logger.warning(
            "run %s: attempt failed (%s in a row at batch %s), retrying in %.1f s after batch %s: %s",
            run_id,
            failures,
            batches_done(sink.checkpoint) + 1,
            delay,
            batches_done(sink.checkpoint),
            exc,
        )
        resumed = cast(Run, {**run, "checkpoint": dict(sink.checkpoint)})
        raise self.retry(args=[resumed], kwargs={"failures": failures}, countdown=delay, exc=exc) from exc
    except FatalError as exc:
        _logger.error("run %s failed: %s", run_id, exc)
        _finish_failed(api, run_id, str(exc), "run.error", {"error": str(exc)})
        return {"run_id": run_id, "state": "failed", "message": str(exc)}
    _logger.info("run %s %s: %s", run_id, result.state, result.counts)
    return {"run_id": run_id, "state": result.state, "counts": result.counts, "message": result.message}


# -- schedules --------------------------------------------------------------------------------


def inbox_files(inbox: Path, now: float | None = None) -> list[Path]:
    """Files waiting in an inbox folder, oldest first (settled: not modified for a few seconds)."""
    now = time.time() if now is None else now
    try:
        entries = list(inbox.iterdir())
    except OSError:
        return []
    files = [
        p
        for p in entries
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in INBOX_SUFFIXES
        and now - p.stat().st_mtime >= INBOX_SETTLE_SECONDS
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def move_imported(path: Path) -> Path:
    """Move an imported file to ``<inbox>/imported/`` (a time stamp keeps an older one)."""
    target_dir = path.parent / "imported"
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
    shutil.move(str(path), target)
    return target


@app.task(name="customer_sync.scheduled")
def scheduled() -> dict[str, Any]:
    """Due sources: import the next file of each purchased list's inbox."""
    started: list[int] = []
    try:
        api = _api()
        for due in api.due_sources():
            inbox = due.get("inbox")
            if due.get("type") != "purchased_list" or not inbox:
                continue
            with source_lock(due["source_id"]) as lock:
                if lock is None:
                    continue
                files = inbox_files(Path(inbox))
                if not files:
                    continue
                path = files[0]  # one run per source at a time: the next file on a later tick
                run = start_import(api, path, due["source_id"], "schedule", worker=WORKER_NAME)
                moved = move_imported(path)
                _logger.info("source %s: %s imported as run %s", due["name"], moved, run["run_id"])
                process_run.apply_async(args=[run])
                started.append(run["run_id"])
    except (FatalError, RetriableError) as exc:
        _logger.error("scheduled sources: %s", exc)
        return {"started": started, "error": str(exc)}
    return {"started": started}
