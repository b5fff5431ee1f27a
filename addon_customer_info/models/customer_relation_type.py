from odoo import api, fields, models
from odoo.exceptions import ValidationError

PARTNER_KINDS = [("any", "Any"), ("company", "Company"), ("person", "Person")]


class CustomerRelationType(models.Model):
    """A kind of relation between two partners, named from each side.

    A relation reads ``<left> <name> <right>`` ("Wang Wei *is decision maker at*
    Mingyuan Tech") and, from the right partner's side, ``<right> <name_inverse>
    <left>`` ("Mingyuan Tech *has decision maker* Wang Wei"). A symmetric type reads
    the same from both sides ("is spouse of") and has no inverse name.

    Multi-company: no company rule, types are configuration shared by all companies (the
    relations follow the companies of their partners).
    """

    _name = "customer.relation.type"
    _inherit = ["customer.governed.mixin"]
    _description = "Relation Type"
    _order = "sequence, name, id"

    name = fields.Char(string="Relation", required=True, translate=True, help="Seen from the left partner.")
    name_inverse = fields.Char(
        string="Inverse Relation", translate=True, help="Seen from the right partner.",
    )
    code = fields.Char(copy=False, help="Stable technical key for searches, imports and the sync worker.")
    symmetric = fields.Boolean(help="The relation reads the same from both sides, e.g. \"is spouse of\".")
    left_kind = fields.Selection(
        PARTNER_KINDS, string="Left Partner Kind", required=True, default="any",
        help="Which partners may be on the left side.",
    )
    right_kind = fields.Selection(
        PARTNER_KINDS, string="Right Partner Kind", required=True, default="any",
        help="Which partners may be on the right side.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_sensitive = fields.Boolean(
        string="Sensitive",
        help="Relations of this type (family, spouse...) are sensitive personal details: only the "
        "Sensitive Personal Data groups see and record them, and every read is audited.",
    )
    description = fields.Text(translate=True)
    relation_count = fields.Integer(string="Relations", compute="_compute_relation_count")

    _code_unique = models.Constraint("UNIQUE (code)", "This code is already used.")

    @api.depends("name", "name_inverse", "symmetric")
    def _compute_display_name(self):
        for relation_type in self:
            if relation_type.symmetric or not relation_type.name_inverse:
                relation_type.display_name = relation_type.name
            else:
                relation_type.display_name = f"{relation_type.name} / {relation_type.name_inverse}"

    def _compute_relation_count(self):
        groups = self.env["customer.relation"]._read_group(
            [("type_id", "in", self.ids)], ["type_id"], ["__count"]
        )
        counts = {relation_type.id: count for relation_type, count in groups}
        for relation_type in self:
            relation_type.relation_count = counts.get(relation_type._origin.id, 0)

    @api.constrains("symmetric", "name_inverse", "left_kind", "right_kind")
    def _check_sides(self):
        for relation_type in self:
            if relation_type.symmetric and relation_type.left_kind != relation_type.right_kind:
                raise ValidationError(self.env._(
                    "The symmetric relation “%(name)s” must allow the same kind of partner on both sides.",
                    name=relation_type.name,
                ))
            if not relation_type.symmetric and not relation_type.name_inverse:
                raise ValidationError(self.env._(
                    "Name the relation “%(name)s” as seen from the right partner too.",
                    name=relation_type.name,
                ))

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _label(self, inverse=False):
        """The relation's name as seen from the left (or, ``inverse``, from the right) side."""
        self.ensure_one()
        return self.name_inverse if inverse and not self.symmetric else self.name

    def _accepts(self, partner, side):
        """Whether ``partner`` may stand on ``side`` ("left" or "right") of this type."""
        self.ensure_one()
        kind = self.left_kind if side == "left" else self.right_kind
        return kind == "any" or (kind == "company") == partner.is_company
