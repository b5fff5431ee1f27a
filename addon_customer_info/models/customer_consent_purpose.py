from odoo import api, fields, models


class CustomerConsentPurpose(models.Model):
    """What a person agrees (or objects) to: marketing email, event invitations, service messages.

    A purpose carries the notice texts shown to people (:class:`customer.consent.notice`,
    versioned) and flags whether it is marketing. Only marketing purposes drive Odoo's
    blacklists, and a purchased list can never grant them (see ``customer.consent.event``).
    """

    _name = "customer.consent.purpose"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent Purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable key used by web forms, the sync worker and the API (e.g. marketing).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What the data is used for under this purpose.")
    is_marketing = fields.Boolean(
        string="Marketing",
        help="Direct marketing. Marketing purposes cannot be granted by a purchased list, and their "
        "current state on the email and SMS channels drives the email and phone blacklists.",
    )
    validity_months = fields.Integer(
        string="Validity (Months)",
        help="How long a grant lasts when it does not say; 0 means it does not expire. "
        "An expired grant counts as no consent.",
    )
    default_legal_basis = fields.Selection(
        selection=lambda self: self.env["customer.consent.event"]._fields["legal_basis"].selection,
        default="consent",
        required=True,
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="The company (data controller) the purpose belongs to; empty for all companies.",
    )
    notice_ids = fields.One2many("customer.consent.notice", "purpose_id")
    current_notice_id = fields.Many2one(
        "customer.consent.notice",
        compute="_compute_current_notice_id",
        help="The latest published notice version.",
    )

    _code_unique = models.Constraint("UNIQUE (code)", "A consent purpose with this code already exists.")

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        watched = {"is_marketing", "company_id"}.intersection(vals)
        before = {purpose.id: tuple(purpose[name] for name in sorted(watched)) for purpose in self}
        result = super().write(vals)
        changed = self.filtered(
            lambda purpose: watched and tuple(purpose[name] for name in sorted(watched)) != before[purpose.id]
        )
        if changed:
            # purchased grants decide nothing while a purpose is marketing, and the current states
            # belong to the purpose's company: its rows follow
            self.env["customer.consent.current"]._refresh_purposes(changed)
        return result

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("notice_ids.published_at", "notice_ids.version")
    def _compute_current_notice_id(self):
        for purpose in self:
            purpose.current_notice_id = purpose._current_notice()

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _current_notice(self, lang=None):
        """The latest published notice of this purpose, in ``lang`` if there is one in it."""
        self.ensure_one()
        published = self.notice_ids.filtered("published_at").sorted("version", reverse=True)
        if lang:
            in_lang = published.filtered(lambda notice: notice.lang == lang)
            if in_lang:
                return in_lang[0]
            published = published.filtered(lambda notice: not notice.lang) or published
        return published[:1]

    @api.model
    def _get_by_code(self, code):
        """The purpose with ``code`` (archived ones included), or an empty recordset."""
        return self.with_context(active_test=False).search([("code", "=", code)], limit=1)
