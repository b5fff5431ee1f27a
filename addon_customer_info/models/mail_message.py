from odoo import api, fields, models
from odoo.fields import Domain


class MailMessage(models.Model):
    """The chatter note of a customer activity is seen by those who see the activity.

    Logging a ``customer.activity`` posts a note on the customer; its readers are the
    activity's (its record rules: salespeople see the activities of their own customers and
    their own), not everyone who reads the contact. Messages not about an activity are
    left to Odoo's own rules.
    """

    _inherit = "mail.message"

    ci_activity_id = fields.Many2one(
        "customer.activity",
        string="Customer Activity",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The customer activity this note reports: only its readers see the note.",
    )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, bypass_access=False, **kwargs):
        if not (self.env.su or bypass_access):
            Activity = self.env["customer.activity"]
            visible = Domain("ci_activity_id", "=", False)
            if Activity.has_access("read"):
                # 'any' applies the user's record rules on the activities
                visible |= Domain("ci_activity_id", "any", [])
            domain = Domain(domain) & visible
        return super()._search(domain, offset, limit, order, bypass_access=bypass_access, **kwargs)
