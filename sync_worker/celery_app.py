"""The Celery application of the sync worker.

Reliability settings follow the "nothing lost" rule: a task message is acknowledged only
after the task ran (``acks_late``), is given back to the broker when a worker dies mid-task
(``reject_on_worker_lost``), and a worker reserves one message at a time. Tasks must
therefore be idempotent: a re-delivered message changes nothing the first run did not.
"""

from __future__ import annotations

from celery import Celery

from sync_worker.config import Settings


def make_app(settings: Settings) -> Celery:
    app = Celery(
        "customer_sync",
        broker=settings.broker_url,
        backend=settings.result_backend,
        include=["sync_worker.tasks"],
    )
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=settings.queue,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=10,
        result_expires=3600,
        worker_hijack_root_logger=True,
        worker_log_color=False,
    )
    schedule = {}
    if settings.check_interval:
        schedule["check-odoo"] = {
            "task": "customer_sync.check_odoo",
            "schedule": float(settings.check_interval),
            "options": {"expires": float(settings.check_interval)},
        }
    app.conf.beat_schedule = schedule
    return app


settings = Settings.from_env()
app = make_app(settings)
