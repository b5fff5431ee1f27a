"""Pure packages do no I/O: importing them pulls in no broker, RPC, HTTP or Odoo client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("celery", "kombu", "odoorpc", "redis", "requests", "odoo", "psycopg2", "urllib3")


@pytest.mark.parametrize("package", ["sync_worker.normalize", "sync_worker.matching", "sync_worker.sources"])
def test_pure_package_imports_no_io_library(package: str) -> None:
    code = (
        f"import sys, json, {package} as p\n"
        "from sync_worker.normalize import normalize_record\n"
        "from sync_worker.matching import MatchIndex, match\n"
        "r = normalize_record({'key': '1', 'name': '华为技术有限公司', 'phone': '13812345678'})\n"
        "match([r], MatchIndex.build([r]))\n"
        f"print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout))
    assert not loaded & set(FORBIDDEN), f"{package} imports {sorted(loaded & set(FORBIDDEN))}"
