"""End to end: a GBK purchased list through a live Odoo 19 and a real Celery worker.

One Odoo database with the addon (no demo data) serves the whole module. Each combination of
transport (JSON-2, odoorpc) and broker (Redis, RabbitMQ) gets its own source and its own
companies, so the combinations do not see each other's partners:

1. the admin creates three partners through the API, then uploads the list with the upload
   wizard (a queued run with its file attached, as the button does); the worker, started as its
   own process with beat embedded, must start the run within 10 s, and the run must end with
   exactly the expected created / linked / review / rejected counts;
2. ``customer-sync import`` of the same file: every row unchanged or rejected again, no
   partner created, no partner's ``write_date`` moved;
3. ``customer-sync import --dry-run`` writes nothing and predicts the second run.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.identifiers import make_uscc, mistype
from sync_worker.odoo_client import Json2Client
from tests import harness
from tests.odoo.live_sync import SyncOdoo, celery_worker, sync_server, worker_env

ROOT = Path(__file__).resolve().parents[2]
HEADERS = ["公司名称", "统一社会信用代码", "手机", "邮箱", "城市"]
MAPPING = {"公司名称": "name", "统一社会信用代码": "uscc", "手机": "mobile", "邮箱": "email", "城市": "city"}
CITIES = ["深圳市", "上海市", "北京市", "成都市", "广州市", "杭州市", "武汉市", "南京市", "西安市"]
INDUSTRIES = ["科技", "贸易", "物流", "软件", "食品", "电子", "机械", "建材", "咨询"]
BRANDS = (
    "腾达 明远 星河 天府 华信 博远 瑞丰 恒通 金桥 宏图 远航 嘉禾 新锐 东岳 海纳 德润 长青 银川 "
    "锦程 正泰 安捷 振华 鼎盛 卓越 佳美 凯旋 光耀 和泰 永兴 广源 信达 益民 兴业 盛世 华美 云帆"
).split()
START_WITHIN = 10.0  # seconds from the click to a running run
EXPECTED = {"created": 5, "linked": 4, "review": 1, "rejected": 3, "unchanged": 0}
AGAIN = {"created": 0, "linked": 0, "review": 0, "rejected": 3, "unchanged": 10}
COMBINATIONS = [("json2", "redis"), ("odoorpc", "redis"), ("json2", "rabbitmq"), ("odoorpc", "rabbitmq")]


@pytest.fixture(scope="module")
def sync_odoo(
    odoo_install: harness.OdooInstall, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncOdoo]:
    """The addon installed (no demo data) in a throw-away database, served over HTTP."""
    with sync_server(odoo_install, tmp_path_factory.mktemp("sync-e2e")) as odoo:
        yield odoo


# -- the list --------------------------------------------------------------------------------


@dataclass
class Company:
    name: str
    uscc: str
    mobile: str
    email: str
    city: str


def companies(combination: int) -> list[Company]:
    rng = random.Random(1000 + combination)
    out = []
    for i in range(9):
        brand = BRANDS[combination * 9 + i]
        out.append(
            Company(
                name=f"{CITIES[i]}{brand}{INDUSTRIES[i]}有限公司",
                uscc=make_uscc(rng, "91", f"{440300 + 100 * i + combination}"),
                mobile=f"13{combination}{i}{rng.randrange(10**7):07d}",
                email=f"sales{combination}{i}@example{combination}{i}.cn",
                city=CITIES[i].removesuffix("市"),
            )
        )
    return out


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def gbk_list(c: list[Company], combination: int) -> bytes:
    """13 rows: 3 near-duplicates of existing partners, 5 new companies, one in-file duplicate,
    one row whose identifiers belong to two different partners, 3 bad rows."""
    rng = random.Random(2000 + combination)
    rows = [
        # near-duplicates of the three partners created first
        [c[0].name.replace(INDUSTRIES[0], "科枝"), c[0].uscc, "", "", c[0].city],  # typo, same USCC
        [c[1].name, "", "", c[1].email.upper(), c[1].city],  # same e-mail, other case
        [c[2].name.removeprefix(CITIES[2]), full_width(c[2].uscc), "", "", ""],  # full-width USCC
        # five new companies
        *[[x.name, x.uscc, x.mobile, x.email, x.city] for x in c[3:8]],
        # the first of them again, as a company limited by shares, another mobile
        [c[3].name.replace("有限公司", "股份有限公司"), c[3].uscc, f"139{rng.randrange(10**8):08d}", "", ""],
        # the USCC of one partner and the e-mail of another: a person must decide
        [c[8].name, c[0].uscc, "", c[1].email, c[8].city],
        # bad rows
        ["广州市坏账清算有限公司", mistype(rng, c[8].uscc), "", "", "广州"],  # USCC checksum
        ["杭州市错邮网络有限公司", "", "", "sales@@example.cn", "杭州"],  # e-mail
        ["", "", "13800138000", "", ""],  # neither a name nor an identifier
    ]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("gbk")


# -- Odoo, as the admin ------------------------------------------------------------------------


def create_source(admin: Json2Client, name: str) -> int:
    lines = [(0, 0, {"header": header, "field": target}) for header, target in MAPPING.items()]
    ids = admin.call(
        "customer.sync.source",
        "create",
        vals_list=[
            {
                "name": name,
                "type": "purchased_list",
                "vendor": "ACME Data",
                "purchase_ref": f"PO-{name}",
                "legal_basis": "legitimate_interest",
                "mapping_line_ids": lines,
            }
        ],
    )
    return int(ids[0])


def create_partners(admin: Json2Client, c: list[Company]) -> list[int]:
    vals = [
        {"name": c[0].name, "is_company": True, "vat": c[0].uscc, "city": c[0].city},
        {"name": c[1].name, "is_company": True, "email": c[1].email, "phone": "+86 21 6888 1234"},
        {"name": c[2].name, "is_company": True, "vat": c[2].uscc},
    ]
    return [int(i) for i in admin.call("res.partner", "create", vals_list=vals)]


RUN_FIELDS = [
    "name",
    "state",
    "trigger",
    "queued_at",
    "started_at",
    "rows_read",
    "created_count",
    "linked_count",
    "review_count",
    "rejected_count",
    "unchanged_count",
    "message",
]


def runs_of(admin: Json2Client, source_id: int) -> list[dict[str, Any]]:
    return admin.call(
        "customer.sync.run",
        "search_read",
        domain=[("source_id", "=", source_id)],
        fields=RUN_FIELDS,
        order="id",
    )


def counts(run: dict[str, Any]) -> dict[str, int]:
    return {name: run[f"{name}_count"] for name in ("created", "linked", "review", "rejected", "unchanged")}


def partners(admin: Json2Client) -> dict[int, str]:
    rows = admin.call(
        "res.partner",
        "search_read",
        domain=[("active", "in", [True, False])],
        fields=["write_date"],
    )
    return {row["id"]: row["write_date"] for row in rows}


def upload_with_the_wizard(admin: Json2Client, source_id: int, data: bytes, filename: str) -> None:
    wizard = admin.call(
        "customer.sync.upload",
        "create",
        vals_list=[{"source_id": source_id, "file": base64.b64encode(data).decode(), "file_name": filename}],
    )
    admin.call("customer.sync.upload", "action_analyse", ids=wizard)
    admin.call("customer.sync.upload", "action_start", ids=wizard)


def wait_for(admin: Json2Client, source_id: int, states: set[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = runs_of(admin, source_id)
        if found and found[-1]["state"] in states:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no run reached {states} within {timeout:.0f} s: {found[-1:] or 'no run'}")
        time.sleep(0.2)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync_worker.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# -- the test ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("transport", "broker"), COMBINATIONS, ids=[f"{t}-{b}" for t, b in COMBINATIONS])
def test_a_gbk_purchased_list_end_to_end(
    sync_odoo: SyncOdoo, transport: str, broker: str, redis_url: str, request: pytest.FixtureRequest
) -> None:
    broker_url = redis_url if broker == "redis" else request.getfixturevalue("amqp_url")
    combination = COMBINATIONS.index((transport, broker))
    admin = sync_odoo.admin
    c = companies(combination)
    source_name = f"Leads {transport} {broker}"
    source_id = create_source(admin, source_name)
    existing = create_partners(admin, c)
    data = gbk_list(c, combination)
    path = sync_odoo.workdir / f"leads-{combination}.csv"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK
    before = partners(admin)

    # 1. the upload wizard queues a run; the worker starts it within seconds and finishes it
    with celery_worker(sync_odoo, transport, broker_url, redis_url) as log:
        clicked = time.monotonic()
        upload_with_the_wizard(admin, source_id, data, path.name)
        running = wait_for(admin, source_id, {"running", "done", "failed", "cancelled"}, timeout=60)
        latency = time.monotonic() - clicked
        assert latency < START_WITHIN, f"the worker started the run {latency:.1f} s after the click"
        print(f"\n[{transport}-{broker}] run started {latency:.2f} s after the click")
        run = wait_for(admin, source_id, {"done", "failed", "cancelled"}, timeout=600)
        assert run["state"] == "done", f"{run}\n{log.read_text(errors='replace')[-5000:]}"
    assert running["trigger"] == "button"
    assert run["rows_read"] == 13
    assert counts(run) == EXPECTED, run
    after_first = partners(admin)
    assert len(after_first) == len(before) + EXPECTED["created"]  # the in-file duplicate made none
    linked = admin.call(
        "customer.sync.run.row",
        "search_read",
        domain=[("run_id.source_id", "=", source_id), ("outcome", "=", "linked")],
        fields=["partner_id"],
    )
    linked_ids = {
        row["partner_id"][0] if isinstance(row["partner_id"], list) else row["partner_id"] for row in linked
    }
    assert set(existing) <= linked_ids  # each near-duplicate went to its partner

    # 2. the same list again, through the CLI: nothing changes
    env = worker_env(sync_odoo, transport, CUSTOMER_SYNC_BROKER_URL=broker_url)
    preview = cli(env, "import", str(path), "--source", source_name, "--dry-run")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "nothing was written" in preview.stdout
    assert len(runs_of(admin, source_id)) == 1  # a dry run from the CLI creates no run
    again = cli(env, "import", str(path), "--source", source_name)
    assert again.returncode == 0, again.stdout + again.stderr
    second = runs_of(admin, source_id)[-1]
    assert second["trigger"] == "cli" and second["state"] == "done"
    assert counts(second) == AGAIN, second
    print(f"[{transport}-{broker}] first run {counts(run)}, second run {counts(second)}")
    assert partners(admin) == after_first  # no partner created, none written

    listed = cli(env, "runs", "--source", source_name)
    assert listed.returncode == 0, listed.stderr
    assert run["name"] in listed.stdout and second["name"] in listed.stdout
    shown = cli(env, "index")
    assert shown.returncode == 0 and "records" in shown.stdout


def test_a_file_dropped_in_an_inbox_is_imported_on_schedule(sync_odoo: SyncOdoo, redis_url: str) -> None:
    """A scheduled purchased list with an inbox folder: beat's ``customer_sync.scheduled`` imports
    the file unattended (trigger "schedule") and moves it to ``imported/``."""
    admin = sync_odoo.admin
    inbox = sync_odoo.workdir / "inbox"
    inbox.mkdir()
    source_id = create_source(admin, "Leads inbox")
    admin.call(
        "customer.sync.source",
        "write",
        ids=[source_id],
        vals={"schedule_unit": "minutes", "schedule_interval": 1, "inbox": str(inbox)},
    )
    rng = random.Random(77)
    rows = [
        [f"{city}{brand}{industry}有限公司", make_uscc(rng, "91", "510100"), "", "", city.removesuffix("市")]
        for city, brand, industry in zip(CITIES[:3], ["翠微", "青禾", "蓝湾"], INDUSTRIES[:3], strict=True)
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HEADERS, *rows])
    dropped = inbox / "leads-inbox.csv"
    dropped.write_bytes(text.getvalue().encode("gbk"))
    settled = time.time() - 60
    os.utime(dropped, (settled, settled))
    with celery_worker(sync_odoo, "json2", redis_url, redis_url) as log:
        # beat's first "scheduled" tick comes within its 60 s interval
        run = wait_for(admin, source_id, {"done", "failed", "cancelled"}, timeout=240)
        assert run["state"] == "done", f"{run}\n{log.read_text(errors='replace')[-5000:]}"
    assert run["trigger"] == "schedule"
    assert counts(run) == {"created": 3, "linked": 0, "review": 0, "rejected": 0, "unchanged": 0}
    assert not dropped.exists()
    assert (inbox / "imported" / dropped.name).read_bytes() == text.getvalue().encode("gbk")
    assert len(runs_of(admin, source_id)) == 1
