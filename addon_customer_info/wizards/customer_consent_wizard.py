from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.customer_consent_event import JURISDICTIONS, LEGAL_BASES  # noqa: TID252

WIZARD_ACTIONS = [("grant", "Grant"), ("withdraw", "Withdraw"), ("refuse", "Refuse")]


class CustomerConsentWizard(models.TransientModel):
    """Record what a contact said about consent: grant, withdraw or refuse, for purposes x channels.

    Opened from the contact's Consent tab. Withdrawing preselects everything the
    contact currently has granted or pending, so a withdrawal is one click plus the
    confirmation. The events are recorded as a manual entry by the current user.
    """

    _name = "customer.consent.wizard"
    _description = "Record Consent"

    partner_id = fields.Many2one("res.partner", string="Contact", required=True, readonly=True)
    action = fields.Selection(WIZARD_ACTIONS, required=True, default="grant")
    purpose_ids = fields.Many2many("customer.consent.purpose", string="Purposes", required=True)
    channel_ids = fields.Many2many("customer.consent.channel", string="Channels", required=True)
    legal_basis = fields.Selection(LEGAL_BASES, default="consent")
    jurisdiction = fields.Selection(JURISDICTIONS, help="Leave empty to use the contact's country.")
    notice_id = fields.Many2one(
        "customer.consent.notice",
        string="Notice Shown",
        domain="[('purpose_id', 'in', purpose_ids), ('published_at', '!=', False)]",
    )
    occurred_at = fields.Datetime(
        string="When",
        required=True,
        default=fields.Datetime.now,
        help="When the contact said it (for example the date of the signed form or the call).",
    )
    expires_at = fields.Datetime(string="Expires", help="Leave empty to use the purpose's validity.")
    note = fields.Text(help="How the contact said it: call, letter, meeting, signed form...")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(
            values.get("partner_id") or self.env.context.get("default_partner_id")
        )
        if partner and values.get("action") == "withdraw" and "purpose_ids" in fields_list:
            rows = self.env["customer.consent.state"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("state", "in", ["granted", "pending"]),
                ]
            )
            values.setdefault("purpose_ids", [fields.Command.set(rows.purpose_id.ids)])
            values.setdefault("channel_ids", [fields.Command.set(rows.channel_id.ids)])
        return values

    def action_record(self):
        """Record one event per selected purpose and channel."""
        self.ensure_one()
        if len(self.purpose_ids) > 1 and self.notice_id:
            raise UserError(self.env._("A notice belongs to one purpose: record one purpose at a time."))
        values = {"source": "manual", "occurred_at": self.occurred_at, "note": self.note}
        if self.jurisdiction:
            values["jurisdiction"] = self.jurisdiction
        if self.action == "grant":
            values.update(
                legal_basis=self.legal_basis, expires_at=self.expires_at, notice_id=self.notice_id.id
            )
        self.env["customer.consent.event"]._record(
            self.partner_id, self.purpose_ids, self.channel_ids, self.action, **values
        )
        return {"type": "ir.actions.act_window_close"}
