from odoo import api, fields, models
from odoo.exceptions import UserError

from . import customer_sync_catalogue as catalogue
from .customer_sync_run import RUN_CONTEXT_KEY, RUN_SENTINEL

OUTCOME_SELECTION = [
    ("created", "Created"),
    ("linked", "Linked"),
    ("review", "For Review"),
    ("rejected", "Rejected"),
    ("unchanged", "Unchanged"),
]
MAX_VALUE = 200
"""Characters kept of a rejected value and of each value of a row's excerpt."""
MAX_RAW_KEYS = 40
"""Columns kept in a row's excerpt."""


def _excerpt(value, limit=MAX_VALUE):
    if value is None or value is False:
        return False
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CustomerSyncRunRow(models.Model):
    """The outcome of one row of a run: created, linked to a partner, for review, rejected with
    its reason, or unchanged. Written by ``apply_batch`` through ``customer.sync.run._record_rows``."""

    _name = "customer.sync.run.row"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Sync Run Row"
    _order = "run_id, row_number, id"

    run_id = fields.Many2one(
        "customer.sync.run", required=True, readonly=True, ondelete="cascade", index=True
    )
    source_id = fields.Many2one(related="run_id.source_id")
    row_number = fields.Integer(string="Row", readonly=True, help="Row of the file (1: the first data row).")
    external_key = fields.Char(readonly=True, index=True)
    outcome = fields.Selection(OUTCOME_SELECTION, required=True, readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True, ondelete="set null")
    reason_code = fields.Char(
        readonly=True, help="Machine-readable reason of a rejection, e.g. email.syntax."
    )
    message = fields.Char(
        string="Details", readonly=True, help="The reason as the worker (or the sync API) gave it."
    )
    reason = fields.Char(
        compute="_compute_reason",
        help="Why the row was rejected, in your language when the reason code is known; else the details.",
    )
    field = fields.Char(
        string="Field Key", readonly=True, help="The field the reason is about, as the worker names it."
    )
    field_label = fields.Char(
        string="Field", compute="_compute_field_label", help="The field the reason is about."
    )
    value = fields.Char(readonly=True, help="The refused value (an excerpt).")
    raw = fields.Json(string="Row Content", readonly=True, help="An excerpt of the row as read.")
    raw_text = fields.Text(string="Row Content (Text)", compute="_compute_raw_text")

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("reason_code", "message", "field", "value")
    @api.depends_context("lang")
    def _compute_reason(self):
        for row in self:
            row.reason = (
                catalogue.row_reason(self.env, row.reason_code, field=row.field, value=row.value)
                or row.message
            )

    @api.depends("field")
    @api.depends_context("lang")
    def _compute_field_label(self):
        # the labels of the mapping's observation keys, translated as the upload wizard shows them
        mappable = dict(
            self.env["customer.sync.source.mapping"]._fields["field"]._description_selection(self.env)
        )
        for row in self:
            label = catalogue.FIELD_LABELS.get(row.field) if row.field else None
            row.field_label = self.env._(label) if label else mappable.get(row.field) or row.field

    @api.depends("raw")
    def _compute_raw_text(self):
        for row in self:
            raw = row.raw or {}
            row.raw_text = (
                "\n".join(f"{key}: {value}" for key, value in raw.items()) if isinstance(raw, dict) else ""
            )

    # ------------------------------------------------------------
    # CRUD: written by the system only
    # ------------------------------------------------------------

    def _as_system(self):
        return self.with_context(**{RUN_CONTEXT_KEY: RUN_SENTINEL})

    def _check_system_write(self):
        if self.env.context.get(RUN_CONTEXT_KEY) is not RUN_SENTINEL:
            raise UserError(self.env._("The rows of a sync run are recorded by the run itself."))

    @api.model_create_multi
    def create(self, vals_list):
        self.browse()._check_system_write()
        return super().create(vals_list)

    def write(self, vals):
        self._check_system_write()
        return super().write(vals)

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    def _values_from_result(self, run, result, incoming=None):
        """The values of a row record from a contract result (and the incoming row)."""
        incoming = incoming or {}
        rejected = result.get("rejected") or incoming.get("rejected") or {}
        raw = result.get("raw") or incoming.get("raw") or incoming.get("values")
        if isinstance(raw, dict):
            raw = {
                _excerpt(key, 80): _excerpt(value)
                for key, value in list(raw.items())[:MAX_RAW_KEYS]
                if value not in (None, "", False)
            }
        else:
            raw = False
        partner_id = result.get("partner_id")
        return {
            "run_id": run.id,
            "row_number": result.get("row")
            if isinstance(result.get("row"), int)
            else incoming.get("row") or 0,
            "external_key": _excerpt(result.get("external_key") or incoming.get("external_key"), 256),
            "outcome": result["outcome"],
            "partner_id": partner_id if isinstance(partner_id, int) and partner_id > 0 else False,
            "reason_code": _excerpt(result.get("code") or rejected.get("code"), 64),
            "message": _excerpt(result.get("message") or rejected.get("message"), 500),
            "field": _excerpt(result.get("field") or rejected.get("field"), 64),
            "value": _excerpt(result.get("value") or rejected.get("value")),
            "raw": raw or False,
        }
