"""A live Odoo with the addon and a real Celery worker, shared by the end-to-end tests.

``sync_server`` installs the addon (no demo data) in a throw-away database, serves it over HTTP,
and hands over the admin's JSON-2 client and the integration user's credentials;
``celery_worker`` runs the worker with beat embedded as its own process, as the integration user.
Both stop what they started and drop what they created, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync_worker.config import Settings
from sync_worker.odoo_client import Json2Client
from tests import harness


@dataclass
class SyncOdoo:
    server: harness.LiveOdoo
    admin: Json2Client
    worker_key: str
    worker_password: str
    workdir: Path


@contextlib.contextmanager
def sync_server(install: harness.OdooInstall, workdir: Path) -> Iterator[SyncOdoo]:
    """The addon installed (no demo data) in a throw-away database, served over HTTP."""
    db = harness.new_db_name()
    log = workdir / "install.log"
    installing = harness.OdooProcess(
        harness.odoo_command(
            install,
            db,
            f"--init={harness.ADDON}",
            "--stop-after-init",
            http_port=harness.free_port(),
            data_dir=workdir / "data",
        ),
        log,
    )
    try:
        code = installing.wait(timeout=3600)
        installing.stop()
        if code != 0:
            pytest.fail(f"installing {harness.ADDON} failed (exit {code}); see {log}", pytrace=False)
        with harness.live_server(install, db, workdir=workdir) as server:
            data = workdir / "data"
            admin_key = harness.create_api_key(install, db, data_dir=data)
            worker_key = harness.create_api_key(install, db, data_dir=data, login=harness.INTEGRATION_LOGIN)
            admin = Json2Client(
                Settings.from_env({"ODOO_URL": server.url, "ODOO_DB": db, "ODOO_API_KEY": admin_key})
            )
            # odoorpc logs in through /web/session/authenticate, which takes a password
            password = secrets.token_urlsafe(16)
            users = admin.call("res.users", "search", domain=[("login", "=", harness.INTEGRATION_LOGIN)])
            assert users, f"the addon's install data did not create {harness.INTEGRATION_LOGIN}"
            admin.call("res.users", "write", ids=users, vals={"password": password})
            yield SyncOdoo(server, admin, worker_key, password, workdir)
    finally:
        installing.stop()
        harness.drop_database(db)


def worker_env(odoo: SyncOdoo, transport: str, **more: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ODOO_URL": odoo.server.url,
        "ODOO_DB": odoo.server.db,
        "ODOO_LOGIN": harness.INTEGRATION_LOGIN,
        "ODOO_TRANSPORT": transport,
        "CUSTOMER_SYNC_CACHE_DIR": str(odoo.workdir / f"cache-{transport}"),
        "CUSTOMER_SYNC_CHECK_INTERVAL": "0",
        **more,
    }
    env.pop("ODOO_API_KEY_FILE", None)
    env.pop("ODOO_PASSWORD_FILE", None)
    if transport == "json2":
        env["ODOO_API_KEY"] = odoo.worker_key
        env.pop("ODOO_PASSWORD", None)
    else:
        env["ODOO_PASSWORD"] = odoo.worker_password
        env.pop("ODOO_API_KEY", None)
    return env


@contextlib.contextmanager
def celery_worker(odoo: SyncOdoo, transport: str, broker_url: str, redis_url: str) -> Iterator[Path]:
    """A real worker process with beat embedded, on its own queue; yields its log file."""
    queue = f"e2e-{uuid.uuid4().hex[:8]}"
    env = worker_env(
        odoo,
        transport,
        CUSTOMER_SYNC_BROKER_URL=broker_url,
        CUSTOMER_SYNC_RESULT_BACKEND=redis_url,
        CUSTOMER_SYNC_QUEUE=queue,
    )
    with worker_process(env, odoo.workdir, queue) as log:
        yield log


@contextlib.contextmanager
def worker_process(env: dict[str, str], workdir: Path, queue: str) -> Iterator[Path]:
    """``celery worker --beat`` with ``env`` (its queue named ``queue``), started and waited for
    until it is ready; stopped with its children when the block ends. Yields its log file."""
    log = workdir / f"worker-{queue}.log"
    command = harness.celery_command(
        "worker",
        "--beat",
        f"--schedule={workdir / f'beat-{queue}'}",
        "--pool=solo",
        "--loglevel=INFO",
        f"--hostname={queue}@localhost",
    )
    process = harness.OdooProcess(command, log, env=env)
    try:
        try:
            harness.wait_for_log(process, b"ready.")
        except harness.HarnessError as exc:
            pytest.fail(f"the worker did not start: {exc}", pytrace=False)
        yield log
    finally:
        process.stop(grace=30)
