"""The Celery application of the sync worker.

Reliability settings follow the "nothing lost" rule: a task message is acknowledged only
after the task ran (``acks_late``), is given back to the broker when a worker dies mid-task
(``reject_on_worker_lost``), and a worker reserves one message at a time. Tasks must
therefore be idempotent: a re-delivered message changes nothing the first run did not. The
broker's visibility timeout (Redis) is longer than the task time limit, so a long run is not
handed to a second worker while the first still works on it.

Beat schedules: ``customer_sync.claim_runs`` every 3 s (runs queued in Odoo),
``customer_sync.scheduled`` every 60 s (sources due), ``customer_sync.check_odoo`` every
``CUSTOMER_SYNC_CHECK_INTERVAL`` seconds. Each entry expires after its own interval, so a
busy worker does not pile them up.
"""

from __future__ import annotations

from celery import Celery

from sync_worker.config import Settings

#: beat: how often the worker asks Odoo for a queued run (a click in Odoo starts within seconds)
CLAIM_EVERY = 3.0
#: beat: how often scheduled sources are looked at (due_sources; inbox folders)
SCHEDULE_EVERY = 60.0
#: the longest a task may run: a run of the largest file the reader accepts
TASK_TIME_LIMIT = 3 * 3600
#: Redis gives an unacknowledged message to another worker after this long; longer than any
#: task, or a long run would be started a second time while the first still works on it
VISIBILITY_TIMEOUT = TASK_TIME_LIMIT + 3600


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
        task_time_limit=TASK_TIME_LIMIT,
        task_soft_time_limit=TASK_TIME_LIMIT - 120,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    )
    schedule: dict[str, dict[str, object]] = {
        "claim-runs": {
            "task": "customer_sync.claim_runs",
            "schedule": CLAIM_EVERY,
            "options": {"expires": CLAIM_EVERY},
        },
        "scheduled-sources": {
            "task": "customer_sync.scheduled",
            "schedule": SCHEDULE_EVERY,
            "options": {"expires": SCHEDULE_EVERY},
        },
    }
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
