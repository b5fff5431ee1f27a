"""Lint as part of the test command: ruff for all Python, pylint-odoo for the addon, and for the worker
ruff's formatting and mypy (the packages in pyproject.toml's [tool.mypy]: the worker and the benchmarks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


#: Python that follows ruff's formatting: the worker, the benchmarks, the tests and the deployment helpers.
#: The addon keeps Odoo's own layout (pylint-odoo checks it) and docs/ holds prose, so neither is formatted
#: by ruff.
FORMATTED = ("sync_worker", "bench", "tests", "deploy")


def test_ruff_format_changes_nothing() -> None:
    done = _run("ruff", "format", "--check", "--no-cache", *FORMATTED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing() -> None:
    """No arguments: mypy checks the packages that [tool.mypy] names (and fails when it names none)."""
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_really_checking(tmp_path: Path) -> None:
    """With the project's settings, a plain type error must be reported, or the check is blind."""
    bad = tmp_path / "bad_types.py"
    bad.write_text("def half(n: int) -> int:\n    return n / 2\n\n\nhalf('two')\n")
    done = _run(
        "mypy",
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "--cache-dir",
        str(tmp_path / "cache"),
        str(bad),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[return-value]" in done.stdout
    assert "[arg-type]" in done.stdout


def test_pylint_odoo_finds_nothing_in_the_addon() -> None:
    assert (ROOT / "addon_customer_info" / "__manifest__.py").is_file()
    done = _run("pylint", "--rcfile=.pylintrc", "addon_customer_info")
    assert done.returncode == 0, done.stdout + done.stderr


def test_pylint_odoo_is_really_checking(tmp_path: Path) -> None:
    """A manifest with a wrong licence and version must be reported, or the check is blind."""
    bad = tmp_path / "bad_addon"
    bad.mkdir()
    (bad / "__init__.py").write_text("")
    (bad / "__manifest__.py").write_text(
        "{'name': 'Bad', 'version': '17.0.1.0.0', 'license': 'AGPL-3', 'author': 'Someone',"
        " 'depends': ['base'], 'installable': True}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={ROOT / '.pylintrc'}", str(bad)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode != 0
    assert "manifest-version-format" in done.stdout
    assert "license-allowed" in done.stdout
