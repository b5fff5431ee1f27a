import base64
import hashlib
import json

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import spreadsheet  # noqa: TID252 (pylint-odoo wants relative imports)
from . import customer_sync_catalogue as catalogue
from .customer_sync_source import INTEGRATION_GROUP

RUN_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
FINAL_STATES = ("done", "failed", "cancelled")
TRIGGERS = [("button", "Button"), ("schedule", "Schedule"), ("cli", "Command Line")]
OUTCOMES = ("created", "linked", "review", "rejected", "unchanged")
COUNT_FIELDS = {outcome: f"{outcome}_count" for outcome in OUTCOMES}

#: context key and sentinel that open a run's protected fields to the addon's own code paths;
#: an object cannot travel through RPC, so no client can set it (queue_job's EDIT_SENTINEL)
RUN_CONTEXT_KEY = "ci_sync_run_write"
RUN_SENTINEL = object()

MAX_CHUNK = 4 * 1024 * 1024
"""Largest piece of a file ``fetch_file`` answers and ``upload_chunk`` takes (4 MiB)."""
MAX_FILE_SIZE = 200 * 1024 * 1024
"""Largest file a run takes (200 MiB); the worker's reader has its own, lower limits."""
DEFAULT_STALE_AFTER = 900
"""Seconds without a progress report after which a running run may be claimed again."""
MAX_MESSAGE = 2000


class CustomerSyncRun(models.Model):
    """One run of a source: a file (or a registry pull) from queued to done, with its figures.

    Odoo never talks to the broker: a run queued here (upload, **Run now**, **Retry**) waits
    until a worker claims it through ``customer.sync.api.claim_run``. The worker reports the
    progress, each applied batch records its rows' outcomes (:meth:`_record_rows`), and the
    worker finishes the run. Every figure is written by those code paths only (the protected
    fields below); users cancel, retry and download the rejected rows.
    """

    _name = "customer.sync.run"
    _description = "Customer Sync Run"
    _inherit = ["mail.thread", "customer.governed.mixin"]
    _order = "queued_at desc, id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    source_id = fields.Many2one(
        "customer.sync.source", required=True, readonly=True, index=True, ondelete="restrict"
    )
    source_type = fields.Selection(related="source_id.type")
    company_id = fields.Many2one(related="source_id.company_id", store=True, index=True)
    state = fields.Selection(
        RUN_STATES, required=True, default="queued", readonly=True, index=True, tracking=True
    )
    trigger = fields.Selection(TRIGGERS, required=True, default="button", readonly=True)
    started_by = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    worker = fields.Char(readonly=True, help="The worker process that claimed the run.")
    dry_run = fields.Boolean(
        readonly=True, help="The worker reports what it would do and writes nothing to the contacts."
    )
    retry_of_id = fields.Many2one("customer.sync.run", readonly=True)

    queued_at = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    last_progress_at = fields.Datetime(readonly=True)
    duration = fields.Float(
        string="Duration (Seconds)",
        compute="_compute_duration",
        help="Seconds from start to finish (or now).",
    )
    duration_display = fields.Char(
        string="Duration", compute="_compute_duration", help="Time from start to finish (or now)."
    )

    rows_total = fields.Integer(readonly=True)
    rows_read = fields.Integer(readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    linked_count = fields.Integer(string="Linked", readonly=True)
    review_count = fields.Integer(string="For Review", readonly=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    progress = fields.Float(
        compute="_compute_progress", help="Rows read, in percent of the rows in the file."
    )
    progress_known = fields.Boolean(
        compute="_compute_progress", help="The run is finished, or the worker reported the rows of the file."
    )
    predicted_created = fields.Integer(
        string="Would Create", compute="_compute_predicted", help="Contacts a dry run would create."
    )
    predicted_linked = fields.Integer(
        string="Would Link", compute="_compute_predicted", help="Rows a dry run would link to a contact."
    )
    predicted_review = fields.Integer(
        string="Would Put for Review",
        compute="_compute_predicted",
        help="Rows a dry run would leave for a person to review.",
    )
    predicted_rejected = fields.Integer(
        string="Would Reject", compute="_compute_predicted", help="Rows a dry run would reject."
    )
    predicted_pairs = fields.Integer(
        string="Pairs in the File for Review",
        compute="_compute_predicted",
        help="Pairs of rows of the file that may be the same contact, which a dry run would put for review.",
    )
    has_predictions = fields.Boolean(compute="_compute_predicted")
    cancel_requested = fields.Boolean(readonly=True, tracking=True)
    checkpoint = fields.Json(readonly=True, copy=False)
    stats = fields.Json(readonly=True, copy=False)
    stats_text = fields.Text(string="Technical Figures", compute="_compute_stats_text")
    message = fields.Text(
        string="Worker's Message", readonly=True, help="The run's message as the worker wrote it (English)."
    )
    message_code = fields.Char(
        readonly=True, help="Machine-readable code of the message, e.g. run.cancelled."
    )
    message_params = fields.Json(
        string="Message Parameters", readonly=True, copy=False, help="The values the message names."
    )
    message_display = fields.Text(
        string="Message",
        compute="_compute_message_display",
        help="The run's message in your language when its code is known; else the worker's message.",
    )

    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, copy=False)
    file_name = fields.Char(readonly=True)
    file_size = fields.Integer(readonly=True)
    file_sha256 = fields.Char(string="File SHA-256", readonly=True)
    file_encoding = fields.Char(readonly=True)
    file_delimiter = fields.Char(readonly=True)
    file_header_row = fields.Integer(readonly=True, help="Number of the header row (1: the first row).")

    row_ids = fields.One2many("customer.sync.run.row", "run_id", string="Rows", readonly=True)
    reject_ids = fields.One2many(
        "customer.sync.run.row",
        "run_id",
        string="Rejected Rows",
        readonly=True,
        domain=[("outcome", "=", "rejected")],
    )
    notes = fields.Text(
        compute="_compute_notes",
        help="What the applied batches did not do and why, each note once.",
    )

    _name_unique = models.Constraint("UNIQUE (name)", "A run's number is unique.")

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("started_at", "finished_at", "state")
    @api.depends_context("lang")
    def _compute_duration(self):
        now = fields.Datetime.now()
        for run in self:
            end = run.finished_at or (now if run.state == "running" else False)
            run.duration = (end - run.started_at).total_seconds() if run.started_at and end else 0.0
            run.duration_display = run._format_duration(run.duration) if run.started_at and end else False

    def _format_duration(self, seconds):
        """``seconds`` as people read a run's length: "2 s", "3 min 12 s", "1 h 5 min"."""
        seconds = max(0, round(seconds or 0))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return self.env._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
        if minutes:
            return self.env._("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=seconds)
        return self.env._("%(seconds)s s", seconds=seconds)

    @api.depends("rows_read", "rows_total", "state")
    def _compute_progress(self):
        for run in self:
            run.progress_known = run.state == "done" or bool(run.rows_total)
            if run.state == "done":
                run.progress = 100.0
            elif run.rows_total:
                run.progress = min(100.0, 100.0 * run.rows_read / run.rows_total)
            else:
                run.progress = 0.0

    @api.depends("stats", "dry_run")
    def _compute_predicted(self):
        keys = {
            "predicted_created": "created",
            "predicted_linked": "linked",
            "predicted_review": "review",
            "predicted_rejected": "rejected",
            "predicted_pairs": "file_pairs_review",
        }
        for run in self:
            predicted = (run.stats or {}).get("predicted") if isinstance(run.stats, dict) else None
            predicted = predicted if run.dry_run and isinstance(predicted, dict) else {}
            run.has_predictions = bool(predicted)
            for name, key in keys.items():
                value = predicted.get(key)
                run[name] = value if isinstance(value, int) and not isinstance(value, bool) else 0

    def _compute_notes(self):
        # sudo: the batches (their stored answers) are the admins' and the worker's; only their
        # notes are read, for runs the reader already sees, and shown as text on those runs
        batches_sudo = (
            self.env["customer.sync.run.batch"]
            .sudo()
            .search([("run_id", "in", self.ids), ("notes", "!=", False)], order="run_id, batch_no")
        )
        notes = {}
        for batch in batches_sudo:
            lines = notes.setdefault(batch.run_id.id, {})
            for line in batch.notes.splitlines():
                if line.strip():
                    lines.setdefault(line.strip(), None)
        for run in self:
            run.notes = "\n".join(notes.get(run.id, ())) or False

    @api.depends("message", "message_code", "message_params")
    @api.depends_context("lang")
    def _compute_message_display(self):
        for run in self:
            run.message_display = (
                catalogue.run_message(self.env, run.message_code, run.message_params) or run.message
            )

    @api.depends("stats", "checkpoint")
    def _compute_stats_text(self):
        for run in self:
            parts = {"stats": run.stats, "checkpoint": run.checkpoint}
            run.stats_text = json.dumps(
                {key: value for key, value in parts.items() if value}, indent=2, ensure_ascii=False
            )

    # ------------------------------------------------------------
    # CRUD: the figures are written by the addon's own code paths only
    # ------------------------------------------------------------

    @api.model
    def _protected_fields(self):
        return {
            name
            for name, field in self._fields.items()
            if field.model_name == self._name
            and field.store
            and not name.startswith(("message_", "activity_"))
        }

    def _as_system(self):
        return self.with_context(**{RUN_CONTEXT_KEY: RUN_SENTINEL})

    def _check_system_write(self, vals):
        if self.env.context.get(RUN_CONTEXT_KEY) is RUN_SENTINEL:
            return
        if self._protected_fields().intersection(vals):
            raise UserError(
                self.env._("A sync run is changed by its own actions only (Cancel, Retry) and by the worker.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.browse()._check_system_write({"name"})
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("customer.sync.run") or "/"
        return super().create(vals_list)

    def write(self, vals):
        self._check_system_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_queued_or_running(self):
        if any(run.state in ("queued", "running") for run in self):
            raise UserError(self.env._("Cancel a queued or running run before deleting it."))

    # ------------------------------------------------------------
    # ACTIONS (users)
    # ------------------------------------------------------------

    def action_cancel(self):
        """Ask the worker to stop: a queued run is cancelled at once; a running one at its next chunk."""
        self.check_access("write")
        for run in self:
            if run.state == "queued":
                run._as_system().write(
                    {"state": "cancelled", "cancel_requested": True, "finished_at": fields.Datetime.now()}
                )
                run.message_post(body=self.env._("Cancelled before a worker started it."))
            elif run.state == "running" and not run.cancel_requested:
                run._as_system().write({"cancel_requested": True})
                run.message_post(body=self.env._("Cancel requested: the worker stops at its next chunk."))
        return True

    def action_retry(self):
        """A new queued run with the same file and hints, for a failed or cancelled run."""
        self.ensure_one()
        self.check_access("write")
        if self.state not in ("failed", "cancelled"):
            raise UserError(self.env._("Only a failed or cancelled run can be retried."))
        if not self.source_id.active:
            raise UserError(self.env._("The source of this run is archived."))
        retry = self._create_queued(
            self.source_id,
            trigger="button",
            dry_run=self.dry_run,
            hints={
                "file_encoding": self.file_encoding,
                "file_delimiter": self.file_delimiter,
                "file_header_row": self.file_header_row,
            },
            retry_of=self,
        )
        if self.attachment_id:
            retry._attach_file(self.attachment_id.name, self.attachment_id.raw)
        self.message_post(body=self.env._("Retried as %(run)s.", run=retry.name))
        return retry._action_open()

    def action_download_rejects_csv(self):
        return self._action_download_rejects("csv")

    def action_download_rejects_xlsx(self):
        return self._action_download_rejects("xlsx")

    def action_view_rows(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "addon_customer_info.customer_sync_run_row_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------
    # REJECTS
    # ------------------------------------------------------------

    def _reject_table(self):
        """Header and rows of the rejected rows, as people read them: the reason in the reader's
        language (:mod:`.customer_sync_catalogue`), the worker's own text as the details."""
        self.ensure_one()
        header = [
            self.env._("Row"),
            self.env._("External Key"),
            self.env._("Reason Code"),
            self.env._("Reason"),
            self.env._("Field"),
            self.env._("Value"),
            self.env._("Row Content"),
            self.env._("Details"),
        ]
        rows = [
            [
                row.row_number or "",
                row.external_key or "",
                row.reason_code or "",
                row.reason or "",
                row.field or "",
                row.value or "",
                json.dumps(row.raw, ensure_ascii=False) if row.raw else "",
                row.message or "",
            ]
            for row in self.env["customer.sync.run.row"].search(
                [("run_id", "=", self.id), ("outcome", "=", "rejected")], order="row_number, id"
            )
        ]
        return header, rows

    def _rejects_file(self, file_format):
        """``(file name, bytes, mimetype)`` of the rejected rows; every cell neutralised."""
        header, rows = self._reject_table()
        stem = f"{self.name.replace('/', '-')}-rejects"
        if file_format == "csv":
            return f"{stem}.csv", spreadsheet.csv_bytes(header, rows), "text/csv"
        if file_format == "xlsx":
            return (
                f"{stem}.xlsx",
                spreadsheet.xlsx_bytes(header, rows),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        raise UserError(self.env._("Rejected rows download as CSV or XLSX."))

    def _action_download_rejects(self, file_format):
        self.ensure_one()
        self.check_access("read")
        name, data, mimetype = self._rejects_file(file_format)
        Attachment = self.env["ir.attachment"]
        Attachment.search(
            [("res_model", "=", self._name), ("res_id", "=", self.id), ("name", "=", name)]
        ).filtered(lambda attachment: attachment != self.attachment_id).unlink()
        attachment = Attachment.create(
            {"name": name, "raw": data, "mimetype": mimetype, "res_model": self._name, "res_id": self.id}
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------
    # TOOLS: the code paths of the UI, the wizard and the sync API
    # ------------------------------------------------------------

    @api.model
    def _create_queued(self, source, trigger="button", dry_run=False, hints=None, retry_of=None):
        """A queued run of ``source``, for a worker to claim."""
        if not source.active:
            raise UserError(self.env._("The source %(name)s is archived.", name=source.name))
        vals = {
            "source_id": source.id,
            "trigger": trigger,
            "state": "queued",
            "dry_run": bool(dry_run),
            "retry_of_id": retry_of.id if retry_of else False,
        }
        vals.update({key: value for key, value in (hints or {}).items() if value})
        run = self._as_system().create(vals)
        run.message_post(body=self.env._("Queued: a worker starts it within seconds."))
        return run.with_env(self.env)

    @api.model
    def _create_for_worker(self, source, trigger, filename, size, sha256, worker=None, dry_run=False):
        """A run already ``running`` for the caller (the CLI, the scheduler), its file to come."""
        if trigger not in ("cli", "schedule"):
            raise UserError(self.env._("A worker creates runs for the command line or the schedule only."))
        size = int(size or 0)
        if size < 0 or size > MAX_FILE_SIZE:
            raise UserError(self.env._("A file of a run is at most %(limit)s bytes.", limit=MAX_FILE_SIZE))
        now = fields.Datetime.now()
        run = self._as_system().create(
            {
                "source_id": source.id,
                "trigger": trigger,
                "state": "running",
                "worker": worker or self.env.user.login,
                "dry_run": bool(dry_run),
                "started_at": now,
                "last_progress_at": now,
                "file_name": filename or False,
                "file_size": size,
                "file_sha256": (sha256 or "").lower() or False,
            }
        )
        if trigger == "schedule":
            source._schedule_next(now)
        run.message_post(body=self.env._("Started by %(worker)s.", worker=run.worker))
        return run.with_env(self.env)

    def _attach_file(self, name, raw):
        """Store ``raw`` as the run's file (an attachment of the run) with its size and SHA-256."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {"name": name or "file", "raw": raw, "res_model": self._name, "res_id": self.id}
        )
        self._as_system().write(
            {
                "attachment_id": attachment.id,
                "file_name": name,
                "file_size": len(raw),
                "file_sha256": hashlib.sha256(raw).hexdigest(),
            }
        )
        return attachment

    @api.model
    def _claim(self, worker, stale_after=DEFAULT_STALE_AFTER):
        """Take the oldest queued run (or a stale running one) for ``worker``; an empty recordset
        when there is none. ``SELECT … FOR UPDATE SKIP LOCKED``: two workers never get the same run."""
        self.env.flush_all()
        stale_before = fields.Datetime.now() - relativedelta(seconds=max(int(stale_after), 60))
        self._cancel_abandoned(stale_before)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT run.id
                  FROM customer_sync_run run
                  JOIN customer_sync_source source ON source.id = run.source_id
                 WHERE source.active
                   AND source.company_id = ANY(%(companies)s)
                   AND NOT COALESCE(run.cancel_requested, FALSE)
                   AND (run.state = 'queued'
                        OR (run.state = 'running'
                            AND COALESCE(run.last_progress_at, run.started_at, run.queued_at) < %(stale)s))
                 ORDER BY run.queued_at, run.id
                 LIMIT 1
                   FOR UPDATE OF run SKIP LOCKED
                """,
                companies=self.env.companies.ids,
                stale=stale_before,
            )
        )
        if not rows:
            return self.browse()
        run = self.browse(rows[0][0])
        run.invalidate_recordset()
        now = fields.Datetime.now()
        resumed = run.state == "running"
        run._as_system().write(
            {
                "state": "running",
                "worker": worker,
                "started_at": run.started_at or now,
                "last_progress_at": now,
            }
        )
        run.message_post(
            body=self.env._("Resumed by %(worker)s from its checkpoint.", worker=worker)
            if resumed
            else self.env._("Started by %(worker)s.", worker=worker)
        )
        return run

    @api.model
    def _cancel_abandoned(self, stale_before):
        """Runs whose worker vanished after somebody pressed Cancel: nobody resumes them."""
        abandoned = self.search(
            [
                ("state", "=", "running"),
                ("cancel_requested", "=", True),
                ("last_progress_at", "<", stale_before),
                ("company_id", "in", self.env.companies.ids),
            ]
        )
        for run in abandoned:
            run._as_system().write({"state": "cancelled", "finished_at": fields.Datetime.now()})
            run.message_post(
                body=self.env._("Cancelled: its worker stopped reporting after the cancel request.")
            )
        self.env.flush_all()

    def _check_running(self):
        self.ensure_one()
        if self.state != "running":
            raise UserError(
                self.env._("The run %(run)s is not running (%(state)s).", run=self.name, state=self.state)
            )

    def _read_chunk(self, offset, size):
        """``{data, offset, size, eof}``: base64 of at most ``size`` bytes from ``offset``."""
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(self.env._("The run %(run)s has no file.", run=self.name))
        offset, size = int(offset), min(int(size), MAX_CHUNK)
        if offset < 0 or size <= 0:
            raise UserError(self.env._("Offset and size of a file chunk must be positive."))
        attachment = self.attachment_id
        if attachment.store_fname:
            # read the piece from the filestore: a large file is not loaded whole for each chunk
            with open(attachment._full_path(attachment.store_fname), "rb") as file:
                file.seek(offset)
                chunk = file.read(size)
            total = attachment.file_size
        else:
            raw = attachment.raw or b""
            chunk, total = raw[offset : offset + size], len(raw)
        return {
            "data": base64.b64encode(chunk).decode("ascii"),
            "offset": offset,
            "size": len(chunk),
            "eof": offset + len(chunk) >= total,
        }

    def _store_chunk(self, offset, data):
        """Append a base64 chunk at ``offset`` to the run's file: ``{run_id, offset, done}``; ``done``
        when the announced size is reached and the SHA-256 matched (a mismatch is refused)."""
        self.ensure_one()
        self._check_running()
        chunk = base64.b64decode(data or "", validate=True)
        if len(chunk) > MAX_CHUNK:
            raise UserError(self.env._("A file chunk is at most %(limit)s bytes.", limit=MAX_CHUNK))
        current = (self.attachment_id.raw or b"") if self.attachment_id else b""
        offset = int(offset)
        if offset == len(current) - len(chunk) and current.endswith(chunk) and chunk:
            pass  # the same chunk again (its answer was lost): nothing to do
        elif offset != len(current):
            raise UserError(
                self.env._(
                    "The next chunk of %(run)s starts at byte %(expected)s, not %(offset)s.",
                    run=self.name,
                    expected=len(current),
                    offset=offset,
                )
            )
        else:
            content = current + chunk
            if len(content) > (self.file_size or MAX_FILE_SIZE):
                raise UserError(self.env._("The file is larger than announced when the run was created."))
            if self.attachment_id:
                self.attachment_id.raw = content
            else:
                attachment = self.env["ir.attachment"].create(
                    {
                        "name": self.file_name or "file",
                        "raw": content,
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                )
                self._as_system().write({"attachment_id": attachment.id})
            current = content
        done = bool(self.file_size) and len(current) == self.file_size
        if done and self.file_sha256 and hashlib.sha256(current).hexdigest() != self.file_sha256:
            raise ValidationError(
                self.env._("The file of %(run)s does not match its SHA-256: upload it again.", run=self.name)
            )
        return {"run_id": self.id, "offset": len(current), "done": done}

    def _report_progress(
        self,
        rows_read,
        rows_total=None,
        checkpoint=None,
        message=None,
        message_code=None,
        message_params=None,
    ):
        """Move the counters while the run runs; answer whether somebody asked to cancel."""
        self.ensure_one()
        self._check_running()
        vals = {"rows_read": max(int(rows_read), 0), "last_progress_at": fields.Datetime.now()}
        if rows_total is not None:
            vals["rows_total"] = max(int(rows_total), 0)
        if checkpoint is not None:
            if not isinstance(checkpoint, dict):
                raise UserError(self.env._("A checkpoint is a JSON object."))
            vals["checkpoint"] = checkpoint
        if message is not None:
            vals.update(self._message_values(message, message_code, message_params))
        self._as_system().write(vals)
        return {"state": self.state, "cancel_requested": self.cancel_requested}

    def _message_values(self, message, code=None, params=None):
        """The stored message: the worker's text, and its code and parameters when it sent them (an
        older worker sends the text only; a message without a code clears an earlier code)."""
        if code is not None and (not isinstance(code, str) or len(code) > 64):
            raise UserError(self.env._("A message code is a text of at most 64 characters."))
        if params is not None and not isinstance(params, dict):
            raise UserError(self.env._("The parameters of a message are a JSON object."))
        return {
            "message": str(message)[:MAX_MESSAGE],
            "message_code": code or False,
            "message_params": catalogue.clean_params(params) if code and params else False,
        }

    def _finish(self, state, message=None, stats=None, message_code=None, message_params=None):
        """End the run as ``done``, ``failed`` or ``cancelled``; a repeated finish answers again."""
        self.ensure_one()
        if state not in FINAL_STATES:
            raise UserError(self.env._("A run finishes as done, failed or cancelled."))
        if self.state == state:
            return self._summary()  # the answer of the first call was lost
        self._check_running()
        if stats is not None and not isinstance(stats, dict):
            raise UserError(self.env._("The figures of a run are a JSON object."))
        vals = {"state": state, "finished_at": fields.Datetime.now()}
        if message is not None:
            vals.update(self._message_values(message, message_code, message_params))
        if stats is not None:
            vals["stats"] = stats
        self._as_system().write(vals)
        self.message_post(body=self.with_context(lang=self._note_lang())._finish_note())
        return self._summary()

    def _note_lang(self):
        """The language of the run's final note, posted once for everybody: that of the person who
        started the run, or, when the worker started it (command line, schedule), the company's."""
        # sudo: the worker may not read users and partners; only a language code is taken
        user = self.sudo().started_by
        if user and not user.has_group(INTEGRATION_GROUP) and user.lang:
            return user.lang
        return self.sudo().company_id.partner_id.lang or self.env.lang or "en_US"

    def _finish_note(self):
        labels = dict(self._fields["state"]._description_selection(self.env))
        note = self.env._(
            "%(state)s: %(created)s created, %(linked)s linked, %(review)s for review, "
            "%(rejected)s rejected, %(unchanged)s unchanged.",
            state=labels[self.state],
            created=self.created_count,
            linked=self.linked_count,
            review=self.review_count,
            rejected=self.rejected_count,
            unchanged=self.unchanged_count,
        )
        message = self.message_display
        return f"{note} {message}" if message else note

    def _record_rows(self, results, rows=None, keep_unchanged=False):
        """Record the outcome of applied rows on the run and move its counters.

        Called by ``apply_batch`` (inside its transaction) with the contract's per-row
        ``results`` (``{"row", "outcome", "partner_id", ...}``) and, optionally, the incoming
        ``rows`` of the batch in the same order (their ``external_key``, ``rejected`` reason and
        ``values`` are kept: the reason of a rejected row, an excerpt of its content). A result
        may also carry ``code``, ``message``, ``field``, ``value`` or ``raw`` itself. Rows of
        kind ``"pair"`` have no result of their own and are skipped. ``unchanged`` rows are
        counted but not stored (a re-run of a large list writes nothing per row) unless
        ``keep_unchanged``. Returns the created ``customer.sync.run.row`` records.
        """
        self.ensure_one()
        Row = self.env["customer.sync.run.row"]
        vals_list = []
        counts = dict.fromkeys(OUTCOMES, 0)
        for index, result in enumerate(results):
            incoming = rows[index] if rows is not None and index < len(rows) else {}
            if incoming.get("kind") == "pair" or result.get("outcome") not in OUTCOMES:
                continue
            counts[result["outcome"]] += 1
            if result["outcome"] != "unchanged" or keep_unchanged:
                vals_list.append(Row._values_from_result(self, result, incoming))
        records = Row._as_system().create(vals_list) if vals_list else Row
        if any(counts.values()):
            self._as_system().write(
                {
                    COUNT_FIELDS[outcome]: self[COUNT_FIELDS[outcome]] + count
                    for outcome, count in counts.items()
                }
            )
        return records

    def _summary(self):
        """The run as the contract's ``RunSummary``."""
        self.ensure_one()
        to_string = fields.Datetime.to_string
        return {
            "run_id": self.id,
            "name": self.name,
            "source": self.source_id.name,
            "source_id": self.source_id.id,
            "state": self.state,
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "worker": self.worker or None,
            "queued_at": to_string(self.queued_at) if self.queued_at else None,
            "started_at": to_string(self.started_at) if self.started_at else None,
            "finished_at": to_string(self.finished_at) if self.finished_at else None,
            "duration": round(self.duration, 3),
            "rows_total": self.rows_total,
            "rows_read": self.rows_read,
            "counts": {outcome: self[COUNT_FIELDS[outcome]] for outcome in OUTCOMES},
            "cancel_requested": self.cancel_requested,
            "message": self.message or None,
            "message_code": self.message_code or None,
        }

    def _contract_values(self):
        """The run as the contract's ``Run`` (the answer of ``claim_run`` and ``create_run``)."""
        self.ensure_one()
        attachment = self.attachment_id
        return {
            "run_id": self.id,
            "name": self.name,
            "state": self.state,
            "trigger": self.trigger,
            "source": self.source_id._contract_values(dry_run=self.dry_run),
            "file": {
                "attachment_id": attachment.id or None,
                "name": self.file_name or attachment.name or "",
                "size": self.file_size or attachment.file_size or 0,
                "sha256": self.file_sha256 or None,
                "encoding": self.file_encoding or None,
                "delimiter": self.file_delimiter or None,
                "header_row": self.file_header_row or None,
            }
            if attachment or self.file_name
            else None,
            "checkpoint": {"rows_done": 0, "batches_done": 0, **(self.checkpoint or {})},
            "rows_total": self.rows_total,
        }
