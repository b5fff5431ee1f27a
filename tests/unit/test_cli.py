"""``customer-sync import``: what the command tells Odoo when a run fails on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sync_worker import cli
from sync_worker.errors import FatalError
from sync_worker.odoo_client import runner

pytestmark = pytest.mark.unit


class _Api:
    def __init__(self) -> None:
        self.finished: list[tuple[int, str, dict[str, Any]]] = []

    def propose_mapping(self, headers: list[str], source: object = None) -> dict[str, Any]:
        return {"mapping": {header: header for header in headers}, "unmapped": []}

    def finish_run(self, run_id: int, state: str, **kwargs: Any) -> dict[str, Any]:
        self.finished.append((run_id, state, kwargs))
        return {}


def test_a_failed_run_is_finished_with_its_message_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api = _Api()
    monkeypatch.setattr(cli, "_settings", lambda: object())
    monkeypatch.setattr(cli, "_api", lambda _settings: api)
    monkeypatch.setattr(runner, "start_import", lambda *_a, **_k: {"run_id": 9, "name": "RUN/9"})

    def fail(*_args: object, **_kwargs: object) -> None:
        raise FatalError("Odoo refused batch 3: the source is archived")

    monkeypatch.setattr(runner, "execute_run", fail)
    file = tmp_path / "list.csv"
    file.write_text("name,email\nAcme,info@acme.example\n", encoding="utf-8")

    result = CliRunner().invoke(cli.main, ["import", str(file), "--source", "Leads"])

    assert result.exit_code == 1, result.output
    assert "the source is archived" in result.output
    assert api.finished == [
        (
            9,
            "failed",
            {
                "message": "Odoo refused batch 3: the source is archived",
                "message_code": "run.error",
                "message_params": {"error": "Odoo refused batch 3: the source is archived"},
            },
        )
    ]
