"""Test tiers, and the fixtures that give tests real services.

Tiers are pytest markers, given by folder: ``tests/unit`` (no service; also every test
outside the tier folders), ``tests/services`` (PostgreSQL, Redis, RabbitMQ on localhost) and
``tests/odoo`` (a live Odoo 19). ``pytest -m unit`` runs one tier.

A missing service skips the tests that need it, with one line saying what is missing and how
to provide it. With ``CI=true`` a missing Odoo, PostgreSQL or Redis fails those tests instead:
CI must prove the product against the real thing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import harness

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
REQUIRED_IN_CI = frozenset({"PostgreSQL", "Redis", "Odoo"})
REDIS_URL = os.environ.get("CUSTOMER_SYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("CUSTOMER_SYNC_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
TIERS = ("unit", "services", "odoo")


@dataclass(frozen=True)
class Probe:
    name: str
    ok: bool
    detail: str
    how: str

    def line(self) -> str:
        if self.ok:
            return f"{self.name}: {self.detail}"
        return f"{self.name} is missing ({self.detail}); {self.how}"


@functools.cache
def probe(name: str) -> Probe:
    """Is the service there? Asked once per session."""
    if name == "PostgreSQL":
        how = (
            f"start PostgreSQL on {harness.PG_HOST}:{harness.PG_PORT} with trust auth (or set PGHOST/PGPORT)"
        )
        try:
            role = harness.ensure_role()
        except Exception as exc:  # any failure means: not usable
            return Probe(name, False, str(exc).splitlines()[0], how)
        return Probe(name, True, f"{harness.PG_HOST}:{harness.PG_PORT} as role {role}", how)
    if name == "Redis":
        how = "start redis-server on localhost:6379 (or set CUSTOMER_SYNC_TEST_REDIS_URL)"
        try:
            import redis

            redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3).ping()
        except Exception as exc:
            return Probe(name, False, f"{exc.__class__.__name__}: {exc}", how)
        return Probe(name, True, REDIS_URL, how)
    if name == "RabbitMQ":
        how = "start rabbitmq-server on localhost:5672 (or set CUSTOMER_SYNC_TEST_AMQP_URL)"
        try:
            from kombu import Connection

            with Connection(AMQP_URL, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:
            return Probe(name, False, f"{exc.__class__.__name__}: {exc}", how)
        return Probe(name, True, "localhost:5672", how)
    if name == "Odoo":
        how = "run scripts/setup, or set ODOO_PATH to an Odoo 19.0 Community checkout"
        try:
            install = harness.find_odoo()
        except harness.OdooNotFound as exc:
            return Probe(name, False, str(exc), how)
        return Probe(name, True, install.describe(), how)
    raise ValueError(name)


def require(name: str) -> None:
    result = probe(name)
    if result.ok:
        return
    if CI and name in REQUIRED_IN_CI:
        pytest.fail(f"CI=true and {result.line()}", pytrace=False)
    pytest.skip(result.line())


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"tiers: {', '.join(TIERS)}; CI={'true' if CI else 'false'}"]
    lines += [f"  {probe(name).line()}" for name in ("PostgreSQL", "Redis", "RabbitMQ", "Odoo")]
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        try:
            tier = Path(item.path).relative_to(root).parts[0]
        except ValueError:
            tier = "unit"
        item.add_marker(getattr(pytest.mark, tier if tier in TIERS else "unit"))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One line per tier: how many of its tests passed, failed, were skipped."""
    counts = {tier: {"passed": 0, "failed": 0, "skipped": 0} for tier in TIERS}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome not in ("skipped", "error"):
                continue
            tier = next((t for t in TIERS if t in getattr(report, "keywords", {})), "unit")
            counts[tier]["failed" if outcome == "error" else outcome] += 1
    terminalreporter.write_sep("-", "tiers")
    for tier, numbers in counts.items():
        terminalreporter.write_line(
            f"tier {tier:9} passed {numbers['passed']:4}   failed {numbers['failed']:3}   skipped {numbers['skipped']:3}"
        )


def pytest_sessionstart(session: pytest.Session) -> None:
    if probe("PostgreSQL").ok:
        harness.sweep_stale_databases()


# ---------------------------------------------------------------------------
# Service fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> str:
    """Our database role (created when missing)."""
    require("PostgreSQL")
    return harness.DB_ROLE


@pytest.fixture(scope="session")
def redis_url() -> str:
    require("Redis")
    return REDIS_URL


@pytest.fixture(scope="session")
def amqp_url() -> str:
    require("RabbitMQ")
    return AMQP_URL


@pytest.fixture(scope="session")
def odoo_install(postgres: str) -> harness.OdooInstall:
    require("Odoo")
    return harness.find_odoo()


@pytest.fixture(scope="session")
def odoo_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("odoo")


@pytest.fixture(scope="session")
def addon_suite_with_demo(
    odoo_install: harness.OdooInstall, odoo_workdir: Path
) -> Iterator[harness.AddonTestRun]:
    """The addon installed with demo data in a throw-away database, its Odoo tests run.

    The database is kept for the session (live-server tests use it) and dropped at the end.
    """
    run = harness.run_addon_tests(odoo_install, demo=True, workdir=odoo_workdir, keep_db=True)
    try:
        yield run
    finally:
        harness.drop_database(run.db)


@pytest.fixture(scope="session")
def odoo_server(
    odoo_install: harness.OdooInstall,
    addon_suite_with_demo: harness.AddonTestRun,
    odoo_workdir: Path,
) -> Iterator[harness.LiveOdoo]:
    """A live Odoo HTTP server on a free port over the demo database."""
    db = addon_suite_with_demo.db
    state = harness.query(db, "SELECT state FROM ir_module_module WHERE name = %s", (harness.ADDON,))
    if not state or state[0][0] != "installed":
        pytest.fail(
            f"{harness.ADDON} is not installed in {db}: {addon_suite_with_demo.report()}", pytrace=False
        )
    with harness.live_server(odoo_install, db, workdir=odoo_workdir, demo=True) as server:
        yield server


@pytest.fixture(scope="session")
def odoo_api_key(odoo_install: harness.OdooInstall, odoo_server: harness.LiveOdoo, odoo_workdir: Path) -> str:
    """An API key of the admin user of the live server's database (JSON-2 transport)."""
    return harness.create_api_key(odoo_install, odoo_server.db, data_dir=odoo_workdir / "data")
