"""The product's scheduled jobs run when Odoo is served the way ``scripts/run`` serves it.

The addon's reminders, consent-link clean-up and audit retention are ``ir.cron`` jobs; tests run
Odoo without cron threads, so only a served instance shows that they really fire.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests import harness

JOBS = (
    "ir_cron_important_date_remind",
    "ir_cron_consent_token_gc",
    "ir_cron_audit_log_purge",
)


def _job_ids(db: str) -> dict[str, int]:
    rows = harness.query(
        db,
        "SELECT name, res_id FROM ir_model_data WHERE module = %s AND model = 'ir.cron' AND name = ANY(%s)",
        (harness.ADDON, list(JOBS)),
    )
    return dict(rows)


def test_jobs_due_now_run_within_a_minute_of_the_served_odoo(
    odoo_install: harness.OdooInstall,
    addon_suite_with_demo: harness.AddonTestRun,
    odoo_workdir: Path,
) -> None:
    db = addon_suite_with_demo.db
    jobs = _job_ids(db)
    assert set(jobs) == set(JOBS), f"the addon's scheduled jobs are missing: {set(JOBS) - set(jobs)}"
    names = {job_id: name for name, job_id in jobs.items()}
    # every job due now and never run; active, as the addon installs them
    harness.query(
        db,
        "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute', lastcall = NULL "
        "WHERE id = ANY(%s) RETURNING id",
        (list(jobs.values()),),
    )
    inactive = harness.query(
        db, "SELECT id FROM ir_cron WHERE id = ANY(%s) AND NOT active", (list(jobs.values()),)
    )
    assert not inactive, f"scheduled jobs installed inactive: {inactive}"
    port = harness.free_port()
    process = harness.OdooProcess(
        harness.served_command(odoo_install, db, http_port=port, data_dir=odoo_workdir / "data"),
        odoo_workdir / f"{db}-served-{port}.log",
    )
    try:
        harness.wait_for_http(f"http://127.0.0.1:{port}/web/login", process, timeout=300)
        served = time.monotonic()
        ran: dict[str, float] = {}
        # Odoo's cron threads poll every 60 s (plus their number); allow for a loaded machine
        while len(ran) < len(jobs) and time.monotonic() - served < 150:
            done = harness.query(
                db,
                "SELECT id FROM ir_cron WHERE id = ANY(%s) AND lastcall IS NOT NULL",
                (list(jobs.values()),),
            )
            for (job_id,) in done:
                ran.setdefault(names[job_id], time.monotonic() - served)
            time.sleep(1)
        log = process.log_path.read_text(errors="replace")
    finally:
        process.stop()
    missing = set(jobs) - set(ran)
    if missing:
        pytest.fail(
            f"scheduled jobs that did not run: {sorted(missing)}; log tail:\n{log[-3000:]}", pytrace=False
        )
    print({name: f"{seconds:.0f} s after Odoo answered" for name, seconds in sorted(ran.items())})
    assert max(ran.values()) < 90, f"a due job waited longer than one cron poll (60 s): {ran}"
    for name in ("important date reminders", "clean up old consent links", "audit log retention"):
        assert f"Job 'Customer Information: {name}'" in log, (
            f"Odoo's log does not show the job {name!r} starting"
        )
