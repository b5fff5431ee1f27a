from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The addon's settings: reminders, staleness, the default credit scale."""

    _inherit = "res.config.settings"

    ci_important_date_remind_days = fields.Integer(
        string="Remind Days Before Important Dates",
        config_parameter="addon_customer_info.important_date_remind_days",
        default=7,
    )
    ci_stale_after_days = fields.Integer(
        string="Stale After (Days)",
        config_parameter="addon_customer_info.stale_after_days",
        default=365,
        help="A partner not verified for this many days is stale.",
    )
    ci_default_credit_scale_id = fields.Many2one(
        "customer.credit.scale",
        string="Default Credit Scale",
        config_parameter="addon_customer_info.default_credit_scale_id",
    )
