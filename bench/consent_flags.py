"""The consent-flags benchmark: ``python -m bench.consent_flags [--baseline REV]``.

How long the contact list and form take to show the consent of a page of 80 contacts
(``ci_accepts_email``, ``ci_accepts_sms`` and ``ci_consent_state_ids`` with the columns of the
form's consent list) against a ledger of 200,000 consent events over 20,000 contacts, read as an
ordinary addon user with an empty cache (issue 14: under 10 ms). A database is created with the
addon (no demo data), :mod:`bench.consent_flags_probe` seeds it and measures inside
``odoo-bin shell``: the median wall-clock time of the rounds (each round another page) and the
SQL queries of one round; and the states of the whole ledger grouped by purpose and state, as a pivot
over all of them reads them.

``--baseline REV`` measures the addon of the git revision ``REV`` too (e.g. the commit before a
change), in a database of its own seeded the same way, and prints both figures. The probes run
in the order baseline, current, current, baseline; each figure is the median over its probes.
Every database is dropped at the end, also on failure. Figures only, no pass/fail.
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

from bench import odoo_shell
from tests import harness

PROBE_MODULE = "bench.consent_flags_probe"
RESULTS = harness.REPO_ROOT / "bench-results" / "consent_flags.json"
CURRENT = "working tree"


def _checkout(revision: str, target: Path) -> Path:
    """The addon of ``revision`` (``git archive``) in ``target``."""
    target.mkdir()
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(harness.REPO_ROOT), "archive", revision, harness.ADDON],  # noqa: S607
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)  # noqa: S603, S607
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds (pages) per probe (default 15)")
    parser.add_argument("--baseline", metavar="REV", help="also measure the addon of this git revision")
    args = parser.parse_args(argv)
    install = harness.find_odoo()
    harness.ensure_role()
    databases: dict[str, str] = {}
    probes: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="consent-flags-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        roots = {CURRENT: harness.REPO_ROOT}
        if args.baseline:
            roots = {args.baseline: _checkout(args.baseline, Path(tmp) / "baseline"), **roots}
        order = [*roots, *reversed(roots)] if args.baseline else [CURRENT, CURRENT]
        try:
            for name, root in roots.items():
                databases[name] = odoo_shell.install(
                    install, harness.ADDON, data_dir, "ci_bench_consent_flags", addon_root=root
                )
            for name in order:
                print(f"[consent_flags] seeding (first time) and measuring {name}...", flush=True)
                probes.setdefault(name, []).append(
                    odoo_shell.probe(
                        install, databases[name], data_dir, PROBE_MODULE, args.rounds, addon_root=roots[name]
                    )
                )
        finally:
            for db in databases.values():
                harness.drop_database(db)
    load = os.getloadavg()[0]
    first = probes[CURRENT][0]
    print()
    print(
        f"consent flags of a page of {first['page']} contacts, {first['events']:,} events over "
        f"{first['partners']:,} contacts ({first['events_per_page']:.0f} events per page), "
        f"addon user, empty cache; load {load:.2f}"
    )
    rows = []
    for name, runs in probes.items():
        median = statistics.median(run["median_ms"] for run in runs)
        row = {
            "code": name,
            "median_ms": round(median, 2),
            "probe_medians_ms": [round(run["median_ms"], 2) for run in runs],
            "min_ms": round(min(run["min_ms"] for run in runs), 2),
            "queries": max(run["queries"] for run in runs),
            "pivot_median_ms": round(statistics.median(run["pivot_median_ms"] for run in runs), 1),
        }
        rows.append(row)
        per_probe = ", ".join(f"{m:.2f}" for m in row["probe_medians_ms"])
        print(
            f"  {name:20} median {median:8.2f} ms  (probes {per_probe};"
            f" min {row['min_ms']:.2f})  {row['queries']} queries;"
            f" whole-ledger pivot {row['pivot_median_ms']:.1f} ms"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"rounds": args.rounds, "load_1min": load, "probe": first, "figures": rows}, indent=2)
    )
    print(f"\n[consent_flags] figures written to {RESULTS.relative_to(harness.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
