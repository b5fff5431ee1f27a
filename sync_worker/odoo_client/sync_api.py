"""The sync contract as typed Python methods: one per public method of ``customer.sync.api``.

Every call goes through an :class:`~sync_worker.odoo_client.base.OdooClient` (JSON-2 or
odoorpc), so the errors are the transports': Odoo's access, validation and user errors are a
:class:`~sync_worker.errors.FatalError` carrying Odoo's message; connection errors, timeouts,
conflicts and HTTP 5xx a :class:`~sync_worker.errors.RetriableError`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast

from sync_worker.contract import (
    CONTRACT_VERSION,
    MODEL,
    BatchAnswer,
    BatchRow,
    CheckAnswer,
    Checkpoint,
    CheckRow,
    ContractVersion,
    DueSource,
    FileChunk,
    FinalState,
    IndexCursor,
    IndexPage,
    MappingProposal,
    MessageParams,
    PairRow,
    ProgressAnswer,
    Run,
    RunSummary,
    UploadAnswer,
)
from sync_worker.errors import FatalError
from sync_worker.odoo_client.base import OdooClient

#: bytes per fetch_file / upload_chunk call (Odoo caps fetch_file at 4 MiB)
CHUNK_BYTES = 2 * 1024 * 1024


class SyncApi:
    """``customer.sync.api`` over one Odoo connection."""

    def __init__(self, client: OdooClient):
        self.client = client
        self.version: ContractVersion | None = None  # Odoo's last contract_version answer

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self.client.call(MODEL, method, **kwargs)

    # -- version --------------------------------------------------------------------------

    def contract_version(self) -> ContractVersion:
        self.version = cast(ContractVersion, self._call("contract_version"))
        return self.version

    def offers(self, feature: str) -> bool:
        """Whether Odoo offers ``feature``, a method added within the version (asked once)."""
        version = self.version if self.version is not None else self.contract_version()
        return feature in (version.get("features") or ())

    def ensure_version(self) -> ContractVersion:
        """Stop with a FatalError naming both versions when this worker does not speak Odoo's."""
        answer = self.contract_version()
        version, minimum = int(answer["version"]), int(answer.get("min_worker_version", answer["version"]))
        if version != CONTRACT_VERSION or CONTRACT_VERSION < minimum:
            raise FatalError(
                f"Odoo speaks sync contract version {version} (workers from version {minimum}); "
                f"this worker speaks version {CONTRACT_VERSION}: upgrade the "
                f"{'worker' if version > CONTRACT_VERSION else 'addon'}"
            )
        return answer

    # -- runs -----------------------------------------------------------------------------

    def claim_run(self, worker: str) -> Run | None:
        return cast(Run, self._call("claim_run", worker=worker)) or None

    def create_run(
        self,
        source: str | int,
        trigger: str,
        filename: str,
        size: int,
        sha256: str,
        dry_run: bool = False,
        worker: str | None = None,
    ) -> Run:
        extra = {"worker": worker} if worker else {}
        return cast(
            Run,
            self._call(
                "create_run",
                source=source,
                trigger=trigger,
                filename=filename,
                size=size,
                sha256=sha256,
                dry_run=dry_run,
                **extra,
            ),
        )

    def fetch_file(self, run_id: int, offset: int, size: int = CHUNK_BYTES) -> FileChunk:
        return cast(FileChunk, self._call("fetch_file", run_id=run_id, offset=offset, size=size))

    def upload_chunk(self, run_id: int, offset: int, data: bytes) -> UploadAnswer:
        encoded = base64.b64encode(data).decode("ascii")
        return cast(UploadAnswer, self._call("upload_chunk", run_id=run_id, offset=offset, data=encoded))

    def report_progress(
        self,
        run_id: int,
        rows_read: int,
        rows_total: int | None = None,
        checkpoint: Checkpoint | None = None,
        message: str | None = None,
        message_code: str | None = None,
        message_params: MessageParams | None = None,
    ) -> ProgressAnswer:
        return cast(
            ProgressAnswer,
            self._call(
                "report_progress",
                run_id=run_id,
                rows_read=rows_read,
                rows_total=rows_total,
                checkpoint=checkpoint,
                message=message,
                **_coded(message_code, message_params),
            ),
        )

    def finish_run(
        self,
        run_id: int,
        state: FinalState,
        message: str | None = None,
        stats: dict[str, Any] | None = None,
        message_code: str | None = None,
        message_params: MessageParams | None = None,
    ) -> RunSummary:
        """End the run. ``message`` is English; ``message_code`` and ``message_params`` let Odoo
        show it in each reader's language (sent only with a code)."""
        return cast(
            RunSummary,
            self._call(
                "finish_run",
                run_id=run_id,
                state=state,
                message=message,
                stats=stats,
                **_coded(message_code, message_params),
            ),
        )

    def list_runs(self, limit: int = 20, source: str | int | None = None) -> list[RunSummary]:
        return cast(list[RunSummary], self._call("list_runs", limit=limit, source=source))

    def due_sources(self) -> list[DueSource]:
        return cast(list[DueSource], self._call("due_sources"))

    # -- data -----------------------------------------------------------------------------

    def propose_mapping(self, headers: Sequence[str], source: str | int | None = None) -> MappingProposal:
        return cast(MappingProposal, self._call("propose_mapping", headers=list(headers), source=source))

    def read_index(self, cursor: IndexCursor | None = None, limit: int = 5000) -> IndexPage:
        return cast(IndexPage, self._call("read_index", cursor=cursor, limit=limit))

    def apply_batch(self, run_id: int, batch_no: int, rows: Sequence[BatchRow | PairRow]) -> BatchAnswer:
        return cast(BatchAnswer, self._call("apply_batch", run_id=run_id, batch_no=batch_no, rows=list(rows)))

    def check_unchanged(self, run_id: int, check_no: int, rows: Sequence[CheckRow]) -> CheckAnswer:
        return cast(
            CheckAnswer, self._call("check_unchanged", run_id=run_id, check_no=check_no, rows=list(rows))
        )

    # -- files ----------------------------------------------------------------------------

    def download(self, run_id: int, out: BinaryIO, expected_sha256: str | None = None) -> int:
        """Copy the run's file into ``out`` chunk by chunk; checks its sha256 when known."""
        digest = hashlib.sha256()
        offset = 0
        while True:
            chunk = self.fetch_file(run_id, offset)
            data = base64.b64decode(chunk["data"])
            out.write(data)
            digest.update(data)
            offset += len(data)
            if chunk["eof"] or not data:
                break
        if expected_sha256 and digest.hexdigest() != expected_sha256:
            raise FatalError(
                f"the file of run {run_id} arrived damaged: sha256 {digest.hexdigest()} "
                f"instead of {expected_sha256}"
            )
        return offset

    def upload(self, run_id: int, path: Path) -> UploadAnswer:
        """Send a file as the run's attachment in chunks; the last answer says whether it is whole."""
        answer: UploadAnswer | None = None
        offset = 0
        for data in _chunks(path):
            answer = self.upload_chunk(run_id, offset, data)
            offset += len(data)
        if answer is None:  # an empty file is still one (empty) chunk
            answer = self.upload_chunk(run_id, 0, b"")
        return answer


def _coded(code: str | None, params: MessageParams | None) -> dict[str, Any]:
    """The message code arguments, only when there is a code (older calls stay as they were)."""
    return {"message_code": code, "message_params": dict(params or {})} if code else {}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for data in _chunks(path):
        digest.update(data)
    return digest.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while data := handle.read(CHUNK_BYTES):
            yield data
