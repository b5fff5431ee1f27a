import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from lxml import etree
from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import (  # noqa: TID252 (pylint-odoo wants relative imports)
    LEVELS,
    classify_prospect,
    completeness_score,
    identifiers,
    missing_criteria,
)
from .customer_field_provenance import GOVERNED_NAMES
from .customer_type import RULE_MANAGED_TYPES

CI_USER = "addon_customer_info.group_customer_info_user"
"""Every ``ci_`` field is readable only by the addon's users (least privilege)."""
CI_PREFETCH = "customer_info"
"""Prefetch group of the addon's stored contact fields: reading a contact's own fields (in any
application) does not load them, reading one of them loads them all."""

LEVEL_SELECTION = list(zip(LEVELS, ("None", "Low", "Medium", "High"), strict=True))
PROSPECT_RULE_INPUTS = frozenset({"ci_purchase_intent", "ci_purchasing_power"})
ADDRESS_FIELDS = frozenset({"country_id", "state_id"})
CONSENT_ADDRESS_FIELDS = frozenset({"email", "phone"})

STALE_AFTER_DAYS_PARAM = "addon_customer_info.stale_after_days"
DEFAULT_STALE_AFTER_DAYS = 365

# What matters for each kind of partner: each criterion is met by any of its fields.
COMPANY_CRITERIA = (
    ("email", "phone"),
    ("city",),
    ("country_id",),
    ("vat", "company_registry"),
    ("industry_id",),
    ("user_id",),
    ("ci_customer_type_id",),
    ("ci_level_id",),
    ("ci_source_id",),
    ("ci_region_id",),
    ("ci_nature_id",),
    ("ci_employee_count",),
    ("ci_registered_capital", "ci_annual_revenue"),
)
PERSON_CRITERIA = (
    ("email",),
    ("phone",),
    ("function",),
    ("parent_id", "ci_customer_type_id"),
    ("country_id",),
    ("ci_source_id",),
    ("ci_decision_influence",),
)
# sync (issue 11): the batch apply writes partners with this sentinel in the context, so that
# its writes are not taken for a person's edit; an object cannot travel through RPC
SYNC_CONTEXT_KEY = "ci_sync_apply"
SYNC_SENTINEL = object()
IDENTIFIER_INPUTS = frozenset({"email", "vat", "parent_id", "active", "is_company"})
INDEX_LOOKBACK = datetime.timedelta(minutes=10)
INDEX_PAGE_SIZE = 5000
INDEX_PAGE_MAX = 20000

COMPARISONS = {"<": SQL("<"), "<=": SQL("<="), ">": SQL(">"), ">=": SQL(">=")}


def _ci_rule_inputs_changed(vals, *, create=False):
    """Whether ``vals`` changes an input of the prospect rule without choosing the type itself.

    A new contact has no type to keep: the form sends every field, an empty type among them,
    so on ``create`` only a type actually given counts as chosen."""
    if PROSPECT_RULE_INPUTS.isdisjoint(vals):
        return False
    if create:
        return not vals.get("ci_customer_type_id")
    return "ci_customer_type_id" not in vals


class ResPartner(models.Model):
    """Customer information on contacts.

    Every field of this module is prefixed ``ci_`` and restricted to the addon's user
    group. Stored fields are only facts people or the sync worker enter; figures derived
    from other records (counts, current rating, completeness) are computed on the fly,
    with a search method where a filter needs them, so that nothing here rewrites the
    partner table behind the user's back.
    """

    _name = "res.partner"
    _inherit = ["res.partner", "customer.governed.mixin"]

    def _mail_get_operation_for_mail_message_operation(self, message_operation):
        """Salespeople change their own customers only (security/ir_rules.xml), but log notes,
        schedule activities and record customer activities on any contact they read, as they could
        before: for them posting needs reading the contact. Everyone else (other applications'
        users, portal users) keeps Odoo's rule, writing."""
        result = super()._mail_get_operation_for_mail_message_operation(message_operation)
        if message_operation == "create" and not self.env.su and self.env.user.has_group(CI_USER):
            result = {record: "read" if access == "write" else access for record, access in result.items()}
        return result

    # ------------------------------------------------------------
    # Profile: classification
    # ------------------------------------------------------------
    ci_customer_type_id = fields.Many2one(
        "customer.type", string="Customer Type", index="btree_not_null", tracking=True, groups=CI_USER,
        help="Target and potential are set by the purchase intent / purchasing power rule "
        "unless you choose a type yourself; existing, lost and your own types are never changed by it.",
        prefetch=CI_PREFETCH,
    )
    ci_nature_id = fields.Many2one(
        "customer.nature", string="Nature of Enterprise", index="btree_not_null", tracking=True,
        groups=CI_USER,
        prefetch=CI_PREFETCH,
    )
    ci_source_id = fields.Many2one(
        "customer.source", string="Customer Source", index="btree_not_null", tracking=True, groups=CI_USER,
        prefetch=CI_PREFETCH,
    )
    ci_level_id = fields.Many2one(
        "customer.level", string="Customer Level", index="btree_not_null", tracking=True, groups=CI_USER,
        prefetch=CI_PREFETCH,
    )
    ci_region_id = fields.Many2one(
        "customer.region", string="Sales Region", index="btree_not_null", tracking=True, groups=CI_USER,
        help="Filled from the province or country when a customer is created without one.",
        prefetch=CI_PREFETCH,
    )
    ci_customer_since = fields.Date(string="Customer Since", groups=CI_USER, prefetch=CI_PREFETCH)

    # ------------------------------------------------------------
    # Profile: customer value
    # ------------------------------------------------------------
    ci_purchase_intent = fields.Selection(
        LEVEL_SELECTION, string="Purchase Intent", tracking=True, groups=CI_USER,
        help="How much the customer wants to buy from us. Medium or high counts as having the intent.",
        prefetch=CI_PREFETCH,
    )
    ci_purchasing_power = fields.Selection(
        LEVEL_SELECTION, string="Purchasing Power", tracking=True, groups=CI_USER,
        help="Whether the customer can afford to buy (budget, size, solvency). "
        "Medium or high counts as having the power.",
        prefetch=CI_PREFETCH,
    )
    ci_currency_id = fields.Many2one(
        "res.currency", string="Figures Currency", groups=CI_USER,
        help="Currency of the registered capital and annual revenue.",
        prefetch=CI_PREFETCH,
    )
    ci_registered_capital = fields.Monetary(
        string="Registered Capital", currency_field="ci_currency_id", groups=CI_USER,
        prefetch=CI_PREFETCH,
    )
    ci_annual_revenue = fields.Monetary(
        string="Annual Revenue", currency_field="ci_currency_id", groups=CI_USER,
        prefetch=CI_PREFETCH,
    )
    ci_employee_count = fields.Integer(
        string="Staff", groups=CI_USER, help="Number of employees.", prefetch=CI_PREFETCH
    )
    ci_founded_on = fields.Date(string="Founded On", groups=CI_USER, prefetch=CI_PREFETCH)
    ci_purchase_history = fields.Html(
        string="Purchase History", groups=CI_USER,
        help="What the customer bought, when, and from whom; "
        "kept here until a sales bridge module links the orders.",
        prefetch=CI_PREFETCH,
    )

    # ------------------------------------------------------------
    # Contact person
    # ------------------------------------------------------------
    ci_decision_influence = fields.Selection(
        [
            ("decision_maker", "Decision Maker"),
            ("influencer", "Influencer"),
            ("evaluator", "Evaluator / User"),
            ("gatekeeper", "Gatekeeper"),
            ("none", "No Influence"),
        ],
        string="Decision Influence", tracking=True, groups=CI_USER,
        help="The person's weight in the customer's buying decisions.",
        prefetch=CI_PREFETCH,
    )
    ci_hobby_ids = fields.Many2many(
        "customer.hobby", "customer_hobby_res_partner_rel", "partner_id", "hobby_id",
        string="Hobbies", groups=CI_USER,
    )
    ci_preferences = fields.Text(
        string="Preferences", groups=CI_USER,
        help="Tastes and habits worth knowing: food, drinks, gifts, meeting times, taboos.",
        prefetch=CI_PREFETCH,
    )
    ci_accepts_email = fields.Boolean(
        string="Receives Email", compute="_compute_ci_accepts", search="_search_ci_accepts_email",
        groups=CI_USER,
        help="A marketing purpose is granted on the email channel in the consent register.",
    )
    ci_accepts_sms = fields.Boolean(
        string="Receives SMS", compute="_compute_ci_accepts", search="_search_ci_accepts_sms",
        groups=CI_USER,
        help="A marketing purpose is granted on the SMS channel in the consent register.",
    )
    ci_important_date_ids = fields.One2many(
        "customer.important.date", "partner_id", string="Important Dates", groups=CI_USER,
    )
    ci_career_ids = fields.One2many("customer.career", "partner_id", string="Career History", groups=CI_USER)

    # ------------------------------------------------------------
    # Relations
    # ------------------------------------------------------------
    ci_relation_left_ids = fields.One2many(
        "customer.relation", "left_partner_id", string="Relations (as left partner)", groups=CI_USER,
    )
    ci_relation_right_ids = fields.One2many(
        "customer.relation", "right_partner_id", string="Relations (as right partner)", groups=CI_USER,
    )
    ci_relation_ids = fields.Many2many(
        "customer.relation", string="Relations", compute="_compute_ci_relation_ids", groups=CI_USER,
        help="Relations on either side, labelled as seen from this partner.",
    )
    ci_relation_count = fields.Integer(
        string="Relation Count", compute="_compute_ci_relation_ids", groups=CI_USER,
    )
    ci_related_partner_ids = fields.Many2many(
        "res.partner", string="Related Partners", compute="_compute_ci_relation_ids",
        search="_search_ci_related_partner_ids", groups=CI_USER,
        help="Partners on the other side of any relation of this partner.",
    )

    # ------------------------------------------------------------
    # Activities
    # ------------------------------------------------------------
    ci_activity_ids = fields.Many2many(
        "customer.activity", string="Customer Activities", compute="_compute_ci_activity_stats",
        groups=CI_USER,
        help="Activities with this customer: for a company, also those with its contact persons.",
    )
    ci_activity_count = fields.Integer(
        string="Activity Count", compute="_compute_ci_activity_stats", groups=CI_USER,
    )
    ci_last_activity_date = fields.Datetime(
        string="Last Activity", compute="_compute_ci_activity_stats", groups=CI_USER,
    )

    # ------------------------------------------------------------
    # Credit (current rating: derived from the history, per company)
    # ------------------------------------------------------------
    ci_credit_rating_ids = fields.One2many(
        "customer.credit.rating", "partner_id", string="Credit Rating History", groups=CI_USER,
    )
    ci_credit_rating_id = fields.Many2one(
        "customer.credit.rating", string="Current Credit Rating", compute="_compute_ci_credit",
        groups=CI_USER,
    )
    ci_credit_grade_id = fields.Many2one(
        "customer.credit.grade", string="Credit Rating", compute="_compute_ci_credit",
        search="_search_ci_credit_grade_id", groups=CI_USER,
        help="The latest rating of the customer (of its company, for a contact person) in this company.",
    )
    ci_credit_currency_id = fields.Many2one(
        "res.currency", string="Credit Currency", compute="_compute_ci_credit", groups=CI_USER,
    )
    ci_credit_limit = fields.Monetary(
        string="Credit Limit", currency_field="ci_credit_currency_id", compute="_compute_ci_credit",
        groups=CI_USER,
    )
    ci_credit_next_review_date = fields.Date(
        string="Next Credit Review", compute="_compute_ci_credit",
        search="_search_ci_credit_next_review_date", groups=CI_USER,
    )

    # ------------------------------------------------------------
    # Consent (current state: derived from the consent register)
    # ------------------------------------------------------------
    ci_consent_event_ids = fields.One2many(
        "customer.consent.event", "partner_id", string="Consent History", groups=CI_USER,
    )
    ci_consent_state_ids = fields.Many2many(
        "customer.consent.state", string="Current Consent", compute="_compute_ci_consent_state_ids",
        groups=CI_USER,
    )

    # ------------------------------------------------------------
    # Data quality
    # ------------------------------------------------------------
    ci_completeness = fields.Integer(
        string="Completeness (%)", compute="_compute_ci_completeness", search="_search_ci_completeness",
        groups=CI_USER, aggregator="avg",
        help="Share of what matters for this kind of partner that is filled in.",
    )
    ci_missing_info = fields.Char(string="Missing", compute="_compute_ci_completeness", groups=CI_USER)
    ci_last_verified_on = fields.Date(
        string="Last Verified", tracking=True, copy=False, groups=CI_USER,
        help="When someone last confirmed that this partner's information is right.",
        prefetch=CI_PREFETCH,
    )
    ci_verified_by_id = fields.Many2one(
        "res.users", string="Verified By", copy=False, groups=CI_USER, prefetch=CI_PREFETCH
    )
    ci_is_stale = fields.Boolean(
        string="Stale", compute="_compute_ci_is_stale", search="_search_ci_is_stale", groups=CI_USER,
        help="Not verified within the period set in the settings (never verified counts as stale).",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # Not a field default: a default would be written to every existing partner at install.
        # Only for users who may see it: a default they cannot read would break their create.
        currency_field = self._fields["ci_currency_id"]
        if (
            "ci_currency_id" in fields_list
            and not values.get("ci_currency_id")
            and self._has_field_access(currency_field, "write")
        ):
            values["ci_currency_id"] = self.env.company.currency_id.id
        return values

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._ci_assign_region()
        partners._ci_sync_after_create(vals_list)
        for partner, vals in zip(partners, vals_list, strict=True):
            if _ci_rule_inputs_changed(vals, create=True):
                partner._ci_apply_prospect_rule()
        return partners

    def write(self, vals):
        before = self._ci_sync_before_write(vals)
        result = super().write(vals)
        if not ADDRESS_FIELDS.isdisjoint(vals):
            self._ci_assign_region()
        if not CONSENT_ADDRESS_FIELDS.isdisjoint(vals):
            # a new address inherits the contact's marketing consent (or objection) on the blacklists
            self.env["customer.consent.event"]._sync_blacklists_for(self)
        if _ci_rule_inputs_changed(vals):
            self._ci_apply_prospect_rule()
        self._ci_sync_after_write(vals, before)
        return result

    def web_read(self, specification):
        """Read a partner's own relations from its side, so the form lists them with its labels.

        The form cannot pass the record's id in the relations' context when it builds the
        read specification, so the partner adds it here.
        """
        if len(self) == 1 and "ci_relation_ids" in specification:
            relation_spec = dict(specification["ci_relation_ids"])
            relation_spec["context"] = {**relation_spec.get("context", {}), "ci_partner_id": self.id}
            specification = {**specification, "ci_relation_ids": relation_spec}
        return super().web_read(specification)

    @api.onchange("country_id", "state_id")
    def _onchange_ci_address_region(self):
        if not self.ci_region_id:
            self.ci_region_id = self.env["customer.region"]._find_for_address(self.country_id, self.state_id)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("ci_relation_left_ids", "ci_relation_right_ids")
    def _compute_ci_relation_ids(self):
        for partner in self:
            relations = partner.ci_relation_left_ids | partner.ci_relation_right_ids
            partner.ci_relation_ids = relations
            partner.ci_relation_count = len(relations)
            partner.ci_related_partner_ids = (
                relations.left_partner_id | relations.right_partner_id
            ) - partner

    @api.depends("ci_consent_event_ids")
    def _compute_ci_accepts(self):
        granted = self.env["customer.consent.event"]._granted_channels(self.filtered("id"), ["email", "sms"])
        for partner in self:
            channels = granted.get(partner.id, ())
            partner.ci_accepts_email = "email" in channels
            partner.ci_accepts_sms = "sms" in channels

    def _ci_search_accepts(self, channel_code, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        granted = Domain("id", "in", self.env["customer.consent.event"]._granted_partner_sql(channel_code))
        return granted if (True in value) == (operator == "in") else ~granted

    def _search_ci_accepts_email(self, operator, value):
        return self._ci_search_accepts("email", operator, value)

    def _search_ci_accepts_sms(self, operator, value):
        return self._ci_search_accepts("sms", operator, value)

    @api.depends("ci_consent_event_ids")
    def _compute_ci_consent_state_ids(self):
        saved = self.filtered("id")
        by_partner = self.env["customer.consent.state"]._ids_by_partner(saved)
        # the rows go straight into the cache: they come from a search, which applied the access
        # rights and rules (an assignment would check them again, row by row, and compare each
        # contact's rows with an old value a computed field does not have)
        field = self._fields["ci_consent_state_ids"]
        for partner in saved:
            field._update_cache(partner, tuple(by_partner[partner.id]))
        for partner in self - saved:
            partner.ci_consent_state_ids = False

    @api.depends_context("uid")  # the activities the user may read (record rules)
    def _compute_ci_activity_stats(self):
        partners = self.filtered("id")
        activities = self.env["customer.activity"].search([("partner_ids", "in", partners.ids)])
        for partner in self:
            if partner.is_company:
                mine = activities.filtered(lambda a, p=partner: a.commercial_partner_id == p)
            else:
                mine = activities.filtered(lambda a, p=partner: p in (a.partner_id | a.contact_id))
            partner.ci_activity_ids = mine
            partner.ci_activity_count = len(mine)
            partner.ci_last_activity_date = max(mine.mapped("date"), default=False)

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ci_credit(self):
        commercial = self.commercial_partner_id.filtered("id")
        ratings = self.env["customer.credit.rating"].search([
            ("partner_id", "in", commercial.ids),
            ("company_id", "=", self.env.company.id),
            ("is_current", "=", True),
        ])
        by_partner = {rating.partner_id: rating for rating in ratings}
        for partner in self:
            rating = by_partner.get(partner.commercial_partner_id, ratings.browse())
            partner.ci_credit_rating_id = rating
            partner.ci_credit_grade_id = rating.grade_id
            partner.ci_credit_currency_id = rating.currency_id
            partner.ci_credit_limit = rating.limit_amount
            partner.ci_credit_next_review_date = rating.next_review_date

    def _ci_current_rating_domain(self, condition):
        """Partners whose current rating (in this company), or their company's, meets ``condition``."""
        rating = Domain.AND([
            Domain("is_current", "=", True),
            Domain("company_id", "=", self.env.company.id),
            condition,
        ])
        return Domain("commercial_partner_id.ci_credit_rating_ids", "any", rating)

    def _search_ci_credit_grade_id(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        return self._ci_current_rating_domain(Domain("grade_id", operator, value))

    def _search_ci_credit_next_review_date(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        return self._ci_current_rating_domain(Domain("next_review_date", operator, value))

    @api.model
    def _ci_completeness_criteria(self, is_company):
        """The criteria that make a company (or a person) complete; override to add your own."""
        return COMPANY_CRITERIA if is_company else PERSON_CRITERIA

    @api.depends(lambda self: sorted({f for group in COMPANY_CRITERIA + PERSON_CRITERIA for f in group}))
    @api.depends_context("lang")
    def _compute_ci_completeness(self):
        for partner in self:
            criteria = self._ci_completeness_criteria(partner.is_company)
            filled = {name: bool(partner[name]) for group in criteria for name in group}
            partner.ci_completeness = completeness_score(filled, criteria)
            partner.ci_missing_info = ", ".join(
                self.env._(" or ").join(self._fields[name]._description_string(self.env) for name in group)
                for group in missing_criteria(filled, criteria)
            )

    def _ci_completeness_sql(self, alias, query):
        """SQL for the completeness score of the partner row ``alias``; the same as the compute."""
        def filled(name):
            column = self._field_to_sql(alias, name, query)
            field_type = self._fields[name].type
            if field_type in ("char", "text", "html", "selection"):
                return SQL("COALESCE(%s, '') <> ''", column)
            if field_type in ("integer", "float", "monetary"):
                return SQL("COALESCE(%s, 0) <> 0", column)
            return SQL("%s IS NOT NULL", column)

        def score(criteria):
            met = SQL(" + ").join(
                SQL("(CASE WHEN %s THEN 1 ELSE 0 END)", SQL(" OR ").join(filled(name) for name in group))
                for group in criteria
            )
            return SQL("((%s) * 100 / %s)", met, len(criteria))

        return SQL(
            "(CASE WHEN %s THEN %s ELSE %s END)",
            self._field_to_sql(alias, "is_company", query),
            score(self._ci_completeness_criteria(True)),
            score(self._ci_completeness_criteria(False)),
        )

    def _search_ci_completeness(self, operator, value):
        if operator in ("in", "not in"):
            values = tuple(int(v) for v in value if v is not False) or (-1,)
            return Domain.custom(to_sql=lambda model, alias, query: SQL(
                "%s %s %s", model._ci_completeness_sql(alias, query), SQL(operator.upper()), values,
            ))
        if operator in COMPARISONS:
            return Domain.custom(to_sql=lambda model, alias, query: SQL(
                "%s %s %s", model._ci_completeness_sql(alias, query), COMPARISONS[operator], int(value),
            ))
        return NotImplemented

    @api.model
    def _ci_stale_before(self):
        """Verifications older than this date are stale."""
        # sudo: reads one configuration value (the staleness period), not customer data.
        value = self.env["ir.config_parameter"].sudo().get_param(STALE_AFTER_DAYS_PARAM)
        days = int(value) if value and value.isdigit() else DEFAULT_STALE_AFTER_DAYS
        return fields.Date.context_today(self) - relativedelta(days=days)

    @api.depends("ci_last_verified_on")
    def _compute_ci_is_stale(self):
        stale_before = self._ci_stale_before()
        for partner in self:
            verified_on = partner.ci_last_verified_on
            partner.ci_is_stale = not verified_on or verified_on < stale_before

    def _search_ci_is_stale(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        stale = Domain("ci_last_verified_on", "=", False) | Domain(
            "ci_last_verified_on", "<", self._ci_stale_before()
        )
        return stale if (True in value) == (operator == "in") else ~stale

    def _search_ci_related_partner_ids(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        return Domain("ci_relation_left_ids", "any", [("right_partner_id", operator, value)]) | Domain(
            "ci_relation_right_ids", "any", [("left_partner_id", operator, value)]
        )

    @api.model
    def _ci_relation_domain(self, relation_type, other_partner, *, this_side="right"):
        """Partners related to ``other_partner`` by ``relation_type``, standing on ``this_side``.

        ``_ci_relation_domain(decision_maker, wang_wei)`` finds the companies where Wang Wei
        is decision maker (they stand on the right of "is decision maker at"). Symmetric
        types match either side.
        """
        def side(this, other):
            return Domain(
                f"ci_relation_{this}_ids", "any",
                [("type_id", "=", relation_type.id), (f"{other}_partner_id", "in", other_partner.ids)],
            )
        if relation_type.symmetric:
            return side("left", "right") | side("right", "left")
        return side("right", "left") if this_side == "right" else side("left", "right")

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_ci_view_relations(self):
        """The relations of this partner, labelled from its side."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("addon_customer_info.customer_relation_action")
        action["domain"] = [("partner_ids", "in", self.ids)]
        action["context"] = {"ci_partner_id": self.id, "default_this_partner_id": self.id}
        action["display_name"] = self.env._("Relations of %s", self.display_name)
        return action

    def action_ci_view_activities(self):
        """The customer activities of this partner (for a company, with its contact persons)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("addon_customer_info.customer_activity_action")
        field_name = "commercial_partner_id" if self.is_company else "partner_ids"
        action["domain"] = [(field_name, "in", self.ids)]
        action["context"] = self._ci_activity_defaults()
        action["display_name"] = self.env._("Activities with %s", self.display_name)
        return action

    def action_ci_log_activity(self):
        """A form to log an interaction with this partner."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log Activity"),
            "res_model": "customer.activity",
            "view_mode": "form",
            "views": [(self.env.ref("addon_customer_info.customer_activity_view_form").id, "form")],
            "target": "new",
            "context": self._ci_activity_defaults(),
        }

    def _ci_activity_defaults(self):
        """Defaults of a new activity logged from this partner: the customer, and the person if any."""
        self.ensure_one()
        defaults = {"default_partner_id": self.commercial_partner_id.id}
        if not self.is_company and self.commercial_partner_id != self:
            defaults["default_contact_id"] = self.id
        return defaults

    def action_ci_mark_verified(self):
        """Confirm the partners' information is right as of today."""
        today = fields.Date.context_today(self)
        self.write({"ci_last_verified_on": today, "ci_verified_by_id": self.env.uid})
        return True

    def action_ci_rate_credit(self):
        """A form to record a new credit rating of this customer (its company, for a person)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Credit Rating"),
            "res_model": "customer.credit.rating",
            "view_mode": "form",
            "views": [(self.env.ref("addon_customer_info.customer_credit_rating_view_form").id, "form")],
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_ci_record_consent(self):
        """A small form to record a grant, withdrawal or refusal (the button's context says which)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "addon_customer_info.customer_consent_wizard_action"
        )
        action["context"] = {
            "default_partner_id": self.id,
            "default_action": self.env.context.get("ci_consent_action", "grant"),
        }
        return action

    def action_ci_withdraw_all_consent(self):
        """Record, now, the withdrawal of everything the contact has granted or pending."""
        self.ensure_one()
        rows = self.env["customer.consent.state"].search([
            ("partner_id", "=", self.id), ("state", "in", ["granted", "pending"]),
        ])
        rows.action_withdraw()
        return True

    def action_ci_view_consent_events(self):
        """The consent register, for this contact."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "addon_customer_info.customer_consent_event_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["display_name"] = self.env._("Consent of %s", self.display_name)
        return action

    def action_ci_add_relation(self):
        """A form to relate this partner to another one."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Relation"),
            "res_model": "customer.relation",
            "view_mode": "form",
            "views": [(self.env.ref("addon_customer_info.customer_relation_view_form").id, "form")],
            "target": "new",
            "context": {"ci_partner_id": self.id, "default_this_partner_id": self.id},
        }

    # ------------------------------------------------------------
    # BUSINESS RULES
    # ------------------------------------------------------------

    def _ci_assign_region(self):
        """Give partners without a sales region the region covering their address.

        Runs after every create and every change of country or province, whoever makes
        it, including users who do not see customer information: ``partners_sudo``
        writes only the derived region, and only on partners that have none.
        """
        # sudo: the region follows from the address the user just wrote; a user outside the
        # addon's groups may change addresses but not read or write ci_ fields (see test_security).
        partners_sudo = self.sudo().filtered(lambda p: not p.ci_region_id and (p.country_id or p.state_id))
        Region = self.env["customer.region"].sudo()
        by_region = defaultdict(lambda: self.sudo().browse())
        regions = {}  # (country, state) -> region: one lookup per address of the batch, not per partner
        for partner in partners_sudo:
            address = (partner.country_id, partner.state_id)
            if address not in regions:
                regions[address] = Region._find_for_address(*address)
            region = regions[address]
            if region:
                by_region[region] |= partner
        for region, partners in by_region.items():
            partners.write({"ci_region_id": region.id})

    def _ci_apply_prospect_rule(self):
        """Set target / potential from purchase intent and purchasing power.

        Only partners without a type, or with a type the rule manages (target,
        potential), are changed: existing and lost customers, and types people defined,
        are decisions the rule does not overturn. When intent and power both fall away,
        a rule-managed type is cleared.
        """
        types = self.env["customer.type"].with_context(active_test=False).search(
            [("code", "in", sorted(RULE_MANAGED_TYPES))]
        )
        type_by_code = {customer_type.code: customer_type for customer_type in types}
        by_new_type = {}
        for partner in self:
            current = partner.ci_customer_type_id
            if current and current.code not in RULE_MANAGED_TYPES:
                continue
            code = classify_prospect(partner.ci_purchase_intent, partner.ci_purchasing_power)
            new_type = type_by_code.get(code, types.browse()) if code else types.browse()
            if code and not new_type:
                continue  # the administrator removed that type: nothing to set
            if new_type != current:
                by_new_type.setdefault(new_type, self.browse())
                by_new_type[new_type] |= partner
        for new_type, partners in by_new_type.items():
            partners.write({"ci_customer_type_id": new_type.id})

    # ------------------------------------------------------------
    # SYNC: strong identifiers, provenance of manual edits, the match index
    # (the batch apply itself is customer.sync.run.batch._apply)
    # ------------------------------------------------------------
    ci_identifier_ids = fields.One2many(
        "customer.partner.identifier", "partner_id", string="Identifiers", groups=CI_USER,
    )
    ci_provenance_ids = fields.One2many(
        "customer.field.provenance", "partner_id", string="Where This Came From", groups=CI_USER,
    )

    def _ci_sync_after_create(self, vals_list):
        if self.env.context.get(SYNC_CONTEXT_KEY) is SYNC_SENTINEL:
            return  # the batch apply claims identifiers and records provenance itself
        if any(IDENTIFIER_INPUTS.intersection(vals) for vals in vals_list):
            self._ci_sync_identifiers(created=True)

    def _ci_sync_before_write(self, vals):
        """The values a person is about to change in governed fields: ``{(id, field): value}``."""
        if self.env.context.get(SYNC_CONTEXT_KEY) is SYNC_SENTINEL or self.env.context.get("install_mode"):
            return {}
        governed = GOVERNED_NAMES.intersection(vals)
        if not governed:
            return {}
        # sudo: only compared with the values written, to record the fields that really change
        return {
            (partner.id, name): partner[name]
            for partner in self.sudo().with_context(active_test=False)
            for name in governed
        }

    def _ci_sync_after_write(self, vals, before):
        if self.env.context.get(SYNC_CONTEXT_KEY) is SYNC_SENTINEL:
            return
        if IDENTIFIER_INPUTS.intersection(vals):
            self._ci_sync_identifiers()
        if before:
            self._ci_record_manual_provenance(before)

    def _track_get_fields(self):
        # sensitive fields leave no values in the chatter: a user who sees the contact but not
        # them would read them there (the audit log keeps who changed them and when)
        return super()._track_get_fields() - self._ci_sensitive_names()

    def _ci_sync_identifiers(self, created=False):
        """Make the partners' identifier rows follow their own e-mail and tax id.

        An identifier another contact already holds stays with it (the unique index decides),
        so that two contacts sharing a generic address can still be saved; archived contacts
        hold none. Identifiers only a source reported (an LEI, a USCC next to a VAT number)
        are kept while the contact is a company or a person of its own.

        ``created``: the partners were just created, so they exist and hold no rows yet (two
        queries fewer; a row they held anyway would only send the insert to the one-by-one
        fallback of ``_claim_many``, which finds it).
        """
        # sudo: the rows mirror the e-mail and tax id just written on these partners, whoever
        # wrote them (users outside the addon's groups edit contacts too); nothing else is read
        # or changed, and the unique index keeps one contact from taking another's identifier.
        partners_sudo = self.sudo().with_context(active_test=False)
        Identifier_sudo = self.env["customer.partner.identifier"].sudo()
        if created:
            rows = Identifier_sudo
        else:
            partners_sudo = partners_sudo.exists()
            rows = Identifier_sudo.search([("partner_id", "in", partners_sudo.ids)])
        rows_by_partner = defaultdict(lambda: Identifier_sudo)
        for row in rows:
            rows_by_partner[row.partner_id.id] |= row
        stale = Identifier_sudo
        claims = []
        for partner in partners_sudo:
            mine = rows_by_partner[partner.id]
            if not partner.active:
                stale |= mine
                continue
            commercial = not partner.parent_id
            desired = identifiers.partner_identifiers(partner.email, partner.vat, commercial=commercial)
            own_tax_kind = identifiers.vat_kind(partner.vat) if partner.vat else None
            for row in mine:
                if (row.kind, row.value) in desired:
                    continue
                if (
                    row.kind == "email"
                    or (row.kind == own_tax_kind and not row.source_id)
                    or (row.kind != "email" and not commercial)
                ):
                    stale |= row
            claims.append((partner, desired))
        # every stale row first, so that an identifier moving between two of the partners in
        # one write is free when the second claims it
        stale.unlink()
        Identifier_sudo._claim_many(claims, held=rows - stale)

    def _ci_record_manual_provenance(self, before):
        """Record a person's edit of governed fields: it outranks sources below the manual trust.

        ``before`` holds the values before the edit; fields whose value did not change are
        not recorded.
        """
        Provenance = self.env["customer.field.provenance"]
        trust = Provenance._manual_trust()
        now = fields.Datetime.now()
        Partner_sudo = self.sudo().with_context(active_test=False)
        vals_list = [
            {
                "partner_id": partner_id,
                "field_name": name,
                "value": Provenance._excerpt(new),
                "trust": trust,
                "observed_at": now,
                "state": "applied",
                "user_id": self.env.uid,
            }
            for (partner_id, name), old in before.items()
            if (new := Partner_sudo.browse(partner_id)[name]) != old
        ]
        if not vals_list:
            return
        # sudo: provenance is written by the system for the edit the user just made on partners
        # they may write; users only read it
        Provenance.sudo().create(vals_list)

    def _ci_sync_erase(self):
        """Forget what sync recorded about these partners (an erasure request).

        Their provenance (which holds past values) and identifiers go; their sources' keys
        are kept as fingerprints, so that the next import of the same list does not bring
        the person back.
        """
        # sudo: called by the anonymisation of a data-subject request, which checks who may erase
        self.env["customer.field.provenance"].sudo().search([("partner_id", "in", self.ids)]).unlink()
        self.env["customer.partner.identifier"].sudo().search([("partner_id", "in", self.ids)]).unlink()
        self.env["customer.sync.external.key"]._erase_for(self)

    @api.model
    def _ci_sync_index_page(self, cursor=None, limit=INDEX_PAGE_SIZE):
        """One page of the match index: ``{records, cursor, done}`` (see docs/rpc-contract.md).

        Rows come ordered by ``(write_date, id)`` strictly after ``cursor``. The cursor of the
        last page (``done``) is moved back by :data:`INDEX_LOOKBACK`, so that the next pull
        reads the last ten minutes again and a partner whose transaction committed during this
        pull (its ``write_date`` is when that transaction began) is not missed. The user's
        record rules apply: only the partners of the integration user's companies come.
        """
        limit = max(1, min(int(limit or INDEX_PAGE_SIZE), INDEX_PAGE_MAX))
        domain = Domain.TRUE
        if cursor:
            if not isinstance(cursor, dict) or not cursor.get("write_date"):
                raise UserError(self.env._("An index cursor is an object with a write date and an id."))
            try:
                after_date = fields.Datetime.to_datetime(cursor["write_date"])
                after_id = int(cursor.get("id") or 0)
            except (TypeError, ValueError):
                raise UserError(
                    self.env._("An index cursor is an object with a write date and an id.")
                ) from None
            domain = Domain("write_date", ">", after_date) | (
                Domain("write_date", "=", after_date) & Domain("id", ">", after_id)
            )
        partners = self.with_context(active_test=False).search(
            domain, order="write_date, id", limit=limit + 1
        )
        done = len(partners) <= limit
        partners = partners[:limit]
        if partners:
            last = partners[-1]
            next_date, next_id = last.write_date, last.id
            if done:
                next_date, next_id = last.write_date - INDEX_LOOKBACK, 0
            next_cursor = {"write_date": fields.Datetime.to_string(next_date), "id": next_id}
        else:
            next_cursor = cursor or None
        return {"records": partners._ci_index_records(), "cursor": next_cursor, "done": done}

    def _ci_index_records(self):
        """The partners as the contract's index records: only what matching needs."""
        Identifier = self.env["customer.partner.identifier"]
        # the integration user reads identifiers through its own access rights
        ids_by_partner = defaultdict(dict)
        for row in Identifier.search([("partner_id", "in", self.ids), ("kind", "in", ("uscc", "lei"))]):
            ids_by_partner[row.partner_id.id][row.kind] = row.value
        records = []
        for partner in self:
            found = ids_by_partner.get(partner.id, {})
            uscc = found.get("uscc") or (
                identifiers.compact(partner.vat) if partner.vat and identifiers.is_uscc(partner.vat) else None
            )
            records.append({
                "id": partner.id,
                "active": bool(partner.active),
                "kind": "company" if partner.is_company else "person",
                "name": partner.name or None,
                "company": None if partner.is_company else (
                    partner.parent_id.name or partner.company_name or None
                ),
                "email": partner.email or None,
                "phone": partner.phone or None,
                "mobile": None,  # Odoo 19 contacts have one phone field
                "vat": partner.vat or None,
                "uscc": uscc,
                "lei": found.get("lei"),
                "country": partner.country_id.code or None,
                "state": partner.state_id.name or None,
                "city": partner.city or None,
                "street": partner.street or None,
                "zip": partner.zip or None,
                "write_date": fields.Datetime.to_string(partner.write_date),
            })
        return records

    # ------------------------------------------------------------
    # vCard download (issue 14): an export of contacts
    # ------------------------------------------------------------

    VCARD_FIELDS = (
        "name", "street", "city", "zip", "state_id", "country_id", "email", "phone", "website",
        "commercial_company_name", "function", "avatar_512",
    )
    """What Odoo's ``_build_vcard`` (web module) writes into a vCard: the exported columns."""

    def _get_vcard_file(self):
        """The web client's vCard download (``/web/partner/vcard``, one or many contacts) is an
        export of the contact: reserved to the Customer Data Export group like the list export,
        and logged in the audit log as one."""
        # imported here so that this block stays the only change of the file for this feature
        from odoo.exceptions import AccessError

        from .customer_governed_mixin import EXPORT_GROUP

        if self.env.su:
            return super()._get_vcard_file()
        if not self.env.user.has_group(EXPORT_GROUP):
            raise AccessError(
                self.env._(
                    "Downloading a contact as a vCard is an export, reserved to the Customer Data "
                    "Export group. Ask an administrator for it; every export is logged."
                )
            )
        content = super()._get_vcard_file()
        if content:
            self.env["customer.audit.log"]._log_export(self, list(self.VCARD_FIELDS))
        return content

    # ------------------------------------------------------------
    # Merges (issue 12): a smart button for managers, to the journal and its undo
    # ------------------------------------------------------------

    ci_merge_count = fields.Integer(
        string="Merges", compute="_compute_ci_merge_count",
        groups="addon_customer_info.group_customer_info_manager",
    )

    def _ci_merge_domain(self):
        return ["|", ("survivor_id", "in", self.ids), ("partner_ids", "in", self.ids)]

    def _compute_ci_merge_count(self):
        Journal = self.env["customer.merge.journal"]
        for partner in self:
            partner.ci_merge_count = Journal.search_count(partner._ci_merge_domain()) if partner.id else 0

    def action_ci_view_merges(self):
        """The merges of this contact, as survivor or as merged record."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "addon_customer_info.customer_merge_journal_action"
        )
        action["domain"] = self._ci_merge_domain()
        action["display_name"] = self.env._("Merges of %s", self.display_name)
        return action


class ResPartnerSalesperson(models.Model):
    """Who assigned a contact's salesperson: assigning oneself does not make a customer one's own.

    The *Own Customers* level sees the sensitive details of the customers whose salesperson it
    is (``customer.governed.mixin._ci_own_domain``); anyone who edits contacts may set the
    salesperson, themselves included. The user who set it is kept here and the mixin does not
    count a customer whose salesperson set themselves (a manager's or an administrator's
    assignment counts, and so do those made before this field existed, by the system and by
    the sync worker). A contact person that takes its company's salesperson (Odoo's compute)
    takes who assigned it too.

    One block of its own (a second extension of ``res.partner`` in this file), so that it wraps
    the contact's ``create`` and ``write`` without changing them.
    """

    _inherit = "res.partner"

    ci_salesperson_set_by_id = fields.Many2one(
        "res.users", string="Salesperson Assigned By", readonly=True, copy=False, groups=CI_USER,
        prefetch=CI_PREFETCH,
        help="Who set the salesperson (empty: the system, or before this was recorded). A salesperson "
        "who assigned themselves does not see the customer's sensitive details for it.",
    )
    ci_access_request_ids = fields.One2many(
        "customer.access.request", "partner_id", string="Access Requests", groups=CI_USER,
        help="Requests for this customer's sensitive details (record rules follow the approved ones).",
    )
    ci_sensitive_hidden = fields.Boolean(
        string="Sensitive Details Hidden", compute="_compute_ci_sensitive_hidden", groups=CI_USER,
        help="You are at the Own Customers level and this is not your customer: its sensitive "
        "details read as empty until a manager approves an access request.",
    )

    ci_sensitive_restricted = fields.Char(
        string="Restricted", compute="_compute_ci_sensitive_hidden", groups=CI_USER,
        help="Shown in the form instead of a sensitive detail you may not see on this customer.",
    )

    @api.depends_context("uid")
    def _compute_ci_sensitive_hidden(self):
        foreign = self._ci_foreign_records()
        restricted = self.env._("Restricted: not your customer")
        for partner in self:
            partner.ci_sensitive_hidden = partner in foreign
            partner.ci_sensitive_restricted = restricted if partner in foreign else False

    # ------------------------------------------------------------
    # VIEWS: sensitive details of customers that are not one's own read as restricted
    # ------------------------------------------------------------

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self._ci_sensitive_restricted())

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form" and self._ci_sensitive_restricted():
            self._ci_mark_restricted_nodes(arch, self._ci_sensitive_names())
        return arch, view

    @api.model
    def _ci_mark_restricted_nodes(self, node, names):
        """For the Own Customers level: a sensitive field of the form is read-only and hidden on a
        customer whose details it may not see (they read as empty and cannot be saved), and a
        read-only "Restricted" field, with the hidden field's label, stands in its place."""
        for child in list(node):
            if not isinstance(child.tag, str):
                continue
            name = child.get("name")
            if child.tag == "field" and name in names:
                invisible = child.get("invisible")
                for attribute in ("readonly", "invisible"):
                    old = child.get(attribute)
                    child.set(attribute, f"({old}) or ci_sensitive_hidden" if old else "ci_sensitive_hidden")
                stand_in = etree.Element("field", {
                    "name": "ci_sensitive_restricted",
                    "string": child.get("string") or self._fields[name]._description_string(self.env),
                    "readonly": "True",
                    "invisible": f"not ci_sensitive_hidden or ({invisible})"
                    if invisible else "not ci_sensitive_hidden",
                    "class": "text-muted fst-italic",
                })
                for attribute in ("nolabel", "colspan"):
                    if child.get(attribute):
                        stand_in.set(attribute, child.get(attribute))
                stand_in.tail = child.tail
                child.addnext(stand_in)
            elif child.tag != "field":
                # fields' sub-views are about other models
                self._ci_mark_restricted_nodes(child, names)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("ci_salesperson_set_by_id" in vals for vals in vals_list):
            raise UserError(self._ci_setter_is_recorded_message())
        partners = super().create(vals_list)
        assigned = self.browse(
            partner.id for partner, vals in zip(partners, vals_list, strict=True) if vals.get("user_id")
        )
        assigned._ci_record_salesperson_setter(self._ci_salesperson_setter())
        # contact persons given their company's salesperson by Odoo's compute
        (partners - assigned)._ci_inherit_salesperson_setter()
        return partners

    def write(self, vals):
        if "ci_salesperson_set_by_id" in vals and not self.env.su:
            raise UserError(self._ci_setter_is_recorded_message())
        before = {}
        if "user_id" in vals or "parent_id" in vals:
            # sudo: compares the salesperson before and after, to record who changed it
            before = {partner.id: partner.user_id for partner in self.sudo()}
        result = super().write(vals)
        if before:
            # sudo: see above; saving the same salesperson again changes nothing
            changed = self.sudo().filtered(lambda partner: partner.user_id != before.get(partner.id))
            changed = changed.with_env(self.env)
            if "user_id" in vals:
                setter = self._ci_salesperson_setter() if vals["user_id"] else False
                if setter != vals["user_id"]:
                    # someone else (a manager) saving the salesperson confirms it, even unchanged
                    changed = self
                changed._ci_record_salesperson_setter(setter)
            else:
                # moved under another company: Odoo's compute gave it the company's salesperson
                changed._ci_inherit_salesperson_setter()
        return result

    @api.model
    def _ci_setter_is_recorded_message(self):
        return self.env._(
            "Who assigned the salesperson is recorded by the system and cannot be set: "
            "leave “Salesperson Assigned By” out and set the salesperson only."
        )

    @api.model
    def _ci_salesperson_setter(self):
        """The user who assigns a salesperson now (none for the system itself)."""
        return False if self.env.uid == SUPERUSER_ID else self.env.uid

    def _ci_record_salesperson_setter(self, user_id):
        # sudo: the field is written by the system only (users outside the addon's groups set
        # salespeople too, and may not write it); it records the acting user, nothing else
        partners = self.sudo().filtered(lambda partner: partner.ci_salesperson_set_by_id.id != user_id)
        if partners:
            partners.write({"ci_salesperson_set_by_id": user_id})

    def _ci_inherit_salesperson_setter(self):
        # sudo: see _ci_record_salesperson_setter
        by_setter = defaultdict(lambda: self.browse())
        for partner in self.sudo():
            if partner.user_id and partner.parent_id and partner.user_id == partner.parent_id.user_id:
                by_setter[partner.parent_id.ci_salesperson_set_by_id.id] |= partner
        for setter, partners in by_setter.items():
            partners._ci_record_salesperson_setter(setter)

    def action_ci_request_sensitive_access(self):
        """Ask a manager for access to this customer's sensitive details (a request form), or
        open the request one has made already while it is open."""
        self.ensure_one()
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Request Access to Sensitive Details"),
            "res_model": "customer.access.request",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }
        if existing := self.env["customer.access.request"]._ci_open_request(self):
            action.update(name=self.env._("Your Access Request"), res_id=existing.id)
        return action
