"""A real Celery worker, started as its own process, on a real broker (Redis and RabbitMQ)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from sync_worker.celery_app import make_app
from sync_worker.config import Settings
from tests import harness


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request) -> str:
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return request.getfixturevalue("amqp_url")


@pytest.fixture
def worker(broker_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Celery, str]]:
    """A worker process on its own queue; the test talks to it through a client app."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CUSTOMER_SYNC_BROKER_URL": broker_url,
        "CUSTOMER_SYNC_RESULT_BACKEND": redis_url,
        "CUSTOMER_SYNC_QUEUE": queue,
        "ODOO_URL": "http://127.0.0.1:9",  # nothing listens there: Odoo is "down"
        "ODOO_API_KEY": "not-a-real-key",
    }
    process = harness.OdooProcess(
        harness.celery_command("worker", "--pool=solo", "--loglevel=INFO", f"--hostname={queue}@localhost"),
        tmp_path / "worker.log",
        env=env,
    )
    client = make_app(Settings.from_env(env))
    try:
        yield client, queue
    finally:
        process.stop(grace=30)
        client.close()


def test_worker_runs_a_task_from_the_broker(worker: tuple[Celery, str]) -> None:
    client, queue = worker
    result = client.send_task("customer_sync.ping", queue=queue)
    answer = result.get(timeout=90)
    assert answer["pong"] is True
    assert answer["hostname"]


def test_odoo_down_is_reported_not_raised(worker: tuple[Celery, str]) -> None:
    client, queue = worker
    answer = client.send_task("customer_sync.check_odoo", queue=queue).get(timeout=90)
    assert answer["ok"] is False
    assert "unreachable" in answer["error"]
    assert "not-a-real-key" not in answer["error"]
