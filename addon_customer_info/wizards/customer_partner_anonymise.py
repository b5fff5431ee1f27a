from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import clean_context


class CustomerPartnerAnonymise(models.TransientModel):
    """Forget contacts who asked to be erased: personal data replaced or cleared, the trail masked.

    Opened from the contact (Privacy tab or Action menu) by a privacy officer; the work
    is done by ``customer.data.subject._anonymise``.
    """

    _name = "customer.partner.anonymise"
    _description = "Anonymise Contacts"

    partner_ids = fields.Many2many("res.partner", string="Contacts", required=True)
    confirm = fields.Boolean(
        string="I understand that this cannot be undone",
        help="The names, contact details, personal details and messages are erased for good.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and not values.get("partner_ids")
            and context.get("active_model") == "res.partner"
        ):
            values["partner_ids"] = [Command.set(context.get("active_ids") or [context.get("active_id")])]
        return values

    def action_anonymise(self):
        """Anonymise the contacts, once confirmed."""
        self.ensure_one()
        if not self.confirm:
            raise UserError(self.env._("Confirm that you understand the anonymisation cannot be undone."))
        # the default_* keys of the button must not reach the records the request creates
        context = clean_context(self.env.context)
        Service = self.env["customer.data.subject"].with_context(context)  # pylint: disable=context-overridden
        # counted before: anonymised contacts are archived, and drop out of partner_ids
        count = len(self.partner_ids)
        Service._anonymise(self.partner_ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s contacts anonymised.", count=count),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
