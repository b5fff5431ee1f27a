"""The benchmarks live outside the product: a top-level ``bench`` package that the worker's wheel and
image leave out and that still runs as ``python -m bench.<name>`` from the repository root."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

from bench import matching

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_worker_and_not_the_benchmarks() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = find_packages(where=str(ROOT), include=config["include"])
    assert "sync_worker" in shipped and "sync_worker.matching" in shipped
    assert not [p for p in shipped if p == "bench" or p.startswith(("bench.", "sync_worker.bench"))]
    assert (ROOT / "bench" / "__init__.py").is_file()
    assert not list((ROOT / "sync_worker" / "bench").glob("*.py"))  # a stale __pycache__ may stay


def test_the_image_copies_the_worker_only() -> None:
    copies = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")]
    assert "COPY sync_worker ./sync_worker" in copies
    assert not [line for line in copies if "bench" in line or line.split()[1] == "."]


def test_bench_runs_with_python_m_from_the_repository_root() -> None:
    """As the README runs it: from the root, without PYTHONPATH (``-m`` puts the cwd on the path)."""
    env = {k: v for k, v in matching.child_env().items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.matching", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "python -m bench.matching" in done.stdout


def test_the_matching_children_find_bench_from_anywhere(tmp_path: Path, monkeypatch) -> None:
    """The runner's child processes import ``bench`` from :data:`matching.ROOT`, whatever the cwd."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert matching.child_env()["PYTHONPATH"] == str(ROOT)
    code = "import bench.matching as m, pathlib; print(pathlib.Path(m.__file__).resolve())"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=matching.child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(ROOT / "bench" / "matching.py")
    without = {k: v for k, v in matching.child_env().items() if k != "PYTHONPATH"}
    blind = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=without, capture_output=True, text=True, timeout=120
    )
    assert blind.returncode != 0 and "No module named 'bench'" in blind.stderr
