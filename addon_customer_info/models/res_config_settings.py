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
    ci_consent_confirm_hours = fields.Integer(
        string="Consent Confirmation Link Validity (Hours)",
        config_parameter="addon_customer_info.consent_confirm_hours",
        default=48,
        help="How long the double opt-in link sent after a web form stays valid; "
        "an unconfirmed grant lapses after it.",
    )
    ci_consent_withdraw_days = fields.Integer(
        string="Consent Withdrawal Link Validity (Days)",
        config_parameter="addon_customer_info.consent_withdraw_days",
        default=365,
        help="How long a withdrawal link sent by email stays valid.",
    )
    ci_default_credit_scale_id = fields.Many2one(
        "customer.credit.scale",
        string="Default Credit Scale",
        config_parameter="addon_customer_info.default_credit_scale_id",
    )
    group_ci_sensitive_all_customers = fields.Boolean(
        string="Sensitive Details of All Customers",
        implied_group="addon_customer_info.group_customer_info_sensitive_all",
        group="addon_customer_info.group_customer_info_sensitive",
        help="Every member of the Sensitive Personal Data groups sees the sensitive details of all "
        "customers, not only of the customers they are salesperson of.",
    )
    ci_audit_retention_days = fields.Integer(
        string="Audit Log Retention (Days)",
        config_parameter="addon_customer_info.audit_retention_days",
        default=365,
        help="Audit log entries older than this are deleted every day; 0 keeps them for ever.",
    )
    ci_access_grant_days = fields.Integer(
        string="Access Grant (Days)",
        config_parameter="addon_customer_info.access_grant_days",
        default=7,
        help="Days an approved access request lets its requester see the customer's sensitive details, "
        "unless the manager sets another end before approving.",
    )
