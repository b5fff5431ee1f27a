from odoo import api, fields, models
from odoo.tools.misc import clean_context


class CustomerDataSubjectExport(models.TransientModel):
    """Export everything held about a person to a JSON file, for their access request.

    Opened from the contact (Privacy tab or Action menu) by a privacy officer, for a contact of
    the companies they work in. The file is attached to this wizard, and a wizard is read by
    its author only (rule ``customer_data_subject_export_rule_author``; Odoo checks a file
    through the record it is attached to), so only the officer who made it can download it.
    The daily retention job deletes it after a week.
    """

    _name = "customer.data.subject.export"
    _description = "Data-Subject Export"

    partner_id = fields.Many2one("res.partner", string="Person", required=True, readonly=True)
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_id" in fields_list
            and not values.get("partner_id")
            and context.get("active_model") == "res.partner"
        ):
            values["partner_id"] = context.get("active_id")
        return values

    def action_export(self):
        """Write the file and download it."""
        self.ensure_one()
        # the default_* keys of the button must not reach the records the request creates
        context = clean_context(self.env.context)
        Service = self.env["customer.data.subject"].with_context(context)  # pylint: disable=context-overridden
        self.attachment_id = Service._export_attachment(self.partner_id, self)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "download",
        }
