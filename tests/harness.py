"""Odoo 19 harness, for pytest and for the command line.

It finds Odoo 19.0 Community (``ODOO_PATH``, else ``/opt/odoo``), keeps Enterprise modules
off the addons path, creates throw-away databases under a role of our own, installs
``addon_customer_info`` with its own Odoo tests enabled and judges the run from Odoo's log,
and serves live Odoo HTTP servers for end-to-end tests. Whatever it starts it stops, and
whatever database it creates it drops, also when a test fails.

Command line (``python -m tests.harness --help``)::

    python -m tests.harness find                  # where is Odoo 19, what is kept off the path
    python -m tests.harness addon-tests [--demo]  # install the addon in a throw-away DB, run its tests
    python -m tests.harness run                   # the product on this machine (scripts/run)
    python -m tests.harness sweep                 # drop databases left by dead test sessions
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ADDON = "addon_customer_info"
#: the user the worker acts as: created by the addon's install data, member of the Integration group only
INTEGRATION_LOGIN = "customer_sync_worker"
ENTERPRISE_LICENSES = frozenset({"OEEL-1"})
DB_PREFIX = "ci_customer_info"

PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("PGPORT", "5432")
# Odoo refuses to run as the `postgres` role: the harness uses (and creates) a role of its own.
DB_ROLE = os.environ.get("CUSTOMER_INFO_DB_USER", "customer_info")
# Only used to create DB_ROLE when it does not exist yet.
PG_ADMIN = os.environ.get("CUSTOMER_INFO_PG_ADMIN", "postgres")


class HarnessError(RuntimeError):
    """The harness cannot do what was asked; the message says why and what to do."""


class OdooNotFound(HarnessError):
    pass


# ---------------------------------------------------------------------------
# Finding Odoo
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OdooInstall:
    root: Path
    version: str
    community_addons: Path  # our shadow folder: one link per allowed module of root/addons
    excluded: tuple[str, ...]  # modules kept off the addons path (Enterprise licence)

    @property
    def odoo_bin(self) -> Path:
        return self.root / "odoo-bin"

    @property
    def addons_path(self) -> str:
        return ",".join(str(p) for p in (self.community_addons, self.root / "odoo" / "addons", REPO_ROOT))

    def describe(self) -> str:
        kept_off = ", ".join(self.excluded) or "none"
        return (
            f"Odoo {self.version} Community at {self.root} "
            f"(Enterprise modules kept off the addons path: {kept_off})"
        )


def _read_manifest(path: Path) -> dict:
    try:
        value = ast.literal_eval(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, SyntaxError):
        return {}
    return value if isinstance(value, dict) else {}


def _odoo_version(root: Path) -> str:
    release = root / "odoo" / "release.py"
    match = re.search(r"^version_info\s*=\s*\((\d+),\s*(\d+)", release.read_text(), re.MULTILINE)
    if not match:
        raise OdooNotFound(f"{release} has no version_info: is {root} an Odoo source tree?")
    return f"{match[1]}.{match[2]}"


def _is_enterprise(module_dir: Path) -> bool:
    if "enterprise" in module_dir.resolve().parts:
        return True
    manifest = _read_manifest(module_dir / "__manifest__.py")
    return manifest.get("license") in ENTERPRISE_LICENSES


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "customer-info"


def _build_community_addons(root: Path) -> tuple[Path, tuple[str, ...]]:
    """Link every allowed module of ``root/addons`` into a folder of ours.

    Odoo's ``addons/`` folder also holds modules under the Enterprise licence (OEEL-1).
    Putting that folder on the addons path would make them installable; the shadow folder
    makes them unknown to Odoo instead.
    """
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    target = _cache_dir() / f"odoo-community-addons-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Path] = {}
    excluded: list[str] = []
    for module_dir in sorted((root / "addons").iterdir()):
        if not (module_dir / "__manifest__.py").is_file():
            continue
        if _is_enterprise(module_dir):
            excluded.append(module_dir.name)
        else:
            wanted[module_dir.name] = module_dir
    for existing in target.iterdir():
        if existing.name not in wanted:
            existing.unlink()
    for name, module_dir in wanted.items():
        link = target / name
        if link.is_symlink() and Path(os.readlink(link)) == module_dir:
            continue
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        with contextlib.suppress(FileExistsError):  # another session made it meanwhile
            link.symlink_to(module_dir, target_is_directory=True)
    return target, tuple(excluded)


def find_odoo(environ: dict[str, str] | None = None) -> OdooInstall:
    """Odoo 19.0 Community from ``ODOO_PATH``, else ``/opt/odoo``; raise OdooNotFound why not."""
    environ = dict(os.environ if environ is None else environ)
    configured = environ.get("ODOO_PATH")
    root = Path(configured or "/opt/odoo").expanduser()
    where = f"ODOO_PATH={configured}" if configured else "/opt/odoo (ODOO_PATH is not set)"
    how = (
        "run scripts/setup (it clones Odoo's 19.0 branch), or check out Odoo 19.0 Community "
        "and set ODOO_PATH to it"
    )
    if not (root / "odoo-bin").is_file() or not (root / "odoo" / "release.py").is_file():
        raise OdooNotFound(f"no Odoo source tree at {where}: {how}")
    if "enterprise" in root.resolve().parts:
        raise OdooNotFound(f"{root} lies in an 'enterprise' folder: point ODOO_PATH at Community")
    version = _odoo_version(root)
    if version != "19.0":
        raise OdooNotFound(f"{root} is Odoo {version}, not 19.0: {how}")
    for module_dir in (root / "odoo" / "addons").iterdir():
        if (module_dir / "__manifest__.py").is_file() and _is_enterprise(module_dir):
            raise OdooNotFound(
                f"{module_dir} is an Enterprise module inside odoo/addons, which is always on "
                "Odoo's addons path: use a Community checkout"
            )
    community, excluded = _build_community_addons(root)
    return OdooInstall(root=root, version=version, community_addons=community, excluded=excluded)


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------


def _connect(user: str, dbname: str = "postgres"):
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=dbname, connect_timeout=5)
    conn.autocommit = True
    return conn


def ensure_role() -> str:
    """Make sure our database role exists (LOGIN CREATEDB, not superuser); return its name."""
    import psycopg2

    if DB_ROLE == "postgres":
        raise HarnessError("Odoo refuses the role 'postgres': set CUSTOMER_INFO_DB_USER to another")
    try:
        _connect(DB_ROLE).close()
        return DB_ROLE
    except psycopg2.OperationalError as exc:
        if f'role "{DB_ROLE}" does not exist' not in str(exc):
            raise HarnessError(
                f"cannot reach PostgreSQL at {PG_HOST}:{PG_PORT} as {DB_ROLE}: {exc}".strip()
            ) from exc
    from psycopg2 import sql

    try:
        admin = _connect(PG_ADMIN)
    except psycopg2.OperationalError as exc:
        raise HarnessError(
            f"role {DB_ROLE} does not exist and cannot be created as {PG_ADMIN}: {exc}. "
            f"Create it: CREATE ROLE {DB_ROLE} LOGIN CREATEDB"
        ) from exc
    with admin, admin.cursor() as cr:
        cr.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(DB_ROLE)))
    admin.close()
    return DB_ROLE


def new_db_name(prefix: str = DB_PREFIX) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def database_exists(name: str) -> bool:
    conn = _connect(DB_ROLE)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cr.fetchone() is not None
    finally:
        conn.close()


def drop_database(name: str) -> None:
    from psycopg2 import sql

    conn = _connect(DB_ROLE)
    try:
        with conn.cursor() as cr:
            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def list_databases(prefix: str = DB_PREFIX) -> list[str]:
    conn = _connect(DB_ROLE)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
                (prefix.replace("_", r"\_") + r"\_%",),
            )
            return [row[0] for row in cr.fetchall()]
    finally:
        conn.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_databases() -> list[str]:
    """Drop throw-away databases whose creating process is gone (a killed earlier session)."""
    dropped = []
    for name in list_databases():
        match = re.fullmatch(rf"{DB_PREFIX}_(\d+)_[0-9a-f]+", name)
        if match and not _pid_alive(int(match[1])):
            drop_database(name)
            dropped.append(name)
    return dropped


def query(dbname: str, sql_text: str, params: Sequence = ()) -> list[tuple]:
    conn = _connect(DB_ROLE, dbname)
    try:
        with conn.cursor() as cr:
            cr.execute(sql_text, params)
            return cr.fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Odoo processes
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command(
    install: OdooInstall,
    db: str,
    *extra: str,
    http_port: int,
    data_dir: Path,
    demo: bool = False,
    log_level: str = "info",
    cron_threads: int = 0,
) -> list[str]:
    """The ``odoo-bin`` command line for ``db``. Tests run without cron threads (a job firing in
    the middle of a test would make it flaky); the served product passes ``SERVED_CRON_THREADS``."""
    return [
        sys.executable,
        str(install.odoo_bin),
        f"--addons-path={install.addons_path}",
        f"--data-dir={data_dir}",
        f"--db_host={PG_HOST}",
        f"--db_port={PG_PORT}",
        f"--db_user={DB_ROLE}",
        f"--database={db}",
        f"--db-filter=^{re.escape(db)}$",
        "--http-interface=127.0.0.1",
        f"--http-port={http_port}",
        "--workers=0",
        f"--max-cron-threads={cron_threads}",
        f"--log-level={log_level}",
        "--with-demo" if demo else "--without-demo",
        *extra,
    ]


# Odoo's own default; the cron threads serve the one database given with --database.
SERVED_CRON_THREADS = 2


def served_command(install: OdooInstall, db: str, *, http_port: int, data_dir: Path) -> list[str]:
    """Odoo as ``scripts/run`` serves the product: HTTP on ``http_port`` and the scheduled jobs
    (important-date reminders, consent-link clean-up, audit retention) run by cron threads."""
    return odoo_command(
        install,
        db,
        http_port=http_port,
        data_dir=data_dir,
        log_level="info",
        cron_threads=SERVED_CRON_THREADS,
    )


class OdooProcess:
    """One child (odoo-bin, a Celery worker) in its own process group; ``stop()`` ends the whole group."""

    def __init__(self, cmd: list[str], log_path: Path, env: dict[str, str] | None = None):
        self.cmd = cmd
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=REPO_ROOT,
        )

    def wait(self, timeout: float | None) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise

    def stop(self, grace: float = 20.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=grace)
        else:  # the leader is gone; make sure nothing it spawned (chromium) survives it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


# ---------------------------------------------------------------------------
# Judging an Odoo log
# ---------------------------------------------------------------------------

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|\?) "
    r"(?P<db>\S+) (?P<logger>[\w.\-]+): (?P<message>.*)$"
)
# Warnings from other loggers that are about our module: its name, our models, our fields.
OURS = re.compile(rf"{ADDON}|\bcustomer\.[a-z_]+|\bci_[a-z_]+")


@dataclass
class LogRecord:
    level: str
    logger: str
    message: str
    continuation: list[str] = field(default_factory=list)

    def summary(self) -> str:
        last = next((line.strip() for line in reversed(self.continuation) if line.strip()), "")
        tail = f" [{last}]" if last else ""
        return f"{self.level} {self.logger}: {self.message}{tail}"


def parse_log(text: str) -> list[LogRecord]:
    records: list[LogRecord] = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            records.append(LogRecord(match["level"], match["logger"], match["message"]))
        elif records:
            records[-1].continuation.append(line)
    return records


def is_ours(record: LogRecord) -> bool:
    return record.logger.startswith(f"odoo.addons.{ADDON}") or bool(OURS.search(record.message))


def log_problems(records: Sequence[LogRecord]) -> list[str]:
    """Every ERROR/CRITICAL line, and every WARNING raised by or about our module."""
    problems = []
    for record in records:
        if record.level in ("ERROR", "CRITICAL") or (record.level == "WARNING" and is_ours(record)):
            problems.append(record.summary())
    return problems


STARTING = re.compile(r"^Starting (?P<test>\w+\.\w+) \.\.\.")


def tests_run(records: Sequence[LogRecord]) -> int:
    """How many tests of our module Odoo started (each logs ``Starting Class.method ...``)."""
    return sum(
        1 for r in records if r.logger.startswith(f"odoo.addons.{ADDON}.tests") and STARTING.match(r.message)
    )


# ---------------------------------------------------------------------------
# The addon's own Odoo test suite
# ---------------------------------------------------------------------------


@dataclass
class AddonTestRun:
    db: str
    demo: bool
    returncode: int
    tests_run: int
    problems: list[str]
    log_path: Path
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        head = (
            f"Odoo test run of {ADDON} ({'with' if self.demo else 'without'} demo data, "
            f"database {self.db}): {self.tests_run} tests, exit code {self.returncode}, "
            f"{self.seconds:.0f} s; log: {self.log_path}"
        )
        if self.ok:
            return head + " - passed"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


def run_addon_tests(
    install: OdooInstall,
    *,
    demo: bool,
    workdir: Path,
    keep_db: bool = False,
    timeout: float = 2400,
) -> AddonTestRun:
    """Create a fresh database, install the addon with its tests enabled, judge the log."""
    ensure_role()
    db = new_db_name()
    log_path = workdir / f"{db}.log"
    cmd = odoo_command(
        install,
        db,
        f"--init={ADDON}",
        f"--test-tags=/{ADDON}",
        "--stop-after-init",
        http_port=free_port(),
        data_dir=workdir / "data",
        demo=demo,
    )
    started = time.monotonic()
    process = OdooProcess(cmd, log_path)
    problems: list[str] = []
    try:
        try:
            returncode = process.wait(timeout)
        except subprocess.TimeoutExpired:
            returncode = -1
            problems.append(f"Odoo did not finish within {timeout:.0f} s and was stopped")
        process.stop()
        records = parse_log(log_path.read_text(encoding="utf-8", errors="replace"))
        count = tests_run(records)
        if returncode not in (0, -1):
            problems.append(f"Odoo exited with code {returncode}")
        problems.extend(log_problems(records))
        if count == 0:
            problems.append(f"Odoo ran no test of {ADDON}")
        if database_exists(db):
            state = query(db, "SELECT state FROM ir_module_module WHERE name = %s", (ADDON,))
            if not state or state[0][0] != "installed":
                problems.append(f"{ADDON} is not installed after the run (state: {state})")
            enterprise = query(
                db,
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND license = ANY(%s)",
                (sorted(ENTERPRISE_LICENSES),),
            )
            if enterprise:
                problems.append(f"Enterprise modules got installed: {enterprise}")
        else:
            problems.append(f"database {db} was not created")
    finally:
        process.stop()
        if not keep_db:
            drop_database(db)
    return AddonTestRun(
        db=db,
        demo=demo,
        returncode=returncode,
        tests_run=count,
        problems=problems,
        log_path=log_path,
        seconds=time.monotonic() - started,
    )


# ---------------------------------------------------------------------------
# Live servers
# ---------------------------------------------------------------------------


@dataclass
class LiveOdoo:
    url: str
    db: str
    port: int
    login: str
    password: str
    log_path: Path


def wait_for_http(url: str, process: OdooProcess, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise HarnessError(f"Odoo exited with code {process.proc.returncode}; see {process.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our localhost
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise HarnessError(f"Odoo did not answer {url} within {timeout:.0f} s; see {process.log_path}")


@contextlib.contextmanager
def live_server(
    install: OdooInstall, db: str, *, workdir: Path, port: int | None = None, demo: bool = False
) -> Iterator[LiveOdoo]:
    """Serve ``db`` over HTTP on localhost until the block ends."""
    port = port or free_port()
    log_path = workdir / f"{db}-server-{port}.log"
    cmd = odoo_command(
        install,
        db,
        "--no-database-list",
        http_port=port,
        data_dir=workdir / "data",
        demo=demo,
        log_level="warn",
    )
    process = OdooProcess(cmd, log_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/web/login", process)
        yield LiveOdoo(url=url, db=db, port=port, login="admin", password="admin", log_path=log_path)
    finally:
        process.stop()


def create_api_key(
    install: OdooInstall,
    db: str,
    *,
    data_dir: Path,
    login: str = "admin",
    name: str = "customer-sync",
    expires_hours: float | None = None,
) -> str:
    """A fresh API key (scope ``rpc``) for ``login`` in ``db``, made through ``odoo-bin shell``.

    API keys are hashed in the database and their creation in the UI needs a password
    check, so tests and benchmarks make theirs the way an administrator's provisioning script
    does: as the user, under ``sudo()`` (Odoo 19 lets a user who is not an administrator make
    only keys that expire; ``sudo()`` keeps the user and lifts that check). ``expires_hours``
    gives the key an expiry; without it the key never expires.
    """
    expires = "None"
    if expires_hours is not None:
        expires = f"datetime.datetime.now() + datetime.timedelta(hours={float(expires_hours)!r})"
    script = (
        "import datetime\n"
        f"user = env['res.users'].search([('login', '=', {login!r})], limit=1)\n"
        f"key = env['res.users.apikeys'].with_user(user).sudo()._generate('rpc', {name!r}, {expires})\n"
        "env.cr.commit()\n"
        "print('APIKEY=' + key)\n"
    )
    cmd = [
        sys.executable,
        str(install.odoo_bin),
        "shell",
        f"--addons-path={install.addons_path}",
        f"--data-dir={data_dir}",
        f"--db_host={PG_HOST}",
        f"--db_port={PG_PORT}",
        f"--db_user={DB_ROLE}",
        f"--database={db}",
        "--no-http",
        "--log-level=warn",
    ]
    done = subprocess.run(
        cmd, input=script, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT, check=False
    )
    match = re.search(r"^APIKEY=([0-9a-f]+)$", done.stdout, re.MULTILINE)
    if not match:
        raise HarnessError(f"could not create an API key for {login} in {db}: {done.stderr[-2000:]}")
    return match[1]


# ---------------------------------------------------------------------------
# Celery processes
# ---------------------------------------------------------------------------


def celery_command(*args: str) -> list[str]:
    """``celery -A sync_worker.celery_app ARGS`` with this interpreter."""
    return [sys.executable, "-m", "celery", "-A", "sync_worker.celery_app", *args]


def wait_for_log(process: OdooProcess, marker: bytes, timeout: float = 120) -> None:
    """Wait until ``marker`` appears in the process's log (a Celery worker prints ``ready.``)."""
    deadline = time.monotonic() + timeout
    while marker not in process.log_path.read_bytes():
        if process.proc.poll() is not None:
            tail = process.log_path.read_text(errors="replace")[-3000:]
            raise HarnessError(
                f"the process logging to {process.log_path} exited with code {process.proc.returncode}:\n{tail}"
            )
        if time.monotonic() > deadline:
            tail = process.log_path.read_text(errors="replace")[-3000:]
            raise HarnessError(f"no {marker!r} in {process.log_path} within {timeout:.0f} s:\n{tail}")
        time.sleep(0.2)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _cmd_find(_args: argparse.Namespace) -> int:
    print(find_odoo().describe())
    return 0


def _cmd_addon_tests(args: argparse.Namespace) -> int:
    install = find_odoo()
    workdir = Path(tempfile.mkdtemp(prefix="customer-info-odoo-"))
    run = run_addon_tests(install, demo=args.demo, workdir=workdir, keep_db=args.keep_db)
    print(run.report())
    return 0 if run.ok else 1


def _cmd_sweep(_args: argparse.Namespace) -> int:
    ensure_role()
    dropped = sweep_stale_databases()
    print(f"dropped {len(dropped)} stale database(s): {', '.join(dropped) or '-'}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """Odoo with the addon in a named database, plus the Celery worker and beat."""
    install = find_odoo()
    ensure_role()
    data_dir = REPO_ROOT / "var" / "odoo-data"
    log_dir = REPO_ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    db = args.db
    if not database_exists(db) or not query(
        db, "SELECT 1 FROM ir_module_module WHERE name = %s AND state = 'installed'", (ADDON,)
    ):
        print(f"[run] installing {ADDON} into database {db} (first start takes a few minutes)")
        init = OdooProcess(
            odoo_command(
                install,
                db,
                f"--init={ADDON}",
                "--stop-after-init",
                http_port=free_port(),
                data_dir=data_dir,
                demo=not args.no_demo,
            ),
            log_dir / "odoo-install.log",
        )
        if init.wait(timeout=3600) != 0:
            init.stop()
            print(f"[run] installing {ADDON} failed; see {log_dir / 'odoo-install.log'}")
            return 1
        init.stop()
    url = f"http://localhost:{args.port}"
    env = dict(os.environ)
    env.setdefault("ODOO_URL", f"http://127.0.0.1:{args.port}")
    env.setdefault("ODOO_DB", db)
    if not env.get("ODOO_API_KEY") and not env.get("ODOO_API_KEY_FILE"):
        # The worker acts as the integration user (created by the addon's install data) with an
        # API key of its own, made once and kept in a private file.
        env["ODOO_LOGIN"] = INTEGRATION_LOGIN
        key_file = REPO_ROOT / "var" / f"{db}-integration-api-key"
        if not key_file.exists():
            key = create_api_key(install, db, data_dir=data_dir, login=INTEGRATION_LOGIN)
            key_file.touch(mode=0o600)
            key_file.write_text(key)
        env["ODOO_API_KEY_FILE"] = str(key_file)
    children = [
        (
            "odoo",
            OdooProcess(
                served_command(install, db, http_port=args.port, data_dir=data_dir),
                log_dir / "odoo.log",
            ),
        ),
    ]
    stopping = False

    def _stop(*_sig: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        wait_for_http(f"{url}/web/login", children[0][1], timeout=300)
        children.append(
            (
                "worker",
                OdooProcess(celery_command("worker", "--loglevel=INFO"), log_dir / "worker.log", env=env),
            )
        )
        children.append(
            (
                "beat",
                OdooProcess(
                    celery_command(
                        "beat", "--loglevel=INFO", f"--schedule={REPO_ROOT / 'var' / 'beat-schedule'}"
                    ),
                    log_dir / "beat.log",
                    env=env,
                ),
            )
        )
        print(f"[run] Odoo is up: log in at {url}/odoo as admin (database {db}).")
        print(f"[run] Celery worker and beat are running; logs in {log_dir}. Ctrl-C stops all.")
        while not stopping:
            for name, child in children:
                if child.proc.poll() is not None:
                    print(f"[run] {name} exited with code {child.proc.returncode}; see {child.log_path}")
                    stopping = True
            time.sleep(0.5)
    finally:
        for _name, child in reversed(children):
            child.stop()
        print("[run] stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("find", help="locate Odoo 19 Community").set_defaults(func=_cmd_find)
    tests = sub.add_parser("addon-tests", help="run the addon's Odoo tests in a throw-away database")
    tests.add_argument("--demo", action="store_true", help="install demo data too")
    tests.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    tests.set_defaults(func=_cmd_addon_tests)
    sub.add_parser("sweep", help="drop databases of dead test sessions").set_defaults(func=_cmd_sweep)
    run = sub.add_parser("run", help="serve Odoo with the addon, the worker and beat")
    run.add_argument("--db", default=os.environ.get("CUSTOMER_INFO_DB", "customer_info"))
    run.add_argument("--port", type=int, default=int(os.environ.get("ODOO_HTTP_PORT", "8069")))
    run.add_argument("--no-demo", action="store_true", help="install without demo data")
    run.set_defaults(func=_cmd_run)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
