"""The worker's reliability path, end to end: a live Odoo 19, a real Celery worker on Redis.

One Odoo database with the addon (no demo data) serves the module, from an Odoo process this
module can kill and start again on the same port. Each test has its own source and its own
list of distinct companies (one partner per row, so every figure is exact), and its own worker
process with beat embedded, configured with small batches and short back-off:

1. **cancel**: the admin presses *Cancel* (``action_cancel`` over JSON-2) while the run
   applies its batches; the worker stops after the batch on its way, the run is *cancelled*
   with a message saying after which batch it stopped and how many rows were applied, and no
   partner of a later row exists;
2. **Odoo goes away**: Odoo is killed in the middle of the run and started again on the same
   port and database a few seconds later; the worker retries with back-off, resumes after the
   last batch Odoo answered (the run's figures say which batches it did not send again) and
   ends *done* with exact counts and one partner per row;
3. **a batch that keeps failing**: a transaction of ours holds a lock on the table of applied
   batches, so every ``apply_batch`` waits past the worker's ``ODOO_TIMEOUT``; after its
   retries the run ends *failed* (its dead-letter state) with the batch and file rows it
   stopped at, what is applied and why; once the lock is gone, **Retry** in Odoo runs the file
   again to *done*, the rows already applied coming back *unchanged*.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import os
import random
import re
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.identifiers import make_uscc
from sync_worker.config import Settings
from sync_worker.odoo_client import Json2Client
from tests import harness
from tests.odoo.live_sync import worker_process

HEADERS = ["公司名称", "统一社会信用代码", "城市"]
MAPPING = {"公司名称": "name", "统一社会信用代码": "uscc", "城市": "city"}
CITIES = ["深圳", "上海", "北京", "成都", "广州", "杭州", "武汉", "南京", "西安", "重庆", "苏州", "天津"]
BATCH = 50  # CUSTOMER_SYNC_BATCH_ROWS of every worker here
FINAL = {"done", "failed", "cancelled"}
RUN_FIELDS = [
    "name",
    "state",
    "trigger",
    "checkpoint",
    "stats",
    "message",
    "rows_read",
    "cancel_requested",
    "created_count",
    "linked_count",
    "review_count",
    "rejected_count",
    "unchanged_count",
]


# -- a live Odoo that can go away and come back -------------------------------------------------


class RestartableOdoo:
    """``odoo-bin`` serving one database on a fixed port, stopped and started at will."""

    def __init__(self, install: harness.OdooInstall, db: str, workdir: Path):
        self.install, self.db, self.workdir = install, db, workdir
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{db}-server.log"
        self.process: harness.OdooProcess | None = None

    def start(self) -> None:
        cmd = harness.odoo_command(
            self.install,
            self.db,
            "--no-database-list",
            http_port=self.port,
            data_dir=self.workdir / "data",
            log_level="warn",
        )
        self.process = harness.OdooProcess(cmd, self.log_path)
        harness.wait_for_http(f"{self.url}/web/login", self.process)

    def kill(self) -> None:
        """Odoo dies at once (SIGKILL): its open transactions are rolled back, nothing answers."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.proc.pid, signal.SIGKILL)
        self.process.stop()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class LiveOdoo:
    server: RestartableOdoo
    admin: Json2Client
    worker_key: str
    workdir: Path


@pytest.fixture(scope="module")
def live(odoo_install: harness.OdooInstall, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveOdoo]:
    workdir = tmp_path_factory.mktemp("sync-reliability")
    db = harness.new_db_name()
    log = workdir / "install.log"
    install = harness.OdooProcess(
        harness.odoo_command(
            odoo_install,
            db,
            f"--init={harness.ADDON}",
            "--stop-after-init",
            http_port=harness.free_port(),
            data_dir=workdir / "data",
        ),
        log,
    )
    server = RestartableOdoo(odoo_install, db, workdir)
    try:
        code = install.wait(timeout=3600)
        install.stop()
        if code != 0:
            pytest.fail(f"installing {harness.ADDON} failed (exit {code}); see {log}", pytrace=False)
        server.start()
        data = workdir / "data"
        admin_key = harness.create_api_key(odoo_install, db, data_dir=data)
        worker_key = harness.create_api_key(odoo_install, db, data_dir=data, login=harness.INTEGRATION_LOGIN)
        admin = Json2Client(
            Settings.from_env({"ODOO_URL": server.url, "ODOO_DB": db, "ODOO_API_KEY": admin_key})
        )
        yield LiveOdoo(server, admin, worker_key, workdir)
    finally:
        install.stop()
        server.stop()
        harness.drop_database(db)


@contextlib.contextmanager
def celery_worker(live: LiveOdoo, redis_url: str, **settings: str) -> Iterator[Path]:
    """A real worker process with beat embedded, on its own queue, as the integration user."""
    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "ODOO_URL": live.server.url,
        "ODOO_DB": live.server.db,
        "ODOO_LOGIN": harness.INTEGRATION_LOGIN,
        "ODOO_TRANSPORT": "json2",
        "ODOO_API_KEY": live.worker_key,
        "CUSTOMER_SYNC_BROKER_URL": redis_url,
        "CUSTOMER_SYNC_RESULT_BACKEND": redis_url,
        "CUSTOMER_SYNC_QUEUE": queue,
        "CUSTOMER_SYNC_CACHE_DIR": str(live.workdir / f"cache-{queue}"),
        "CUSTOMER_SYNC_CHECK_INTERVAL": "0",
        "CUSTOMER_SYNC_BATCH_ROWS": str(BATCH),
        **settings,
    }
    for name in ("ODOO_API_KEY_FILE", "ODOO_PASSWORD_FILE", "ODOO_PASSWORD"):
        env.pop(name, None)
    with worker_process(env, live.workdir, queue) as log:
        yield log


def tail(log: Path, size: int = 4000) -> str:
    return log.read_text(errors="replace")[-size:]


# -- the lists and the run, as the admin sees them ------------------------------------------------

_RNG = random.Random(4242)
_TAKEN: set[str] = set()


def companies(count: int) -> list[tuple[str, str, str]]:
    """``count`` companies (name, USCC, city) that no matching could take for one another, never
    used before in this module: every figure of a run is then exact (one partner per row).

    Their names are invented ten-letter words (``Bakotemuri Trading Co., Ltd.``, as Chinese
    companies known by an English name are listed), no two with the same first five letters:
    two such names share no blocking key of the engine but by chance, and are never close.
    Han names of two or three characters are not: homophones (夹审 / 枷申) share their pinyin."""
    out: list[tuple[str, str, str]] = []
    while len(out) < count:
        word = "".join(_RNG.choice("bdfghklmnprstvz") + _RNG.choice("aeiou") for _ in range(5))
        uscc = make_uscc(_RNG, "91", f"{_RNG.randrange(110000, 650000)}")
        if word[:5] in _TAKEN or uscc in _TAKEN:
            continue
        _TAKEN.update((word[:5], uscc))
        out.append((f"{word.capitalize()} Trading Co., Ltd.", uscc, _RNG.choice(CITIES)))
    return out


def csv_file(rows: list[tuple[str, str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def create_source(admin: Json2Client, name: str) -> int:
    lines = [(0, 0, {"header": header, "field": target}) for header, target in MAPPING.items()]
    vals = {
        "name": name,
        "type": "purchased_list",
        "vendor": "ACME Data",
        "legal_basis": "legitimate_interest",
        "mapping_line_ids": lines,
    }
    return int(admin.call("customer.sync.source", "create", vals_list=[vals])[0])


def upload(admin: Json2Client, source_id: int, data: bytes, filename: str) -> None:
    """The upload wizard's Start: a queued run with its file, for a worker to claim."""
    wizard = admin.call(
        "customer.sync.upload",
        "create",
        vals_list=[{"source_id": source_id, "file": base64.b64encode(data).decode(), "file_name": filename}],
    )
    admin.call("customer.sync.upload", "action_analyse", ids=wizard)
    admin.call("customer.sync.upload", "action_start", ids=wizard)


def runs_of(admin: Json2Client, source_id: int) -> list[dict[str, Any]]:
    return admin.call(
        "customer.sync.run",
        "search_read",
        domain=[("source_id", "=", source_id)],
        fields=RUN_FIELDS,
        order="id",
    )


def wait_for(
    admin: Json2Client, source_id: int, done: Any, what: str, log: Path, timeout: float = 180
) -> dict[str, Any]:
    """The source's latest run once ``done(run)`` holds; polled over JSON-2."""
    deadline = time.monotonic() + timeout
    latest: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        found = runs_of(admin, source_id)
        latest = found[-1] if found else None
        if latest and done(latest):
            return latest
        if latest and latest["state"] in FINAL:
            break  # finished, and not as wanted
        time.sleep(0.2)
    raise AssertionError(f"no run {what} within {timeout:.0f} s: {latest}\n{tail(log)}")


def batches_done(run: dict[str, Any]) -> int:
    return int((run.get("checkpoint") or {}).get("batches_done") or 0)


def counts(run: dict[str, Any]) -> dict[str, int]:
    return {name: run[f"{name}_count"] for name in ("created", "linked", "review", "rejected", "unchanged")}


def partner_names(admin: Json2Client, names: list[str]) -> list[str]:
    """Names of the partners (archived too) called like one of ``names``, one per partner."""
    rows = admin.call(
        "res.partner",
        "search_read",
        domain=[("name", "in", names), ("active", "in", [True, False])],
        fields=["name"],
    )
    return [row["name"] for row in rows]


def chatter(admin: Json2Client, run_id: int) -> list[str]:
    rows = admin.call(
        "mail.message",
        "search_read",
        domain=[("model", "=", "customer.sync.run"), ("res_id", "=", run_id)],
        fields=["body"],
        order="id",
    )
    return [re.sub(r"<[^>]+>", "", row["body"] or "") for row in rows]


def other_outcomes(
    admin: Json2Client, run: dict[str, Any], expected: str = "created"
) -> list[dict[str, Any]]:
    """The run's recorded rows whose outcome is not ``expected``: what to look at when counts differ."""
    rows = admin.call(
        "customer.sync.run.row",
        "search_read",
        domain=[("run_id.name", "=", run["name"]), ("outcome", "!=", expected)],
        fields=["row_number", "outcome", "external_key", "partner_id", "reason_code", "message", "raw"],
    )
    reviews = admin.call(
        "customer.duplicate.candidate",
        "search_read",
        domain=[("run_id.name", "=", run["name"])],
        fields=["kind", "row_no", "external_key", "partner_ids", "reasons", "explanation", "incoming_values"],
    )
    for review in reviews:
        review["partners"] = partner_names_by_id(admin, review["partner_ids"])
    return rows + reviews


def partner_names_by_id(admin: Json2Client, ids: list[int]) -> list[str]:
    rows = admin.call("res.partner", "read", ids=ids, fields=["name", "vat", "create_date"]) if ids else []
    return [f"{row['name']} {row['vat']} {row['create_date']}" for row in rows]


# -- the tests ---------------------------------------------------------------------------------------


def test_cancel_from_odoo_stops_the_worker_after_the_batch_on_its_way(live: LiveOdoo, redis_url: str) -> None:
    admin = live.admin
    rows = companies(1000)  # 20 batches: the run is cancelled long before its end
    source_id = create_source(admin, "Reliability cancel")
    with celery_worker(live, redis_url) as log:
        upload(admin, source_id, csv_file(rows), "cancel.csv")
        running = wait_for(admin, source_id, lambda r: batches_done(r) >= 3, "past batch 3", log)
        run_id = running["id"]
        admin.call("customer.sync.run", "action_cancel", ids=[run_id])
        at_cancel = batches_done(runs_of(admin, source_id)[-1])  # read after the cancel is stored
        run = wait_for(admin, source_id, lambda r: r["state"] in FINAL, "finished", log, timeout=120)
    assert run["state"] == "cancelled", f"{run}\n{tail(log)}"
    stopped = batches_done(run)
    # the worker finishes the batch it is sending when the cancel arrives, then stops
    assert at_cancel <= stopped <= at_cancel + 1, (at_cancel, stopped)
    assert stopped < len(rows) // BATCH
    applied = stopped * BATCH
    assert run["checkpoint"]["rows_done"] == applied
    assert counts(run) == {"created": applied, "linked": 0, "review": 0, "rejected": 0, "unchanged": 0}, (
        other_outcomes(admin, run)
    )
    assert run["message"] == (
        f"Cancelled on request: the worker stopped after batch {stopped} of {len(rows) // BATCH}. "
        f"{applied} of {len(rows)} rows were applied (the file up to row {applied + 1}); "
        "nothing after them was written."
    )
    names = [name for name, _uscc, _city in rows]
    assert sorted(partner_names(admin, names[:applied])) == sorted(names[:applied])  # one partner each
    assert partner_names(admin, names[applied:]) == []  # nothing after the batch it stopped at
    notes = chatter(admin, run_id)
    assert any("Cancel requested" in note for note in notes), notes
    assert any(note.startswith("Cancelled:") and run["message"] in note for note in notes), notes
    print(f"\n[cancel] stopped after batch {stopped} (cancel pressed at batch {at_cancel}): {run['message']}")


def test_odoo_down_mid_run_is_retried_with_backoff_and_the_run_resumes_from_its_checkpoint(
    live: LiveOdoo, redis_url: str
) -> None:
    admin = live.admin
    rows = companies(600)  # 12 batches
    source_id = create_source(admin, "Reliability restart")
    settings = {
        # at least 0.5 + 1 + 2 + 17 x 2 = 37.5 s of back-off: more than Odoo's restart takes
        "CUSTOMER_SYNC_RETRY_MAX": "20",
        "CUSTOMER_SYNC_RETRY_BACKOFF": "1",
        "CUSTOMER_SYNC_RETRY_BACKOFF_MAX": "4",
    }
    with celery_worker(live, redis_url, **settings) as log:
        upload(admin, source_id, csv_file(rows), "restart.csv")
        running = wait_for(admin, source_id, lambda r: batches_done(r) >= 4, "past batch 4", log)
        live.server.kill()
        down_at = time.monotonic()
        time.sleep(5)  # Odoo is gone: the worker's calls fail and it backs off
        live.server.start()  # same port, same database
        downtime = time.monotonic() - down_at
        run = wait_for(admin, source_id, lambda r: r["state"] in FINAL, "finished", log, timeout=240)
    assert run["state"] == "done", f"{run}\n{tail(log)}"
    assert run["name"] == running["name"] and len(runs_of(admin, source_id)) == 1
    worker_log = log.read_text(errors="replace")
    retries = re.findall(r"run \d+: attempt failed \((\d+) in a row at batch (\d+)\), retrying", worker_log)
    assert retries, tail(log)
    assert all(int(batch) > 4 for _n, batch in retries), retries  # it failed after batch 4, not before
    # exact figures: every row once, one partner per row, no duplicate
    assert counts(run) == {"created": len(rows), "linked": 0, "review": 0, "rejected": 0, "unchanged": 0}, (
        other_outcomes(admin, run)
    )
    names = [name for name, _uscc, _city in rows]
    assert sorted(partner_names(admin, names)) == sorted(names)
    # the attempt that finished did not send again what an earlier one had applied
    skipped = run["stats"]["batches_skipped"]
    assert skipped >= 4, run["stats"]
    assert run["stats"]["batches_applied"] + skipped == len(rows) // BATCH
    assert run["message"] == (
        f"Resumed from its checkpoint: batches 1-{skipped} ({skipped * BATCH} rows), applied by an "
        "earlier attempt, were not sent again."
    )
    print(
        f"\n[restart] Odoo down {downtime:.1f} s after batch {batches_done(running)}; "
        f"{len(retries)} retries; resumed after batch {skipped}; {counts(run)}"
    )


def test_a_batch_that_keeps_failing_ends_the_run_failed_with_its_reason_and_retry_finishes_it(
    live: LiveOdoo, redis_url: str
) -> None:
    admin = live.admin
    rows = companies(400)  # 8 batches
    source_id = create_source(admin, "Reliability dead letter")
    settings = {
        "ODOO_TIMEOUT": "5",
        "CUSTOMER_SYNC_RETRY_MAX": "2",
        "CUSTOMER_SYNC_RETRY_BACKOFF": "0.5",
        "CUSTOMER_SYNC_RETRY_BACKOFF_MAX": "1",
    }
    names = [name for name, _uscc, _city in rows]
    with celery_worker(live, redis_url, **settings) as log:
        upload(admin, source_id, csv_file(rows), "dead-letter.csv")
        with harness_connection(live.server.db) as lock:
            wait_for(admin, source_id, lambda r: batches_done(r) >= 3, "past batch 3", log)
            # a long transaction of somebody else: every apply_batch now waits for it
            lock.execute("BEGIN")
            lock.execute("LOCK TABLE customer_sync_run_batch IN EXCLUSIVE MODE")
            try:
                run = wait_for(admin, source_id, lambda r: r["state"] in FINAL, "finished", log, timeout=150)
            finally:
                # end the Odoo requests still waiting on the lock (the worker gave up on them)
                lock.execute(
                    "SELECT pg_cancel_backend(pid) FROM pg_locks "
                    "WHERE relation = 'customer_sync_run_batch'::regclass AND NOT granted"
                )
                lock.execute("ROLLBACK")
        assert run["state"] == "failed", f"{run}\n{tail(log)}"
        stopped = batches_done(run)
        applied = stopped * BATCH
        assert stopped >= 3 and applied == run["checkpoint"]["rows_done"]
        first, last = applied + 2, applied + BATCH + 1  # file rows of the batch that failed
        assert run["message"] == (
            f"Gave up after 3 failed attempts in a row at batch {stopped + 1} (rows {first}-{last} of the "
            f"file); batches 1-{stopped} ({applied} rows) are applied and stay applied. Last error: "
            "customer.sync.api.apply_batch: Odoo did not answer within 5 s (ODOO_TIMEOUT). Retry runs "
            "the file again: the rows already applied come back as unchanged."
        ), run["message"]
        assert counts(run) == {"created": applied, "linked": 0, "review": 0, "rejected": 0, "unchanged": 0}, (
            other_outcomes(admin, run)
        )
        assert sorted(partner_names(admin, names)) == sorted(names[:applied])
        failed_id = run["id"]
        assert any(note.startswith("Failed:") and "Gave up" in note for note in chatter(admin, failed_id))
        failed_runs = admin.call(
            "customer.sync.run", "search", domain=[("source_id", "=", source_id), ("state", "=", "failed")]
        )
        assert failed_runs == [failed_id]  # only the run that gave up is failed

        # the cause is gone: Retry in Odoo queues the file again, and the worker finishes it
        admin.call("customer.sync.run", "action_retry", ids=[failed_id])
        retried = wait_for(
            admin,
            source_id,
            lambda r: r["state"] in FINAL and r["name"] != run["name"],
            "retried",
            log,
            timeout=120,
        )
    assert retried["state"] == "done", f"{retried}\n{tail(log)}"
    assert retried["trigger"] == "button"
    assert counts(retried) == {
        "created": len(rows) - applied,
        "linked": 0,
        "review": 0,
        "rejected": 0,
        "unchanged": applied,
    }, other_outcomes(admin, retried, expected="unchanged")
    assert sorted(partner_names(admin, names)) == sorted(names)  # one partner per row, no duplicate
    print(f"\n[dead letter] {run['message']}\n[dead letter] retried: {counts(retried)}")


@contextlib.contextmanager
def harness_connection(db: str) -> Iterator[Any]:
    """A cursor of our own on ``db`` (autocommit: BEGIN and ROLLBACK are explicit)."""
    conn = harness._connect(harness.DB_ROLE, db)
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()
