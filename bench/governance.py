"""The governance benchmark: ``python -m bench.governance``.

What the addon's guard (sensitive fields, own customers, audit: the ``customer.governed.mixin``
that ``res.partner`` and the addon's models inherit) costs the operations people do all day, and
that it costs other models nothing. Two databases are created by one run of this command, with
the same Odoo 19 server code: one with Odoo's ``contacts`` app only (the baseline), one with the
addon installed; neither with demo data. In each, :mod:`bench.governance_probe` (run in
``odoo-bin shell``) seeds the same 2,000 partners (a fixed seed) and measures, as an ordinary
internal user (Contacts creation rights; in the addon's database also the addon's *User*
group; not the superuser, whom the guard lets through), with warm caches:

* attribute access on ``res.country`` (a model the addon does not govern) and on partners,
* ``read`` and ``web_search_read`` (a list page) of partners, no sensitive column,
* ``write`` of the e-mail of 500 partners and ``create`` of 100 partners.

Each figure is the median wall-clock time of its rounds (every round ends with a flush, so the
SQL is in the time) and the SQL queries of one round. The probes run in the order baseline,
addon, addon, baseline, and each figure is the median over both probes of a database, so that a
machine getting busier during the run does not favour one side. The 1-minute load average is
printed with the figures; the machine may be shared.

Targets (issue 14): unrelated models within noise (ratio ≈ 1.0, same queries); partner reads
without a sensitive column within 10 % (ratio ≤ 1.10). Writes and creates are audited by the
addon (one entry per operation, a line per changed field): their ratio is reported, not hidden.
Every database is dropped at the end, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests import harness

MARK = "GOVERNANCE-FIGURES "
PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from bench.governance_probe import probe
print({mark!r} + json.dumps(probe(env, rounds={rounds})), flush=True)
"""
BASELINE = "contacts"
ADDON = harness.ADDON
RESULTS = harness.REPO_ROOT / "bench-results" / "governance.json"


def _install(install: harness.OdooInstall, module: str, data_dir: Path) -> str:
    db = harness.new_db_name("ci_bench_governance")
    print(f"[governance] creating database {db} with {module} (about a minute)...", flush=True)
    cmd = harness.odoo_command(
        install,
        db,
        "-i",
        module,
        "--stop-after-init",
        http_port=harness.free_port(),
        data_dir=data_dir,
        log_level="warn",
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 (our odoo-bin)
    if result.returncode != 0:
        raise harness.HarnessError(f"installing {module} into {db} failed:\n{result.stderr[-3000:]}")
    return db


def _probe(install: harness.OdooInstall, db: str, data_dir: Path, rounds: int) -> dict[str, Any]:
    cmd = harness.odoo_command(
        install, db, http_port=harness.free_port(), data_dir=data_dir, log_level="warn"
    )
    cmd.insert(2, "shell")
    script = PROBE.format(root=str(harness.REPO_ROOT), mark=MARK, rounds=rounds)
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


def _combine(probes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    combined: dict[str, dict[str, float]] = {}
    for name in probes[0]["operations"]:
        runs = [probe["operations"][name] for probe in probes]
        combined[name] = {
            "median_ms": statistics.median(run["median_ms"] for run in runs),
            "queries": max(run["queries"] for run in runs),
        }
    return combined


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds per operation and probe (default 7)")
    args = parser.parse_args(argv)
    install = harness.find_odoo()
    harness.ensure_role()
    databases: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="governance-bench-") as tmp:
        data_dir = Path(tmp)
        try:
            for module in (BASELINE, ADDON):
                databases[module] = _install(install, module, data_dir)
            probes: dict[str, list[dict[str, Any]]] = {BASELINE: [], ADDON: []}
            for module in (BASELINE, ADDON, ADDON, BASELINE):
                print(f"[governance] measuring {module} ({databases[module]})...", flush=True)
                probes[module].append(_probe(install, databases[module], data_dir, args.rounds))
        finally:
            for db in databases.values():
                harness.drop_database(db)
    if any(
        probe["addon_installed"] != (module == ADDON) for module, runs in probes.items() for probe in runs
    ):
        raise harness.HarnessError("a probe ran on the wrong database")
    baseline, addon = _combine(probes[BASELINE]), _combine(probes[ADDON])
    load = os.getloadavg()[0]
    rows = []
    print()
    print(f"{'operation':58} {'contacts':>10} {'addon':>10} {'ratio':>6} {'queries':>9}  load {load:.2f}")
    for name, base in baseline.items():
        ours = addon[name]
        ratio = ours["median_ms"] / base["median_ms"] if base["median_ms"] else float("nan")
        queries = f"{int(base['queries'])}→{int(ours['queries'])}"
        print(f"{name:58} {base['median_ms']:8.2f}ms {ours['median_ms']:8.2f}ms {ratio:6.2f} {queries:>9}")
        rows.append(
            {
                "operation": name,
                "contacts_ms": round(base["median_ms"], 3),
                "addon_ms": round(ours["median_ms"], 3),
                "ratio": round(ratio, 3),
                "contacts_queries": int(base["queries"]),
                "addon_queries": int(ours["queries"]),
            }
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"rounds": args.rounds, "load_1min": load, "figures": rows}, indent=2))
    print(f"\n[governance] figures written to {RESULTS.relative_to(harness.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
