"""``customer-sync``: the sync worker's command line."""

from __future__ import annotations

import os
import sys

import click

from sync_worker.config import ENV_VARS, Settings
from sync_worker.errors import ConfigError, SyncWorkerError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.version_option(package_name="customer-sync-worker")
def main() -> None:
    """Sync worker for addon_customer_info: configure with environment variables (see `config`)."""


@main.command()
def config() -> None:
    """Show the effective configuration (secrets masked) and every variable it reads."""
    settings = _settings()
    click.echo(repr(settings))
    click.echo("")
    for name, (default, meaning) in ENV_VARS.items():
        state = "set" if name in os.environ else f"default {default!r}" if default else "unset"
        click.echo(f"{name:32} {state:34} {meaning}")


@main.command()
def check() -> None:
    """Check that the broker and Odoo are reachable and the addon is installed."""
    from kombu import Connection

    from sync_worker.config import redact_url
    from sync_worker.odoo_client import make_client

    settings = _settings()
    failed = False
    try:
        with Connection(settings.broker_url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
        click.echo(f"broker  ok      {redact_url(settings.broker_url)}")
    except Exception as exc:
        failed = True
        click.echo(f"broker  FAILED  {redact_url(settings.broker_url)}: {exc.__class__.__name__}: {exc}")
    try:
        health = make_client(settings).check()
        status = "ok    " if health.ok else "FAILED"
        failed |= not health.ok
        click.echo(
            f"odoo    {status}  {settings.odoo_url} (Odoo {health.server_version}, database "
            f"{health.database}, addon_customer_info {health.addon_state}, transport "
            f"{settings.odoo_transport})"
        )
    except SyncWorkerError as exc:
        failed = True
        click.echo(f"odoo    FAILED  {settings.odoo_url}: {exc}")
    if failed:
        sys.exit(1)


def _celery(command: str, *args: str) -> None:
    settings = _settings()  # fail with a readable message before Celery starts
    args = (command, f"--loglevel={settings.log_level}", *args)
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", "sync_worker.celery_app", *args])  # noqa: S606


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Run the Celery worker (extra arguments go to `celery worker`)."""
    _celery("worker", *celery_args)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(celery_args: tuple[str, ...]) -> None:
    """Run Celery beat, the scheduler (extra arguments go to `celery beat`)."""
    _celery("beat", *celery_args)


if __name__ == "__main__":
    main()
