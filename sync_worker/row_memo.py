"""Memos of normalised rows, cached on disk: a re-run of a file does not normalise it again.

Normalising is most of what a run of an unchanged file costs (the phone, name, address and
identifier rules, per row). A :class:`~sync_worker.pipeline.Memo` keeps what a re-run needs
before it asks Odoo's ``check_unchanged`` (the row's kind, external key, hash and company keys;
or the reason it is rejected) by the fingerprint of the row's mapped cells; a row that Odoo
confirms unchanged is then never normalised, a row that goes on is normalised as always.

The memos of one version of the normalisation code are kept apart from another's: the file is
named after :func:`code_fingerprint` (the worker's normalisation and payload code, its data
tables and the versions of the libraries it relies on), so a worker with other rules never
recalls a memo it would not have written, and the files of other versions are removed. Layout,
next to the match index (one folder per Odoo URL and database)::

    <cache>/<db>-<hash of url>/rows-<fingerprint>.sqlite   # digest -> memo, last use

It is a cache: losing it loses nothing (the next run normalises every row), and a file that
cannot be read or written is left alone and the run normalises every row.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Literal, cast

from sync_worker.contract import Rejection
from sync_worker.pipeline import Memo

_logger = logging.getLogger(__name__)

#: memos kept per database; the least recently used go first
MAX_MEMOS = 500_000
#: the code whose behaviour a memo records (paths inside the sync_worker package)
CODE = ("normalize", "pipeline.py")
#: the libraries normalisation relies on (their versions are part of the fingerprint)
LIBRARIES = ("phonenumbers", "python-stdnum", "email-validator", "pypinyin", "cpca")


def code_fingerprint(package: Path | None = None) -> str:
    """A short fingerprint of the normalisation code, its data and its libraries' versions."""
    root = package or Path(__file__).resolve().parent
    digest = hashlib.sha256(unicodedata.unidata_version.encode())
    for name in CODE:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".py", ".csv", ".json", ".txt"):
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    for library in LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{library}={version}".encode())
    return digest.hexdigest()[:16]


class RowMemoStore:
    """The :class:`~sync_worker.pipeline.RowMemo` of a run, in a SQLite file of ``folder``."""

    def __init__(self, folder: Path, fingerprint: str | None = None, max_memos: int = MAX_MEMOS):
        self.folder = Path(folder)
        self.fingerprint = fingerprint or code_fingerprint()
        self.path = self.folder / f"rows-{self.fingerprint}.sqlite"
        self.max_memos = max_memos
        self._memos: dict[str, Memo] | None = None

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS memo (digest TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "base_key TEXT NOT NULL, hash TEXT NOT NULL, name_key TEXT NOT NULL, "
            "company_key TEXT NOT NULL, rejection TEXT, used REAL NOT NULL)"
        )
        return connection

    def _load(self) -> dict[str, Memo]:
        if self._memos is None:
            self._memos = {}
            if self.path.exists():
                try:
                    with contextlib.closing(self._connect()) as connection:
                        rows = connection.execute(
                            "SELECT digest, kind, base_key, hash, name_key, company_key, rejection FROM memo"
                        ).fetchall()
                except (OSError, sqlite3.Error) as exc:
                    _logger.warning("row memos in %s unreadable, normalising every row: %s", self.path, exc)
                    rows = []
                for digest, kind, key, row_hash, name_key, company_key, rejection in rows:
                    if kind in ("company", "person"):
                        self._memos[digest] = Memo(
                            cast(Literal["company", "person"], kind),
                            key,
                            row_hash,
                            name_key,
                            company_key,
                            cast(Rejection, json.loads(rejection)) if rejection else None,
                        )
        return self._memos

    # -- the RowMemo port -------------------------------------------------------------------

    def recall(self, digest: str) -> Memo | None:
        return self._load().get(digest)

    def remember(self, memos: Mapping[str, Memo], used: Iterable[str]) -> None:
        now = time.time()
        try:
            with contextlib.closing(self._connect()) as connection, connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO memo VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            digest,
                            m.kind,
                            m.base_key,
                            m.hash,
                            m.name_key,
                            m.company_key,
                            json.dumps(m.rejection, ensure_ascii=False) if m.rejection else None,
                            now,
                        )
                        for digest, m in memos.items()
                    ],
                )
                connection.executemany("UPDATE memo SET used = ? WHERE digest = ?", [(now, d) for d in used])
                (count,) = connection.execute("SELECT count(*) FROM memo").fetchone()
                if count > self.max_memos:
                    connection.execute(
                        "DELETE FROM memo WHERE digest IN "
                        "(SELECT digest FROM memo ORDER BY used, digest LIMIT ?)",
                        (count - self.max_memos,),
                    )
        except (OSError, sqlite3.Error) as exc:
            _logger.warning("row memos not saved in %s: %s", self.path, exc)
            return
        if self._memos is not None:
            self._memos.update(memos)
        for old in self.folder.glob("rows-*.sqlite"):
            if old != self.path:  # memos of another version of the code: never recalled
                with contextlib.suppress(OSError):
                    old.unlink()
