"""Databases and probes for the benchmarks that measure inside Odoo.

A benchmark creates its databases with :func:`install` and measures in each with
:func:`probe`: ``odoo-bin shell`` runs ``bench.<module>.probe(env, rounds=...)`` and the figures
come back as one JSON line on standard output. ``addon_root`` serves another copy of the addon
(an earlier revision) in place of the repository's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests import harness

MARK = "BENCH-FIGURES "
PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from {module} import probe
print({mark!r} + json.dumps(probe(env, rounds={rounds})), flush=True)
"""


def _command(
    install: harness.OdooInstall, db: str, data_dir: Path, addon_root: Path | None, *extra: str
) -> list[str]:
    cmd = harness.odoo_command(
        install, db, *extra, http_port=harness.free_port(), data_dir=data_dir, log_level="warn"
    )
    if addon_root is None:
        return cmd
    addons_path = install.addons_path.replace(str(harness.REPO_ROOT), str(addon_root))
    return [f"--addons-path={addons_path}" if arg.startswith("--addons-path=") else arg for arg in cmd]


def install(
    odoo: harness.OdooInstall, module: str, data_dir: Path, prefix: str, addon_root: Path | None = None
) -> str:
    """A new database named ``prefix_…`` with ``module`` installed, without demo data."""
    db = harness.new_db_name(prefix)
    print(f"[{prefix}] creating database {db} with {module} (about a minute)...", flush=True)
    cmd = _command(odoo, db, data_dir, addon_root, "-i", module, "--stop-after-init")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 (our odoo-bin)
    if result.returncode != 0:
        raise harness.HarnessError(f"installing {module} into {db} failed:\n{result.stderr[-3000:]}")
    return db


def probe(
    odoo: harness.OdooInstall,
    db: str,
    data_dir: Path,
    module: str,
    rounds: int,
    addon_root: Path | None = None,
) -> dict[str, Any]:
    """The figures ``module.probe(env, rounds=rounds)`` returns, run in ``odoo-bin shell`` on ``db``."""
    cmd = _command(odoo, db, data_dir, addon_root)
    cmd.insert(2, "shell")
    script = PROBE.format(root=str(harness.REPO_ROOT), module=module, mark=MARK, rounds=rounds)
    result = subprocess.run(  # noqa: S603 (our odoo-bin, our probe)
        cmd, input=script, capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise harness.HarnessError(
        f"the probe on {db} printed no figures (exit code {result.returncode}):\n"
        f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
