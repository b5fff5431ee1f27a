import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import next_occurrence  # noqa: TID252 (pylint-odoo wants relative imports)

DEFAULT_REMIND_DAYS = 7
REMIND_DAYS_PARAM = "addon_customer_info.important_date_remind_days"
ACTIVITY_TYPE_XMLID = "addon_customer_info.mail_activity_type_important_date"


class CustomerImportantDate(models.Model):
    """A date that matters to a customer relationship: a birthday, an anniversary, any date.

    Each date knows its next occurrence (``next_date``) and when to remind
    (``remind_on``). A daily job schedules one Odoo activity on the partner per
    occurrence, for the responsible user, and rolls yearly dates forward once past.
    """

    _name = "customer.important.date"
    _inherit = ["customer.governed.mixin"]
    _description = "Important Date"
    _order = "next_date, id"
    _rec_name = "label"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, ondelete="cascade",
    )
    kind = fields.Selection(
        [
            ("birthday", "Birthday"),
            ("wedding", "Wedding Anniversary"),
            ("company", "Company Anniversary"),
            ("partnership", "Partnership Anniversary"),
            ("custom", "Other Date"),
        ],
        required=True,
        default="birthday",
    )
    name = fields.Char(string="Description", help="What the date is, e.g. \"daughter's graduation\".")
    label = fields.Char(compute="_compute_label")
    date = fields.Date(required=True)
    yearly = fields.Boolean(string="Every Year", default=True)
    remind_days = fields.Integer(
        string="Remind Days Before",
        default=lambda self: self._default_remind_days(),
        help="How many days ahead the responsible user gets an activity.",
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, index=True,
        domain=[("share", "=", False)],
        help="Who is reminded. Defaults to whoever records the date.",
    )
    next_date = fields.Date(string="Next Occurrence", readonly=True, index=True)
    remind_on = fields.Date(readonly=True, index=True)
    reminded_for = fields.Date(
        readonly=True, copy=False, help="The occurrence an activity was last scheduled for.",
    )
    note = fields.Text()

    @api.model
    def _default_remind_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(REMIND_DAYS_PARAM)
        # sudo: reads one configuration value that every user may know (how many days ahead).
        try:
            return max(int(value), 0) if value else DEFAULT_REMIND_DAYS
        except ValueError:
            return DEFAULT_REMIND_DAYS

    @api.depends("kind", "name")
    @api.depends_context("lang")
    def _compute_label(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for record in self:
            record.label = record.name or kinds.get(record.kind, "")

    @api.depends("label", "partner_id.name")
    def _compute_display_name(self):
        for record in self:
            record.display_name = f"{record.partner_id.name or ''}: {record.label or ''}"

    @api.constrains("remind_days")
    def _check_remind_days(self):
        if any(record.remind_days < 0 for record in self):
            raise ValidationError(self.env._("Reminders are sent before the date, not after."))

    @api.constrains("kind", "name")
    def _check_name(self):
        if any(record.kind == "custom" and not record.name for record in self):
            raise ValidationError(self.env._("Describe the date when it is not one of the usual kinds."))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._schedule_next()
        return records

    def write(self, vals):
        result = super().write(vals)
        if {"date", "yearly", "remind_days"} & vals.keys():
            self._schedule_next()
        return result

    # ------------------------------------------------------------
    # REMINDERS
    # ------------------------------------------------------------

    def _schedule_next(self, today=None):
        """Store the next occurrence and the day to remind of it."""
        today = today or fields.Date.context_today(self)
        for record in self:
            next_date = next_occurrence(record.date, today, yearly=record.yearly) if record.date else None
            remind_on = next_date - datetime.timedelta(days=record.remind_days) if next_date else None
            if (record.next_date, record.remind_on) != (next_date or False, remind_on or False):
                record.write({"next_date": next_date, "remind_on": remind_on})

    @api.model
    def _cron_remind(self, today=None):
        """Daily job: roll past yearly dates forward, then schedule the reminders due.

        Idempotent: an occurrence gets one activity however often the job runs.
        """
        today = today or fields.Date.context_today(self)
        self.search([("next_date", "<", today)])._schedule_next(today)
        due = self.search([("remind_on", "<=", today), ("next_date", ">=", today)]).filtered(
            lambda record: record.reminded_for != record.next_date
        )
        due._create_reminder_activities()
        return due

    def _create_reminder_activities(self):
        """One activity on the partner per date, deadline on the occurrence itself."""
        for record in self:
            user = record.user_id or record.partner_id.commercial_partner_id.user_id or self.env.user
            record.partner_id.activity_schedule(
                ACTIVITY_TYPE_XMLID,
                date_deadline=record.next_date,
                summary=self.env._("%(label)s of %(name)s", label=record.label, name=record.partner_id.name),
                user_id=user.id,
            )
            record.reminded_for = record.next_date
