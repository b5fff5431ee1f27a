"""An upload from the Odoo UI runs to "done": a tour in a real browser, a live Odoo, a real worker.

The admin logs in on the login page of a live Odoo 19 (its own process, the addon installed
without demo data) in headless Chromium, and the tour ``customer_sync_upload_tour``
(addon_customer_info/static/tests/tours/) does what a person does: opens the source from the
Sync menu, uploads a GBK list with a title row, checks the detected encoding, delimiter, header
row and proposed mapping, maps the one unknown column, starts the import, and watches the run
form until it shows "Done" — the form refreshes itself, nobody reloads the page. A real Celery
worker (Redis broker, beat embedded) claims the run over the contract. Afterwards the test
checks over the API what the run did: exactly the expected created / linked / rejected rows and
the partners behind them.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness
from tests.odoo.browser import BrowserError, chromium, find_chromium
from tests.odoo.live_sync import SyncOdoo, celery_worker, sync_server

ROOT = Path(__file__).resolve().parents[2]
TOUR = "customer_sync_upload_tour"
SOURCE = "Tour Leads East China"
LIST = ROOT / "addon_customer_info" / "static" / "tests" / "data" / "customer_sync_tour_leads.csv"
# the list's first row has this partner's USCC under a slightly different name
EXISTING = {"name": "杭州市云帆软件有限公司", "is_company": True, "vat": "91330106529423126E", "city": "杭州"}
CREATED = {
    "杭州青禾物流有限公司": {"mobile": "13957112345", "email": "info@qinghe-wl.cn", "note": "展会名片"},
    "苏州蓝湾电子有限公司": {"mobile": "13862054321", "email": "sales@lanwan-dz.cn", "note": None},
}
REJECTED = "上海错码贸易有限公司"  # its USCC fails the checksum
EXPECTED = {"created": 2, "linked": 1, "review": 0, "rejected": 1, "unchanged": 0}
TOUR_TIMEOUT = 240.0  # seconds for the whole tour; the worker has 60 s to claim the run, 60 s to finish it
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def sync_odoo(
    odoo_install: harness.OdooInstall, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncOdoo]:
    if find_chromium() is None:
        message = "chromium is missing: run scripts/setup (it installs Debian's chromium)"
        if CI:
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    with sync_server(odoo_install, tmp_path_factory.mktemp("upload-tour")) as odoo:
        yield odoo


def many2one_id(value: object) -> int | None:
    if isinstance(value, list | tuple):
        return int(value[0])
    return int(value) if value else None


def test_an_upload_from_the_odoo_ui_runs_to_done(sync_odoo: SyncOdoo, redis_url: str, tmp_path: Path) -> None:
    admin = sync_odoo.admin
    server = sync_odoo.server
    source_id = admin.call(
        "customer.sync.source",
        "create",
        vals_list=[
            {
                "name": SOURCE,
                "type": "purchased_list",
                "vendor": "East China Data",
                "purchase_ref": "PO-TOUR-1",
                "legal_basis": "legitimate_interest",
            }
        ],
    )[0]
    existing_id = admin.call("res.partner", "create", vals_list=[EXISTING])[0]
    # Odoo's onboarding tours start by themselves for an admin of a database without demo data
    admin_ids = admin.call("res.users", "search", domain=[("login", "=", server.login)])
    admin.call("res.users", "write", ids=admin_ids, vals={"tour_enabled": False})
    content = LIST.read_bytes()

    with celery_worker(sync_odoo, "json2", redis_url, redis_url) as worker_log, chromium(tmp_path) as browser:
        browser.login(server.url, server.login, server.password)
        began = time.monotonic()
        failure = None
        try:
            seconds = browser.run_tour(server.url, TOUR, timeout=TOUR_TIMEOUT)
        except BrowserError as error:
            shot = browser.screenshot(tmp_path / "tour-failed.png")
            runs = admin.call(
                "customer.sync.run", "search_read", domain=[("source_id", "=", source_id)], fields=["state"]
            )
            failure = (
                f"{error}\n\nruns of the source: {runs}\nscreenshot: {shot}\n"
                f"worker log ({worker_log}):\n{worker_log.read_text(errors='replace')[-4000:]}"
            )
    if failure:
        pytest.fail(failure, pytrace=False)
    print(
        f"\n[upload tour] the tour ran in {seconds:.1f} s ({time.monotonic() - began:.1f} s with the login)"
    )

    runs = admin.call(
        "customer.sync.run",
        "search_read",
        domain=[("source_id", "=", source_id)],
        fields=[
            "state",
            "trigger",
            "started_by",
            "rows_read",
            "created_count",
            "linked_count",
            "review_count",
            "rejected_count",
            "unchanged_count",
            "attachment_id",
            "queued_at",
            "started_at",
            "finished_at",
        ],
    )
    assert len(runs) == 1, runs
    run = runs[0]
    print(
        f"[upload tour] run queued {run['queued_at']}, started {run['started_at']}, done {run['finished_at']}"
    )
    assert (run["state"], run["trigger"]) == ("done", "button"), run
    assert many2one_id(run["started_by"]) == admin_ids[0]
    assert run["rows_read"] == 4, run
    assert {name: run[f"{name}_count"] for name in EXPECTED} == EXPECTED, run
    attachment = admin.call(
        "ir.attachment",
        "read",
        ids=[many2one_id(run["attachment_id"])],
        fields=["datas", "res_model", "res_id"],
    )[0]
    assert base64.b64decode(attachment["datas"]) == content, "the run kept the file as uploaded"
    assert (attachment["res_model"], attachment["res_id"]) == ("customer.sync.run", run["id"])

    rows = admin.call(
        "customer.sync.run.row",
        "search_read",
        domain=[("run_id", "=", run["id"])],
        fields=["row_number", "outcome", "partner_id", "reason_code", "value"],
        order="row_number",
    )
    outcomes = [(row["outcome"], many2one_id(row["partner_id"])) for row in rows]
    assert outcomes[0] == ("linked", existing_id), rows  # same USCC, name written differently
    assert [outcome for outcome, _partner in outcomes] == ["linked", "created", "created", "rejected"], rows
    assert "uscc" in (rows[3]["reason_code"] or ""), rows[3]

    found = admin.call(
        "res.partner",
        "search_read",
        domain=[("name", "in", [*CREATED, REJECTED])],
        fields=["name", "is_company", "phone", "email", "comment"],
    )
    by_name = {partner["name"]: partner for partner in found}
    assert set(by_name) == set(CREATED), found  # no partner for the rejected row
    for name, expected in CREATED.items():
        partner = by_name[name]
        assert partner["is_company"], partner
        assert partner["email"] == expected["email"], partner
        # Odoo 19 contacts have one phone field: the list's mobile goes there
        assert re.sub(r"\D", "", partner["phone"] or "").endswith(expected["mobile"]), partner
        if expected["note"]:
            assert expected["note"] in (partner["comment"] or ""), "the column the admin mapped in the wizard"
    assert {many2one_id(row["partner_id"]) for row in rows if row["outcome"] == "created"} == {
        by_name[name]["id"] for name in CREATED
    }
