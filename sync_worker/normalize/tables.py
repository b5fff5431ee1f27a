"""The data tables under ``data/``: CSV with a header, ``#`` lines are comments."""

from __future__ import annotations

import csv
from importlib import resources


def read_table(name: str) -> list[dict[str, str]]:
    text = (resources.files("sync_worker.normalize") / "data" / name).read_text(encoding="utf-8")
    return list(
        csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    )
