from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..tools import periods_overlap  # noqa: TID252 (pylint-odoo wants relative imports)

PERSPECTIVE_FIELDS = frozenset({"this_partner_id", "other_partner_id", "directed_type"})


class CustomerRelation(models.Model):
    """A typed, dated relation between two partners: one row, readable from both sides.

    The row stores ``left_partner_id`` ``type_id`` ``right_partner_id``. Seen from a
    partner (context key ``ci_partner_id``), the perspective fields say who *this* and
    the *other* partner are and give the label from this side. Forms edit the
    perspective fields (``this_partner_id``, ``directed_type``, ``other_partner_id``);
    :meth:`create` and :meth:`write` turn them into the stored sides, so the same rules
    hold whoever writes.

    ``directed_type`` is ``"<type id>"`` when this partner is on the left and
    ``"-<type id>"`` when it is on the right (the inverse name).
    """

    _name = "customer.relation"
    _inherit = ["customer.governed.mixin"]
    _description = "Partner Relation"
    _order = "date_start desc, id desc"

    left_partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade",
    )
    type_id = fields.Many2one(
        "customer.relation.type", string="Relation Type", required=True, index=True, ondelete="restrict",
    )
    right_partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade",
    )
    date_start = fields.Date(string="Valid From")
    date_end = fields.Date(string="Valid Until")
    note = fields.Text()
    is_current = fields.Boolean(
        string="Current", compute="_compute_is_current", search="_search_is_current",
        help="Valid today: started (or no start) and not ended (or no end).",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Partners", compute="_compute_partner_ids", search="_search_partner_ids",
        help="Both partners of the relation.",
    )

    # Perspective: depends on the partner the relation is looked at from.
    this_partner_id = fields.Many2one(
        "res.partner", string="Partner", compute="_compute_perspective", readonly=False,
    )
    directed_type = fields.Selection(
        selection="_selection_directed_type", string="Relation", compute="_compute_perspective",
        readonly=False,
    )
    other_partner_id = fields.Many2one(
        "res.partner", string="Related Partner", compute="_compute_perspective", readonly=False,
    )
    label = fields.Char(string="Relation Label", compute="_compute_perspective")

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.model
    def _selection_directed_type(self):
        """Every relation type in both directions: ``(id, name)`` and ``(-id, inverse name)``."""
        selection = []
        # every type (a short configuration list), archived ones too, so old relations keep their label
        all_types = self.env["customer.relation.type"].with_context(active_test=False)
        types = all_types.search([])  # pylint: disable=no-search-all
        for relation_type in types:
            selection.append((str(relation_type.id), relation_type.name))
            if not relation_type.symmetric:
                selection.append((f"-{relation_type.id}", relation_type.name_inverse))
        return selection

    def _viewer(self):
        """The partner the relations are looked at from (context ``ci_partner_id``), if any."""
        viewer_id = self.env.context.get("ci_partner_id")
        partners = self.env["res.partner"]
        return partners.browse(viewer_id) if isinstance(viewer_id, int) else partners

    def _is_seen_inverted(self):
        """Whether this relation is looked at from its right partner."""
        self.ensure_one()
        viewer = self._viewer()
        return bool(viewer) and self.right_partner_id == viewer and self.left_partner_id != viewer

    @api.depends(
        "left_partner_id", "right_partner_id", "type_id.name", "type_id.name_inverse", "type_id.symmetric",
    )
    @api.depends_context("ci_partner_id", "lang")
    def _compute_perspective(self):
        viewer = self._viewer()
        for relation in self:
            inverted = relation._is_seen_inverted()
            if inverted:
                relation.this_partner_id = relation.right_partner_id
                relation.other_partner_id = relation.left_partner_id
            else:
                relation.this_partner_id = relation.left_partner_id or viewer
                relation.other_partner_id = relation.right_partner_id
            relation_type = relation.type_id
            if relation_type:
                inverse = inverted and not relation_type.symmetric
                relation.directed_type = f"-{relation_type.id}" if inverse else str(relation_type.id)
                relation.label = relation_type._label(inverse)
            else:
                relation.directed_type = False
                relation.label = False

    @api.depends("label", "left_partner_id.name", "right_partner_id.name")
    @api.depends_context("ci_partner_id", "lang")
    def _compute_display_name(self):
        for relation in self:
            parts = (relation.this_partner_id.name, relation.label, relation.other_partner_id.name)
            relation.display_name = " ".join(part for part in parts if part)

    @api.depends("date_start", "date_end")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for relation in self:
            relation.is_current = periods_overlap(relation.date_start, relation.date_end, today, today)

    def _search_is_current(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        current = Domain.AND([
            Domain("date_start", "=", False) | Domain("date_start", "<=", today),
            Domain("date_end", "=", False) | Domain("date_end", ">=", today),
        ])
        wants_current = (True in value) == (operator == "in")
        return current if wants_current else ~current

    @api.depends("left_partner_id", "right_partner_id")
    def _compute_partner_ids(self):
        for relation in self:
            relation.partner_ids = relation.left_partner_id | relation.right_partner_id

    def _search_partner_ids(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented  # the ORM negates the positive search
        return Domain("left_partner_id", operator, value) | Domain("right_partner_id", operator, value)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("left_partner_id", "right_partner_id")
    def _check_not_self(self):
        for relation in self:
            if relation.left_partner_id == relation.right_partner_id:
                raise ValidationError(self.env._("A partner cannot be related to itself."))

    @api.constrains("left_partner_id", "right_partner_id", "type_id")
    def _check_partner_kinds(self):
        kinds = dict(self.env["customer.relation.type"]._fields["left_kind"]._description_selection(self.env))
        for relation in self:
            relation_type = relation.type_id
            for side, partner, kind in (
                ("left", relation.left_partner_id, relation_type.left_kind),
                ("right", relation.right_partner_id, relation_type.right_kind),
            ):
                if not relation_type._accepts(partner, side):
                    raise ValidationError(self.env._(
                        "“%(relation)s” needs a partner of kind “%(kind)s” on that side, not %(partner)s.",
                        relation=relation_type._label(inverse=side == "right"),
                        kind=kinds[kind],
                        partner=partner.display_name,
                    ))

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for relation in self:
            if relation.date_start and relation.date_end and relation.date_end < relation.date_start:
                raise ValidationError(self.env._("A relation cannot end before it starts."))

    @api.constrains("left_partner_id", "right_partner_id", "type_id", "date_start", "date_end")
    def _check_no_overlap(self):
        """The same relation between the same partners cannot be valid twice on one day.

        For a symmetric type, A-B and B-A are the same relation.
        """
        for relation in self:
            pair = relation.left_partner_id | relation.right_partner_id
            domain = Domain([
                ("id", "!=", relation.id),
                ("type_id", "=", relation.type_id.id),
                ("left_partner_id", "=", relation.left_partner_id.id),
                ("right_partner_id", "=", relation.right_partner_id.id),
            ])
            if relation.type_id.symmetric:
                domain = Domain([
                    ("id", "!=", relation.id),
                    ("type_id", "=", relation.type_id.id),
                    ("left_partner_id", "in", pair.ids),
                    ("right_partner_id", "in", pair.ids),
                ])
            for other in self.search(domain):
                if periods_overlap(relation.date_start, relation.date_end, other.date_start, other.date_end):
                    raise ValidationError(self.env._(
                        "%(relation)s is already recorded for an overlapping period.",
                        relation=relation.with_context(ci_partner_id=False).display_name,
                    ))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._perspective_to_sides(vals) for vals in vals_list])

    def write(self, vals):
        if PERSPECTIVE_FIELDS.isdisjoint(vals):
            return super().write(vals)
        for relation in self:
            super(CustomerRelation, relation).write(relation._perspective_to_sides(vals))
        return True

    def _perspective_to_sides(self, vals):
        """Turn perspective values (this / directed type / other) into stored sides.

        Values not given are taken from the record's current perspective (on write).
        """
        if PERSPECTIVE_FIELDS.isdisjoint(vals):
            return vals
        vals = dict(vals)
        current = self[:1]
        this_id = vals.pop("this_partner_id", current.this_partner_id.id)
        other_id = vals.pop("other_partner_id", current.other_partner_id.id)
        directed = vals.pop("directed_type", current.directed_type)
        if not directed:
            raise ValidationError(self.env._("Choose the relation."))
        type_id = int(directed)
        left_id, right_id = (other_id, this_id) if type_id < 0 else (this_id, other_id)
        vals.update(type_id=abs(type_id), left_partner_id=left_id, right_partner_id=right_id)
        return vals
