"""One sync run as plain functions over small ports: rows in, batches applied, figures out.

Pure code: no Celery, no Odoo client, no files. The Celery task and the CLI give it

- the rows of the file (:class:`sync_worker.sources.files.Row`: ``number``, ``values``
  (column -> cell), ``problems`` (what the reader could not read: a bad byte, an oversized
  cell) and ``notes``), mapped to observation keys by
  :func:`sync_worker.sources.mapping.apply_mapping`,
- a :class:`IndexPort` that answers the current :class:`~sync_worker.matching.MatchIndex`
  (loaded from the cache and refreshed from Odoo's ``read_index``),
- a :class:`Sink` that applies a batch, reports progress (and answers whether somebody
  pressed *Cancel*) and finishes the run (``customer.sync.api`` through ``SyncApi``).

The flow:

1. **read, map, normalise** every row, in chunks of ``chunk_rows`` (progress and the cancel
   flag after each chunk). A row is *rejected* with a reason when the reader could not read it,
   when it has neither a usable name nor a valid identifier, or when any of its values is
   invalid (a wrong USCC checksum, a malformed e-mail, an unparseable phone): the run records
   the first problem's code and sentence, the admin fixes the row and imports it again. Nothing
   of a rejected row is written to partners; its cells as read go with its reason (``raw``), so
   that the run shows which record it was. Of an accepted row, Odoo receives the first phone and the first
   mobile number (a second number in the phone column when there is no mobile column) and the
   first e-mail as values, every e-mail as an identifier; further phone numbers of one cell are
   matched on but not sent.
2. **ask Odoo what it holds unchanged** (``check_unchanged``, in calls of ``check_rows``): the
   external key and hash of every accepted row. A row whose key Odoo holds with the same hash
   (and a partner or review entry it became) is counted there as *unchanged* and goes no
   further: it is neither matched nor applied, which is what makes a re-run of the same file
   cheap. The other rows go on below; so does a company row that a person row going on names
   as its employer (the batch apply links a person to a company of the same batch), and every
   rejected row (the run records its reason again). When no accepted row is left, the index is
   not even pulled. A resumed run asks again and gets Odoo's stored answers, so the rows that go
   on, and their batches, are the same as in the attempt it resumes. An Odoo that does not offer
   the check (``contract_version`` lists no ``check_unchanged``) gets every row, as before; a
   dry run asks nothing.
3. **match** the remaining accepted rows against the index *and against each other* in one call of
   :func:`~sync_worker.matching.match`: in-file duplicates form clusters (one partner per
   cluster) even when they lie far apart in the file. The whole file is matched at once
   because a duplicate may sit in any chunk; what is held meanwhile is one
   ``NormalizedRecord`` and the payload (as compact JSON) per row, never the raw file. Measured
   on 50 000 generated rows: the run added about 330 MiB to the process, matching and the
   normalisation tables included.
4. **apply** the rows in file order in batches of ``batch_rows``; batch ``n`` is the
   ``batch_no`` of ``apply_batch`` and ``batches_done`` of the checkpoint, so a resumed run
   skips what was applied (and Odoo answers a re-sent batch from its store anyway). The
   in-file pairs the engine was unsure of go last, as ``pair`` rows. Progress and the cancel
   flag after each batch: a cancelled run stops there, and its message says after which batch
   and how many rows were applied (:class:`Cancelled`).
5. **finish** with the run's figures. A dry run does steps 1 and 3 and answers what would be
   created, linked, reviewed and rejected, without applying anything.

External keys (Odoo's idempotency key per source): the mapped ``external_key`` column as is, else a
key from the strongest normalised identifier (``uscc:…``, ``vat:…``, ``lei:…``), else from
the normalised name with the first e-mail or phone (``name:…``). A key repeated inside one
file gets ``#2``, ``#3`` … so that a re-run of the same file meets each stored key with the
same hash and changes nothing.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal, Protocol, cast

from sync_worker.contract import (
    BatchAnswer,
    BatchRow,
    CheckAnswer,
    Checkpoint,
    CheckRow,
    EvidenceItem,
    FinalState,
    Identifiers,
    MessageParams,
    PairRow,
    ProgressAnswer,
    Rejection,
    RowDecision,
)
from sync_worker.matching import Decision, Evidence, MatchConfig, MatchIndex, MatchResult, match
from sync_worker.normalize import Display, NormalizedRecord, normalize_row
from sync_worker.normalize.text import clip, tidy
from sync_worker.sources.files import Row
from sync_worker.sources.mapping import apply_mapping

CHUNK_ROWS = 2000
BATCH_ROWS = 500
CHECK_ROWS = 5000  # rows per check_unchanged call (Odoo takes at most 5000)
EXCERPT = 80
RAW_CELL = 200  # characters of each cell of a rejected row's content (as Odoo keeps them)
RAW_COLUMNS = 40  # and its columns

#: mapped fields passed to Odoo as received (tidied: trimmed, spacing collapsed): matching does not
#: use them; ``True``: several lines kept
_PLAIN = {"function": False, "website": False, "comment": True, "street2": False}


# -- ports ----------------------------------------------------------------------------------


class IndexPort(Protocol):
    def index(self) -> MatchIndex:
        """The match index of existing partners, current as of now."""
        ...


@dataclass(frozen=True, slots=True)
class Memo:
    """What normalising an accepted row gave, as far as a re-run needs it before matching: its
    kind, external key (before in-file repeats are numbered) and hash, and the company keys that
    tie a person to its employer. A pure function of the row's mapped cells and the default
    region (:func:`row_digest`) for one version of the normalisation code."""

    kind: Literal["company", "person"]
    base_key: str
    hash: str
    name_key: str = ""  # a company's name key (``NormalizedRecord.name_pinyin``)
    company_key: str = ""  # a person's employer key (``NormalizedRecord.company_norm``)
    #: a row normalisation rejects: why (kind, key and hash then mean nothing)
    rejection: Rejection | None = None


class RowMemo(Protocol):
    """Memos of rows normalised before, by :func:`row_digest` (a cache: losing it loses nothing,
    a run then normalises every row). Its owner keeps the memos of one version of the
    normalisation code apart from another's."""

    def recall(self, digest: str) -> Memo | None: ...

    def remember(self, memos: Mapping[str, Memo], used: Iterable[str]) -> None:
        """Keep ``memos`` (rows normalised by this run) and mark ``used`` (rows recalled) as used."""
        ...


class Sink(Protocol):
    def check_unchanged(self, check_no: int, rows: Sequence[CheckRow]) -> CheckAnswer | None:
        """Which rows Odoo holds unchanged (counted there); None when Odoo does not offer it."""
        ...

    def apply_batch(self, batch_no: int, rows: Sequence[BatchRow | PairRow]) -> BatchAnswer: ...

    def report_progress(
        self,
        rows_read: int,
        rows_total: int | None = None,
        checkpoint: Checkpoint | None = None,
        message: str | None = None,
    ) -> ProgressAnswer: ...

    def finish(
        self,
        state: FinalState,
        message: str | None,
        stats: dict[str, Any],
        *,
        message_code: str | None = None,
        message_params: MessageParams | None = None,
    ) -> Any:
        """End the run: ``message`` in English, ``message_code`` and ``message_params`` for Odoo to
        say it in the reader's language."""
        ...


Mapper = Callable[[Row, Mapping[str, str]], Mapping[str, Any]]


@dataclass(frozen=True)
class RunOptions:
    mapping: Mapping[str, str]  # column header -> observation key
    default_region: str = "CN"
    dry_run: bool = False
    batches_done: int = 0  # checkpoint of a resumed run: batches already applied
    rows_done: int = 0  # and the rows in them
    chunk_rows: int = CHUNK_ROWS
    batch_rows: int = BATCH_ROWS
    check_rows: int = CHECK_ROWS
    match_config: MatchConfig | None = None


@dataclass
class PipelineResult:
    state: FinalState
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> rows
    batches_applied: int = 0
    batches_skipped: int = 0
    message: str | None = None
    message_code: str | None = None  # the message's code for Odoo's catalogue, e.g. "run.resumed"
    message_params: MessageParams = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    #: dry run: what would happen, row by row (row number, action or "rejected", text)
    preview: list[tuple[int, str, str]] = field(default_factory=list)
    #: the sink's answer to finish (Odoo's RunSummary), when there is a sink
    summary: Any = None


class Cancelled(Exception):
    """Somebody pressed Cancel: stop before the next chunk. Carries where the run stopped:
    ``rows_read`` while reading; ``batches_done`` of ``batches_total`` and ``rows_done`` of
    ``rows_total`` (the file up to row ``last_row``) once batches are applied."""

    def __init__(
        self,
        rows_read: int,
        *,
        batches_done: int = 0,
        rows_done: int = 0,
        batches_total: int | None = None,
        rows_total: int | None = None,
        last_row: int | None = None,
    ):
        super().__init__("cancelled")
        self.rows_read = rows_read
        self.batches_done = batches_done
        self.rows_done = rows_done
        self.batches_total = batches_total
        self.rows_total = rows_total
        self.last_row = last_row

    def message(self) -> str:
        """Where the worker stopped and what was applied, for the run in Odoo."""
        if self.batches_total is None:  # still reading the file
            text = f"Cancelled on request while reading the file, after {self.rows_read} rows: "
            if self.batches_done:
                return text + (
                    f"nothing more was applied; the {self.rows_done} rows of batches 1-{self.batches_done} "
                    "applied by an earlier attempt stay."
                )
            return text + "nothing was applied."
        upto = f" (the file up to row {self.last_row})" if self.last_row else ""
        return (
            f"Cancelled on request: the worker stopped after batch {self.batches_done} of "
            f"{self.batches_total}. {self.rows_done} of {self.rows_total} rows were applied{upto}; "
            "nothing after them was written."
        )

    def coded(self) -> tuple[str, MessageParams]:
        """The message's code and parameters (Odoo's catalogue says it in the reader's language)."""
        if self.batches_total is None:
            if self.batches_done:
                return "run.cancelled_reading_resumed", {
                    "rows_read": self.rows_read,
                    "rows_done": self.rows_done,
                    "batches_done": self.batches_done,
                }
            return "run.cancelled_reading", {"rows_read": self.rows_read}
        params: MessageParams = {
            "batches_done": self.batches_done,
            "batches_total": self.batches_total,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
        }
        if self.last_row:
            return "run.cancelled", {**params, "last_row": self.last_row}
        return "run.cancelled_in_pairs", params


# -- mapping and row payloads -----------------------------------------------------------------


def _excerpt(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else text


def reader_rejection(problem: object) -> Rejection:
    """A reader problem (an object with code/message, or a sentence) as the contract's rejection."""
    if isinstance(problem, str):
        return {"code": "file.row", "message": problem, "field": None, "value": None}
    message = getattr(problem, "message", None) or getattr(problem, "reason", None) or str(problem)
    return {
        "code": str(getattr(problem, "code", None) or "file.row"),
        "message": str(message),
        "field": getattr(problem, "field", None) or getattr(problem, "column", None),
        "value": _excerpt(getattr(problem, "value", None)),
    }


def _phone_values(raw: Mapping[str, Any], record: NormalizedRecord) -> dict[str, str]:
    """E.164 of the phone and the mobile column (normalisation keeps phones first, then mobiles)."""
    phones = record.phones
    if not phones:
        return {}
    has_phone, has_mobile = bool(raw.get("phone")), bool(raw.get("mobile"))
    if has_phone and has_mobile:
        return {"phone": phones[0], **({"mobile": phones[-1]} if len(phones) > 1 else {})}
    if has_phone and len(phones) > 1:  # several numbers in the phone column: the second as mobile
        return {"phone": phones[0], "mobile": phones[1]}
    return {"phone" if has_phone else "mobile": phones[0]}


def row_values(
    raw: Mapping[str, Any], record: NormalizedRecord, display: Display | None = None
) -> dict[str, Any]:
    """What Odoo is asked to store: the source's own spelling (``display``, tidied but never
    case-folded: the record's folded forms are for matching only), E.164 phones, ISO country codes,
    valid identifiers; the official names of Chinese provinces and cities."""
    if display is None:
        display = normalize_row(raw)[1]
    values: dict[str, Any] = {"name": display.name} if record.name_norm else {}
    if record.kind == "person" and display.company:
        values["company"] = display.company
    if display.emails:
        values["email"] = display.emails[0]
    values.update(_phone_values(raw, record))
    for key, value in (
        ("country", record.country),
        ("state", display.province),
        ("city", display.city),
        ("district", display.district),
        ("street", display.street),
        ("zip", display.zip),
    ):
        if value:
            values[key] = value
    for key, lines in _PLAIN.items():
        text = tidy(raw.get(key), lines=lines)
        if text:
            values[key] = text
    for key in ("uscc", "vat", "lei"):
        if getattr(record, key):
            values[key] = getattr(record, key)
    return values


def identifiers(record: NormalizedRecord) -> Identifiers:
    return {"uscc": record.uscc, "vat": record.vat, "lei": record.lei, "email": list(record.emails)}


def base_key(raw: Mapping[str, Any], record: NormalizedRecord) -> str:
    """The row's external key before in-file repeats are numbered."""
    explicit = clip(raw.get("external_key"))
    if explicit:
        return explicit  # the source's own key, as the source gives it
    for kind in ("uscc", "vat", "lei"):
        value = getattr(record, kind)
        if value:
            return f"{kind}:{value}"
    contact = (record.emails or record.phones or ("",))[0]
    return f"name:{record.kind}:{record.name_norm or record.name}|{contact}"


def row_hash(kind: str, values: Mapping[str, Any], ids: Identifiers) -> str:
    text = json.dumps(
        {"kind": kind, "values": values, "identifiers": ids}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_digest(raw: Mapping[str, Any], default_region: str) -> str:
    """The fingerprint of a row's mapped cells (its row number left out) under ``default_region``:
    what a :class:`Memo` is kept by."""
    cells = sorted((str(k), v) for k, v in raw.items() if k != "key")
    text = json.dumps([default_region, cells], ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _evidence_items(evidence: Sequence[Evidence]) -> list[EvidenceItem]:
    return [{"field": e.field, "level": e.level, "weight": e.weight, "text": e.text} for e in evidence]


def _evidence(decision: Decision) -> list[EvidenceItem]:
    return _evidence_items(decision.evidence)


def _partner_id(key: str | None) -> int | None:
    return int(key) if key is not None and key.isdigit() else None


# -- the flow -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Accepted:
    """An accepted row until it is sent: its payload kept as compact JSON text (a third of the
    memory of the dictionaries), decoded again batch by batch."""

    number: int
    external_key: str
    hash: str
    kind: Literal["company", "person"]
    payload: str  # JSON: {"values": ..., "identifiers": ...}; "" until a recalled row is normalised
    nameless: bool
    name_key: str = ""  # a company's name key
    company_key: str = ""  # a person's employer key
    #: a row recalled from its memo: its mapped cells (JSON), normalised only if it goes on
    cells: str | None = None

    @property
    def values(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(self.payload)["values"])

    def decoded(self) -> tuple[dict[str, Any], Identifiers]:
        data = json.loads(self.payload)
        return data["values"], data["identifiers"]


@dataclass
class _Read:
    rows_read: int = 0
    accepted: list[_Accepted] = field(default_factory=list)
    records: list[NormalizedRecord | None] = field(default_factory=list)  # None: recalled
    rejected: dict[int, Rejection] = field(default_factory=dict)
    rejected_raw: dict[int, dict[str, str]] = field(default_factory=dict)  # row -> cells as read
    notes: int = 0
    #: the memos of the rows this run normalised, and the digests of the rows it recalled
    fresh: dict[str, Memo] = field(default_factory=dict)
    recalled: list[str] = field(default_factory=list)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _normalised(
    raw: dict[str, Any], number: int, default_region: str
) -> tuple[NormalizedRecord, dict[str, Any], Identifiers] | Rejection:
    """A row's record, values and identifiers; or why it is rejected."""
    raw["key"] = f"row:{number}"
    record, display = normalize_row(raw, default_region=default_region)
    has_id = bool(record.uscc or record.vat or record.lei)
    # a missing or unusable name is forgiven when a valid identifier can still link the
    # row; any other invalid value rejects the row with its reason
    blocking = [p for p in record.problems if p.field != "name" or not has_id]
    if blocking:
        problem = blocking[0]
        return {
            "code": problem.code,
            "message": _sentence(problem.reason),
            "field": problem.field,
            "value": problem.value,
        }
    return record, row_values(raw, record, display), identifiers(record)


def _payload(values: Mapping[str, Any], ids: Identifiers) -> str:
    return json.dumps({"values": values, "identifiers": ids}, ensure_ascii=False, separators=(",", ":"))


def _company_keys(record: NormalizedRecord) -> tuple[str, str]:
    """(name key of a company, employer key of a person)."""
    if record.kind == "company":
        return record.name_pinyin or "", ""
    return "", record.company_norm or ""


def _read(
    rows: Iterable[Row], options: RunOptions, sink: Sink | None, mapper: Mapper, memo: RowMemo | None
) -> _Read:
    read = _Read()
    seen_keys: dict[str, int] = {}

    def numbered(key: str) -> str:
        seen_keys[key] = seen_keys.get(key, 0) + 1
        return f"{key}#{seen_keys[key]}" if seen_keys[key] > 1 else key

    for chunk in _chunks(rows, options.chunk_rows):
        for row in chunk:
            read.rows_read += 1
            read.notes += len(row.notes)
            if row.problems:
                read.rejected[row.number] = reader_rejection(row.problems[0])
                read.rejected_raw[row.number] = raw_cells(row)
                continue
            raw = dict(mapper(row, options.mapping))
            digest = row_digest(raw, options.default_region) if memo is not None else ""
            known = memo.recall(digest) if memo is not None else None
            if known is not None and known.rejection is not None:
                read.recalled.append(digest)
                read.rejected[row.number] = known.rejection  # the reason normalising gave
                read.rejected_raw[row.number] = raw_cells(row)
                continue
            if known is not None:
                # normalised by an earlier run: Odoo may well hold it unchanged (normalised later
                # only if it is not)
                read.recalled.append(digest)
                read.accepted.append(
                    _Accepted(
                        number=row.number,
                        external_key=numbered(known.base_key),
                        hash=known.hash,
                        kind=known.kind,
                        payload="",
                        nameless=False,
                        name_key=known.name_key,
                        company_key=known.company_key,
                        cells=json.dumps(raw, ensure_ascii=False, default=str, separators=(",", ":")),
                    )
                )
                read.records.append(None)
                continue
            found = _normalised(raw, row.number, options.default_region)
            if isinstance(found, dict):
                read.rejected[row.number] = found
                read.rejected_raw[row.number] = raw_cells(row)
                if memo is not None:
                    read.fresh[digest] = Memo("company", "", "", rejection=found)
                continue
            record, values, ids = found
            key = base_key(raw, record)
            digest_hash = row_hash(record.kind, values, ids)
            name_key, company_key = _company_keys(record)
            if memo is not None:
                read.fresh[digest] = Memo(record.kind, key, digest_hash, name_key, company_key)
            read.accepted.append(
                _Accepted(
                    number=row.number,
                    external_key=numbered(key),
                    hash=digest_hash,
                    kind=record.kind,
                    payload=_payload(values, ids),
                    nameless=not record.name_norm,
                    name_key=name_key,
                    company_key=company_key,
                )
            )
            read.records.append(record)
        if sink is not None:
            answer = sink.report_progress(rows_read=read.rows_read)
            if answer.get("cancel_requested"):
                raise Cancelled(
                    read.rows_read, batches_done=options.batches_done, rows_done=options.rows_done
                )
    return read


@dataclass
class _Checked:
    """What ``check_unchanged`` answered for the run's accepted rows."""

    calls: int = 0
    rows: int = 0  # rows asked about
    unchanged: int = 0  # rows Odoo confirmed (and counted on the run): not matched, not applied
    held_back: int = 0  # companies not asked about: a person row naming them goes on


def _check_unchanged(read: _Read, sink: Sink, size: int) -> _Checked | None:
    """Ask Odoo which accepted rows it holds unchanged (same external key and hash, see
    ``check_unchanged``) and drop those from ``read``: they are neither matched nor applied,
    Odoo has counted them as unchanged. None when this Odoo does not offer the check.

    A company row that a person row of the file names as its employer is asked about last, and
    only when every person row naming it was confirmed: otherwise it goes on with them, so that
    the batch apply still finds the person's company in the batch (Odoo answers it unchanged
    there, and counts it once, there).
    """
    items = read.accepted
    employers = {item.company_key for item in items if item.kind == "person" and item.company_key}
    first: list[int] = []
    named: list[int] = []
    for position, item in enumerate(items):
        is_employer = item.kind == "company" and bool(item.name_key) and item.name_key in employers
        (named if is_employer else first).append(position)
    checked = _Checked()
    confirmed: set[int] = set()

    def ask(positions: Sequence[int]) -> bool:
        for start in range(0, len(positions), size):
            part = positions[start : start + size]
            rows: list[CheckRow] = [
                {
                    "row": read.accepted[i].number,
                    "external_key": read.accepted[i].external_key,
                    "hash": read.accepted[i].hash,
                }
                for i in part
            ]
            answer = sink.check_unchanged(checked.calls + 1, rows)
            if answer is None:
                return False
            checked.calls += 1
            checked.rows += len(rows)
            same = {result["row"] for result in answer["results"] if result.get("unchanged")}
            confirmed.update(i for i in part if read.accepted[i].number in same)
        return True

    if not ask(first) and not checked.calls:
        return None
    going_on = {items[i].company_key for i in first if i not in confirmed and items[i].kind == "person"}
    second = [i for i in named if items[i].name_key not in going_on]
    checked.held_back = len(named) - len(second)
    if not ask(second) and not checked.calls:
        return None
    checked.unchanged = len(confirmed)
    if confirmed:
        keep = [i for i in range(len(items)) if i not in confirmed]
        read.accepted = [items[i] for i in keep]
        read.records = [read.records[i] for i in keep]
    return checked


def _complete(read: _Read, default_region: str) -> None:
    """Normalise the recalled rows that go on (Odoo did not confirm them, or was not asked)."""
    if all(record is not None for record in read.records):
        return
    accepted: list[_Accepted] = []
    records: list[NormalizedRecord | None] = []
    for item, record in zip(read.accepted, read.records, strict=True):
        if record is None:
            assert item.cells is not None
            raw = json.loads(item.cells)
            found = _normalised(raw, item.number, default_region)
            if isinstance(found, dict):  # not with the code that wrote the memo: reject as always
                read.rejected[item.number] = found
                read.rejected_raw[item.number] = {str(k): str(v) for k, v in raw.items() if v and k != "key"}
                continue
            record, values, ids = found
            item.hash = row_hash(record.kind, values, ids)
            item.payload = _payload(values, ids)
            item.nameless = not record.name_norm
            item.cells = None
        accepted.append(item)
        records.append(record)
    read.accepted, read.records = accepted, records


def _cluster_names(read: _Read, decisions: Sequence[Decision]) -> dict[str, str]:
    """Row key -> its cluster's name: ``row:<n>`` of the cluster's first row in the file."""
    first_of_cluster: dict[int, str] = {}
    for item, decision in zip(read.accepted, decisions, strict=True):
        first_of_cluster.setdefault(decision.cluster, f"row:{item.number}")
    return {
        f"row:{item.number}": first_of_cluster[decision.cluster]
        for item, decision in zip(read.accepted, decisions, strict=True)
    }


def _accepted_row(item: _Accepted, decision: Decision, cluster: str) -> BatchRow:
    partner = _partner_id(decision.partner_key)
    rejected: Rejection | None = None
    row_decision: RowDecision | None = {
        "action": decision.action,
        "partner_id": partner,
        "score": decision.score,
        "probability": decision.probability,
        "cluster": cluster,
        "evidence": _evidence(decision),
        "reasons": list(decision.reasons),
        "candidates": [partner] if partner is not None else [],
    }
    if decision.action == "new" and item.nameless:
        rejected = {
            "code": "row.no_name",
            "message": "The row matches no existing partner and has no name to create one with.",
            "field": "name",
            "value": None,
        }
        row_decision = None
    values, ids = item.decoded()
    return {
        "row": item.number,
        "external_key": item.external_key,
        "hash": item.hash,
        "kind": item.kind,
        "values": values,
        "identifiers": ids,
        "decision": row_decision,
        "rejected": rejected,
    }


def raw_cells(row: Row) -> dict[str, str]:
    """A row's non-empty cells as read (header -> text), as excerpts: what a rejected row shows."""
    cells: dict[str, str] = {}
    for header, value in row.values.items():
        text = "" if value is None else str(value)
        if text.strip():
            cells[str(header)] = text if len(text) <= RAW_CELL else text[: RAW_CELL - 1] + "…"
            if len(cells) >= RAW_COLUMNS:
                break
    return cells


def _rejected_row(number: int, rejection: Rejection, raw: dict[str, str] | None = None) -> BatchRow:
    row: BatchRow = {
        "row": number,
        "external_key": f"row:{number}",
        "hash": "",
        "kind": "company",
        "values": {},
        "identifiers": {"uscc": None, "vat": None, "lei": None, "email": []},
        "decision": None,
        "rejected": rejection,
    }
    if raw:
        row["raw"] = raw
    return row


def _rows_in_order(
    read: _Read, decisions: Sequence[Decision], clusters: Mapping[str, str]
) -> Iterator[BatchRow]:
    """Every row's payload in file order, built one at a time (accepted and rejected merged)."""
    accepted = (
        (item.number, 0, item, decision) for item, decision in zip(read.accepted, decisions, strict=True)
    )
    rejected = ((number, 1, rejection, None) for number, rejection in sorted(read.rejected.items()))
    for number, _side, item, decision in heapq.merge(accepted, rejected, key=lambda entry: entry[0]):
        if decision is None:
            yield _rejected_row(number, cast(Rejection, item), read.rejected_raw.get(number))
        else:
            yield _accepted_row(cast(_Accepted, item), decision, clusters[f"row:{number}"])


def pair_rows(
    file_pairs: Sequence[tuple[str, str, float, str]],
    cluster_of: Mapping[str, str],
    evidence: Mapping[tuple[str, str], Sequence[Evidence]] | None = None,
) -> list[PairRow]:
    """In-file pairs the engine was unsure of, between rows that did not end in one cluster,
    each with the engine's per-field evidence for the reviewer."""
    out: list[PairRow] = []
    for left, right, score, action in file_pairs:
        if action != "review" or left not in cluster_of or right not in cluster_of:
            continue
        if cluster_of[left] == cluster_of[right]:
            continue
        items = _evidence_items((evidence or {}).get((left, right), ()))
        out.append(
            {"row": None, "kind": "pair", "pair": [left, right], "score": round(score, 2), "evidence": items}
        )
    return out


def predicted_counts(rows: Sequence[BatchRow], pairs: Sequence[PairRow]) -> dict[str, int]:
    """What a dry run would do: rows per outcome, and partners it would create (one per cluster)."""
    counts = {"created": 0, "linked": 0, "review": 0, "rejected": 0}
    clusters: set[str] = set()
    for row in rows:
        decision = row["decision"]
        if row["rejected"] or decision is None:
            counts["rejected"] += 1
        elif decision["action"] == "link":
            counts["linked"] += 1
        elif decision["action"] == "review":
            counts["review"] += 1
        elif decision["cluster"] in clusters:
            counts["linked"] += 1  # a duplicate in the file: links to the partner its cluster creates
        else:
            clusters.add(decision["cluster"])
            counts["created"] += 1
    counts["file_pairs_review"] = len(pairs)
    return counts


def run(
    rows: Iterable[Row],
    index: IndexPort,
    sink: Sink | None,
    options: RunOptions,
    *,
    mapper: Mapper = apply_mapping,
    clock: Callable[[], float] = time.monotonic,
    memo: RowMemo | None = None,
) -> PipelineResult:
    """One run from rows to finished figures. ``sink`` may be None only for a dry run.

    ``memo``: rows normalised by earlier runs; a recalled row that Odoo holds unchanged is not
    even normalised again (a dry run does not use it)."""
    if sink is None and not options.dry_run:
        raise ValueError("a run that applies needs a sink")
    started = clock()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = clock()
        timings[name] = round(now - since, 3)
        return now

    try:
        memo = memo if sink is not None and not options.dry_run else None
        read = _read(rows, options, sink, mapper, memo)
        mark = lap("read", started)
        accepted = len(read.accepted)
        recalled = len(read.recalled)
        checked: _Checked | None = None
        if sink is not None and not options.dry_run:
            checked = _check_unchanged(read, sink, options.check_rows)
            mark = lap("check", mark)
        _complete(read, options.default_region)
        if memo is not None:
            memo.remember(read.fresh, read.recalled)
            read.fresh.clear()
            read.recalled.clear()
        records = cast(list[NormalizedRecord], read.records)  # every row that goes on is normalised
        index_stats: dict[str, Any]
        if records or options.dry_run:
            match_index = index.index()
            mark = lap("index", mark)
            result = match(records, match_index, options.match_config or MatchConfig())
            mark = lap("match", mark)
            index_stats = {"records": len(match_index), "seconds": timings["index"]}
        else:
            # every accepted row is unchanged: nothing to match, so the index is not pulled (the
            # next run that matches pulls what changed since the cache's cursor, as always)
            result = MatchResult(decisions=[], clusters=[])
            index_stats = {"records": None, "seconds": 0.0, "pulled": False}
        clusters = _cluster_names(read, result.decisions)
        pairs = pair_rows(result.file_pairs, clusters, result.pair_evidence)
        stats: dict[str, Any] = {
            "rows_read": read.rows_read,
            "rows_accepted": accepted,
            "reader_notes": read.notes,
            "index_records": index_stats["records"],
            "index": index_stats,
            "matching": {k: v for k, v in result.stats.items() if k != "model_notes"},
        }
        if memo is not None:
            stats["rows_recalled"] = recalled  # not normalised before the check: a memo had them
        if checked is not None:
            stats["unchanged_check"] = {
                "calls": checked.calls,
                "rows": checked.rows,
                "unchanged": checked.unchanged,
                "held_back": checked.held_back,
            }
        if options.dry_run:
            texts = {d.key: d.explain() for d in result.decisions}
            every = list(_rows_in_order(read, result.decisions, clusters))
            preview: list[tuple[int, str, str]] = [
                (
                    row["row"],
                    "rejected" if row["rejected"] or not row["decision"] else row["decision"]["action"],
                    row["rejected"]["message"] if row["rejected"] else texts.get(f"row:{row['row']}", ""),
                )
                for row in every
            ]
            lap("total", started)
            stats["timings"] = timings
            counts = predicted_counts(every, pairs)
            if sink is not None:
                sink.finish(
                    "done",
                    "Dry run: nothing was applied.",
                    {**stats, "predicted": counts},
                    message_code="run.dry_run",
                )
            return PipelineResult(
                state="done",
                rows_read=read.rows_read,
                counts=counts,
                message="dry run",
                stats=stats,
                preview=preview,
            )
        read.records.clear()  # matching is done: only the payloads are needed from here
        assert sink is not None
        total = len(read.accepted) + len(read.rejected)
        outcome = _apply(
            _rows_in_order(read, result.decisions, clusters), total, pairs, sink, options, read.rows_read
        )
        if checked is not None and checked.unchanged:
            outcome.counts["unchanged"] = outcome.counts.get("unchanged", 0) + checked.unchanged
        lap("apply", mark)
        lap("total", started)
        stats["timings"] = timings
        stats["batches"] = outcome.batches_applied + outcome.batches_skipped
        stats["batches_applied"] = outcome.batches_applied
        stats["batches_skipped"] = outcome.batches_skipped
        outcome.stats = stats
        sink.finish(
            "done",
            outcome.message,
            stats,
            message_code=outcome.message_code,
            message_params=outcome.message_params,
        )
        return outcome
    except Cancelled as stop:
        lap("total", started)
        message = stop.message()
        code, params = stop.coded()
        stats = {
            "timings": timings,
            "rows_read": stop.rows_read,
            "batches_done": stop.batches_done,
            "batches_total": stop.batches_total,
            "rows_done": stop.rows_done,
        }
        if sink is not None:
            sink.finish("cancelled", message, stats, message_code=code, message_params=params)
        return PipelineResult(
            state="cancelled",
            rows_read=stop.rows_read,
            message=message,
            message_code=code,
            message_params=params,
            stats=stats,
        )


def _apply(
    rows: Iterator[BatchRow],
    total: int,
    pairs: Sequence[PairRow],
    sink: Sink,
    options: RunOptions,
    rows_read: int,
) -> PipelineResult:
    """Send ``rows`` (``total`` of them, file order) then ``pairs`` in numbered batches; the
    batches up to ``options.batches_done`` (a resumed run's checkpoint) are not sent again."""
    outcome = PipelineResult(state="done", rows_read=rows_read)
    counts: dict[str, int] = {}
    size = options.batch_rows
    row_batches = -(-total // size)
    last = row_batches + -(-len(pairs) // size)
    rows_done = 0
    last_row: int | None = None
    for batch_no in range(1, last + 1):
        if batch_no <= row_batches:
            batch: list[BatchRow | PairRow] = list(islice(rows, size))
            rows_done += len(batch)
            last_row = cast(BatchRow, batch[-1])["row"] if batch else last_row
        else:
            start = (batch_no - row_batches - 1) * size
            batch = list(pairs[start : start + size])
        if batch_no <= options.batches_done:
            outcome.batches_skipped += 1
            if batch_no == options.batches_done:
                outcome.message = (
                    f"Resumed from its checkpoint: batches 1-{batch_no} ({rows_done} rows), applied by "
                    "an earlier attempt, were not sent again."
                )
                outcome.message_code = "run.resumed"
                outcome.message_params = {"batches_done": batch_no, "rows_done": rows_done}
            continue
        answer = sink.apply_batch(batch_no, batch)
        outcome.batches_applied += 1
        for name, number in answer.get("counts", {}).items():
            counts[name] = counts.get(name, 0) + int(number)
        progress = sink.report_progress(
            rows_read=rows_read,
            rows_total=rows_read,
            checkpoint={"rows_done": rows_done, "batches_done": batch_no},
        )
        if progress.get("cancel_requested") and batch_no < last:
            raise Cancelled(
                rows_read,
                batches_done=batch_no,
                rows_done=rows_done,
                batches_total=last,
                rows_total=total,
                last_row=last_row,
            )
    outcome.counts = counts
    return outcome
