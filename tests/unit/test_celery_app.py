from __future__ import annotations

from sync_worker.celery_app import make_app
from sync_worker.config import Settings


def test_reliability_settings_are_on() -> None:
    app = make_app(Settings.from_env({}))
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_default_queue == "customer_sync"


def test_beat_schedules_the_health_check_unless_disabled() -> None:
    schedule = make_app(Settings.from_env({"CUSTOMER_SYNC_CHECK_INTERVAL": "120"})).conf.beat_schedule
    assert schedule["check-odoo"]["task"] == "customer_sync.check_odoo"
    assert schedule["check-odoo"]["schedule"] == 120.0
    assert make_app(Settings.from_env({"CUSTOMER_SYNC_CHECK_INTERVAL": "0"})).conf.beat_schedule == {}
