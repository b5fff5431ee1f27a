"""The addon's own Odoo test suite, run by Odoo in throw-away databases.

Odoo installs addon_customer_info with ``--test-tags /addon_customer_info`` (Odoo's own
suites are not ours to run); the run fails on any failing or erroring test, any ERROR line,
any WARNING by or about our module, or when no test of ours ran.
"""

from __future__ import annotations

from pathlib import Path

from tests import harness


def test_addon_installs_and_its_tests_pass_with_demo_data(
    addon_suite_with_demo: harness.AddonTestRun,
) -> None:
    run = addon_suite_with_demo
    print(run.report())
    assert run.ok, run.report()
    assert run.tests_run > 0


def test_addon_installs_and_its_tests_pass_without_demo_data(
    odoo_install: harness.OdooInstall, odoo_workdir: Path
) -> None:
    run = harness.run_addon_tests(odoo_install, demo=False, workdir=odoo_workdir)
    print(run.report())
    assert run.ok, run.report()
    assert run.tests_run > 0
    assert not harness.database_exists(run.db), "the throw-away database was not dropped"
