from odoo import api, fields, models


class CustomerClassificationMixin(models.AbstractModel):
    """Shared shape of the small configurable classifications of a customer.

    Type, nature, source, level and region are each a short, translatable list that an
    administrator maintains. A record may carry a ``code``: a stable technical key that
    rules, imports and the sync worker use instead of the (translated) name.

    Inheriting models set ``_partner_field``, the ``res.partner`` field that points at
    them, which gives them a customer count and a button listing those customers.

    Multi-company: no company rule, these lists are configuration shared by all companies
    (a customer's classification is on the contact, which has its company).
    """

    _name = "customer.classification.mixin"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Classification (mixin)"
    _order = "sequence, name, id"
    _partner_field = ""

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        copy=False,
        help="Stable technical key used by rules, imports and the sync worker. "
        "Leave empty for classifications you add yourself.",
    )
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    _code_unique = models.Constraint("UNIQUE (code)", "This code is already used.")

    @api.depends_context("uid")
    def _compute_partner_count(self):
        counts = {}
        if self._partner_field and self.ids:
            groups = self.env["res.partner"]._read_group(
                [(self._partner_field, "in", self.ids)], [self._partner_field], ["__count"]
            )
            counts = {record.id: count for record, count in groups}
        for record in self:
            record.partner_count = counts.get(record._origin.id, 0)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_partners(self):
        """Open the customers classified with this record."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("addon_customer_info.action_customer_partners")
        action["domain"] = [(self._partner_field, "=", self.id)]
        action["context"] = {"default_" + self._partner_field: self.id}
        action["display_name"] = self.display_name
        return action
