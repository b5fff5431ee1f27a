"""The pipeline's flow over in-memory versions of its own ports (reader rows, index, sink).

The sink records every payload the pipeline sends and answers as Odoo's contract does, from
the pipeline's own decisions; the tests assert on those decisions.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from bench.identifiers import make_uscc, mistype
from sync_worker.contract import (
    ApplyBatchRequest,
    BatchRow,
    CheckAnswer,
    Checkpoint,
    CheckRow,
    CheckUnchangedRequest,
    FinishRunRequest,
    MessageParams,
    PairRow,
    problems,
)
from sync_worker.matching import Evidence, MatchIndex
from sync_worker.normalize import normalize_record
from sync_worker.pipeline import RunOptions, pair_rows, run
from sync_worker.sources.files import Row, RowProblem

RNG = random.Random(11)
USCC_A = make_uscc(RNG, "91", "440300")
USCC_B = make_uscc(RNG, "91", "310000")
USCC_BAD = mistype(RNG, make_uscc(RNG, "91", "110000"))
HEADERS = ("公司名称", "手机", "邮箱", "统一社会信用代码", "城市")
MAPPING = {"公司名称": "name", "手机": "mobile", "邮箱": "email", "统一社会信用代码": "uscc", "城市": "city"}


Problem = RowProblem
FakeRow = Row


def rows(*cells: tuple[str, ...], first: int = 2) -> list[FakeRow]:
    return [FakeRow(first + i, dict(zip(HEADERS, c, strict=True))) for i, c in enumerate(cells)]


class Index:
    def __init__(self, partners: Sequence[dict[str, Any]] = ()):
        self.built = MatchIndex.build([normalize_record({**p, "key": str(p["id"])}) for p in partners])
        self.calls = 0

    def index(self) -> MatchIndex:
        self.calls += 1
        return self.built


class Sink:
    """Records the payloads; answers like the contract (counts of the decisions it was given).

    ``keys`` is Odoo's ``customer.sync.external.key`` of the source (external key -> hash of the
    row as last applied), shared by the runs of one test: ``apply_batch`` stores the accepted
    rows' keys and ``check_unchanged`` confirms the rows found there with the same hash. Without
    ``keys`` the sink is an Odoo that does not offer ``check_unchanged``."""

    def __init__(self, cancel_after: int | None = None, keys: dict[str, str] | None = None):
        self.keys = keys
        self.checks: list[tuple[int, list[CheckRow]]] = []
        self.batches: list[tuple[int, list[BatchRow | PairRow]]] = []
        self.progress: list[dict[str, Any]] = []
        self.finished: list[tuple[str, str | None, dict[str, Any]]] = []
        self.coded: list[tuple[str | None, MessageParams | None]] = []  # message code and values
        self.cancel_after = cancel_after

    def check_unchanged(self, check_no: int, rows: Sequence[CheckRow]) -> CheckAnswer | None:
        if self.keys is None:
            return None
        request = {"run_id": 1, "check_no": check_no, "rows": json.loads(json.dumps(list(rows)))}
        assert problems(request, CheckUnchangedRequest) == []
        self.checks.append((check_no, list(rows)))
        results = [
            {
                "row": row["row"],
                "unchanged": self.keys.get(row["external_key"]) == row["hash"],
                "partner_id": None,
                "candidate_id": None,
            }
            for row in rows
        ]
        unchanged = sum(1 for result in results if result["unchanged"])
        return {"check_no": check_no, "results": results, "counts": {"unchanged": unchanged}}  # type: ignore[typeddict-item]

    def apply_batch(self, batch_no: int, rows: Sequence[BatchRow | PairRow]) -> Any:
        request = {"run_id": 1, "batch_no": batch_no, "rows": json.loads(json.dumps(list(rows)))}
        assert problems(request, ApplyBatchRequest) == []
        self.batches.append((batch_no, list(rows)))
        counts: dict[str, int] = {}
        for row in rows:
            if row["row"] is None:
                continue
            decision = row["decision"]  # type: ignore[typeddict-item]
            if row["rejected"]:  # type: ignore[typeddict-item]
                outcome = "rejected"
            elif self.keys is not None and self.keys.get(row["external_key"]) == row["hash"]:  # type: ignore[typeddict-item]
                outcome = "unchanged"  # Odoo's rule: the same key and hash write nothing
            else:
                outcome = {"link": "linked", "new": "created", "review": "review"}[decision["action"]]
                if self.keys is not None:
                    self.keys[row["external_key"]] = row["hash"]  # type: ignore[typeddict-item]
            counts[outcome] = counts.get(outcome, 0) + 1
        return {"batch_no": batch_no, "results": [], "counts": counts}

    def report_progress(
        self,
        rows_read: int,
        rows_total: int | None = None,
        checkpoint: Checkpoint | None = None,
        message: str | None = None,
    ) -> Any:
        self.progress.append({"rows_read": rows_read, "rows_total": rows_total, "checkpoint": checkpoint})
        cancel = self.cancel_after is not None and len(self.progress) >= self.cancel_after
        return {"state": "running", "cancel_requested": cancel}

    def finish(
        self,
        state: str,
        message: str | None,
        stats: dict[str, Any],
        *,
        message_code: str | None = None,
        message_params: MessageParams | None = None,
    ) -> Any:
        request = {"run_id": 1, "state": state, "message": message, "stats": stats}
        request.update({"message_code": message_code, "message_params": message_params})
        assert problems(json.loads(json.dumps(request)), FinishRunRequest) == []
        self.finished.append((state, message, stats))
        self.coded.append((message_code, message_params))
        return {"state": state}

    @property
    def rows(self) -> dict[int, BatchRow]:
        return {r["row"]: r for _n, batch in self.batches for r in batch if r["row"] is not None}  # type: ignore[misc]

    @property
    def pairs(self) -> list[PairRow]:
        return [r for _n, batch in self.batches for r in batch if r["row"] is None]  # type: ignore[misc]


PARTNERS = [
    {"id": 12, "kind": "company", "name": "深圳市腾达科技有限公司", "uscc": USCC_A, "city": "深圳市"},
    {"id": 13, "kind": "company", "name": "上海明远贸易有限公司", "phone": "+86 21 6888 1234"},
]

LIST = rows(
    ("深圳市腾达科技有限公司", "13800138000", "sales@tenda.cn", USCC_A, "深圳"),  # 2: links to 12 by USCC
    ("北京星河软件有限公司", "13911112222", "info@xinghe.cn", "", "北京"),  # 3: new
    ("", "", "nobody@example.com", "", ""),  # 4: no name, no identifier
    ("广州华南物流有限公司", "13700001111", "", USCC_BAD, "广州"),  # 5: bad USCC checksum
    ("北京星河软件有限公司", "13911112222", "info@xinghe.cn", "", "北京市"),  # 6: duplicate of 3
    ("杭州云帆网络有限公司", "12", "", "", "杭州"),  # 7: invalid phone
    ("成都天府食品有限公司", "13655556666", "", USCC_B, "成都"),  # 8: new, key from the USCC
)


def test_rows_are_linked_created_clustered_and_rejected_with_reasons() -> None:
    sink = Sink()
    result = run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, chunk_rows=2, batch_rows=3))
    got = sink.rows
    assert sorted(got) == [2, 3, 4, 5, 6, 7, 8]  # every row is sent, none dropped
    assert got[2]["decision"]["action"] == "link" and got[2]["decision"]["partner_id"] == 12
    assert any(e["field"] == "uscc" for e in got[2]["decision"]["evidence"])
    assert got[2]["external_key"] == f"uscc:{USCC_A}"
    assert got[2]["values"]["mobile"] == "+8613800138000"
    # rows 3 and 6 are one company: one cluster (named after its first row), created once
    assert got[3]["decision"]["action"] == got[6]["decision"]["action"] == "new"
    assert got[3]["decision"]["cluster"] == got[6]["decision"]["cluster"] == "row:3"
    assert got[3]["external_key"] == "name:company:星河软件|info@xinghe.cn"
    assert got[6]["external_key"] == "name:company:星河软件|info@xinghe.cn#2"
    assert got[8]["decision"]["cluster"] == "row:8" and got[8]["external_key"] == f"uscc:{USCC_B}"
    # rejects carry the normaliser's code and a sentence; nothing else of them is sent
    assert got[4]["rejected"]["code"] == "name.empty" and got[4]["decision"] is None
    assert got[5]["rejected"]["code"] == "uscc.checksum" and got[5]["rejected"]["field"] == "uscc"
    assert got[5]["rejected"]["message"][0].isupper() and got[5]["rejected"]["message"].endswith(".")
    assert got[7]["rejected"]["code"] == "phone.invalid"
    assert all(got[n]["values"] == {} for n in (4, 5, 7))
    assert result.state == "done"
    assert result.counts == {"linked": 1, "created": 3, "rejected": 3}
    assert sink.finished[0][0] == "done"
    assert sink.finished[0][2]["rows_read"] == 7


def test_batches_in_file_order_with_checkpoints_and_progress_per_chunk() -> None:
    sink = Sink()
    run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, chunk_rows=2, batch_rows=3))
    assert [n for n, _ in sink.batches] == [1, 2, 3]
    assert [[r["row"] for r in batch] for _n, batch in sink.batches] == [[2, 3, 4], [5, 6, 7], [8]]
    reading = [p for p in sink.progress if p["checkpoint"] is None]
    assert [p["rows_read"] for p in reading] == [2, 4, 6, 7]  # one report per chunk of 2 rows
    applying = [p["checkpoint"] for p in sink.progress if p["checkpoint"]]
    assert applying == [
        {"rows_done": 3, "batches_done": 1},
        {"rows_done": 6, "batches_done": 2},
        {"rows_done": 7, "batches_done": 3},
    ]


def test_a_resumed_run_skips_the_batches_already_applied() -> None:
    first, resumed = Sink(), Sink()
    run(LIST, Index(PARTNERS), first, RunOptions(mapping=MAPPING, batch_rows=3))
    result = run(LIST, Index(PARTNERS), resumed, RunOptions(mapping=MAPPING, batch_rows=3, batches_done=2))
    assert [n for n, _ in resumed.batches] == [3]
    assert resumed.batches[0][1] == first.batches[2][1]  # the same payload as the first time
    assert result.batches_skipped == 2 and result.batches_applied == 1
    state, message, stats = resumed.finished[0]
    assert state == "done" and (stats["batches_applied"], stats["batches_skipped"]) == (1, 2)
    assert message == (
        "Resumed from its checkpoint: batches 1-2 (6 rows), applied by an earlier attempt, were not sent again."
    )
    assert resumed.coded == [("run.resumed", {"batches_done": 2, "rows_done": 6})]
    assert first.finished[0][1] is None  # a run that did not resume says nothing of the kind
    assert first.coded == [(None, {})]


def test_the_same_file_gives_the_same_keys_and_hashes() -> None:
    one, two = Sink(), Sink()
    run(LIST, Index(PARTNERS), one, RunOptions(mapping=MAPPING))
    run(list(LIST), Index(PARTNERS), two, RunOptions(mapping=MAPPING))
    keys = [(r["external_key"], r["hash"]) for r in one.rows.values()]
    assert keys == [(r["external_key"], r["hash"]) for r in two.rows.values()]
    accepted = [k for k, _h in keys if not k.startswith("row:")]
    assert len(accepted) == len(set(accepted)) == 4


def test_an_exact_repeat_inside_the_file_gets_a_numbered_key() -> None:
    twice = rows(
        ("成都天府食品有限公司", "13655556666", "", USCC_B, "成都"),
        ("成都天府食品有限公司", "13655556666", "", USCC_B, "成都"),
    )
    sink = Sink()
    run(twice, Index(), sink, RunOptions(mapping=MAPPING))
    assert [r["external_key"] for r in sink.rows.values()] == [f"uscc:{USCC_B}", f"uscc:{USCC_B}#2"]
    assert [r["decision"]["cluster"] for r in sink.rows.values()] == ["row:2", "row:2"]


def test_reader_problems_reject_the_row_with_the_readers_code() -> None:
    bad = FakeRow(
        9, dict.fromkeys(HEADERS, ""), problems=(Problem("encoding.invalid", "Byte 0xff at 3.", "公司名称"),)
    )
    sink = Sink()
    run([*rows(("成都天府食品有限公司", "", "", "", "")), bad], Index(), sink, RunOptions(mapping=MAPPING))
    assert sink.rows[9]["rejected"] == {
        "code": "encoding.invalid",
        "message": "Byte 0xff at 3.",
        "field": "公司名称",
        "value": None,
    }


def test_a_row_without_a_name_but_with_a_valid_identifier_links_or_is_rejected() -> None:
    nameless = rows(("", "", "", USCC_A, ""), ("", "", "", USCC_B, ""))
    sink = Sink()
    run(nameless, Index(PARTNERS), sink, RunOptions(mapping=MAPPING))
    linked, orphan = sink.rows[2], sink.rows[3]
    assert linked["decision"]["action"] == "link" and linked["decision"]["partner_id"] == 12
    assert "name" not in linked["values"]
    assert orphan["decision"] is None and orphan["rejected"]["code"] == "row.no_name"


def test_unsure_in_file_pairs_become_pair_rows_between_different_clusters() -> None:
    cluster_of = {"row:2": "row:2", "row:3": "row:3", "row:4": "row:2"}
    file_pairs = [
        ("row:2", "row:3", 3.14159, "review"),  # unsure, two clusters: a review entry
        ("row:2", "row:4", 9.0, "link"),  # linked: one cluster already, nothing to review
        ("row:3", "row:4", 2.5, "review"),
        ("row:4", "row:9", 2.0, "review"),  # row 9 was rejected: no partner to compare
    ]
    evidence = {("row:2", "row:3"): (Evidence("email", "exact", 8.5, "same email: +8.5"),)}
    assert pair_rows(file_pairs, cluster_of, evidence) == [
        {
            "row": None,
            "kind": "pair",
            "pair": ["row:2", "row:3"],
            "score": 3.14,
            "evidence": [{"field": "email", "level": "exact", "weight": 8.5, "text": "same email: +8.5"}],
        },
        {"row": None, "kind": "pair", "pair": ["row:3", "row:4"], "score": 2.5, "evidence": []},
    ]
    assert pair_rows([("row:2", "row:4", 2.5, "review")], cluster_of) == []  # same cluster


def test_cancel_stops_before_the_next_chunk_and_applies_nothing() -> None:
    sink = Sink(cancel_after=1)
    result = run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, chunk_rows=2))
    assert result.state == "cancelled"
    assert sink.batches == []
    assert len(sink.progress) == 1 and sink.progress[0]["rows_read"] == 2
    assert sink.finished[0][0] == "cancelled"
    assert sink.finished[0][1] == (
        "Cancelled on request while reading the file, after 2 rows: nothing was applied."
    )
    assert sink.coded == [("run.cancelled_reading", {"rows_read": 2})]
    assert (result.message_code, result.message_params) == sink.coded[0]


def test_cancel_between_batches_says_where_it_stopped_and_what_was_applied() -> None:
    sink = Sink(cancel_after=6)  # 4 read reports, then the second batch's report says cancel
    result = run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, chunk_rows=2, batch_rows=3))
    assert result.state == "cancelled"
    assert [n for n, _ in sink.batches] == [1, 2]  # nothing after the batch in progress
    state, message, stats = sink.finished[0]
    assert state == "cancelled" and result.message == message
    assert message == (
        "Cancelled on request: the worker stopped after batch 2 of 3. 6 of 7 rows were applied "
        "(the file up to row 7); nothing after them was written."
    )
    assert (stats["batches_done"], stats["batches_total"], stats["rows_done"]) == (2, 3, 6)
    assert sink.coded == [
        (
            "run.cancelled",
            {"batches_done": 2, "batches_total": 3, "rows_done": 6, "rows_total": 7, "last_row": 7},
        )
    ]


def test_a_cancel_reported_with_the_last_batch_lets_the_run_finish() -> None:
    sink = Sink(cancel_after=7)  # the third and last batch's report: nothing is left to skip
    result = run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, chunk_rows=2, batch_rows=3))
    assert result.state == "done" and [n for n, _ in sink.batches] == [1, 2, 3]


def test_a_resumed_run_cancelled_while_reading_keeps_what_the_earlier_attempt_applied() -> None:
    sink = Sink(cancel_after=1)
    options = RunOptions(mapping=MAPPING, chunk_rows=2, batch_rows=3, batches_done=1, rows_done=3)
    run(LIST, Index(PARTNERS), sink, options)
    assert sink.batches == []
    assert sink.finished[0][1] == (
        "Cancelled on request while reading the file, after 2 rows: nothing more was applied; "
        "the 3 rows of batches 1-1 applied by an earlier attempt stay."
    )
    assert sink.coded == [
        ("run.cancelled_reading_resumed", {"rows_read": 2, "rows_done": 3, "batches_done": 1})
    ]


def test_dry_run_applies_nothing_and_says_what_would_happen() -> None:
    sink = Sink()
    result = run(LIST, Index(PARTNERS), sink, RunOptions(mapping=MAPPING, dry_run=True))
    assert sink.batches == []
    assert result.counts == {"created": 2, "linked": 2, "review": 0, "rejected": 3, "file_pairs_review": 0}
    actions = {n: action for n, action, _text in result.preview}
    assert actions == {2: "link", 3: "new", 4: "rejected", 5: "rejected", 6: "new", 7: "rejected", 8: "new"}
    assert "USCC" in dict((n, t) for n, _a, t in result.preview)[2]
    assert sink.finished[0][0] == "done" and sink.finished[0][2]["predicted"] == result.counts
    assert sink.coded == [("run.dry_run", None)]
    assert run(LIST, Index(PARTNERS), None, RunOptions(mapping=MAPPING, dry_run=True)).counts == result.counts
    with pytest.raises(ValueError):
        run(LIST, Index(PARTNERS), None, RunOptions(mapping=MAPPING))


def test_the_pipeline_imports_no_io_library() -> None:
    code = (
        "import sys, json, sync_worker.pipeline\n"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"celery", "kombu", "odoorpc", "redis", "requests", "odoo", "urllib3"}


# -- the index cache -----------------------------------------------------------------------


class Partners:
    """Odoo's read_index over a list of partners: pages ordered by (write_date, id) after the cursor."""

    def __init__(self, records: list[dict[str, Any]]):
        self.records = records
        self.calls: list[dict[str, Any] | None] = []

    def read_index(self, cursor: Any = None, limit: int = 5000) -> Any:
        self.calls.append(cursor)
        ordered = sorted(self.records, key=lambda r: (r["write_date"], r["id"]))
        after = [
            r
            for r in ordered
            if cursor is None or (r["write_date"], r["id"]) > (cursor["write_date"], cursor["id"])
        ]
        page = after[:limit]
        last = page[-1] if page else None
        return {
            "records": page,
            "cursor": {"write_date": last["write_date"], "id": last["id"]} if last else cursor,
            "done": len(after) <= limit,
        }


def _partner(pid: int, name: str, when: str, active: bool = True, **more: Any) -> dict[str, Any]:
    return {"id": pid, "active": active, "kind": "company", "name": name, "write_date": when, **more}


def test_index_cache_pulls_everything_once_then_only_what_changed(tmp_path) -> None:
    from sync_worker.index_cache import IndexCache

    odoo = Partners(
        [
            _partner(1, "深圳市腾达科技有限公司", "2026-12-03 07:00:00", uscc=USCC_A),
            _partner(2, "上海明远贸易有限公司", "2026-12-03 07:00:01"),
            _partner(3, "北京星河软件有限公司", "2026-12-03 07:00:02"),
        ]
    )
    cache = IndexCache(tmp_path, odoo, page=2)
    index = cache.index()
    assert sorted(index.keys()) == ["1", "2", "3"]
    assert len(odoo.calls) == 2 and odoo.calls[0] is None  # two pages of two
    assert cache.last_refresh and cache.last_refresh.full
    assert cache.info()["records"] == 3
    assert cache.info()["cursor"] == {"write_date": "2026-12-03 07:00:02", "id": 3}

    # a new process: loads from disk, asks only for what changed since the cursor
    odoo.records[1] = _partner(2, "上海明远贸易有限公司", "2026-12-03 08:00:00", active=False)
    odoo.records.append(_partner(4, "成都天府食品有限公司", "2026-12-03 08:00:01"))
    odoo.calls.clear()
    again = IndexCache(tmp_path, odoo, page=2)
    index = again.index()
    assert odoo.calls[0] == {"write_date": "2026-12-03 07:00:02", "id": 3}
    assert sorted(index.keys()) == ["1", "3", "4"]
    assert again.last_refresh and not again.last_refresh.full
    assert (again.last_refresh.upserted, again.last_refresh.removed) == (1, 1)
    assert IndexCache(tmp_path, odoo).load()[0] is not None
    assert sorted(IndexCache(tmp_path, odoo).load()[0].keys()) == ["1", "3", "4"]  # type: ignore[union-attr]
    assert len(list(tmp_path.glob("index-*"))) == 1  # the previous folder is gone


def test_index_cache_refreshes_match_the_pipeline(tmp_path) -> None:
    from sync_worker.index_cache import IndexCache

    odoo = Partners([_partner(12, "深圳市腾达科技有限公司", "2026-12-03 07:00:00", uscc=USCC_A)])
    sink = Sink()
    run(LIST[:1], IndexCache(tmp_path, odoo), sink, RunOptions(mapping=MAPPING))
    assert sink.rows[2]["decision"]["partner_id"] == 12


def test_index_cache_lock_is_exclusive(tmp_path) -> None:
    import fcntl

    from sync_worker.index_cache import IndexCache

    cache = IndexCache(tmp_path, Partners([]))
    with cache.lock(), (tmp_path / "lock").open("a") as other:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with (tmp_path / "lock").open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released after the block


def test_row_values_phone_and_mobile() -> None:
    from sync_worker.pipeline import row_values

    both = {"name": "腾达科技有限公司", "phone": "0755-88881234", "mobile": "13800138000"}
    values = row_values(both, normalize_record(both))
    assert (values["phone"], values["mobile"]) == ("+8675588881234", "+8613800138000")
    one_cell = {"name": "腾达科技有限公司", "phone": "0755-88881234; 13800138000"}
    values = row_values(one_cell, normalize_record(one_cell))
    assert (values["phone"], values["mobile"]) == ("+8675588881234", "+8613800138000")
    only_mobile = {"name": "腾达科技有限公司", "mobile": "13800138000"}
    assert row_values(only_mobile, normalize_record(only_mobile))["mobile"] == "+8613800138000"
    assert "phone" not in row_values(only_mobile, normalize_record(only_mobile))


def test_the_partner_gets_the_sources_spelling_not_the_matching_forms() -> None:
    headers = (
        "Name",
        "Kind",
        "Company",
        "City",
        "Street",
        "Street 2",
        "Zip",
        "State",
        "Email",
        "Website",
        "Notes",
    )
    mapping = {
        "Name": "name",
        "Kind": "kind",
        "Company": "company",
        "City": "city",
        "Street": "street",
        "Street 2": "street2",
        "Zip": "zip",
        "State": "state",
        "Email": "email",
        "Website": "website",
        "Notes": "comment",
    }
    cells = (
        ("Example Trading Ltd", "", "", "London", "12 Baker Street", "Floor 3", "NW1 6XE", "", "", "", ""),
        (
            " Jane\x07  Doe ",
            "person",
            "Acme\u3000GmbH",
            "München",
            "Leopoldstraße 1",
            "",
            "80802",
            "Bavaria",
            "Jane.Doe@Acme.DE",
            "https://Acme.example/About",
            "Met at CeBIT  \r\n\r\nCall in May",
        ),
    )
    sink = Sink()
    run(
        [FakeRow(2 + i, dict(zip(headers, c, strict=True))) for i, c in enumerate(cells)],
        Index(),
        sink,
        RunOptions(mapping=mapping, default_region="GB"),
    )
    company, person = sink.rows[2]["values"], sink.rows[3]["values"]
    assert {k: company[k] for k in ("name", "city", "street", "street2", "zip")} == {
        "name": "Example Trading Ltd",
        "city": "London",
        "street": "12 Baker Street",
        "street2": "Floor 3",
        "zip": "NW1 6XE",
    }
    assert {k: person.get(k) for k in ("name", "company", "city", "street", "state", "email", "website")} == {
        "name": "Jane Doe",
        "company": "Acme GmbH",
        "city": "München",
        "street": "Leopoldstraße 1",
        "state": "Bavaria",
        "email": "Jane.Doe@acme.de",
        "website": "https://Acme.example/About",
    }
    assert person["comment"] == "Met at CeBIT\nCall in May"
    assert sink.rows[3]["identifiers"]["email"] == ["jane.doe@acme.de"]  # matching stays case-blind


def test_a_free_text_address_beside_a_city_column_reaches_the_partner() -> None:
    headers = ("公司名称", "城市", "地址")
    mapping = {"公司名称": "name", "城市": "city", "地址": "address"}
    cells = (
        ("厦门鹭江贸易有限公司", "厦门", "思明区湖滨南路 88 号"),
        ("福州闽江有限公司", "福州", "鼓楼区五四路128号"),
    )
    sink = Sink()
    run(
        [FakeRow(2 + i, dict(zip(headers, c, strict=True))) for i, c in enumerate(cells)],
        Index(),
        sink,
        RunOptions(mapping=mapping),
    )
    xiamen, fuzhou = sink.rows[2]["values"], sink.rows[3]["values"]
    assert (xiamen["state"], xiamen["city"], xiamen["district"], xiamen["street"]) == (
        "福建省",
        "厦门市",
        "思明区",
        "湖滨南路 88 号",
    )
    assert (fuzhou["city"], fuzhou["district"], fuzhou["street"]) == ("福州市", "鼓楼区", "五四路128号")


def test_a_rejected_row_carries_its_cells_as_read() -> None:
    sink = Sink()
    reader_problem = FakeRow(
        9, dict(zip(HEADERS, ("南京长江航运有限公司", "x" * 300, "", "", "南京"), strict=True))
    )
    reader_problem = Row(
        reader_problem.number, reader_problem.values, (Problem("file.cell_too_long", "too long"),)
    )
    run([*LIST, reader_problem], Index(PARTNERS), sink, RunOptions(mapping=MAPPING))
    bad_uscc = sink.rows[5]
    assert bad_uscc["rejected"] and bad_uscc["rejected"]["code"] == "uscc.checksum"
    assert bad_uscc["raw"] == {  # type: ignore[typeddict-item]
        "公司名称": "广州华南物流有限公司",
        "手机": "13700001111",
        "统一社会信用代码": USCC_BAD,
        "城市": "广州",
    }
    raw = sink.rows[9]["raw"]  # type: ignore[typeddict-item]
    assert raw["公司名称"] == "南京长江航运有限公司" and len(raw["手机"]) == 200 and raw["手机"].endswith("…")
    assert "raw" not in sink.rows[2]  # accepted rows send their values


# -- a re-run: Odoo says which rows it holds unchanged before anything is matched ------------------


def test_a_rerun_matches_and_applies_nothing_odoo_holds_unchanged() -> None:
    keys: dict[str, str] = {}
    first = Sink(keys=keys)
    run(LIST, Index(PARTNERS), first, RunOptions(mapping=MAPPING, batch_rows=3))
    assert first.checks and len(keys) == 4  # the first run asked too: nothing was known yet
    again, index = Sink(keys=keys), Index(PARTNERS)
    result = run(LIST, index, again, RunOptions(mapping=MAPPING, batch_rows=3))
    # Odoo was asked about every accepted row, with the keys and hashes the first run applied
    asked = [(row["row"], row["external_key"], row["hash"]) for _n, part in again.checks for row in part]
    assert asked == [(n, r["external_key"], r["hash"]) for n, r in first.rows.items() if not r["rejected"]]
    assert [n for n, _part in again.checks] == [1]
    assert index.calls == 0, "nothing to match: the index is not even pulled"
    # only the rejected rows still go to apply_batch (the run records their reasons again)
    assert sorted(again.rows) == [4, 5, 7] and all(r["rejected"] for r in again.rows.values())
    assert [n for n, _batch in again.batches] == [1]
    assert result.counts == {"rejected": 3, "unchanged": 4}
    stats = again.finished[0][2]
    assert stats["unchanged_check"] == {"calls": 1, "rows": 4, "unchanged": 4, "held_back": 0}
    assert stats["index"] == {"records": None, "seconds": 0.0, "pulled": False}
    assert stats["rows_accepted"] == 4


def test_a_row_that_changed_at_the_source_is_matched_and_applied_as_before() -> None:
    keys: dict[str, str] = {}
    run(LIST, Index(PARTNERS), Sink(keys=keys), RunOptions(mapping=MAPPING))
    changed = list(LIST)
    changed[6] = rows(("成都天府食品有限公司", "13655556666", "", USCC_B, "成都市武侯区"), first=8)[0]
    again, index = Sink(keys=keys), Index(PARTNERS)
    result = run(changed, index, again, RunOptions(mapping=MAPPING))
    assert index.calls == 1
    assert sorted(again.rows) == [4, 5, 7, 8]
    assert again.rows[8]["decision"]["action"] == "new"  # the changed row, matched again
    assert result.counts == {"rejected": 3, "unchanged": 3, "created": 1}


def test_without_the_check_every_row_is_matched_and_sent() -> None:
    """An Odoo that does not offer check_unchanged (an older addon): the run is what it was."""
    old_odoo, index = Sink(), Index(PARTNERS)
    result = run(LIST, index, old_odoo, RunOptions(mapping=MAPPING))
    assert index.calls == 1 and sorted(old_odoo.rows) == [2, 3, 4, 5, 6, 7, 8]
    assert "unchanged_check" not in old_odoo.finished[0][2]
    assert result.counts == {"linked": 1, "created": 3, "rejected": 3}


def test_a_dry_run_asks_nothing() -> None:
    keys: dict[str, str] = {}
    run(LIST, Index(PARTNERS), Sink(keys=keys), RunOptions(mapping=MAPPING))
    dry = Sink(keys=keys)
    run(LIST, Index(PARTNERS), dry, RunOptions(mapping=MAPPING, dry_run=True))
    assert dry.checks == [] and dry.batches == []


def test_checks_are_numbered_and_a_resumed_rerun_sends_the_same_batches() -> None:
    keys: dict[str, str] = {}
    run(LIST, Index(PARTNERS), Sink(keys=keys), RunOptions(mapping=MAPPING))
    changed = [
        rows((name, phone, email, uscc, city + "区"), first=row.number)[0] if row.number in (3, 8) else row
        for row in LIST
        for name, phone, email, uscc, city in [tuple(row.values[h] for h in HEADERS)]
    ]
    options = RunOptions(mapping=MAPPING, batch_rows=2, check_rows=2)
    frozen = dict(keys)  # Odoo answers a re-sent check from its store: as it was the first time
    first = Sink(keys=dict(frozen))
    run(changed, Index(PARTNERS), first, options)
    assert [n for n, part in first.checks] == [1, 2] and [len(p) for _n, p in first.checks] == [2, 2]
    assert [[r["row"] for r in batch] for _n, batch in first.batches] == [[3, 4], [5, 7], [8]]
    resumed = Sink(keys=dict(frozen))
    result = run(changed, Index(PARTNERS), resumed, RunOptions(**{**options.__dict__, "batches_done": 2}))
    assert resumed.checks == first.checks
    assert [n for n, _batch in resumed.batches] == [3] and resumed.batches[0] == first.batches[2]
    assert result.batches_skipped == 2


PEOPLE_HEADERS = ("类型", "名称", "公司", "邮箱", "统一社会信用代码")
PEOPLE_MAPPING = {
    "类型": "kind",
    "名称": "name",
    "公司": "company",
    "邮箱": "email",
    "统一社会信用代码": "uscc",
}


def people(*cells: tuple[str, ...]) -> list[FakeRow]:
    return [FakeRow(2 + i, dict(zip(PEOPLE_HEADERS, c, strict=True))) for i, c in enumerate(cells)]


def test_a_company_whose_person_goes_on_goes_on_with_it() -> None:
    """The batch apply makes a person's company its parent when the company is in the same batch:
    an unchanged company a changed (or new) person row names is not skipped."""
    keys: dict[str, str] = {}
    company = ("company", "成都天府食品有限公司", "", "", USCC_B)
    other = ("company", "北京星河软件有限公司", "", "info@xinghe.cn", "")
    person = ("person", "王伟", "成都天府食品有限公司", "wang.wei@tianfu.example.cn", "")
    run(people(company, other, person), Index(), Sink(keys=keys), RunOptions(mapping=PEOPLE_MAPPING))
    assert len(keys) == 3
    # the same file: the person is unchanged too, so its company is asked about (last) and skipped
    same = Sink(keys=keys)
    result = run(people(company, other, person), Index(), same, RunOptions(mapping=PEOPLE_MAPPING))
    assert [[r["row"] for r in part] for _n, part in same.checks] == [[3, 4], [2]]
    assert same.batches == [] and result.counts == {"unchanged": 3}
    # a new person at the company: the company goes to apply_batch with it (answered unchanged there)
    newcomer = ("person", "李娜", "成都天府食品有限公司", "li.na@tianfu.example.cn", "")
    grown = Sink(keys=keys)
    result = run(people(company, other, person, newcomer), Index(), grown, RunOptions(mapping=PEOPLE_MAPPING))
    assert [[r["row"] for r in part] for _n, part in grown.checks] == [[3, 4, 5]]
    assert sorted(grown.rows) == [2, 5]
    assert grown.finished[0][2]["unchanged_check"]["held_back"] == 1
    assert result.counts == {"unchanged": 3, "created": 1}  # row 2 counted once, by apply_batch


# -- memos: a re-run does not even normalise the rows Odoo holds unchanged -------------------------


class Memos:
    """The pipeline's RowMemo in memory (sync_worker.row_memo keeps it in SQLite)."""

    def __init__(self) -> None:
        self.memos: dict[str, Any] = {}
        self.used: list[str] = []

    def recall(self, digest: str) -> Any:
        return self.memos.get(digest)

    def remember(self, memos: Any, used: Any) -> None:
        self.memos.update(memos)
        self.used = list(used)


def counting_normalisation(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import sync_worker.pipeline as pipeline

    calls: list[int] = []
    real = pipeline.normalize_row

    def counted(raw: Any, **kwargs: Any) -> Any:
        calls.append(int(str(raw["key"]).split(":")[1]))
        return real(raw, **kwargs)

    monkeypatch.setattr(pipeline, "normalize_row", counted)
    return calls


def test_a_rerun_normalises_only_the_rows_that_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    keys: dict[str, str] = {}
    memos = Memos()
    calls = counting_normalisation(monkeypatch)
    run(LIST, Index(PARTNERS), Sink(keys=keys), RunOptions(mapping=MAPPING), memo=memos)
    assert sorted(calls) == [2, 3, 4, 5, 6, 7, 8] and len(memos.memos) == 7
    changed = list(LIST)
    changed[6] = rows(("成都天府食品有限公司", "13655556666", "", USCC_B, "成都市武侯区"), first=8)[0]
    calls.clear()
    again = Sink(keys=keys)
    result = run(changed, Index(PARTNERS), again, RunOptions(mapping=MAPPING), memo=memos)
    assert calls == [8], "the changed row only"
    assert again.finished[0][2]["rows_recalled"] == 6 and len(memos.used) == 6
    assert result.counts == {"rejected": 3, "unchanged": 3, "created": 1}
    plain = Sink(keys=None)
    run(changed, Index(PARTNERS), plain, RunOptions(mapping=MAPPING))
    assert again.rows[8] == plain.rows[8]  # the same payloads
    assert all(again.rows[n] == plain.rows[n] for n in (4, 5, 7))  # and the same rejections


def test_a_recalled_row_odoo_does_not_confirm_is_normalised_and_sent_as_ever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memos = Memos()
    run(LIST, Index(PARTNERS), Sink(keys={}), RunOptions(mapping=MAPPING), memo=memos)
    calls = counting_normalisation(monkeypatch)
    forgotten = Sink(keys={})  # an Odoo that lost its keys (another database, a restored backup)
    run(LIST, Index(PARTNERS), forgotten, RunOptions(mapping=MAPPING, batch_rows=3), memo=memos)
    assert sorted(calls) == [2, 3, 6, 8]  # the recalled accepted rows, normalised after the check
    plain = Sink()
    run(LIST, Index(PARTNERS), plain, RunOptions(mapping=MAPPING, batch_rows=3))
    assert forgotten.batches == plain.batches  # the same batches, row for row
    old_odoo = Sink()  # does not offer the check: every recalled row is normalised too
    run(LIST, Index(PARTNERS), old_odoo, RunOptions(mapping=MAPPING, batch_rows=3), memo=memos)
    assert old_odoo.batches == plain.batches


def test_a_dry_run_uses_no_memo() -> None:
    memos = Memos()
    run(LIST, Index(PARTNERS), Sink(keys={}), RunOptions(mapping=MAPPING, dry_run=True), memo=memos)
    assert memos.memos == {}


def test_row_memos_on_disk(tmp_path: Any) -> None:
    from sync_worker.pipeline import Memo
    from sync_worker.row_memo import RowMemoStore, code_fingerprint

    first = RowMemoStore(tmp_path, fingerprint="aaaa", max_memos=2)
    assert first.recall("d1") is None
    first.remember({"d1": Memo("company", "uscc:1", "h1", "tianfu", "")}, [])
    bad = {"code": "phone.invalid", "message": "Not a phone number.", "field": "phone", "value": "12"}
    first.remember({"d0": Memo("company", "", "", rejection=bad)}, [])  # type: ignore[arg-type]
    assert RowMemoStore(tmp_path, fingerprint="aaaa").recall("d0") == Memo("company", "", "", rejection=bad)  # type: ignore[arg-type]
    first = RowMemoStore(tmp_path, fingerprint="aaaa", max_memos=2)
    first.remember({"d2": Memo("person", "email:a", "h2", "", "tianfu")}, ["d1"])
    again = RowMemoStore(tmp_path, fingerprint="aaaa", max_memos=2)
    assert again.recall("d1") == Memo("company", "uscc:1", "h1", "tianfu", "")
    assert again.recall("d2") == Memo("person", "email:a", "h2", "", "tianfu")
    again.remember({"d3": Memo("company", "k3", "h3")}, ["d2"])  # d1, least recently used, goes
    assert RowMemoStore(tmp_path, fingerprint="aaaa").recall("d1") is None
    # another version of the code recalls nothing, and the old version's file goes
    other = RowMemoStore(tmp_path, fingerprint="bbbb")
    assert other.recall("d2") is None
    other.remember({}, [])
    assert [p.name for p in tmp_path.glob("rows-*.sqlite")] == ["rows-bbbb.sqlite"]
    (tmp_path / "rows-bbbb.sqlite").write_bytes(b"not a database")
    assert RowMemoStore(tmp_path, fingerprint="bbbb").recall("d2") is None  # unreadable: none
    assert code_fingerprint() == code_fingerprint() and len(code_fingerprint()) == 16


def test_the_memos_follow_the_normalisation_code(tmp_path: Any) -> None:
    from sync_worker.row_memo import code_fingerprint

    (tmp_path / "normalize" / "data").mkdir(parents=True)
    (tmp_path / "normalize" / "phone.py").write_text("RULE = 1\n")
    (tmp_path / "normalize" / "data" / "legal_forms.csv").write_text("有限公司\n")
    (tmp_path / "pipeline.py").write_text("HASH = 1\n")
    before = code_fingerprint(tmp_path)
    assert code_fingerprint(tmp_path) == before
    for name, text in (
        ("normalize/phone.py", "RULE = 2\n"),
        ("normalize/data/legal_forms.csv", "股份有限公司\n"),
        ("pipeline.py", "HASH = 2\n"),
    ):
        (tmp_path / name).write_text(text)
        assert code_fingerprint(tmp_path) != before, name
        before = code_fingerprint(tmp_path)
