"""The match index of Odoo's partners, cached on disk and refreshed incrementally.

Layout under ``CUSTOMER_SYNC_CACHE_DIR`` (one folder per Odoo URL and database)::

    <cache>/<db>-<hash of url>/
        lock                    # flock: one process refreshes and writes at a time
        current -> index-<n>    # symlink, replaced atomically after a save
        index-<n>/              # MatchIndex.save(): .npy arrays + meta.json
        cursor.json             # {"cursor": {"write_date", "id"}, "records", "updated_at", "index"}

A refresh asks ``read_index`` for the partners written since the stored cursor (Odoo looks
back a few minutes, so a partner committed during the last pull is not missed; a row seen
twice is upserted twice, which costs nothing), upserts the active ones and removes the
archived or merged ones, saves into a new folder and swaps the ``current`` link. A process
that still has the previous index memory-mapped keeps reading it: its files are only
unlinked, never overwritten. Losing the cache loses nothing: the next refresh pulls
everything again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync_worker.contract import IndexCursor, IndexPage, IndexRecord
from sync_worker.errors import FatalError
from sync_worker.matching import MatchIndex
from sync_worker.normalize import NormalizedRecord, normalize_record

PAGE = 5000
#: stop a pull whose cursor no longer moves (a server bug must not loop forever)
MAX_STALLED_PAGES = 3


class IndexSource(Protocol):
    def read_index(self, cursor: IndexCursor | None = None, limit: int = PAGE) -> IndexPage: ...


def index_record(record: IndexRecord, default_region: str = "CN") -> NormalizedRecord:
    """One partner of ``read_index`` as matching sees it (key: the partner id)."""
    raw: dict[str, Any] = {k: (None if v is False else v) for k, v in record.items()}
    raw["key"] = str(record["id"])
    return normalize_record(raw, default_region=default_region)


def cache_folder(root: Path, odoo_url: str, database: str) -> Path:
    digest = hashlib.sha1(odoo_url.encode(), usedforsecurity=False).hexdigest()[:8]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in database)
    return root / f"{safe}-{digest}"


@dataclass
class RefreshReport:
    pages: int
    upserted: int
    removed: int
    records: int
    full: bool
    seconds: float
    cursor: IndexCursor | None


class IndexCache:
    """The :class:`~sync_worker.pipeline.IndexPort` of a run: load, refresh, save, answer."""

    def __init__(self, folder: Path, source: IndexSource, default_region: str = "CN", page: int = PAGE):
        self.folder = Path(folder)
        self.source = source
        self.default_region = default_region
        self.page = page
        self.last_refresh: RefreshReport | None = None

    # -- state on disk ----------------------------------------------------------------------

    @property
    def _state_path(self) -> Path:
        return self.folder / "cursor.json"

    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self._state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _current(self) -> Path | None:
        link = self.folder / "current"
        return link.resolve() if link.exists() else None

    def load(self) -> tuple[MatchIndex | None, IndexCursor | None]:
        """The saved index and its cursor, or (None, None) when there is none (or it is unusable)."""
        current, state = self._current(), self.state()
        if current is None or not state.get("cursor"):
            return None, None
        try:
            return MatchIndex.load(current), state["cursor"]
        except (OSError, ValueError):
            return None, None  # another format or a damaged folder: pull everything again

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive across processes on this machine (flock on ``<folder>/lock``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _save(self, index: MatchIndex, cursor: IndexCursor | None) -> None:
        number = int(self.state().get("index", 0)) + 1
        target = self.folder / f"index-{number}"
        if target.exists():
            shutil.rmtree(target)
        index.save(target)
        link_tmp = self.folder / f"current.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            link_tmp.unlink()
        link_tmp.symlink_to(target.name)
        os.replace(link_tmp, self.folder / "current")
        state = {
            "cursor": cursor,
            "records": len(index),
            "index": number,
            "updated_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        }
        tmp = self._state_path.with_suffix(f".{os.getpid()}")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(tmp, self._state_path)
        for old in self.folder.glob("index-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    # -- pulling ----------------------------------------------------------------------------

    def _pull(self, cursor: IndexCursor | None) -> tuple[dict[int, IndexRecord], IndexCursor | None, int]:
        """Every partner row written since ``cursor``, the latest row per id."""
        latest: dict[int, IndexRecord] = {}
        pages = stalled = 0
        while True:
            page = self.source.read_index(cursor=cursor, limit=self.page)
            pages += 1
            for record in page["records"]:
                latest[int(record["id"])] = record
            moved = page.get("cursor") and page["cursor"] != cursor
            cursor = page.get("cursor") or cursor
            if page["done"]:
                return latest, cursor, pages
            stalled = 0 if moved else stalled + 1
            if stalled >= MAX_STALLED_PAGES:
                raise FatalError(f"read_index did not advance its cursor ({cursor}) over {stalled} pages")

    def refresh(self) -> MatchIndex:
        """Load the cached index, pull what changed, save; the whole under the lock."""
        started = time.monotonic()
        with self.lock():
            index, cursor = self.load()
            latest, cursor, pages = self._pull(cursor)
            active = [index_record(r, self.default_region) for r in latest.values() if r.get("active", True)]
            gone = [str(i) for i, r in latest.items() if not r.get("active", True)]
            watermark = max((str(r["write_date"]) for r in latest.values()), default=None)
            full = index is None
            if index is None:
                index = MatchIndex.build(active, watermark=watermark)
                removed = 0
            else:
                removed = index.remove(gone) if gone else 0
                if active:
                    index.upsert(active, watermark=watermark)
            if full or latest:
                self._save(index, cursor)
            self.last_refresh = RefreshReport(
                pages=pages,
                upserted=len(active),
                removed=removed,
                records=len(index),
                full=full,
                seconds=round(time.monotonic() - started, 3),
                cursor=cursor,
            )
            return index

    # -- the IndexPort ----------------------------------------------------------------------

    def index(self) -> MatchIndex:
        return self.refresh()

    def info(self) -> dict[str, Any]:
        """What ``customer-sync index`` shows."""
        state = self.state()
        current = self._current()
        size = sum(p.stat().st_size for p in current.iterdir()) if current else 0
        return {
            "folder": str(self.folder),
            "records": state.get("records", 0),
            "cursor": state.get("cursor"),
            "updated_at": state.get("updated_at"),
            "bytes": size,
        }
