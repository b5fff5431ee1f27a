from markupsafe import Markup
from odoo import api, fields, models
from odoo.fields import Domain

from .customer_activity_type import CHANNELS, DIRECTIONS

FOLLOWUP_ACTIVITY_TYPE_XMLID = "addon_customer_info.mail_activity_type_customer_followup"


class CustomerActivity(models.Model):
    """One logged interaction with a customer: what, when, with whom, how, and with what result.

    Logging an entry posts a note in the customer's chatter; giving a follow-up date
    schedules an Odoo activity on the customer for the follow-up's responsible user.
    """

    _name = "customer.activity"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Activity"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Subject", required=True)
    type_id = fields.Many2one("customer.activity.type", string="Activity Type", required=True, index=True)
    icon = fields.Char(related="type_id.icon")
    has_cost = fields.Boolean(related="type_id.has_cost")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade",
        help="The company or individual customer the activity was with.",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer Company", store=True, index=True,
    )
    contact_id = fields.Many2one(
        "res.partner", string="Contact Person", index="btree_not_null", ondelete="set null",
        domain="[('commercial_partner_id', '=', commercial_partner_id), ('is_company', '=', False)]",
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, index=True,
        domain=[("share", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    channel = fields.Selection(
        CHANNELS, compute="_compute_channel", store=True, readonly=False, precompute=True,
    )
    direction = fields.Selection(
        DIRECTIONS, compute="_compute_direction", store=True, readonly=False, precompute=True, required=True,
    )
    description = fields.Html()
    outcome = fields.Selection(
        [
            ("positive", "Positive"),
            ("neutral", "Neutral"),
            ("negative", "Negative"),
            ("no_response", "No Response"),
        ],
    )
    outcome_note = fields.Text(string="Outcome Details")
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id,
    )
    amount = fields.Monetary(
        string="Cost / Value", aggregator=None,
        help="What the activity cost, or the gift was worth.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount_company = fields.Monetary(
        string="Cost / Value (Company Currency)", currency_field="company_currency_id",
        compute="_compute_amount_company", store=True,
        help="The cost in the company's currency at the rate of the activity's date: what totals add up.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment", "customer_activity_ir_attachment_rel", "activity_id", "attachment_id",
        string="Attachments",
    )
    followup_date = fields.Date(string="Follow-up On", help="Schedules an activity on the customer.")
    followup_note = fields.Char(string="Follow-up")
    followup_user_id = fields.Many2one(
        "res.users", string="Follow-up By", domain=[("share", "=", False)],
        help="Defaults to the responsible user.",
    )
    followup_activity_id = fields.Many2one(
        "mail.activity", string="Follow-up Activity", readonly=True, copy=False, ondelete="set null",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Partners", compute="_compute_partner_ids", search="_search_partner_ids",
        help="The customer, its company and the contact person.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("type_id")
    def _compute_channel(self):
        """The type's usual channel, unless one was chosen."""
        for activity in self:
            activity.channel = activity.channel or activity.type_id.default_channel

    @api.depends("type_id")
    def _compute_direction(self):
        for activity in self:
            activity.direction = activity.direction or activity.type_id.default_direction or "outbound"

    @api.depends("amount", "currency_id", "company_id", "date")
    def _compute_amount_company(self):
        for activity in self:
            company = activity.company_id or self.env.company
            if not activity.amount or not activity.currency_id:
                activity.amount_company = 0.0
                continue
            date = (activity.date or fields.Datetime.now()).date()
            activity.amount_company = activity.currency_id._convert(
                activity.amount, company.currency_id, company, date,
            )

    @api.depends("partner_id", "contact_id")
    def _compute_partner_ids(self):
        for activity in self:
            activity.partner_ids = activity.partner_id | activity.commercial_partner_id | activity.contact_id

    def _search_partner_ids(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        return Domain.OR(
            Domain(field_name, operator, value)
            for field_name in ("partner_id", "commercial_partner_id", "contact_id")
        )

    @api.onchange("contact_id")
    def _onchange_contact_id(self):
        if self.contact_id and not self.partner_id:
            self.partner_id = self.contact_id.commercial_partner_id

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._post_to_partner_chatter()
        activities._schedule_followups()
        return activities

    def write(self, vals):
        result = super().write(vals)
        if {"followup_date", "followup_note", "followup_user_id"} & vals.keys():
            self._schedule_followups()
        return result

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _chatter_body(self):
        """The note posted in the customer's chatter (no cost: the chatter is widely read)."""
        self.ensure_one()
        channels = dict(self._fields["channel"]._description_selection(self.env))
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        lines = [
            (self.env._("Activity"), self.type_id.name),
            (self.env._("Subject"), self.name),
            (self.env._("Contact Person"), self.contact_id.name),
            (self.env._("Channel"), channels.get(self.channel)),
            (self.env._("Outcome"), outcomes.get(self.outcome)),
            (self.env._("Follow-up On"), self.followup_date and fields.Date.to_string(self.followup_date)),
        ]
        items = Markup("").join(
            Markup("<li><b>%s:</b> %s</li>") % (label, value) for label, value in lines if value
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (self.env._("Customer activity logged"), items)

    def _post_to_partner_chatter(self):
        for activity in self:
            message = activity.partner_id.message_post(
                body=activity._chatter_body(),
                subtype_xmlid="mail.mt_note",
                attachment_ids=activity.attachment_ids.ids,
            )
            # sudo: links the note just posted to its activity, so that only the activity's readers
            # see it (mail.message); messages cannot be given that link through the mail API
            message.sudo().ci_activity_id = activity

    def _schedule_followups(self):
        """Create (or move) the follow-up activity on the customer for each entry that asks for one."""
        for activity in self.filtered("followup_date"):
            user = activity.followup_user_id or activity.user_id or self.env.user
            summary = activity.followup_note or self.env._("Follow up: %s", activity.name)
            if activity.followup_activity_id.active:  # still open: move it
                activity.followup_activity_id.write(
                    {"date_deadline": activity.followup_date, "summary": summary, "user_id": user.id}
                )
                continue
            mail_activity = activity.partner_id.activity_schedule(
                FOLLOWUP_ACTIVITY_TYPE_XMLID,
                date_deadline=activity.followup_date,
                summary=summary,
                user_id=user.id,
            )
            activity.followup_activity_id = mail_activity
