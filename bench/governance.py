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
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import odoo_shell
from tests import harness

PROBE_MODULE = "bench.governance_probe"
BASELINE = "contacts"
ADDON = harness.ADDON
RESULTS = harness.REPO_ROOT / "bench-results" / "governance.json"


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
                databases[module] = odoo_shell.install(install, module, data_dir, "ci_bench_governance")
            probes: dict[str, list[dict[str, Any]]] = {BASELINE: [], ADDON: []}
            for module in (BASELINE, ADDON, ADDON, BASELINE):
                print(f"[governance] measuring {module} ({databases[module]})...", flush=True)
                probes[module].append(
                    odoo_shell.probe(install, databases[module], data_dir, PROBE_MODULE, args.rounds)
                )
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
