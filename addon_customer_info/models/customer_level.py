from odoo import models


class CustomerLevel(models.Model):
    """The grade a customer is managed at (e.g. A key account ... D occasional)."""

    _name = "customer.level"
    _inherit = ["customer.classification.mixin"]
    _description = "Customer Level"
    _partner_field = "ci_level_id"
