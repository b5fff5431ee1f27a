from odoo import api, fields, models

BLACKLISTS = [
    ("none", "None"),
    ("mail", "Email Blacklist"),
    ("phone", "Phone Blacklist"),
]


class CustomerConsentChannel(models.Model):
    """How we reach the person under a purpose: email, SMS, phone call, post, or your own.

    ``blacklist`` says which Odoo blacklist follows the consent state on this channel:
    the email channel drives ``mail.blacklist`` and the SMS channel ``phone.blacklist``
    (when the phone_validation module is installed). Phone calls and post have no Odoo
    blacklist.

    Multi-company: no company rule, channels are configuration shared by all companies (the
    consent purposes and events have their company).
    """

    _name = "customer.consent.channel"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent Channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable key used by web forms, the sync worker and the API.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    blacklist = fields.Selection(
        BLACKLISTS,
        string="Drives Blacklist",
        required=True,
        default="none",
        help="The Odoo blacklist that follows the marketing consent state on this channel.",
    )
    double_opt_in = fields.Boolean(
        string="Double Opt-in",
        help="A grant from a web form is pending until the person confirms it "
        "through the link sent to them by email.",
    )

    _code_unique = models.Constraint("UNIQUE (code)", "A consent channel with this code already exists.")

    @api.model
    def _get_by_code(self, code):
        """The channel with ``code`` (archived ones included), or an empty recordset."""
        return self.with_context(active_test=False).search([("code", "=", code)], limit=1)
