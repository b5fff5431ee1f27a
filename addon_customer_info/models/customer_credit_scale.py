from odoo import api, fields, models

DEFAULT_SCALE_PARAM = "addon_customer_info.default_credit_scale_id"


class CustomerCreditScale(models.Model):
    """A credit rating scale: an ordered list of grades, best first (AAA...D, or A/B/C/D).

    Multi-company: no company rule, scales are configuration shared by all companies (the
    ratings themselves have their company).
    """

    _name = "customer.credit.scale"
    _inherit = ["customer.governed.mixin"]
    _description = "Credit Rating Scale"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(copy=False, help="Stable technical key for imports and the sync worker.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    grade_ids = fields.One2many("customer.credit.grade", "scale_id", string="Grades", copy=True)

    _code_unique = models.Constraint("UNIQUE (code)", "This code is already used.")

    @api.model
    def _get_default(self):
        """The scale chosen in the settings, else the first active one."""
        # sudo: reads one configuration value (the default scale's id), not customer data.
        value = self.env["ir.config_parameter"].sudo().get_param(DEFAULT_SCALE_PARAM)
        scale = self.browse(int(value)).exists() if value and value.isdigit() else self.browse()
        return scale if scale.active else self.search([], limit=1)
