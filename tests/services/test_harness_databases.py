"""The harness against the real PostgreSQL: throw-away databases leave nothing behind."""

from __future__ import annotations

import subprocess
import sys

from psycopg2 import sql

from tests import harness


def _create(name: str) -> None:
    conn = harness._connect(harness.DB_ROLE)
    try:
        with conn.cursor() as cr:
            cr.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def test_role_is_ours_and_not_superuser(postgres: str) -> None:
    assert postgres != "postgres"
    rows = harness.query(
        "postgres", "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = %s", (postgres,)
    )
    assert rows == [(False, True)]


def test_drop_database_removes_it_even_with_open_connections(postgres: str) -> None:
    name = harness.new_db_name()
    _create(name)
    holder = harness._connect(harness.DB_ROLE, name)  # a connection still open on it
    try:
        assert harness.database_exists(name)
        harness.drop_database(name)
        assert not harness.database_exists(name)
    finally:
        holder.close()


def test_sweep_drops_databases_of_dead_sessions_only(postgres: str) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = f"{harness.DB_PREFIX}_{int(dead.stdout)}_abc123"
    live = harness.new_db_name()
    _create(stale)
    _create(live)
    try:
        dropped = harness.sweep_stale_databases()
        assert stale in dropped
        assert not harness.database_exists(stale)
        assert harness.database_exists(live)
    finally:
        harness.drop_database(stale)
        harness.drop_database(live)
