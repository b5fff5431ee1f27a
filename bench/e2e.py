"""The end-to-end import benchmark: ``python -m bench.e2e``.

One purchased list (:mod:`bench.datagen`, one file with duplicates inside it:
Chinese and Western companies and contact persons, 15 % of the rows describing an entity
an earlier row already described) is imported into a live Odoo 19, in one run of this
command, twice over:

(a) **Odoo's own import**, as its Import screen does it: ``res.partner.load(fields, rows)``
    over JSON-2 in batches of 2,000 rows (the screen's default ``limit``), one transaction
    per batch, with ``import_file`` and ``tracking_disable`` in the context as the screen
    sets them, the columns mapped to partner fields as a person would map them
    (:data:`ODOO_IMPORT_MAPPING`). ``base_import`` itself is not installed (the addon
    depends on ``contacts`` and ``mail`` only); it would call the same ``load``.
(b) **the worker**: ``customer-sync import FILE --source NAME``, the product's command, in a
    process of its own, against Odoo over JSON-2 as the integration user.
(c) **the worker again**, on the same file in the same database: a re-run must change
    nothing.

Each engine gets its own database, a copy (``CREATE DATABASE … TEMPLATE``, filestore
copied) of one database into which the addon was installed without demo data, so both
start from the same state; the Odoo server is the harness's (``tests/harness.py``: one
``odoo-bin``, ``--workers=0``), and every database is dropped at the end, also on failure.

Figures: rows/s (rows of the file ÷ wall-clock seconds of the whole import, the worker's
process start, index pull and build included); **duplicate partners left**: partners beyond
the first of each labelled entity (the generator knows which rows describe one company or
person), with the opposite error (**wrong merges**: partners holding rows of more than
one entity) beside it; the worker's peak memory (the RSS high-water mark, ``ru_maxrss``,
of the worker's own process, from ``wait4``); the index pull-and-build time the worker
reports in its run's figures (``stats.index.seconds``), and beside it a cold build of the
index of every partner into an empty cache (``customer-sync index --refresh``); for the
second run its time as a share of the first, the partners whose ``write_date`` changed, and
the rows it created, wrote or deleted in any table of the database outside the run's own
bookkeeping (:data:`RUN_BOOKKEEPING`: the run, its batches and rows, its file and chatter).
The 1-minute load average is recorded with every figure (the table's last column): the
machine may be shared.

The targets (issue 11): the worker at least 2× Odoo's rows/s with 0 duplicate partners; the
second run at most 5 % of the first run's time with 0 writes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.datagen import RAW_FIELDS

DEFAULT_ROWS = 50_000
DUPLICATE_SHARE = 0.15
IMPORT_BATCH = 2_000  # the Import screen's default batch ('limit' option of base_import)
SOURCE_NAME = "Benchmark purchased list"

#: How the list's columns are mapped on Odoo's Import screen: column -> partner field
#: (``None``: left unmapped, and why). Two columns mapped to one Char field are joined with
#: a space, as ``base_import`` does (``_handle_multi_mapping``).
ODOO_IMPORT_MAPPING: dict[str, str | None] = {
    "key": None,  # the vendor's row id: no partner field holds it
    "kind": "is_company",  # 'company' / 'person' written as 1 / 0, the one cell edit the screen needs
    "name": "name",
    "company": "company_name",  # a person's employer, as text (no Many2one lookup that could fail)
    "uscc": "company_registry",
    "vat": "vat",
    "lei": None,  # no LEI field on a partner
    "phone": "phone",
    "mobile": "phone",  # Odoo 19's partner has no mobile field: joined onto phone
    "email": "email",
    # Many2one columns resolve by exact name or code; the list writes countries as 'CN',
    # 'China', '中国', 'PRC' … and provinces in Chinese: one unresolved value fails its whole
    # batch of 2,000 rows, so a person leaves these columns out (or cleans them first).
    "country": None,
    "state": None,
    "city": "city",
    "district": "street2",
    "street": "street",
    "address": "street",  # one-string addresses, in rows that have no street column value
    "zip": "zip",
}

#: The worker's mapping of the same columns (the source's saved mapping): column -> observation key.
WORKER_MAPPING: dict[str, str] = {column: column for column in RAW_FIELDS} | {"key": "external_key"}


def _progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the file ------------------------------------------------------------------------------------


def write_list(path: Path, rows: int, seed: int) -> list[int]:
    """Write the purchased list as UTF-8 CSV; return the true entity of every row (the labels,
    which never go into the file)."""
    from bench import datagen

    rates = datagen.Rates(file_duplicate_share=DUPLICATE_SHARE)
    entities: list[int] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, RAW_FIELDS)
        writer.writeheader()
        for record in datagen.file_records(rows, seed, rates):
            writer.writerow(record.raw)
            entities.append(record.entity)
    return entities


def read_list(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def load_matrix(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    mapping: Mapping[str, str | None] = ODOO_IMPORT_MAPPING,
) -> tuple[list[str], list[list[str]]]:
    """The ``fields`` and ``data`` that ``res.partner.load`` gets for ``rows`` under ``mapping``.

    Columns mapped to the same field are joined with a space (empty cells left out), in the
    order of the header; ``is_company`` gets 1 for 'company' and 0 otherwise.
    """
    fields: list[str] = []
    sources: dict[str, list[int]] = {}
    for position, column in enumerate(header):
        target = mapping.get(column)
        if target is None:
            continue
        if target not in sources:
            fields.append(target)
            sources[target] = []
        sources[target].append(position)
    data = []
    for row in rows:
        out = []
        for target in fields:
            cells = [row[i].strip() for i in sources[target] if i < len(row) and row[i].strip()]
            value = " ".join(cells)
            if target == "is_company":
                value = "1" if value.lower() == "company" else "0"
            out.append(value)
        data.append(out)
    return fields, data


# -- what an import leaves behind, against the labels ------------------------------------------


@dataclass(frozen=True)
class DuplicateCount:
    rows: int
    entities: int  # distinct true entities among the rows
    partners: int  # distinct partners the rows ended in
    duplicate_partners: int  # partners beyond the first of each entity (target: 0)
    split_entities: int  # entities that ended in more than one partner
    wrong_merges: int  # entities beyond the first in each partner (rows of different entities merged)
    rows_without_partner: int  # rejected, queued for review, or failed
    entities_without_partner: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def count_duplicates(row_entity: Sequence[int], row_partner: Sequence[int | None]) -> DuplicateCount:
    """Duplicate partners an import left: row ``i`` describes ``row_entity[i]`` and ended in
    partner ``row_partner[i]`` (``None``: in no partner)."""
    if len(row_entity) != len(row_partner):
        raise ValueError(f"{len(row_entity)} labels for {len(row_partner)} rows")
    partners_of: dict[int, set[int]] = {}
    entities_of: dict[int, set[int]] = {}
    without = 0
    for entity, partner in zip(row_entity, row_partner, strict=True):
        partners_of.setdefault(entity, set())
        if partner is None:
            without += 1
            continue
        partners_of[entity].add(partner)
        entities_of.setdefault(partner, set()).add(entity)
    return DuplicateCount(
        rows=len(row_entity),
        entities=len(partners_of),
        partners=len(entities_of),
        duplicate_partners=sum(max(0, len(p) - 1) for p in partners_of.values()),
        split_entities=sum(1 for p in partners_of.values() if len(p) > 1),
        wrong_merges=sum(len(e) - 1 for e in entities_of.values()),
        rows_without_partner=without,
        entities_without_partner=sum(1 for p in partners_of.values() if not p),
    )


_EMAIL_SPLIT = re.compile(r"[\s,;/]+")


def row_emails(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[frozenset[str]]:
    """The e-mail addresses of every row (the ``email`` column, split on separators, case and
    full-width folded), as the addon compares them."""
    position = list(header).index("email") if "email" in header else None
    out = []
    for row in rows:
        cell = unicodedata.normalize("NFKC", row[position]) if position is not None else ""
        out.append(frozenset(part.lower() for part in _EMAIL_SPLIT.split(cell) if "@" in part))
    return out


def merges_on_shared_email(
    row_entity: Sequence[int], row_partner: Sequence[int | None], emails: Sequence[frozenset[str]]
) -> int:
    """Of the wrong merges (:func:`count_duplicates`), those a shared e-mail address explains:
    in each partner, the entities joined to another entity of that partner by an address
    that rows of both carry (the addon treats an e-mail as a strong, unique identifier and
    links a row to the partner holding its address, whatever the matching engine decided)."""
    members: dict[int, dict[int, set[str]]] = {}  # partner -> entity -> addresses of its rows
    for entity, partner, addresses in zip(row_entity, row_partner, emails, strict=True):
        if partner is not None:
            members.setdefault(partner, {}).setdefault(entity, set()).update(addresses)
    explained = 0
    for entities in members.values():
        if len(entities) > 1:
            explained += len(entities) - _groups_by_address(entities)
    return explained


def _groups_by_address(entities: Mapping[int, set[str]]) -> int:
    """How many groups ``entities`` form when two sharing an address are one group."""
    parent = {entity: entity for entity in entities}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    holder: dict[str, int] = {}
    for entity, addresses in entities.items():
        for address in addresses:
            if address in holder:
                parent[find(entity)] = find(holder[address])
            else:
                holder[address] = entity
    return len({find(entity) for entity in entities})


# -- the report ------------------------------------------------------------------------------


def rate(rows: int, seconds: float | None) -> float | None:
    return round(rows / seconds, 1) if seconds else None


def ratios(results: Mapping[str, Mapping[str, Any]]) -> dict[str, float | None]:
    """Worker rows/s ÷ Odoo's, and the second run's time as a percentage of the first."""
    odoo, first, second = (results.get(k) or {} for k in ("odoo_load", "worker", "worker_rerun"))
    speed = None
    if odoo.get("rows_per_second") and first.get("rows_per_second"):
        speed = round(first["rows_per_second"] / odoo["rows_per_second"], 2)
    rerun = None
    if first.get("seconds") and second.get("seconds") is not None:
        rerun = round(100 * second["seconds"] / first["seconds"], 1)
    plain = (results.get("odoo_load_plain") or {}).get("rows_per_second")
    plain_speed = (
        round(first["rows_per_second"] / plain, 2) if plain and first.get("rows_per_second") else None
    )
    return {
        "worker_vs_odoo_speed": speed,
        "worker_vs_plain_odoo_speed": plain_speed,
        "second_run_percent": rerun,
    }


def targets(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The issue's targets, each met, missed or not measured, with the figures that decide it."""
    measured = ratios(results)
    odoo, first, second = (results.get(k) or {} for k in ("odoo_load", "worker", "worker_rerun"))
    lines = []
    speed = measured["worker_vs_odoo_speed"]
    if speed is None:
        lines.append("worker rows/s >= 2x Odoo's import: not measured")
    else:
        lines.append(
            f"worker rows/s >= 2x Odoo's import: {first['rows_per_second']:,.0f} vs "
            f"{odoo['rows_per_second']:,.0f} rows/s = {speed:.2f}x -> {_met(speed >= 2)}"
        )
    plain = results.get("odoo_load_plain") or {}
    if measured.get("worker_vs_plain_odoo_speed") is not None:
        lines.append(
            f"  (for reference: Odoo's import without the addon {plain['rows_per_second']:,.0f} rows/s; "
            f"the worker {measured['worker_vs_plain_odoo_speed']:.2f}x that)"
        )
    duplicates = (first.get("duplicates") or {}).get("duplicate_partners")
    if duplicates is None:
        lines.append("worker leaves 0 duplicate partners: not measured")
    else:
        theirs = (odoo.get("duplicates") or {}).get("duplicate_partners")
        beside = f" (Odoo's import: {theirs:,})" if theirs is not None else ""
        lines.append(f"worker leaves 0 duplicate partners: {duplicates:,}{beside} -> {_met(duplicates == 0)}")
    percent = measured["second_run_percent"]
    if percent is None:
        lines.append("second run <= 5 % of the first run's time: not measured")
    else:
        lines.append(
            f"second run <= 5 % of the first run's time: {second['seconds']:.1f} s of "
            f"{first['seconds']:.1f} s = {percent:.1f} % -> {_met(percent <= 5)}"
        )
    writes = second.get("partners_written")
    if writes is None:
        lines.append("second run writes nothing: not measured")
    else:
        created = second.get("partners_created", 0)
        data = second.get("data_rows_written")
        beside = "" if data is None else f", {data:,} data rows created or written in any table"
        lines.append(
            f"second run writes nothing: {writes:,} partners written, {created:,} created{beside} -> "
            f"{_met(writes == 0 and created == 0 and not data)}"
        )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _fmt(value: Any, spec: str = ",") -> str:
    return "-" if value is None else format(value, spec)


ENGINE_LABELS = {
    "odoo_load": "Odoo import (load)",
    "odoo_load_plain": "Odoo import (load), no addon",
    "worker": "worker, 1st run",
    "worker_rerun": "worker, 2nd run",
    "index_cold": "worker index, cold build",
}


def table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """The results as a Markdown table (also what the command prints)."""
    head = (
        "| engine | rows | seconds | rows/s | partners | duplicate partners | split entities "
        "| wrong merges | of them on a shared e-mail | rows without partner | partners written "
        "| data rows written | peak RSS MiB "
        "| index build s | load 1 min |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for key, label in ENGINE_LABELS.items():
        r = results.get(key)
        if r is None:
            continue
        if r.get("status") != "ok":
            lines.append(f"| {label} | {r.get('status', 'not run')} |" + " |" * 13)
            continue
        if key == "index_cold":
            lines.append(
                f"| {label} | - | {_fmt(r.get('wall_seconds'), '.1f')} | - | {_fmt(r.get('partners'))} "
                f"| - | - | - | - | - | - | - | {_fmt(r.get('peak_rss_mb'), ',.0f')} "
                f"| {_fmt(r.get('seconds'), '.2f')} | {_fmt(r.get('load_average_1min'), '.2f')} |"
            )
            continue
        d = r.get("duplicates") or {}
        lines.append(
            f"| {label} | {_fmt(r.get('rows'))} | {_fmt(r.get('seconds'), '.1f')} "
            f"| {_fmt(r.get('rows_per_second'), ',.0f')} | {_fmt(d.get('partners'))} "
            f"| {_fmt(d.get('duplicate_partners'))} | {_fmt(d.get('split_entities'))} "
            f"| {_fmt(d.get('wrong_merges'))} | {_fmt(r.get('wrong_merges_on_shared_email'))} "
            f"| {_fmt(d.get('rows_without_partner'))} "
            f"| {_fmt(r.get('partners_written'))} | {_fmt(r.get('data_rows_written'))} "
            f"| {_fmt(r.get('peak_rss_mb'), ',.0f')} | {_fmt(r.get('index_build_seconds'), '.2f')} "
            f"| {_fmt(r.get('load_average_1min'), '.2f')} |"
        )
    return "\n".join(lines)


# -- the live Odoo ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    name: str
    url: str
    admin_key: str
    worker_key: str | None


def _client(url: str, db: str, key: str, timeout: float = 1800) -> Any:
    from sync_worker.config import Settings
    from sync_worker.odoo_client import Json2Client

    settings = Settings.from_env(
        {"ODOO_URL": url, "ODOO_DB": db, "ODOO_API_KEY": key, "ODOO_TIMEOUT": str(timeout)}
    )
    return Json2Client(settings)


WORKER_LOGIN = "customer_sync_worker"


@dataclass(frozen=True)
class Databases:
    """Fresh databases of ours, one per engine, and how to serve them."""

    install: Any  # tests.harness.OdooInstall
    workdir: Path
    names: dict[str, str]  # engine -> database
    admin_keys: dict[str, str]  # engine -> API key of admin (who sits at the Import screen)
    worker_key: str | None  # API key of the integration user, when install data made one

    @contextlib.contextmanager
    def serve(self, engine: str) -> Iterator[Database]:
        """The harness's live Odoo over the engine's database, until the block ends."""
        from tests import harness

        name = self.names[engine]
        with harness.live_server(self.install, name, workdir=self.workdir) as server:
            yield Database(name, server.url, self.admin_keys[engine], self.worker_key)


#: engines whose database has Odoo's contacts and mail only, not the addon
PLAIN_ENGINES = frozenset({"odoo_load_plain"})


@contextlib.contextmanager
def odoo_databases(engines: Sequence[str], workdir: Path) -> Iterator[Databases]:
    """One database per engine, each a copy of one fresh install without demo data (of the
    addon; for :data:`PLAIN_ENGINES` of ``contacts`` and ``mail`` only), so that engines on the
    same install start equal; all of them dropped at the end, also on failure."""
    from tests import harness

    install = harness.find_odoo()
    harness.ensure_role()
    data_dir = workdir / "data"
    created: list[str] = []
    try:
        templates: dict[bool, tuple[str, str]] = {}  # plain? -> (template, admin key)
        for plain in sorted({engine in PLAIN_ENGINES for engine in engines}):
            modules = "contacts,mail" if plain else harness.ADDON
            template = harness.new_db_name()
            created.append(template)
            _install(harness, install, template, modules, workdir)
            templates[plain] = (template, harness.create_api_key(install, template, data_dir=data_dir))
        worker_key = None
        if False in templates:
            template = templates[False][0]
            if harness.query(template, "SELECT 1 FROM res_users WHERE login = %s", (WORKER_LOGIN,)):
                worker_key = harness.create_api_key(
                    install,
                    template,
                    data_dir=data_dir,
                    login=WORKER_LOGIN,
                    name="e2e benchmark",
                    expires_hours=12,
                )
        names, keys = {}, {}
        for engine in engines:
            template, keys[engine] = templates[engine in PLAIN_ENGINES]
            name = harness.new_db_name()
            created.append(name)
            _copy_database(harness, template, name, data_dir)
            names[engine] = name
        yield Databases(install, workdir, names, keys, worker_key)
    finally:
        for name in created:
            with contextlib.suppress(Exception):
                harness.drop_database(name)
            shutil.rmtree(data_dir / "filestore" / name, ignore_errors=True)


def _install(harness: Any, install: Any, db: str, modules: str, workdir: Path) -> None:
    _progress(f"installing {modules} without demo data into {db}")
    started = time.perf_counter()
    process = harness.OdooProcess(
        harness.odoo_command(
            install,
            db,
            f"--init={modules}",
            "--stop-after-init",
            http_port=harness.free_port(),
            data_dir=workdir / "data",
        ),
        workdir / f"{db}-install.log",
    )
    try:
        code = process.wait(timeout=3600)
    finally:
        process.stop()
    if code != 0:
        records = harness.parse_log(process.log_path.read_text(encoding="utf-8", errors="replace"))
        problems = "\n".join(f"  - {p}" for p in harness.log_problems(records)[:10])
        raise harness.HarnessError(f"installing {modules} failed (exit {code}):\n{problems}")
    _progress(f"installed in {time.perf_counter() - started:.0f} s")


def _copy_database(harness: Any, template: str, name: str, data_dir: Path) -> None:
    """``name`` as a copy of ``template``, as Odoo's database manager duplicates one."""
    from psycopg2 import sql

    conn = harness._connect(harness.DB_ROLE)
    try:
        with conn.cursor() as cr:
            cr.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    finally:
        conn.close()
    source = data_dir / "filestore" / template
    if source.is_dir():
        shutil.copytree(source, data_dir / "filestore" / name)


def _partner_dates(client: Any) -> dict[int, str]:
    rows = client.call(
        "res.partner",
        "search_read",
        domain=[],
        fields=["write_date"],
        context={"active_test": False},
    )
    return {row["id"]: row["write_date"] for row in rows}


#: Tables a run writes for its own bookkeeping, whatever its rows do: the run, its batches and
#: their stored answers, its unchanged checks (``check_unchanged``) and their stored answers, its
#: rows' outcomes (only those that are not "unchanged"), the file kept
#: as the run's attachment, the run's chatter (state tracking) and the audit log's entries about
#: those records (:data:`RUN_MODELS`). Every other table that a
#: second run of the same file creates or writes a row in counts as a write.
RUN_BOOKKEEPING = frozenset(
    {
        "customer_sync_run",
        "customer_sync_run_batch",
        "customer_sync_run_check",
        "customer_sync_run_row",
        "ir_attachment",
        "mail_message",
        "mail_tracking_value",
        "mail_followers",
        "mail_followers_mail_message_subtype_rel",
        "mail_notification",
        "bus_bus",
        "customer_audit_log[sync run records]",
    }
)

#: The audit log records the run's own records too (their creation): those entries are counted
#: apart from the audit of partners and the other data, under this name.
RUN_MODELS = ("customer.sync.run", "customer.sync.run.batch", "customer.sync.run.row")


def database_now(db_name: str) -> str:
    """The database's clock in UTC, as Odoo writes ``write_date`` (naive UTC timestamp)."""
    from tests import harness

    return str(harness.query(db_name, "SELECT (now() AT TIME ZONE 'UTC')::text")[0][0])


def table_footprint(db_name: str, since: str | None = None) -> dict[str, tuple[int, int]]:
    """``{table: (rows, rows with write_date >= since)}`` for every table of the database
    (the second figure 0 for tables without ``write_date`` or without ``since``)."""
    from psycopg2 import sql

    from tests import harness

    columns = harness.query(
        db_name,
        "SELECT c.relname, bool_or(a.attname = 'write_date') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.relkind = 'r' GROUP BY c.relname ORDER BY c.relname",
    )
    parts, names = [], []
    for table, has_write_date in columns:
        written = (
            sql.SQL("count(*) FILTER (WHERE write_date >= {})").format(sql.Literal(since))
            if has_write_date and since
            else sql.SQL("0")
        )
        if table == "customer_audit_log":
            runs = sql.SQL("model IN ({})").format(sql.SQL(", ").join(map(sql.Literal, RUN_MODELS)))
            for name, where in ((f"{table}[sync run records]", runs), (table, sql.SQL("NOT ") + runs)):
                parts.append(
                    sql.SQL("(SELECT ARRAY[count(*), {}] FROM {} WHERE {})").format(
                        written, sql.Identifier(table), where
                    )
                )
                names.append(name)
            continue
        parts.append(sql.SQL("(SELECT ARRAY[count(*), {}] FROM {})").format(written, sql.Identifier(table)))
        names.append(table)
    conn = harness._connect(harness.DB_ROLE, db_name)
    try:
        with conn.cursor() as cr:
            cr.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(parts))
            values = cr.fetchone()
    finally:
        conn.close()
    return {name: (int(v[0]), int(v[1])) for name, v in zip(names, values, strict=True)}


def footprint_changes(
    before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]]
) -> dict[str, dict[str, int]]:
    """Per table that changed between two :func:`table_footprint` calls (``after`` taken with
    ``since`` = the moment of ``before``): rows added (net; negative: deleted) and rows written
    since."""
    changes = {}
    for table, (rows, written) in after.items():
        added = rows - before.get(table, (0, 0))[0]
        if added or written:
            changes[table] = {"added": added, "written": written}
    return changes


def data_rows_written(changes: Mapping[str, Mapping[str, int]]) -> int:
    """Rows created, written or deleted outside the run's own bookkeeping
    (:data:`RUN_BOOKKEEPING`): a row both added and stamped counts once."""
    return sum(
        max(abs(change["added"]), change["written"])
        for table, change in changes.items()
        if table not in RUN_BOOKKEEPING
    )


# -- (a) Odoo's own import ------------------------------------------------------------------------


def run_odoo_load(
    db: Database, header: list[str], rows: list[list[str]], labels: list[int], batch: int
) -> dict[str, Any]:
    client = _client(db.url, db.name, db.admin_key)
    fields, data = load_matrix(header, rows)
    before = set(_partner_dates(client))
    row_partner: list[int | None] = []
    errors: list[str] = []
    failed_batches = 0
    _progress(f"Odoo import: {len(data):,} rows in batches of {batch:,}, fields {fields}")
    started = time.perf_counter()
    for start in range(0, len(data), batch):
        chunk = data[start : start + batch]
        answer = client.call(
            "res.partner",
            "load",
            fields=fields,
            data=chunk,
            context={"import_file": True, "tracking_disable": True},
        )
        ids = answer.get("ids")
        problems = [m for m in answer.get("messages", []) if m.get("type") == "error"]
        if not ids or len(ids) != len(chunk):
            failed_batches += 1
            row_partner.extend([None] * len(chunk))
        else:
            row_partner.extend(ids)
        errors.extend(str(m.get("message"))[:200] for m in problems[:3])
        if (start // batch) % 5 == 4:
            _progress(f"Odoo import: {start + len(chunk):,} rows")
    seconds = time.perf_counter() - started
    after = set(_partner_dates(client))
    return {
        "status": "ok",
        "rows": len(data),
        "seconds": round(seconds, 2),
        "rows_per_second": rate(len(data), seconds),
        "batch": batch,
        "fields": fields,
        "failed_batches": failed_batches,
        "errors": errors[:20],
        "partners_created": len(after - before),
        "duplicates": count_duplicates(labels, row_partner).as_dict(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# -- (b), (c) the worker ------------------------------------------------------------------------


def worker_available() -> str | None:
    """Why ``customer-sync import`` cannot run in this tree, or None when it can."""
    from sync_worker import cli

    if "import" not in getattr(cli.main, "commands", {}):
        return "customer-sync has no import command in this tree"
    return None


def create_source(client: Any) -> int:
    """The purchased-list source, configured as an admin would: vendor, legal basis, and the
    column mapping saved on it (so the CLI needs no guessing)."""
    lines = [(0, 0, {"header": column, "field": field}) for column, field in WORKER_MAPPING.items()]
    ids = client.call(
        "customer.sync.source",
        "create",
        vals_list=[
            {
                "name": SOURCE_NAME,
                "type": "purchased_list",
                "vendor": "Benchmark Data Ltd.",
                "purchase_ref": "BENCH-1",
                "legal_basis": "legitimate_interest",
                "mapping_line_ids": lines,
            }
        ],
    )
    return int(ids[0])


def run_worker_command(
    db: Database, arguments: Sequence[str], cache_dir: Path, log_path: Path
) -> tuple[float, float, int]:
    """``customer-sync ARGUMENTS`` in a process of its own: (wall seconds, peak RSS in MiB of
    that process (``ru_maxrss`` from ``wait4``), exit code)."""
    env = {
        **os.environ,
        "ODOO_URL": db.url,
        "ODOO_DB": db.name,
        "ODOO_API_KEY": db.worker_key or db.admin_key,
        "ODOO_TRANSPORT": "json2",
        "ODOO_TIMEOUT": "1800",
        "CUSTOMER_SYNC_CACHE_DIR": str(cache_dir),
    }
    env.pop("ODOO_API_KEY_FILE", None)
    command = [sys.executable, "-m", "sync_worker.cli", *arguments]
    with log_path.open("ab") as log:
        started = time.perf_counter()
        # our own interpreter and module; the arguments are a file we wrote and our source's name
        process = subprocess.Popen(  # noqa: S603
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, process.returncode


def _last_run(client: Any, source_id: int) -> dict[str, Any]:
    runs = client.call(
        "customer.sync.run",
        "search_read",
        domain=[("source_id", "=", source_id)],
        fields=[
            "name",
            "state",
            "rows_read",
            "created_count",
            "linked_count",
            "review_count",
            "rejected_count",
            "unchanged_count",
            "duration",
            "stats",
            "message",
        ],
        order="id desc",
        limit=1,
    )
    if not runs:
        raise RuntimeError("the worker left no run in Odoo")
    return dict(runs[0])


def _row_partners(client: Any, run_id: int, rows: int) -> tuple[list[int | None], dict[str, int]]:
    """The partner each row of the file ended in (by its external key ``R<n>``), and the
    rows' outcomes (rejections by reason code)."""
    found = client.call(
        "customer.sync.run.row",
        "search_read",
        domain=[("run_id", "=", run_id)],
        fields=["external_key", "outcome", "partner_id", "reason_code"],
    )
    partner: list[int | None] = [None] * rows
    outcomes: dict[str, int] = {}
    for row in found:
        outcome = row["outcome"] + (f":{row['reason_code']}" if row.get("reason_code") else "")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        key = (row.get("external_key") or "").partition("#")[0]
        if key.startswith("R") and key[1:].isdigit() and int(key[1:]) < rows and row["partner_id"]:
            value = row["partner_id"]
            partner[int(key[1:])] = int(value[0] if isinstance(value, list) else value)
    return partner, outcomes


def index_seconds(stats: Mapping[str, Any] | None) -> float | None:
    """The index pull and build time a run reports in its stats, wherever the worker put it."""
    if not stats:
        return None
    index = stats.get("index")
    if isinstance(index, Mapping) and isinstance(index.get("seconds"), int | float):
        return float(index["seconds"])
    timings = stats.get("timings")
    if isinstance(timings, Mapping) and isinstance(timings.get("index"), int | float):
        return float(timings["index"])
    return None


def _worker_pass(
    db: Database, client: Any, source_id: int, path: Path, workdir: Path, label: str
) -> dict[str, Any]:
    log_path = workdir / f"worker-{label}.log"
    _progress(f"worker ({label}): customer-sync import {path.name} --source {SOURCE_NAME!r}")
    arguments = ["import", str(path), "--source", SOURCE_NAME]
    seconds, peak, code = run_worker_command(db, arguments, workdir / "index-cache", log_path)
    tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
    if code != 0:
        return {"status": f"failed (exit {code})", "seconds": round(seconds, 2), "log_tail": tail}
    run = _last_run(client, source_id)
    _progress(f"worker ({label}): {seconds:.1f} s, run {run['name']} {run['state']}")
    return {
        "status": "ok" if run["state"] == "done" else f"run {run['state']}",
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_of": "the customer-sync process (ru_maxrss from wait4)",
        "run": {k: run[k] for k in run if k != "stats"},
        "run_stats": run.get("stats"),
        "index_build_seconds": index_seconds(run.get("stats")),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "output_tail": tail,
    }


def run_worker(db: Database, path: Path, labels: list[int], workdir: Path) -> dict[str, dict[str, Any]]:
    """(b) and (c): the same file through the worker twice, in the same database."""
    admin = _client(db.url, db.name, db.admin_key)
    source_id = create_source(admin)
    rows = len(labels)
    before = _partner_dates(admin)
    first = _worker_pass(db, admin, source_id, path, workdir, "first run")
    after_first = _partner_dates(admin)
    out: dict[str, dict[str, Any]] = {"worker": first}
    if first["status"] != "ok":
        return out
    first["rows"] = rows
    first["rows_per_second"] = rate(rows, first["seconds"])
    first["partners_created"] = len(set(after_first) - set(before))
    row_partner, outcomes = _row_partners(admin, first["run"]["id"], rows)
    first["outcomes"] = outcomes
    first["duplicates"] = count_duplicates(labels, row_partner).as_dict()
    header, file_rows = read_list(path)
    first["wrong_merges_on_shared_email"] = merges_on_shared_email(
        labels, row_partner, row_emails(header, file_rows)
    )
    since = database_now(db.name)
    footprint = table_footprint(db.name)
    second = _worker_pass(db, admin, source_id, path, workdir, "second run")
    out["worker_rerun"] = second
    if second["status"] != "ok":
        return out
    after_second = _partner_dates(admin)
    second["rows"] = rows
    second["rows_per_second"] = rate(rows, second["seconds"])
    second["partners_written"] = sum(
        1 for pid, date in after_second.items() if pid in after_first and after_first[pid] != date
    )
    second["partners_created"] = len(set(after_second) - set(after_first))
    changes = footprint_changes(footprint, table_footprint(db.name, since))
    second["tables_changed"] = changes
    second["data_rows_written"] = data_rows_written(changes)
    _partners, second["outcomes"] = _row_partners(admin, second["run"]["id"], rows)
    out["index_cold"] = cold_index_build(db, workdir)
    return out


REFRESHED = re.compile(
    r"refreshed \((?P<kind>[^)]*)\): (?P<pages>\d+) page\(s\), (?P<upserted>\d+) upserted"
    r".*?(?P<seconds>[\d.]+) s"
)


def cold_index_build(db: Database, workdir: Path) -> dict[str, Any]:
    """The match index of every partner, pulled and built from nothing into an empty cache
    (``customer-sync index --refresh``): what a worker pays once per database, and what a run
    pays for the partners written since the cache's cursor."""
    log_path = workdir / "worker-index.log"
    _progress("worker: customer-sync index --refresh into an empty cache")
    seconds, peak, code = run_worker_command(db, ["index", "--refresh"], workdir / "index-cold", log_path)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    found = REFRESHED.search(text)
    if code != 0 or not found:
        return {"status": f"failed (exit {code})", "log_tail": text.strip().splitlines()[-10:]}
    return {
        "status": "ok",
        "kind": found["kind"],
        "partners": int(found["upserted"]),
        "pages": int(found["pages"]),
        "seconds": float(found["seconds"]),
        "wall_seconds": round(seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# -- the command ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from bench.matching import machine as describe

    return describe()


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        workdir = Path(tmp)
        path = args.file or workdir / "purchased-list.csv"
        _progress(f"writing {args.rows:,} rows to {path}")
        labels = write_list(path, args.rows, args.seed)
        header, rows = read_list(path)
        file_info = {
            "rows": len(rows),
            "entities": len(set(labels)),
            "duplicate_rows": len(rows) - len(set(labels)),
            "bytes": path.stat().st_size,
        }
        _progress(
            f"{file_info['rows']:,} rows, {file_info['entities']:,} entities "
            f"({file_info['duplicate_rows']:,} duplicate rows)"
        )
        why_not = worker_available()
        engines = ["odoo_load"] + ([] if args.no_plain else ["odoo_load_plain"])
        engines += [] if why_not else ["worker"]
        with odoo_databases(engines, workdir) as dbs:
            for engine in engines[: engines.index("worker") if "worker" in engines else None]:
                with dbs.serve(engine) as db:
                    results[engine] = run_odoo_load(db, header, rows, labels, args.batch)
            if why_not:
                results["worker"] = {"status": f"not run: {why_not}"}
            else:
                with dbs.serve("worker") as db:
                    results.update(run_worker(db, path, labels, workdir))
    return {"file": file_info, "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the purchased list")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--batch", type=int, default=IMPORT_BATCH, help="rows per load() call of Odoo's import"
    )
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="skip the reference run of Odoo's import into a database without the addon",
    )
    parser.add_argument("--file", type=Path, help="where to write the generated list (default: a temp dir)")
    parser.add_argument("--output", type=Path, default=Path("bench-results/e2e.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "seed": args.seed,
        "machine": machine(),
        "load_average_before": os.getloadavg(),
        **run(args),
    }
    report["load_average_after"] = os.getloadavg()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["ratios"] = ratios(report["results"])
    report["targets"] = targets(report["results"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(report["results"]))
    print()
    for line in report["targets"]:
        print(line)
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"\nload average (1 min) {before[0]:.2f} before, {after[0]:.2f} after, on {os.cpu_count()} cores")
    print(f"JSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
