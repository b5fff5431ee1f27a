from __future__ import annotations

import os
import time
from pathlib import Path

from sync_worker.celery_app import CLAIM_EVERY, TASK_TIME_LIMIT, VISIBILITY_TIMEOUT, make_app
from sync_worker.config import Settings


def test_reliability_settings_are_on() -> None:
    app = make_app(Settings.from_env({}))
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_default_queue == "customer_sync"


def test_visibility_timeout_outlasts_the_longest_task() -> None:
    app = make_app(Settings.from_env({}))
    assert app.conf.task_time_limit == TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT
    assert VISIBILITY_TIMEOUT > TASK_TIME_LIMIT


def test_beat_schedules_claims_sources_and_the_health_check_unless_disabled() -> None:
    schedule = make_app(Settings.from_env({"CUSTOMER_SYNC_CHECK_INTERVAL": "120"})).conf.beat_schedule
    assert schedule["check-odoo"]["task"] == "customer_sync.check_odoo"
    assert schedule["check-odoo"]["schedule"] == 120.0
    assert schedule["claim-runs"]["task"] == "customer_sync.claim_runs"
    assert schedule["claim-runs"]["schedule"] == CLAIM_EVERY == 3.0
    assert schedule["claim-runs"]["options"]["expires"] == 3.0
    assert schedule["scheduled-sources"]["task"] == "customer_sync.scheduled"
    assert schedule["scheduled-sources"]["schedule"] == 60.0
    disabled = make_app(Settings.from_env({"CUSTOMER_SYNC_CHECK_INTERVAL": "0"})).conf.beat_schedule
    assert set(disabled) == {"claim-runs", "scheduled-sources"}


def test_the_retry_policy_of_process_run() -> None:
    from sync_worker import tasks
    from sync_worker.errors import RetriableError

    task = tasks.process_run
    assert task.autoretry_for == (RetriableError,)
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries == tasks.MAX_RETRIES
    assert set(tasks.app.tasks) >= {
        "customer_sync.ping",
        "customer_sync.check_odoo",
        "customer_sync.claim_runs",
        "customer_sync.process_run",
        "customer_sync.scheduled",
    }


def test_inbox_files_are_settled_oldest_first_and_moved_to_imported(tmp_path: Path) -> None:
    from sync_worker.tasks import inbox_files, move_imported

    now = time.time()
    for name, age in (
        ("b.csv", 100),
        ("a.xlsx", 200),
        ("fresh.csv", 1),
        (".hidden.csv", 300),
        ("notes.pdf", 300),
    ):
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (now - age, now - age))
    (tmp_path / "imported").mkdir()
    assert [p.name for p in inbox_files(tmp_path, now)] == ["a.xlsx", "b.csv"]
    moved = move_imported(tmp_path / "b.csv")
    assert moved == tmp_path / "imported" / "b.csv" and moved.exists()
    (tmp_path / "b.csv").write_text("again")
    second = move_imported(tmp_path / "b.csv")
    assert second.parent == tmp_path / "imported" and second.name.endswith("-b.csv")
    assert moved.read_text() == "x" and second.read_text() == "again"
    assert inbox_files(tmp_path / "missing") == []
