from odoo import models


class CustomerNature(models.Model):
    """The nature of an enterprise: state-owned, joint venture, listed company, and so on."""

    _name = "customer.nature"
    _inherit = ["customer.classification.mixin"]
    _description = "Nature of Enterprise"
    _partner_field = "ci_nature_id"
