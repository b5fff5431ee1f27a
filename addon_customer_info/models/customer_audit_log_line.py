from odoo import api, fields, models


class CustomerAuditLogLine(models.Model):
    """One field of one record in an audit entry: its old and new value, or just its name.

    Lines of sensitive fields never hold values: ``sensitive`` is set and both values
    stay empty. Like their entry, lines are written by the system only.
    """

    _name = "customer.audit.log.line"
    _inherit = ["customer.audit.system.mixin"]
    _description = "Customer Data Audit Log Line"
    _order = "log_id, res_id, id"
    _rec_name = "field_name"

    log_id = fields.Many2one(
        "customer.audit.log",
        string="Entry",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    model = fields.Char(related="log_id.model")
    res_id = fields.Integer(string="Record ID", readonly=True)
    field_name = fields.Char(string="Field", required=True, readonly=True)
    field_description = fields.Char(string="Field Label", compute="_compute_field_description")
    old_value = fields.Text(readonly=True)
    new_value = fields.Text(readonly=True)
    sensitive = fields.Boolean(
        readonly=True,
        help="A sensitive field: the change is recorded without its values.",
    )

    @api.depends("field_name", "log_id.model")
    @api.depends_context("lang")
    def _compute_field_description(self):
        for line in self:
            model = line.log_id.model
            field = self.env[model]._fields.get(line.field_name) if model in self.env else None
            line.field_description = field._description_string(self.env) if field else line.field_name
