from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerCareer(models.Model):
    """One position in a contact person's career: where, as what, from when to when.

    The employer is a partner when we know it (so its page shows its former staff), or
    just a name.
    """

    _name = "customer.career"
    _inherit = ["customer.governed.mixin"]
    _description = "Career History Entry"
    _order = "partner_id, date_start desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Contact Person", required=True, index=True, ondelete="cascade",
    )
    employer_id = fields.Many2one(
        "res.partner", index="btree_not_null", ondelete="set null",
        domain=[("is_company", "=", True)],
    )
    employer_name = fields.Char(
        compute="_compute_employer_name", store=True, readonly=False,
        help="Filled from the employer; type a name when the employer is not in the contacts.",
    )
    job_title = fields.Char()
    department = fields.Char()
    date_start = fields.Date(string="From")
    date_end = fields.Date(string="To", help="Leave empty for the current position.")
    is_current = fields.Boolean(string="Current", compute="_compute_is_current")
    note = fields.Text()

    @api.depends("employer_id")
    def _compute_employer_name(self):
        for entry in self:
            if entry.employer_id:
                entry.employer_name = entry.employer_id.name

    @api.depends("date_end")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for entry in self:
            entry.is_current = not entry.date_end or entry.date_end >= today

    @api.depends("employer_name", "job_title")
    def _compute_display_name(self):
        for entry in self:
            entry.display_name = " - ".join(part for part in (entry.job_title, entry.employer_name) if part)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for entry in self:
            if entry.date_start and entry.date_end and entry.date_end < entry.date_start:
                raise ValidationError(self.env._("A position cannot end before it starts."))

    @api.constrains("employer_id", "employer_name")
    def _check_employer(self):
        for entry in self:
            if not entry.employer_id and not entry.employer_name:
                raise ValidationError(self.env._("Give the employer, or at least its name."))
