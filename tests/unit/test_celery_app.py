from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

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

    task = tasks.process_run
    # no autoretry: the task retries itself, with the checkpoint, under its own budget
    assert not getattr(task, "autoretry_for", ())
    assert task.max_retries is None
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


# -- the reliability path of process_run: back-off, budget per batch, where a run stopped ------


def test_retry_delay_doubles_up_to_the_cap_with_equal_jitter() -> None:
    import random

    from sync_worker.retry import retry_delay

    rng = random.Random(5)
    for retry, ceiling in ((1, 5), (2, 10), (3, 20), (7, 320), (8, 600), (40, 600), (1000, 600)):
        delays = [retry_delay(retry, 5, 600, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (retry, min(delays), max(delays))
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not one fixed value
    with pytest.raises(ValueError):
        retry_delay(0, 5, 600)


def test_the_budget_counts_failures_at_one_batch_and_restarts_when_the_run_got_further() -> None:
    from sync_worker.retry import failures_in_a_row

    at_3 = {"rows_done": 150, "batches_done": 3}
    assert failures_in_a_row(0, None, {"rows_done": 0, "batches_done": 0}) == 1
    assert failures_in_a_row(0, {"rows_done": 0, "batches_done": 0}, at_3) == 1
    assert failures_in_a_row(1, at_3, at_3) == 2
    assert failures_in_a_row(4, at_3, at_3) == 5
    assert failures_in_a_row(4, at_3, {"rows_done": 200, "batches_done": 4}) == 1


class _Odoo:
    """SyncApi's run half, as Odoo answers it; ``down_at`` makes that batch fail retriably."""

    def __init__(self, down_at: int | None = None):
        self.down_at = down_at
        self.applied: list[int] = []
        self.reported: list[dict] = []

    def apply_batch(self, run_id: int, batch_no: int, rows: list) -> dict:
        from sync_worker.errors import RetriableError

        if batch_no == self.down_at:
            raise RetriableError(
                "customer.sync.api.apply_batch: Odoo did not answer within 3 s (ODOO_TIMEOUT)"
            )
        self.applied.append(batch_no)
        return {"batch_no": batch_no, "results": [], "counts": {"created": len(rows)}}

    def report_progress(self, run_id: int, rows_read: int, **kwargs: object) -> dict:
        self.reported.append(kwargs)
        return {"state": "running", "cancel_requested": False}

    def finish_run(self, run_id: int, state: str, **kwargs: object) -> dict:
        return {"state": state}


def _rows(first: int, last: int) -> list:
    return [{"row": n, "kind": "company"} for n in range(first, last + 1)]


def test_the_sink_keeps_the_checkpoint_of_the_last_batch_odoo_answered() -> None:
    from sync_worker.errors import RetriableError
    from sync_worker.odoo_client.runner import RunSink
    from sync_worker.tasks import dead_letter_message, dead_letter_params

    odoo = _Odoo(down_at=3)
    sink = RunSink(odoo, 7, checkpoint={"rows_done": 50, "batches_done": 1})  # type: ignore[arg-type]
    assert sink.stop_point() == ("after batch 1", "batches 1-1 (50 rows) are applied and stay applied")
    sink.apply_batch(2, _rows(52, 101))
    sink.report_progress(100, checkpoint={"rows_done": 100, "batches_done": 2})
    with pytest.raises(RetriableError) as failed:
        sink.apply_batch(3, [*_rows(102, 151), {"row": None, "kind": "pair"}])
    assert sink.checkpoint == {"rows_done": 100, "batches_done": 2}  # the retry resumes after batch 2
    assert sink.stop_point() == (
        "at batch 3 (rows 102-151 of the file)",
        "batches 1-2 (100 rows) are applied and stay applied",
    )
    message = dead_letter_message(9, sink, failed.value)
    assert message == (
        "Gave up after 9 failed attempts in a row at batch 3 (rows 102-151 of the file); batches 1-2 "
        "(100 rows) are applied and stay applied. Last error: customer.sync.api.apply_batch: Odoo did "
        "not answer within 3 s (ODOO_TIMEOUT). Retry runs the file again: the rows already applied come "
        "back as unchanged."
    )
    assert dead_letter_params(9, sink, failed.value) == {
        "failures": 9,
        "batch": 3,
        "first_row": 102,
        "last_row": 151,
        "batches_done": 2,
        "rows_done": 100,
        "error": "customer.sync.api.apply_batch: Odoo did not answer within 3 s (ODOO_TIMEOUT)",
    }
    assert RunSink(odoo, 7).stop_point() == ("before the first batch", "nothing was applied")  # type: ignore[arg-type]
    assert RunSink(odoo, 7).stop_params()["batch"] is None  # type: ignore[arg-type]


def test_a_checkpoint_given_to_a_report_that_fails_still_counts_as_applied() -> None:
    from sync_worker.errors import RetriableError
    from sync_worker.odoo_client.runner import RunSink

    class Gone(_Odoo):
        def report_progress(self, run_id: int, rows_read: int, **kwargs: object) -> dict:
            raise RetriableError("customer.sync.api.report_progress: Odoo is unreachable (ConnectionError)")

    sink = RunSink(Gone(), 7)  # type: ignore[arg-type]
    sink.apply_batch(1, _rows(2, 51))
    with pytest.raises(RetriableError):
        sink.report_progress(50, checkpoint={"rows_done": 50, "batches_done": 1})
    assert sink.checkpoint == {"rows_done": 50, "batches_done": 1}  # Odoo answered batch 1: applied
    assert sink.stop_point()[0] == "after batch 1"


def test_run_messages_go_to_odoo_with_their_code_and_values_only_when_there_is_a_code() -> None:
    import json

    from sync_worker.contract import FinishRunRequest, ReportProgressRequest, problems
    from sync_worker.odoo_client.sync_api import SyncApi

    class Client:
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict]] = []

        def call(self, model: str, method: str, **kwargs: object) -> dict:
            self.calls.append((method, json.loads(json.dumps(kwargs))))
            return {"state": "running", "cancel_requested": False}

    client = Client()
    api = SyncApi(client)  # type: ignore[arg-type]
    api.finish_run(7, "failed", message="plain")  # what an older addon understands
    params = {"batches_done": 2, "rows_done": 100}
    api.finish_run(7, "done", message="Resumed …", message_code="run.resumed", message_params=params)
    api.report_progress(7, 10, message="reading", message_code="run.reading")
    (_m1, plain), (_m2, coded), (_m3, progress) = client.calls
    assert "message_code" not in plain and "message_params" not in plain
    assert (coded["message_code"], coded["message_params"]) == ("run.resumed", params)
    assert (progress["message_code"], progress["message_params"]) == ("run.reading", {})
    assert problems(coded, FinishRunRequest) == [] and problems(progress, ReportProgressRequest) == []


def test_a_refused_file_finishes_the_run_with_its_code_and_values(tmp_path: Path) -> None:
    from sync_worker.odoo_client.runner import RunSink, execute_run

    class Odoo(_Odoo):
        def __init__(self) -> None:
            super().__init__()
            self.finished: list[dict] = []

        def propose_mapping(self, headers: list[str], source: object = None) -> dict:
            return {"mapping": {}, "unmapped": headers}

        def finish_run(self, run_id: int, state: str, **kwargs: object) -> dict:
            self.finished.append({"state": state, **kwargs})
            return {"state": state}

    path = tmp_path / "list.csv"
    path.write_text("Turnover,Staff\n1,2\n", encoding="utf-8")
    odoo = Odoo()
    run = {"run_id": 7, "source": {"id": 3}, "file": {"name": "list.csv"}, "checkpoint": {}}
    result = execute_run(odoo, run, path, Settings.from_env({}), sink=RunSink(odoo, 7))  # type: ignore[arg-type]
    assert result.state == "failed" and result.message_code == "file.no_name_column"
    (finished,) = odoo.finished
    assert finished["message_code"] == "file.no_name_column"
    assert finished["message_params"] == {"columns": "Turnover, Staff"}
    assert finished["message"].startswith("No column of the file is mapped")
