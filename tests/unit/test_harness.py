"""The harness's own logic: finding Odoo, keeping Enterprise modules out, judging logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import harness

LOG = """\
2026-11-24 10:00:00,001 4242 INFO ci_x odoo.modules.loading: loading 1 modules...
2026-11-24 10:00:01,001 4242 WARNING ci_x odoo.addons.base.models.ir_actions_report: You need Wkhtmltopdf to print a pdf version of the reports.
2026-11-24 10:00:02,001 4242 WARNING ci_x odoo.fields: Field customer.relation.note: unknown parameter 'tracking'
2026-11-24 10:00:02,501 4242 INFO ci_x odoo.addons.addon_customer_info.tests.test_x: Starting TestX.test_y ...
2026-11-24 10:00:02,601 4242 INFO ci_x odoo.addons.addon_customer_info.tests.test_x: Starting TestX.test_z ...
2026-11-24 10:00:02,701 4242 INFO ci_x odoo.addons.contacts.tests.test_ui: Starting TestUi.test_tour ...
2026-11-24 10:00:03,001 4242 ERROR ci_x odoo.addons.addon_customer_info.tests.test_x: FAIL: TestX.test_y
Traceback (most recent call last):
  File "x.py", line 1, in test_y
AssertionError: 1 != 2
<BLANK>
2026-11-24 10:00:04,001 4242 INFO ci_x odoo.tests.stats: addon_customer_info: 12 tests 3.21s 456 queries
2026-11-24 10:00:04,002 4242 INFO ci_x odoo.tests.stats: contacts: 3 tests 0.21s 56 queries
""".replace("<BLANK>", " ")  # Odoo ends a traceback with a line holding one space


def test_parse_log_keeps_tracebacks_with_their_record() -> None:
    records = harness.parse_log(LOG)
    assert [r.level for r in records] == [
        "INFO",
        "WARNING",
        "WARNING",
        "INFO",
        "INFO",
        "INFO",
        "ERROR",
        "INFO",
        "INFO",
    ]
    assert records[6].continuation[-2] == "AssertionError: 1 != 2"


def test_log_problems_are_errors_and_our_warnings_only() -> None:
    problems = harness.log_problems(harness.parse_log(LOG))
    assert len(problems) == 2
    assert "customer.relation.note" in problems[0]
    assert "FAIL: TestX.test_y" in problems[1] and "AssertionError: 1 != 2" in problems[1]
    assert not any("Wkhtmltopdf" in p for p in problems)


def test_tests_run_counts_the_tests_of_our_module_only() -> None:
    assert harness.tests_run(harness.parse_log(LOG)) == 2
    assert harness.tests_run(harness.parse_log(LOG.replace("addon_customer_info.tests", "x.tests"))) == 0


def _fake_odoo(root: Path, version: str = "19, 0", modules: dict[str, str] | None = None) -> Path:
    (root / "odoo" / "addons" / "base").mkdir(parents=True)
    (root / "odoo" / "addons" / "base" / "__manifest__.py").write_text("{'license': 'LGPL-3'}")
    (root / "odoo-bin").write_text("")
    (root / "odoo" / "release.py").write_text(f"version_info = ({version}, 0, FINAL, 0, '')\n")
    for name, licence in (modules or {}).items():
        (root / "addons" / name).mkdir(parents=True)
        (root / "addons" / name / "__manifest__.py").write_text(
            f"{{'name': '{name}', 'license': '{licence}'}}"
        )
    return root


def test_find_odoo_keeps_enterprise_modules_off_the_addons_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _fake_odoo(tmp_path / "odoo19", modules={"contacts": "LGPL-3", "certificate": "OEEL-1"})
    install = harness.find_odoo({"ODOO_PATH": str(root)})
    assert install.version == "19.0"
    assert install.excluded == ("certificate",)
    linked = sorted(p.name for p in install.community_addons.iterdir())
    assert linked == ["contacts"]
    assert str(root / "addons") not in install.addons_path.split(",")
    assert str(harness.REPO_ROOT) in install.addons_path.split(",")


def test_find_odoo_refuses_other_versions_and_enterprise_trees(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(harness.OdooNotFound, match=r"not 19\.0"):
        harness.find_odoo({"ODOO_PATH": str(_fake_odoo(tmp_path / "o18", version="18, 0"))})
    with pytest.raises(harness.OdooNotFound, match="enterprise"):
        harness.find_odoo({"ODOO_PATH": str(_fake_odoo(tmp_path / "enterprise" / "o19"))})
    with pytest.raises(harness.OdooNotFound, match="ODOO_PATH"):
        harness.find_odoo({"ODOO_PATH": str(tmp_path / "nothing")})


def test_new_database_names_are_unique_and_carry_our_pid() -> None:
    names = {harness.new_db_name() for _ in range(50)}
    assert len(names) == 50
    assert all(name.startswith(f"{harness.DB_PREFIX}_") for name in names)
