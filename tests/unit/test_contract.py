"""The worker's contract types against the example payloads the addon's tests also load.

Examples live once, in ``addon_customer_info/tests/data/contract/*.json``. A file is named
after the method it illustrates (``claim_run.json``, ``apply_batch_resent.json``, …) and holds
either ``{"request": {...}, "response": ...}`` (either part may be left out) or one payload;
a file whose name ends in ``_request`` holds the keyword arguments, any other one the answer.
A file may also name its type explicitly with ``"$type"`` (a key of ``contract.PAYLOADS``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sync_worker import contract
from sync_worker.contract import METHODS, PAYLOADS, problems

EXAMPLES = Path(__file__).resolve().parents[2] / "addon_customer_info" / "tests" / "data" / "contract"


def _examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json")) if EXAMPLES.is_dir() else []


def _method_of(stem: str) -> str | None:
    """``apply_batch_resent_request`` -> ``apply_batch``: the longest known prefix."""
    parts = stem.split("_")
    for end in range(len(parts), 0, -1):
        name = "_".join(parts[:end])
        if name in METHODS or name in PAYLOADS:
            return name
    return None


def _checks(path: Path) -> list[tuple[str, Any, Any]]:
    """(what, value, type) for every payload in one example file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "$type" in data:
        payload = {k: v for k, v in data.items() if k != "$type"}
        return [(f"{path.name} ($type {data['$type']})", payload, PAYLOADS[data["$type"]])]
    name = _method_of(path.stem)
    assert name, f"{path.name}: its name names no contract method or payload (see this test's docstring)"
    if name not in METHODS:
        return [(path.name, data, PAYLOADS[name])]
    request, response = METHODS[name]
    if (
        isinstance(data, dict)
        and data.keys() & {"request", "response"}
        and data.keys()
        <= {
            "request",
            "response",
            "description",
            "comment",
        }
    ):
        out = []
        if "request" in data:
            out.append((f"{path.name} request", data["request"], request))
        if "response" in data:
            out.append((f"{path.name} response", data["response"], response))
        return out
    if path.stem.endswith("_request"):
        return [(path.name, data, request)]
    return [(path.name, data, response)]


def test_there_are_examples() -> None:
    assert _examples(), f"no contract examples in {EXAMPLES}: the addon must ship them (docs/rpc-contract.md)"


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_example_fits_the_contract_types(path: Path) -> None:
    checks = _checks(path)
    assert checks
    for what, value, tp in checks:
        found = problems(value, tp)
        assert not found, f"{what} does not fit {getattr(tp, '__name__', tp)}:\n" + "\n".join(found)


def test_every_method_has_an_example() -> None:
    covered = {_method_of(p.stem) for p in _examples()}
    missing = sorted(set(METHODS) - covered)
    assert not missing, f"contract methods without an example in {EXAMPLES}: {missing}"


def test_the_checker_refuses_what_does_not_fit() -> None:
    run = {
        "run_id": 7,
        "name": "RUN/2026/0007",
        "source": {
            "id": 3,
            "name": "Leads",
            "type": "purchased_list",
            "vendor": None,
            "purchase_ref": None,
            "mapping": {"公司名称": "name"},
            "trust": {"default": 40},
            "default_region": "CN",
            "dry_run": False,
        },
        "file": None,
        "checkpoint": {"rows_done": 0, "batches_done": 0},
        "rows_total": 0,
        "added_in_a_later_release": True,
    }
    assert problems(run, contract.Run) == []
    assert problems(False, METHODS["claim_run"][1]) == []
    broken = {**run, "checkpoint": {"rows_done": "0"}}
    del broken["name"]
    found = problems(broken, contract.Run)
    assert "$: missing key 'name' (Run)" in found
    assert "$.checkpoint: missing key 'batches_done' (Checkpoint)" in found
    assert "$.checkpoint.rows_done: expected an integer, got str" in found
    assert problems({"state": "paused", "cancel_requested": 1}, contract.ProgressAnswer) == [
        "$.state: 'paused' is not one of ['queued', 'running', 'done', 'failed', 'cancelled']",
        "$.cancel_requested: expected bool, got int",
    ]
    pair = {"row": None, "kind": "pair", "pair": ["row:4", "row:9"], "score": 3.1, "evidence": []}
    assert problems({"run_id": 1, "batch_no": 2, "rows": [pair]}, contract.ApplyBatchRequest) == []
    assert problems({"run_id": 1, "batch_no": 2, "rows": [{"row": 3}]}, contract.ApplyBatchRequest)


def test_version() -> None:
    assert contract.CONTRACT_VERSION == 1
    assert set(METHODS) == {
        "contract_version",
        "claim_run",
        "fetch_file",
        "create_run",
        "upload_chunk",
        "report_progress",
        "finish_run",
        "propose_mapping",
        "read_index",
        "apply_batch",
        "check_unchanged",
        "list_runs",
        "due_sources",
    }
