"""``customer-sync``: the sync worker's command line."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _api(settings: Settings) -> Any:
    from sync_worker.odoo_client import SyncApi, make_client

    try:
        api = SyncApi(make_client(settings))
        api.ensure_version()
    except SyncWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    return api


def _estimate_rows(path: Path) -> int | None:
    """Lines of a text file (about its rows) for the progress bar; None for a spreadsheet."""
    with path.open("rb") as handle:
        if handle.read(4).startswith(b"PK"):
            return None
        handle.seek(0)
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")), 1)


class _Bar:
    """One click progress bar per phase (reading, applying)."""

    def __init__(self, reading_length: int | None):
        self.reading_length = reading_length
        self.phase: str | None = None
        self.bar: Any = None
        self.done = 0

    def _switch(self, phase: str, total: int | None) -> None:
        self.close()
        self.phase, self.done = phase, 0
        label = {"read": "reading ", "apply": "applying"}[phase]
        self.bar = click.progressbar(length=total or 0, label=label, show_pos=True, file=sys.stderr)
        self.bar.__enter__()

    def __call__(self, phase: str, rows: int, total: int | None) -> None:
        if phase != self.phase:
            self._switch(phase, self.reading_length if phase == "read" else total)
        self.bar.update(max(rows - self.done, 0))
        self.done = max(rows, self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _count_rows(rows: Iterator[Any], progress: _Bar, every: int = 500) -> Iterator[Any]:
    for number, row in enumerate(rows, start=1):
        if number % every == 0:
            progress("read", number, None)
        yield row


OUTCOMES = ("created", "linked", "review", "rejected", "unchanged")


def _print_summary(title: str, counts: dict[str, Any], extra: list[tuple[str, Any]]) -> None:
    click.echo(title)
    width = max(len(name) for name in (*OUTCOMES, *(k for k, _v in extra)))
    for name in OUTCOMES:
        if name in counts:
            click.echo(f"  {name:<{width}}  {counts[name]:>8}")
    for name, value in extra:
        click.echo(f"  {name:<{width}}  {value:>8}")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source", required=True, help="Name (or id) of the source in Odoo.")
@click.option("--dry-run", is_flag=True, help="Show what would be created, linked, reviewed, rejected.")
@click.option("--show", default=20, show_default=True, help="Rows of a dry run's preview to print.")
def import_(file: Path, source: str, dry_run: bool, show: int) -> None:
    """Import FILE (CSV or XLSX) into Odoo for SOURCE, with the source's column mapping."""
    from sync_worker.odoo_client.runner import execute_run, index_cache, start_import
    from sync_worker.pipeline import RunOptions
    from sync_worker.pipeline import run as run_pipeline
    from sync_worker.sources.files import open_table

    settings = _settings()
    api = _api(settings)
    source_id: str | int = int(source) if source.isdigit() else source
    try:
        info, rows = open_table(file)
        proposal = api.propose_mapping(list(info.headers), source=source_id)
    except SyncWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    mapped = {column: target for column, target in proposal["mapping"].items() if target}
    click.echo(f"{file.name}: {info.format}, {info.encoding or ''} {info.delimiter or ''}".rstrip())
    click.echo("mapping: " + ", ".join(f"{c} -> {t}" for c, t in mapped.items()))
    if proposal.get("unmapped"):
        click.echo("not imported: " + ", ".join(proposal["unmapped"]))
    progress = _Bar(_estimate_rows(file))
    try:
        if dry_run:
            options = RunOptions(mapping=mapped, default_region=settings.default_region, dry_run=True)
            result = run_pipeline(_count_rows(rows, progress), index_cache(api, settings), None, options)
            progress.close()
            _print_summary(
                f"dry run of {file.name} for {source}: nothing was written",
                result.counts,
                [
                    ("rows read", result.rows_read),
                    ("in-file pairs to review", result.counts["file_pairs_review"]),
                ],
            )
            for number, action, text in [p for p in result.preview if p[1] != "new"][:show]:
                click.echo(f"  row {number:>6}  {action:<8}  {text}")
            return
        run = start_import(api, file, source_id, "cli", worker=f"cli:{os.getpid()}")
        click.echo(f"run {run['name']} (id {run['run_id']})")
        result = execute_run(api, run, file, settings, progress=progress)
    except SyncWorkerError as exc:
        progress.close()
        if not dry_run and "run" in locals():
            with contextlib.suppress(SyncWorkerError):
                # with its code, so that Odoo shows the failure in the reader's language
                api.finish_run(
                    run["run_id"],
                    "failed",
                    message=str(exc)[:2000],
                    message_code="run.error",
                    message_params={"error": str(exc)[:2000]},
                )
        raise click.ClickException(str(exc)) from exc
    progress.close()
    summary = result.summary or {}
    counts = summary.get("counts") or result.counts
    _print_summary(
        f"run {summary.get('name', run['name'])}: {summary.get('state', result.state)}",
        counts,
        [("rows read", summary.get("rows_read", result.rows_read))],
    )
    if result.message:
        click.echo(result.message)
    if result.state != "done":
        sys.exit(1)


@main.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--source", default=None, help="Only the runs of this source (name or id).")
def runs(limit: int, source: str | None) -> None:
    """The latest sync runs in Odoo, newest first."""
    settings = _settings()
    api = _api(settings)
    try:
        found = api.list_runs(limit=limit, source=int(source) if source and source.isdigit() else source)
    except SyncWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    header = f"{'run':<16} {'source':<24} {'state':<10} {'trigger':<8} {'rows':>7} " + " ".join(
        f"{name:>9}" for name in OUTCOMES
    )
    click.echo(header)
    for item in found:
        counts = item.get("counts") or {}
        click.echo(
            f"{item['name']:<16} {str(item.get('source', ''))[:24]:<24} {item['state']:<10} "
            f"{item.get('trigger', '')!s:<8} {item.get('rows_read', 0):>7} "
            + " ".join(f"{counts.get(name, 0):>9}" for name in OUTCOMES)
        )
    if not found:
        click.echo("no runs yet")


@main.command()
@click.option("--refresh", is_flag=True, help="Pull the partners changed since the cursor first.")
def index(refresh: bool) -> None:
    """The cached match index of Odoo's partners: size, cursor, records."""
    from sync_worker.odoo_client.runner import index_cache

    settings = _settings()
    if refresh:
        cache = index_cache(_api(settings), settings)
        try:
            cache.refresh()
        except SyncWorkerError as exc:
            raise click.ClickException(str(exc)) from exc
        report = cache.last_refresh
        if report:
            kind = "full pull" if report.full else "incremental"
            click.echo(
                f"refreshed ({kind}): {report.pages} page(s), {report.upserted} upserted, "
                f"{report.removed} removed, {report.seconds:.1f} s"
            )
    else:
        from sync_worker.index_cache import IndexCache, cache_folder

        cache = IndexCache(cache_folder(settings.cache_dir, settings.odoo_url, settings.odoo_db), _NoSource())
    info = cache.info()
    cursor = info["cursor"] or {}
    click.echo(f"folder      {info['folder']}")
    click.echo(f"records     {info['records']}")
    click.echo(f"size        {info['bytes'] / 2**20:.1f} MiB")
    click.echo(f"cursor      {cursor.get('write_date', '-')} (id {cursor.get('id', '-')})")
    click.echo(f"updated at  {info['updated_at'] or 'never'}")


class _NoSource:
    def read_index(self, cursor: Any = None, limit: int = 0) -> Any:
        raise click.ClickException("give --refresh to pull from Odoo")


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
