import threading
from collections import defaultdict
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.http import request
from odoo.tools import SQL

from .customer_audit_system_mixin import AUDIT_CONTEXT_KEY, AUDIT_SENTINEL
from .customer_governed_mixin import is_governed

EVENTS = [
    ("read", "Read"),
    ("create", "Creation"),
    ("write", "Change"),
    ("unlink", "Deletion"),
    ("export", "Export"),
    ("dsr_export", "Data-Subject Export"),
    ("anonymise", "Anonymisation"),
    ("merge", "Merge"),
    ("merge_undo", "Merge Undone"),
]
CHANNELS = [
    ("ui", "Web Client"),
    ("rpc", "RPC / API"),
    ("export", "Export"),
    ("server", "Server"),
]
RPC_PATHS = ("/json/2/", "/jsonrpc", "/xmlrpc")
PENDING_KEY = "addon_customer_info.audit_pending"
"""Key of ``cr.precommit.data``: what the transaction has to log when it ends (its reads)."""
RETENTION_PARAM = "addon_customer_info.audit_retention_days"
DEFAULT_RETENTION_DAYS = 365
PURGE_BATCH = 5000
DSR_EXPORT_MODEL = "customer.data.subject.export"
DSR_EXPORT_KEEP_DAYS = 7
MASK = "***"
MAX_VALUE_LENGTH = 10000


class CustomerAuditLog(models.Model):
    """Who read, changed, exported or erased which customer data, when, and through which channel.

    One row per operation: a read of sensitive fields by one call (all its record ids
    in one row), a change, a creation or a deletion, an export, a data-subject export
    or an anonymisation. Changes carry one line per record and field with the old and
    new value, except for sensitive fields, whose lines carry the field name only.

    The log is append-only: no group has write, create or delete rights, and
    :meth:`create`, :meth:`write` and :meth:`unlink` refuse even the superuser unless
    the system itself writes (``AUDIT_SENTINEL``). The system writes the log (always
    in sudo, for whoever acted), masks its values for an erasure request and purges
    entries older than the retention period (:meth:`_cron_purge`). Auditors read it.
    """

    _name = "customer.audit.log"
    _inherit = ["customer.audit.system.mixin"]
    _description = "Customer Data Audit Log"
    _order = "timestamp desc, id desc"
    _rec_name = "event"

    timestamp = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="Who read, changed or exported the data (also when the system did it on their behalf).",
    )
    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    channel = fields.Selection(
        CHANNELS,
        required=True,
        readonly=True,
        index=True,
        help="Web Client: the Odoo screens. RPC / API: JSON-2, JSON-RPC or XML-RPC clients such as the "
        "sync worker. Export: the export of records. Server: scheduled jobs and server code.",
    )
    model = fields.Char(required=True, readonly=True, index=True)
    model_description = fields.Char(string="Document", compute="_compute_model_description")
    res_ids = fields.Text(string="Record IDs", readonly=True, help="The records concerned, comma-separated.")
    res_id = fields.Integer(
        string="Record ID",
        compute="_compute_res_id",
        search="_search_res_id",
        help="Search the entries about one record.",
    )
    record_count = fields.Integer(string="Records", readonly=True)
    field_names = fields.Text(
        string="Fields",
        readonly=True,
        help="Technical names of the fields read, changed or exported.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "customer_audit_log_res_partner_rel",
        "log_id",
        "partner_id",
        string="About",
        readonly=True,
        help="The persons and companies the records are about.",
    )
    line_ids = fields.One2many("customer.audit.log.line", "log_id", string="Changes", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    note = fields.Char(readonly=True)
    masked_at = fields.Datetime(
        readonly=True,
        help="When the values of this entry were masked for an erasure request.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("model")
    @api.depends_context("lang")
    def _compute_model_description(self):
        IrModel = self.env["ir.model"]
        for log in self:
            log.model_description = IrModel._get(log.model).name if log.model in self.env else log.model

    @api.depends("res_ids")
    def _compute_res_id(self):
        for log in self:
            ids = (log.res_ids or "").split(",")
            log.res_id = int(ids[0]) if len(ids) == 1 and ids[0].isdigit() else 0

    def _search_res_id(self, operator, value):
        if operator != "in":
            return NotImplemented
        ids = [int(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]
        return Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "string_to_array(%s, ',')::int[] && %s::int[]",
                model._field_to_sql(alias, "res_ids", query),
                ids,
            )
        )

    # ------------------------------------------------------------
    # CRUD: the system only
    # ------------------------------------------------------------

    def _as_system(self):
        # sudo: the audit log is written by the system for whoever acted (the user id is kept);
        # nobody writes it directly: no group has the rights, and create/write/unlink require
        # the sentinel, which cannot travel through RPC.
        return self.sudo().with_context(**{AUDIT_CONTEXT_KEY: AUDIT_SENTINEL})

    # ------------------------------------------------------------
    # RECORDING
    # ------------------------------------------------------------

    @api.model
    def _channel(self):
        """Where the current operation comes from: the web client, an RPC client, or the server.

        Odoo unbinds the request while it dispatches XML-RPC and JSON-RPC calls; the thread
        still carries the URL it serves (``threading.current_thread().url``)."""
        if request:
            path = request.httprequest.path
        else:
            url = getattr(threading.current_thread(), "url", None)
            if not url:
                return "server"
            path = urlsplit(url).path
        if path.startswith(RPC_PATHS):
            return "rpc"
        if path.startswith("/web/export/"):
            return "export"
        return "ui"

    @api.model
    def _entry_vals(self, event, records, field_names=(), lines=(), channel=None, note=False, partners=None):
        ids = [record_id for record_id in records._ids if isinstance(record_id, int)]
        if partners is None:
            partners = (
                records._ci_subject_partners() if is_governed(records) else self.env["res.partner"].browse()
            )
        return {
            "event": event,
            "channel": channel or self._channel(),
            "user_id": self.env.uid,
            "model": records._name,
            "res_ids": ",".join(map(str, ids)),
            "record_count": len(ids),
            "field_names": ",".join(field_names),
            "partner_ids": [Command.set(partners.ids)],
            "company_id": self.env.company.id,
            "note": note,
            "line_ids": [Command.create(line) for line in lines],
        }

    @api.model
    def _log(self, event, records, field_names=(), lines=(), channel=None, note=False, partners=None):
        """Record one entry about ``records`` (any model) and return it."""
        vals = self._entry_vals(event, records, field_names, lines, channel, note, partners)
        if not self.env.cr.readonly:
            return self._as_system().create(vals)
        # an operation served on a read-only cursor (Odoo's read-only routes on a database
        # replica): the entry is written when the transaction ends
        entries = self._pending(self.env.cr)["entries"]
        entries.append(vals)
        return self.browse()

    @api.model
    def _pending(self, cr):
        """What this transaction has to log when it ends: ``{"reads": {key: ids}, "exports": {key: ids},
        "entries": [vals]}``."""
        pending = cr.precommit.data.get(PENDING_KEY)
        if pending is None:
            pending = cr.precommit.data[PENDING_KEY] = {"reads": {}, "exports": {}, "entries": []}
            cr.precommit.add(lambda: self._write_pending(pending))
        return pending

    @api.model
    def _log_read(self, records, field_names):
        """Note one read of sensitive fields: every record id and the field names, no value.

        Reads are not written inside the read: the transaction's reads are collected, one per
        user, company, channel, model and set of fields (with all their record ids), and
        written together, in one insert, when the transaction commits. Reading the log writes
        the pending ones first."""
        key = (self.env.uid, self.env.company.id, self._channel(), records._name, tuple(field_names))
        ids = self._pending(self.env.cr)["reads"].setdefault(key, set())
        ids.update(record_id for record_id in records._ids if isinstance(record_id, int))

    @api.model
    def _write_pending(self, pending):
        """Write what :meth:`_pending` collected (the transaction is committing)."""
        vals_list, pending["entries"] = pending["entries"], []
        reads = pending["reads"]
        for key in list(reads):
            uid, company_id, channel, model, field_names = key
            records = self.env[model].browse(sorted(reads.pop(key)))
            # the persons of the records that still exist (one may have been deleted since)
            existing = records.exists()
            partners = existing._ci_subject_partners() if is_governed(existing) else None
            log = self.with_user(uid).with_company(company_id)
            vals_list.append(
                log._entry_vals("read", records, field_names, channel=channel, partners=partners)
            )
        exports = pending["exports"]
        for key in list(exports):
            uid, model, paths = key
            records = self.env[model].browse(sorted(exports.pop(key)))
            log = self.with_user(uid)
            note = log._export_note(records, paths, foreign=True)
            vals_list.append(log._entry_vals("export", records, paths, channel="export", note=note))
        if not vals_list:
            return
        cr = self.env.cr
        if not cr.readonly:
            self._as_system().create(vals_list)
            return
        # a read-only transaction (a database replica) that is committing: it has nothing to
        # commit, so it ends here, and the entries go through a read/write cursor of their own,
        # as Odoo does for its device log; nothing is read any more in this transaction
        cr.rollback()
        with self.env.registry.cursor(readonly=False) as rw_cr:
            api.Environment(rw_cr, self.env.uid, {})[self._name]._as_system().create(vals_list)

    @api.model
    def _write_pending_reads(self):
        """Write this transaction's collected reads now: the log is about to be read."""
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if pending and pending["reads"] and not self.env.cr.readonly:
            # the reads only: an export is logged once it ended, at commit
            self._write_pending({"reads": pending["reads"], "exports": {}, "entries": []})

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        self._write_pending_reads()
        return super()._search(
            domain, offset, limit, order, active_test=active_test, bypass_access=bypass_access
        )

    @api.model
    def _log_change(self, event, records, field_names, lines):
        """One entry for one creation, change or deletion, with a line per record and field."""
        return self._log(event, records, field_names, lines=lines)

    @api.model
    def _log_export(self, records, paths):
        """One entry for one export: the exported columns and how many records."""
        return self._log("export", records, paths, channel="export", note=self._export_note(records, paths))

    @api.model
    def _export_note(self, records, paths, foreign=False):
        if foreign:
            return self.env._(
                "%(count)s records, %(columns)s columns, reached through an export of another application",
                count=len(records),
                columns=len(paths),
            )
        return self.env._("%(count)s records, %(columns)s columns", count=len(records), columns=len(paths))

    @api.model
    def _log_foreign_export(self, records, paths):
        """Note governed ``records`` an export of another application's records reached (it
        reaches them line by line): one entry per user, model and columns, written with the
        transaction's reads (:meth:`_write_pending`)."""
        key = (self.env.uid, records._name, tuple(paths))
        ids = self._pending(self.env.cr)["exports"].setdefault(key, set())
        ids.update(record_id for record_id in records._ids if isinstance(record_id, int))

    @api.model
    def _format_value(self, record, name):
        """The value of ``record[name]`` as text, for the change lines."""
        field = record._fields[name]
        value = record[name]
        if field.type == "many2one":
            text = value.display_name or ""
        elif field.type in ("many2many", "one2many"):
            text = ", ".join(value.mapped("display_name"))
        elif field.type == "binary":
            text = self.env._("(file)") if value else ""
        elif field.type == "boolean":
            text = str(bool(value))
        elif value is False or value is None:
            text = ""
        else:
            text = str(value)
        return text[:MAX_VALUE_LENGTH]

    # ------------------------------------------------------------
    # ERASURE AND RETENTION
    # ------------------------------------------------------------

    @api.model
    def _mask_field_values(self, model, field_name):
        """Mask the old and new values of every change line of ``model.field_name`` (the field
        was just marked sensitive: its values are no longer kept)."""
        lines = (
            self.env["customer.audit.log.line"]
            .with_env(self._as_system().env)
            .search([("log_id.model", "=", model), ("field_name", "=", field_name)])
        )
        lines.filtered(lambda line: line.old_value or line.new_value).write(
            {"old_value": MASK, "new_value": MASK, "sensitive": True}
        )

    @api.model
    def _mask_for_erasure(self, partners):
        """Mask the old and new values of the change lines about ``partners``; keep the entries.

        Who did what and when stays, with the field names; the values (which may be the
        person's name, email, address...) become ``***``.
        """
        logs = self._as_system().search([("partner_ids", "in", partners.ids)])
        ids_by_model = defaultdict(set)
        for line in logs.line_ids:
            ids_by_model[line.log_id.model].add(line.res_id)
        others = set()  # (model, record id) of the records that exist and are about someone else
        for model, ids in ids_by_model.items():
            if model not in self.env:
                continue
            # sudo: finds which logged records are about the partners, to mask their values
            records = self.env[model].sudo().with_context(active_test=False).browse(ids).exists()
            for record in records:
                if is_governed(record) and not record._ci_subject_partners() & partners:
                    others.add((model, record.id))
        # lines of deleted records count as about the partners: nothing tells otherwise any more
        lines = logs.line_ids.filtered(
            lambda line: (line.log_id.model, line.res_id) not in others and (line.old_value or line.new_value)
        )
        lines.write({"old_value": MASK, "new_value": MASK})
        logs.write({"masked_at": fields.Datetime.now()})
        return logs

    @api.model
    def _retention_days(self):
        # sudo: reads one configuration value (how long the log is kept)
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        try:
            return int(value) if value else DEFAULT_RETENTION_DAYS
        except ValueError:
            return DEFAULT_RETENTION_DAYS

    @api.model
    def _cron_purge(self):
        """Daily job: delete the entries older than the retention period (0 keeps them for ever),
        and the data-subject export files older than a week; return how many entries went."""
        purged = 0
        days = self._retention_days()
        now = fields.Datetime.now()
        if days > 0:
            cutoff = now - relativedelta(days=days)
            logs = self._as_system()
            while batch := logs.search([("timestamp", "<", cutoff)], limit=PURGE_BATCH):
                purged += len(batch)
                batch.unlink()
        # sudo: the export files of data-subject requests hold a person's whole record; they are
        # deleted once the privacy officer had time to send them.
        files = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", DSR_EXPORT_MODEL),
                    ("create_date", "<", now - relativedelta(days=DSR_EXPORT_KEEP_DAYS)),
                ]
            )
        )
        files.unlink()
        return purged
