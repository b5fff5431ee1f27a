from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

REVIEW_ACTIVITY_TYPE_XMLID = "addon_customer_info.mail_activity_type_credit_review"
LINK_SENTINEL = object()
"""Context value allowing the model itself to link a new row (see :meth:`_link_to_previous`).

An object cannot travel through RPC, so no client can forge it."""
LINK_FIELDS = frozenset({"previous_grade_id", "review_activity_id"})
SOURCES = [("internal", "Internal Assessment"), ("registry", "Company Registry"), ("agency", "Rating Agency")]


class CustomerCreditRating(models.Model):
    """One credit rating of a customer: the history row *is* the rating.

    Rows are only ever added: a change of grade or limit is a new row saying who rated,
    when, on what source and why. The current rating of a customer (per company) is the
    latest row; it is derived, never stored, so no row is rewritten. Adding rows needs
    the Credit Manager group (see ``ir.model.access.csv``); :meth:`write` refuses every
    change, whoever asks, including RPC and superuser code.
    """

    _name = "customer.credit.rating"
    _inherit = ["customer.governed.mixin"]
    _description = "Credit Rating"
    _order = "rated_on desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade",
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    scale_id = fields.Many2one(
        "customer.credit.scale", required=True, index=True,
        default=lambda self: self.env["customer.credit.scale"]._get_default(),
    )
    grade_id = fields.Many2one(
        "customer.credit.grade", required=True, index=True,
        domain="[('scale_id', '=', scale_id)]",
    )
    grade_color = fields.Integer(related="grade_id.color")
    previous_grade_id = fields.Many2one(
        "customer.credit.grade", readonly=True,
        help="The grade this rating replaced, for the same customer and company.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id,
    )
    limit_amount = fields.Monetary(string="Credit Limit")
    rated_on = fields.Date(required=True, default=fields.Date.context_today, index=True)
    rated_by_id = fields.Many2one(
        "res.users", required=True, readonly=True, default=lambda self: self.env.user,
    )
    source = fields.Selection(SOURCES, required=True, default="internal")
    source_reference = fields.Char(
        string="Agency / Reference", help="The agency's name, the registry extract or report number.",
    )
    reason = fields.Text(required=True, help="Why the customer gets this rating: the facts behind it.")
    next_review_date = fields.Date(
        string="Next Review", compute="_compute_next_review_date", store=True, readonly=False,
        precompute=True, help="An activity reminds the rating's author on that day.",
    )
    review_activity_id = fields.Many2one("mail.activity", string="Review Reminder", readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    is_current = fields.Boolean(
        string="Current", compute="_compute_is_current", search="_search_is_current",
        help="The latest rating of the customer in its company.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("grade_id", "rated_on")
    def _compute_next_review_date(self):
        for rating in self:
            months = rating.grade_id.review_months
            if rating.next_review_date or not months or not rating.rated_on:
                continue
            rating.next_review_date = rating.rated_on + relativedelta(months=months)

    @api.depends("grade_id", "partner_id")
    def _compute_display_name(self):
        for rating in self:
            rating.display_name = f"{rating.partner_id.name or ''} - {rating.grade_id.name or ''}"

    def _current_query(self):
        """SQL selecting the id of the latest rating per (customer, company)."""
        self.flush_model(["partner_id", "company_id", "rated_on"])
        return SQL(
            "SELECT DISTINCT ON (partner_id, company_id) id FROM %s"
            " ORDER BY partner_id, company_id, rated_on DESC, id DESC",
            SQL.identifier(self._table),
        )

    @api.depends("partner_id", "company_id", "rated_on")
    def _compute_is_current(self):
        stored = self.filtered("id")
        current_ids = set()
        if stored:
            rows = self.env.execute_query(SQL(
                "SELECT id FROM (%s) AS latest WHERE id IN %s", self._current_query(), tuple(stored.ids),
            ))
            current_ids = {row[0] for row in rows}
        for rating in self:
            rating.is_current = rating.id in current_ids

    def _search_is_current(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wants_current = (True in value) == (operator == "in")
        return [("id", "in" if wants_current else "not in", self._current_query())]

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("grade_id", "scale_id")
    def _check_grade_in_scale(self):
        for rating in self:
            if rating.grade_id.scale_id != rating.scale_id:
                raise ValidationError(self.env._(
                    "Grade %(grade)s is not on the scale %(scale)s.",
                    grade=rating.grade_id.name, scale=rating.scale_id.name,
                ))

    @api.constrains("partner_id")
    def _check_commercial_partner(self):
        for rating in self:
            if rating.partner_id != rating.partner_id.commercial_partner_id:
                raise ValidationError(self.env._(
                    "Rate the company %(company)s, not its contact person %(person)s.",
                    company=rating.partner_id.commercial_partner_id.name, person=rating.partner_id.name,
                ))

    @api.constrains("rated_on", "next_review_date")
    def _check_review_after_rating(self):
        for rating in self:
            if rating.next_review_date and rating.rated_on and rating.next_review_date < rating.rated_on:
                raise ValidationError(self.env._("The next review cannot come before the rating."))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        ratings = self.browse()
        # one by one, so that each row sees the one it replaces (a batch may rate a customer twice)
        for vals in vals_list:
            rating = super().create([vals])
            self.invalidate_model(["is_current"])  # the new row may have replaced the current one
            rating._link_to_previous()
            ratings |= rating
        return ratings

    def write(self, vals):
        if self.env.context.get("ci_credit_rating_link") is LINK_SENTINEL and LINK_FIELDS.issuperset(vals):
            return super().write(vals)
        raise UserError(self.env._(
            "A credit rating is history and cannot be changed. Record a new rating instead: "
            "it keeps who changed what, when and why."
        ))

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _link_to_previous(self):
        """Record the grade this row replaces; if it is now current, move the review reminder to it.

        Runs once, right after the row is inserted. Nobody may write ratings (no ACL
        grants it and :meth:`write` refuses), so the two link fields are set through
        ``self_sudo`` carrying :data:`LINK_SENTINEL`, which :meth:`write` accepts for
        those fields only.
        """
        self.ensure_one()
        previous = self.search([
            ("partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("id", "!=", self.id),
            "|", ("rated_on", "<", self.rated_on),
            "&", ("rated_on", "=", self.rated_on), ("id", "<", self.id),
        ], limit=1)
        activity = self.env["mail.activity"]
        if self.is_current:
            replaced = self.search([
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("id", "!=", self.id),
                ("review_activity_id.active", "=", True),
            ])
            for open_activity in replaced.review_activity_id:
                open_activity.action_feedback(feedback=self.env._("Reviewed: rated %s", self.grade_id.name))
            if self.next_review_date:
                activity = self.partner_id.activity_schedule(
                    REVIEW_ACTIVITY_TYPE_XMLID,
                    date_deadline=self.next_review_date,
                    summary=self.env._("Review the credit rating (%s)", self.grade_id.name),
                    user_id=self.rated_by_id.id,
                )
        # sudo: ratings are write-protected for everyone; only these two fields, computed here
        # from the rating's own history, are written, and write() checks the sentinel and the fields.
        self_sudo = self.sudo().with_context(ci_credit_rating_link=LINK_SENTINEL)
        self_sudo.write({"previous_grade_id": previous.grade_id.id, "review_activity_id": activity.id})
