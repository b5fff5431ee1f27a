from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerRegion(models.Model):
    """A sales region: a tree of areas, each covering whole countries and/or provinces.

    A new customer without a region gets the most specific region covering its
    province, else its country (see :meth:`_find_for_address`).
    """

    _name = "customer.region"
    _inherit = ["customer.classification.mixin"]
    _description = "Customer Region"
    _partner_field = "ci_region_id"
    _parent_store = True

    parent_id = fields.Many2one("customer.region", string="Parent Region", index=True, ondelete="restrict")
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("customer.region", "parent_id", string="Sub-regions")
    country_ids = fields.Many2many("res.country", string="Countries")
    state_ids = fields.Many2many("res.country.state", string="Provinces / States")
    display_name = fields.Char(recursive=True)  # "Parent / Child", recomputed when a parent is renamed

    @api.depends("name", "parent_id.display_name")
    def _compute_display_name(self):
        for region in self:
            if region.parent_id:
                region.display_name = f"{region.parent_id.display_name} / {region.name}"
            else:
                region.display_name = region.name

    @api.constrains("parent_id")
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A region cannot be inside itself."))

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    def _find_for_address(self, country, state):
        """The region for an address: one covering the province first, then the country.

        Among several candidates the deepest (most specific) one wins.

        :param country: ``res.country`` record (may be empty)
        :param state: ``res.country.state`` record (may be empty)
        :return: a ``customer.region`` record, empty when none covers the address
        """
        for field_name, value in (("state_ids", state), ("country_ids", country)):
            if not value:
                continue
            candidates = self.search([(field_name, "in", value.ids)])
            if candidates:
                return candidates.sorted(lambda region: (-region.parent_path.count("/"), region.sequence))[0]
        return self.browse()
