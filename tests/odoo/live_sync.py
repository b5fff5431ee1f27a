"""A live Odoo with the addon and a real Celery worker, shared by the end-to-end tests.

``sync_server`` installs the addon (no demo data) in a throw-away database, serves it over HTTP,
and hands over the admin's JSON-2 client and the integration user's credentials;
``celery_worker`` runs the worker with beat embedded as its own process, as the integration user.
Both stop what they started and drop what they created, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync_worker.config import Settings
from sync_worker.odoo_client import Json2Client
from tests import harness

ROOT = Path(__file__).resolve().parents[2]


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
            worker_key = integration_api_key(install, db, data)
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


def integration_api_key(install: harness.OdooInstall, db: str, data_dir: Path) -> str:
    """A persistent API key of the integration user, made through ``odoo-bin shell``.

    ``harness.create_api_key`` generates as the user itself, which Odoo 19 allows without an
    expiration date only to administrators; ``sudo()`` keeps the user and lifts that check,
    as an administrator's provisioning script does."""
    script = (
        f"user = env['res.users'].search([('login', '=', {harness.INTEGRATION_LOGIN!r})], limit=1)\n"
        "key = env['res.users.apikeys'].with_user(user).sudo()._generate('rpc', 'customer-sync e2e', None)\n"
        "env.cr.commit()\n"
        "print('APIKEY=' + key)\n"
    )
    cmd = [
        sys.executable,
        str(install.odoo_bin),
        "shell",
        f"--addons-path={install.addons_path}",
        f"--data-dir={data_dir}",
        f"--db_host={harness.PG_HOST}",
        f"--db_port={harness.PG_PORT}",
        f"--db_user={harness.DB_ROLE}",
        f"--database={db}",
        "--no-http",
        "--log-level=warn",
    ]
    done = subprocess.run(
        cmd, input=script, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    found = re.search(r"^APIKEY=([0-9a-f]+)$", done.stdout, re.MULTILINE)
    if not found:
        pytest.fail(f"no API key for {harness.INTEGRATION_LOGIN}: {done.stderr[-2000:]}", pytrace=False)
    return found[1]


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
    log = odoo.workdir / f"worker-{queue}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sync_worker.celery_app",
                "worker",
                "--beat",
                f"--schedule={odoo.workdir / f'beat-{queue}'}",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname={queue}@localhost",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the worker did not start: {log.read_text(errors='replace')[-3000:]}", pytrace=False
                )
            time.sleep(0.2)
        yield log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
