from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerCreditGrade(models.Model):
    """One grade of a credit scale, with how often a customer at that grade is reviewed.

    Multi-company: no company rule, grades belong to their scale, configuration shared by all
    companies (the ratings themselves have their company).
    """

    _name = "customer.credit.grade"
    _inherit = ["customer.governed.mixin"]
    _description = "Credit Grade"
    _order = "scale_id, sequence, id"

    scale_id = fields.Many2one(
        "customer.credit.scale", required=True, index=True, ondelete="cascade",
    )
    name = fields.Char(string="Grade", required=True, help="The grade as written, e.g. AAA or B.")
    sequence = fields.Integer(default=10, help="Best grades first.")
    color = fields.Integer()
    description = fields.Char(translate=True, help="What the grade means, e.g. \"very low risk\".")
    review_months = fields.Integer(
        string="Review Every (Months)", default=12,
        help="How long a rating at this grade stays valid before it is reviewed.",
    )

    _scale_name_unique = models.Constraint("UNIQUE (scale_id, name)", "A grade appears once per scale.")

    @api.depends("name", "description")
    def _compute_display_name(self):
        for grade in self:
            grade.display_name = f"{grade.name} ({grade.description})" if grade.description else grade.name

    @api.constrains("review_months")
    def _check_review_months(self):
        if any(grade.review_months < 0 for grade in self):
            raise ValidationError(self.env._("A review period cannot be negative."))
