from odoo import fields, models


class MailMail(models.Model):
    """The double opt-in mail gets its consent links only when it is sent.

    The queued ``mail.mail`` (and its ``mail.message``) hold placeholder links; the
    tokens are issued, and put into the outgoing body, in :meth:`_prepare_outgoing_body`,
    so no stored body ever carries a usable link (see ``customer.consent.event``).
    """

    _inherit = "mail.mail"

    ci_consent_event_id = fields.Many2one(
        "customer.consent.event",
        string="Consent Request",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The pending web form consent this mail asks the person to confirm.",
    )

    def _prepare_outgoing_body(self):
        body = super()._prepare_outgoing_body()
        if self.ci_consent_event_id and body:
            body = self.ci_consent_event_id._consent_links_into(body, self)
        return body
