from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .customer_sync_run import DEFAULT_STALE_AFTER, FINAL_STATES
from .customer_sync_source import INTEGRATION_GROUP

CONTRACT_VERSION = 1
MIN_WORKER_VERSION = 1
MAX_LIST = 200
FEATURES = ("check_unchanged",)
"""Methods added within version 1: a worker calls them only when ``contract_version`` lists them."""


class CustomerSyncApi(models.AbstractModel):
    """The sync contract, version 1 (docs/rpc-contract.md): what the worker may call.

    Public methods only, each an ``@api.model`` method with keyword arguments and JSON answers;
    each checks first that the caller belongs to *Customer Information / Integration*, then
    delegates to private methods of the sources and runs, which hold the rules (the UI uses the
    same ones). The example payloads of ``tests/data/contract/`` are checked against them.
    """

    _name = "customer.sync.api"
    _description = "Customer Sync API (contract v1)"

    # ------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------

    @api.model
    def _check_caller(self):
        if not self.env.user.has_group(INTEGRATION_GROUP):
            raise AccessError(
                self.env._("The sync API is reserved to the Customer Information / Integration group.")
            )

    @api.model
    def _run(self, run_id):
        """The run ``run_id`` of an active source of the caller's companies, or a UserError."""
        if not isinstance(run_id, int) or isinstance(run_id, bool):
            raise UserError(self.env._("A run is given by its id."))
        run = self.env["customer.sync.run"].browse(run_id).exists()
        if not run or run.company_id not in self.env.companies:
            raise UserError(self.env._("There is no sync run %(run)s.", run=run_id))
        run.check_access("read")
        if not run.source_id.active:
            raise UserError(self.env._("The source of run %(run)s is archived.", run=run.name))
        return run

    # ------------------------------------------------------------
    # THE CONTRACT
    # ------------------------------------------------------------

    @api.model
    @api.readonly
    def contract_version(self):
        """``{version, min_worker_version, features}``: ``features`` names the methods added
        within the version (an older addon answers without it)."""
        self._check_caller()
        return {
            "version": CONTRACT_VERSION,
            "min_worker_version": MIN_WORKER_VERSION,
            "features": list(FEATURES),
        }

    @api.model
    def claim_run(self, worker, stale_after=DEFAULT_STALE_AFTER):
        """The oldest queued run (or a stale running one, with its checkpoint), now running for
        ``worker``; ``False`` when there is none."""
        self._check_caller()
        if not isinstance(worker, str) or not worker.strip():
            raise UserError(self.env._("A worker claims a run under its name."))
        run = self.env["customer.sync.run"]._claim(worker.strip()[:128], stale_after=stale_after)
        return run._contract_values() if run else False

    @api.model
    @api.readonly
    def fetch_file(self, run_id, offset=0, size=1024 * 1024):
        """``{data, offset, size, eof}``: base64 of at most ``size`` bytes (4 MiB) of the run's file."""
        self._check_caller()
        return self._run(run_id)._read_chunk(offset, size)

    @api.model
    def create_run(self, source, trigger, filename, size, sha256, dry_run=False, worker=None):
        """A run already ``running`` for the caller (CLI or scheduler); its file follows by
        ``upload_chunk``."""
        self._check_caller()
        found = self.env["customer.sync.source"]._find_for_api(source)
        run = self.env["customer.sync.run"]._create_for_worker(
            found, trigger, filename, size, sha256, worker=worker, dry_run=dry_run
        )
        return run._contract_values()

    @api.model
    def upload_chunk(self, run_id, offset, data):
        """Append ``data`` (base64) at ``offset`` to the run's file: ``{run_id, offset, complete}``."""
        self._check_caller()
        return self._run(run_id)._store_chunk(offset, data)

    @api.model
    def report_progress(
        self,
        run_id,
        rows_read,
        rows_total=None,
        checkpoint=None,
        message=None,
        message_code=None,
        message_params=None,
    ):
        """Move the counters and keep the checkpoint: ``{state, cancel_requested}``."""
        self._check_caller()
        return self._run(run_id)._report_progress(
            rows_read,
            rows_total=rows_total,
            checkpoint=checkpoint,
            message=message,
            message_code=message_code,
            message_params=message_params,
        )

    @api.model
    def finish_run(self, run_id, state, message=None, stats=None, message_code=None, message_params=None):
        """End the run as ``done``, ``failed`` or ``cancelled``; answers its ``RunSummary``.

        ``message`` is the worker's English text; ``message_code`` and ``message_params`` (optional)
        let Odoo show it in each reader's language (``customer_sync_catalogue.RUN_MESSAGES``)."""
        self._check_caller()
        if state not in FINAL_STATES:
            raise UserError(self.env._("A run finishes as done, failed or cancelled."))
        return self._run(run_id)._finish(
            state, message=message, stats=stats, message_code=message_code, message_params=message_params
        )

    @api.model
    @api.readonly
    def read_index(self, cursor=None, limit=5000):
        """``{records, cursor, done}``: one page of the partners matching needs, by ``(write_date, id)``."""
        self._check_caller()
        return self.env["res.partner"]._ci_sync_index_page(cursor=cursor, limit=limit)

    @api.model
    def apply_batch(self, run_id, batch_no, rows):
        """Apply one batch of observations, in this one transaction: ``{batch_no, results, counts}``.

        A batch already applied answers its stored answer again and writes nothing.
        """
        self._check_caller()
        return self.env["customer.sync.run.batch"]._apply(self._run(run_id), batch_no, rows)

    @api.model
    def check_unchanged(self, run_id, check_no, rows):
        """Which rows (``{row, external_key, hash}``) the run's source holds unchanged, before
        the worker matches them: ``{check_no, results, counts}``, one result per row.

        The confirmed rows are counted as unchanged on the run and must not be sent to
        ``apply_batch``; the others go on as usual. A check already answered answers its stored
        answer again and counts nothing.
        """
        self._check_caller()
        return self.env["customer.sync.run.check"]._check(self._run(run_id), check_no, rows)

    @api.model
    @api.readonly
    def propose_mapping(self, headers, source=None):
        """``{mapping, unmapped}`` for ``headers``: the source's saved mapping, then the synonyms."""
        self._check_caller()
        if not isinstance(headers, list):
            raise UserError(self.env._("Headers are a list of column names."))
        Source = self.env["customer.sync.source"]
        found = Source._find_for_api(source) if source not in (None, False, "") else Source
        mapping, unmapped = found._propose_mapping([str(header) for header in headers])
        return {"mapping": mapping, "unmapped": unmapped}

    @api.model
    @api.readonly
    def list_runs(self, limit=20, source=None):
        """The latest runs (``RunSummary``), newest first, of one source or all."""
        self._check_caller()
        domain = [("company_id", "in", self.env.companies.ids)]
        if source not in (None, False, ""):
            domain.append(("source_id", "=", self.env["customer.sync.source"]._find_for_api(source).id))
        limit = min(max(int(limit), 1), MAX_LIST)
        runs = self.env["customer.sync.run"].search(domain, limit=limit)
        return [run._summary() for run in runs]

    @api.model
    @api.readonly
    def due_sources(self):
        """``[{source_id, name, type, inbox}]``: scheduled sources due and not queued or running."""
        self._check_caller()
        return [
            {"source_id": source.id, "name": source.name, "type": source.type, "inbox": source.inbox or None}
            for source in self.env["customer.sync.source"]._due()
        ]
