from odoo import models

TYPE_TARGET = "target"
TYPE_POTENTIAL = "potential"
TYPE_EXISTING = "existing"
TYPE_LOST = "lost"
RULE_MANAGED_TYPES = frozenset({TYPE_TARGET, TYPE_POTENTIAL})
"""Types that the intent/power rule may set and take back; the others are decided by people."""


class CustomerType(models.Model):
    """Where a customer stands: target, potential, existing, lost, or a type of your own.

    The shipped codes ``target`` and ``potential`` are set by the intent/power rule (see
    ``res.partner._ci_apply_prospect_rule``); ``existing`` and ``lost`` are set by people
    or by the sync worker from purchase history.
    """

    _name = "customer.type"
    _inherit = ["customer.classification.mixin"]
    _description = "Customer Type"
    _partner_field = "ci_customer_type_id"
