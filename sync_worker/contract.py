"""The sync contract, version 1: the worker's mirror of ``docs/rpc-contract.md``.

The addon's ``customer.sync.api`` model answers these payloads; ``sync_worker.odoo_client``
is the only code that calls it. The example payloads in
``addon_customer_info/tests/data/contract/*.json`` are checked against these types by
``tests/unit/test_contract.py`` and against the addon by its own tests, so the two sides cannot
drift. Answers may carry keys that are not listed here (fields are added within a version);
:func:`problems` ignores them.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, NotRequired, TypedDict, Union

CONTRACT_VERSION = 1
MODEL = "customer.sync.api"

RunState = Literal["queued", "running", "done", "failed", "cancelled"]
FinalState = Literal["done", "failed", "cancelled"]
Trigger = Literal["button", "schedule", "cli"]
Outcome = Literal["created", "linked", "review", "rejected", "unchanged"]
Action = Literal["link", "new", "review"]

#: The observation keys a column may be mapped to (``propose_mapping``).
MAPPABLE_FIELDS = (
    "external_key",
    "kind",
    "name",
    "company",
    "function",
    "email",
    "phone",
    "mobile",
    "website",
    "uscc",
    "vat",
    "lei",
    "country",
    "state",
    "city",
    "district",
    "street",
    "street2",
    "zip",
    "address",
    "comment",
)


#: methods added within version 1, called only when ``contract_version`` names them
FEATURES = ("check_unchanged",)


class ContractVersion(TypedDict):
    version: int
    min_worker_version: int
    #: the methods added within the version that Odoo offers (absent: none)
    features: NotRequired[list[str]]


class RunSource(TypedDict):
    id: int
    name: str
    type: str
    vendor: str | None
    purchase_ref: str | None
    mapping: dict[str, str]
    trust: dict[str, int]
    default_region: str | None
    dry_run: bool


class RunFile(TypedDict):
    attachment_id: int | None
    name: str
    size: int
    sha256: str | None
    encoding: str | None
    delimiter: str | None
    header_row: int | None


class Checkpoint(TypedDict):
    rows_done: int
    batches_done: int


class Run(TypedDict):
    run_id: int
    name: str
    source: RunSource
    file: RunFile | None
    checkpoint: Checkpoint
    rows_total: int


class FileChunk(TypedDict):
    data: str  # base64
    offset: int
    size: int
    eof: bool


class UploadAnswer(TypedDict):
    run_id: int
    offset: int  # bytes stored so far
    done: bool  # the last chunk arrived and the sha256 matched


class ProgressAnswer(TypedDict):
    state: RunState
    cancel_requested: bool


class RunCounts(TypedDict):
    created: int
    linked: int
    review: int
    rejected: int
    unchanged: int


class RunSummary(TypedDict):
    run_id: int
    name: str
    source: str
    state: RunState
    trigger: str
    rows_read: int
    rows_total: int
    counts: RunCounts
    started_at: str | None
    finished_at: str | None
    message: str | None
    message_code: NotRequired[str | None]


class MappingProposal(TypedDict):
    mapping: dict[str, str]  # column header -> observation key
    unmapped: list[str]


class IndexCursor(TypedDict):
    write_date: str
    id: int


class IndexRecord(TypedDict):
    id: int
    active: bool
    kind: Literal["company", "person"]
    name: str | None
    company: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    vat: str | None
    uscc: str | None
    lei: str | None
    country: str | None
    state: str | None
    city: str | None
    street: str | None
    zip: str | None
    write_date: str


class IndexPage(TypedDict):
    records: list[IndexRecord]
    cursor: IndexCursor | None
    done: bool


class EvidenceItem(TypedDict):
    field: str
    level: str
    weight: float
    text: str


class RowDecision(TypedDict):
    action: Action
    partner_id: int | None
    score: float | None
    probability: float | None
    cluster: str
    evidence: list[EvidenceItem]
    reasons: list[str]
    candidates: list[int]


class Rejection(TypedDict):
    code: str
    message: str
    field: str | None
    value: str | None


class Identifiers(TypedDict):
    uscc: str | None
    vat: str | None
    lei: str | None
    email: list[str]


class BatchRow(TypedDict):
    row: int
    external_key: str
    hash: str
    kind: Literal["company", "person"]
    values: dict[str, Any]
    identifiers: Identifiers
    decision: RowDecision | None
    rejected: Rejection | None
    #: a rejected row's cells as read (header -> text, empty cells left out, excerpts), so that the
    #: run shows which record it was; optional (v1, additive): Odoo shows ``values`` without it
    raw: NotRequired[dict[str, str]]


class PairRow(TypedDict):
    row: None
    kind: Literal["pair"]
    pair: list[str]  # two clusters, "row:<n>"
    score: float
    evidence: list[EvidenceItem]


class RowResult(TypedDict):
    row: int | None
    outcome: Outcome
    partner_id: int | None
    candidate_id: int | None
    fields_written: list[str]
    fields_kept: list[str]


class BatchAnswer(TypedDict):
    batch_no: int
    results: list[RowResult]
    counts: dict[str, int]


class CheckRow(TypedDict):
    row: int
    external_key: str
    hash: str


class CheckResult(TypedDict):
    row: int | None
    unchanged: bool  # true: counted as unchanged on the run, not to be sent to apply_batch
    partner_id: int | None
    candidate_id: int | None


class CheckAnswer(TypedDict):
    check_no: int
    results: list[CheckResult]
    counts: dict[str, int]


class DueSource(TypedDict):
    source_id: int
    name: str
    type: str
    inbox: str | None


# -- requests: the keyword arguments of each method -----------------------------------


class NoArguments(TypedDict):
    pass


class ClaimRunRequest(TypedDict):
    worker: str


class FetchFileRequest(TypedDict):
    run_id: int
    offset: int
    size: int


class CreateRunRequest(TypedDict):
    source: str | int
    trigger: Literal["cli", "schedule"]
    filename: str
    size: int
    sha256: str
    dry_run: NotRequired[bool]
    worker: NotRequired[str | None]


class UploadChunkRequest(TypedDict):
    run_id: int
    offset: int
    data: str  # base64


#: the values a run's message names, by ``message_code`` (docs/rpc-contract.md, "Run messages")
MessageParams = dict[str, str | int | float | bool | None]


class ReportProgressRequest(TypedDict):
    run_id: int
    rows_read: int
    rows_total: NotRequired[int | None]
    checkpoint: NotRequired[Checkpoint | None]
    message: NotRequired[str | None]
    message_code: NotRequired[str | None]
    message_params: NotRequired[MessageParams | None]


class FinishRunRequest(TypedDict):
    run_id: int
    state: FinalState
    message: NotRequired[str | None]  # English, for whoever reads it without a catalogue
    stats: NotRequired[dict[str, Any] | None]
    message_code: NotRequired[str | None]  # e.g. "run.cancelled", "file.too_large"
    message_params: NotRequired[MessageParams | None]


class ProposeMappingRequest(TypedDict):
    headers: list[str]
    source: NotRequired[str | int | None]


class ReadIndexRequest(TypedDict):
    cursor: NotRequired[IndexCursor | None]
    limit: NotRequired[int]


class ApplyBatchRequest(TypedDict):
    run_id: int
    batch_no: int
    rows: list[BatchRow | PairRow]


class CheckUnchangedRequest(TypedDict):
    run_id: int
    check_no: int
    rows: list[CheckRow]


class ListRunsRequest(TypedDict):
    limit: NotRequired[int]
    source: NotRequired[str | int | None]


#: method -> (type of its keyword arguments, type of its answer)
METHODS: dict[str, tuple[Any, Any]] = {
    "contract_version": (NoArguments, ContractVersion),
    "claim_run": (ClaimRunRequest, Run | Literal[False]),
    "fetch_file": (FetchFileRequest, FileChunk),
    "create_run": (CreateRunRequest, Run),
    "upload_chunk": (UploadChunkRequest, UploadAnswer),
    "report_progress": (ReportProgressRequest, ProgressAnswer),
    "finish_run": (FinishRunRequest, RunSummary),
    "propose_mapping": (ProposeMappingRequest, MappingProposal),
    "read_index": (ReadIndexRequest, IndexPage),
    "apply_batch": (ApplyBatchRequest, BatchAnswer),
    "check_unchanged": (CheckUnchangedRequest, CheckAnswer),
    "list_runs": (ListRunsRequest, list[RunSummary]),
    "due_sources": (NoArguments, list[DueSource]),
}

#: The payload types by the name the example files use (``<name>.json`` or ``<name>_*.json``,
#: or an explicit ``"$type"`` key in the example).
PAYLOADS: dict[str, type] = {
    "contract_version": ContractVersion,
    "run": Run,
    "claim_run": Run,
    "create_run": Run,
    "fetch_file": FileChunk,
    "upload_chunk": UploadAnswer,
    "report_progress": ProgressAnswer,
    "progress": ProgressAnswer,
    "finish_run": RunSummary,
    "run_summary": RunSummary,
    "propose_mapping": MappingProposal,
    "read_index": IndexPage,
    "index_page": IndexPage,
    "index_record": IndexRecord,
    "batch_row": BatchRow,
    "pair_row": PairRow,
    "apply_batch": BatchAnswer,
    "batch_answer": BatchAnswer,
    "row_result": RowResult,
    "check_unchanged": CheckAnswer,
    "check_answer": CheckAnswer,
    "check_row": CheckRow,
    "list_runs": RunSummary,
    "due_sources": DueSource,
    "due_source": DueSource,
}


def _shape(tp: Any) -> type | None:
    """The JSON container a type describes (dict or list), if any."""
    if _typeddict(tp) or typing.get_origin(tp) is dict:
        return dict
    if typing.get_origin(tp) is list:
        return list
    return None


def _typeddict(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def problems(value: object, tp: Any, where: str = "$") -> list[str]:
    """What in ``value`` does not fit ``tp`` (a contract type); empty when it fits.

    Checks required keys, the types of the values present (recursively), ``Literal`` values
    and lists; ignores keys the type does not know (answers may grow within a version).
    """
    origin = typing.get_origin(tp)
    if tp is Any:
        return []
    if tp is None or tp is type(None):
        return [] if value is None else [f"{where}: expected null, got {type(value).__name__}"]
    if origin is Literal:
        allowed = typing.get_args(tp)
        return [] if value in allowed else [f"{where}: {value!r} is not one of {list(allowed)}"]
    if origin in (Union, types.UnionType):
        options = typing.get_args(tp)
        found = [problems(value, option, where) for option in options]
        if any(not p for p in found):
            return []
        # report against the option of the value's own shape (an object against the TypedDict)
        shaped = [p for option, p in zip(options, found, strict=True) if _shape(option) is type(value)]
        return min(shaped or found, key=len)
    if origin is NotRequired:
        return problems(value, typing.get_args(tp)[0], where)
    if _typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: expected an object ({tp.__name__}), got {type(value).__name__}"]
        # with postponed annotations Python 3.11 cannot see NotRequired[...] in
        # __required_keys__: read it from the annotations themselves
        hints = typing.get_type_hints(tp, include_extras=True)
        required = {k for k, h in hints.items() if typing.get_origin(h) is not NotRequired}
        out = [f"{where}: missing key {key!r} ({tp.__name__})" for key in sorted(required - value.keys())]

        for key, hint in hints.items():
            if key in value:
                out.extend(problems(value[key], hint, f"{where}.{key}"))
        return out
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(tp) or (Any,)
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        _key, item = typing.get_args(tp) or (str, Any)
        return [p for k, v in value.items() for p in problems(v, item, f"{where}.{k}")]
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number, got {type(value).__name__}"]
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected an integer, got {type(value).__name__}"]
    if isinstance(tp, type):
        return (
            [] if isinstance(value, tp) else [f"{where}: expected {tp.__name__}, got {type(value).__name__}"]
        )
    raise TypeError(f"{where}: cannot check against {tp!r}")
