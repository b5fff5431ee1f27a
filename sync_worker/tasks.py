"""Thin Celery tasks: ids and keys in, the work done by the pipeline and the Odoo client."""

from __future__ import annotations

import logging
import socket
from dataclasses import asdict
from typing import Any

from sync_worker import __version__
from sync_worker.celery_app import app, settings
from sync_worker.errors import FatalError, RetriableError
from sync_worker.odoo_client import make_client

_logger = logging.getLogger(__name__)


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
