from odoo import models


class CustomerSource(models.Model):
    """How a customer came to us: a referral, an exhibition, a purchased list, a web form..."""

    _name = "customer.source"
    _inherit = ["customer.classification.mixin"]
    _description = "Customer Source"
    _partner_field = "ci_source_id"
