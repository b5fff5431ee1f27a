from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import mute_logger
from psycopg2 import errors as pg_errors

from .customer_sync_source import ADMIN_GROUP, INTEGRATION_GROUP

SUBMISSION_STATES = [
    ("received", "Received"),
    ("processed", "Processed"),
    ("rejected", "Rejected"),
]
REDELIVERY_WINDOW_DAYS = 7
"""Days a submission's message id is remembered; senders retry for up to three days."""


class CustomerWebformSubmission(models.Model):
    """One signed submission of a web form, stored as it arrived before the sender got its answer.

    The endpoint (``controllers/customer_webform.py``) creates it and its transaction commits
    before the response leaves, so an answer of 2xx means the submission is in the database.
    ``(source, message_id)`` is unique: a redelivery of the same message creates nothing and
    gets the first answer again. The raw body is personal data: only administrators and the
    integration user read it.
    """

    _name = "customer.webform.submission"
    _description = "Web Form Submission"
    _order = "received_at desc, id desc"
    _rec_name = "message_id"

    source_id = fields.Many2one(
        "customer.sync.source", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(related="source_id.company_id", store=True, index=True)
    message_id = fields.Char(
        string="Message ID",
        required=True,
        readonly=True,
        help="The sender's id of the message (webhook-id, or Typeform's event_id): a redelivery "
        "with the same id is recognised.",
    )
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    sent_at = fields.Datetime(readonly=True, help="When the sender says it sent the message.")
    scheme = fields.Selection(
        [("standard_webhooks", "Standard Webhooks"), ("typeform", "Typeform")],
        string="Signature Format",
        readonly=True,
    )
    body = fields.Text(
        groups=f"{ADMIN_GROUP},{INTEGRATION_GROUP}",
        readonly=True,
        help="The submission as it was received (JSON).",
    )
    body_size = fields.Integer(string="Size (bytes)", readonly=True)
    remote_addr = fields.Char(
        string="IP Address",
        groups=f"{ADMIN_GROUP},{INTEGRATION_GROUP}",
        readonly=True,
        help="Where the submission came from: part of the consent proof of a ticked box.",
    )
    state = fields.Selection(SUBMISSION_STATES, required=True, default="received", readonly=True, index=True)
    outcome = fields.Char(readonly=True, help="What became of the submission, once processed.")
    response_status = fields.Integer(readonly=True, help="The HTTP status the sender was answered.")

    _source_message_unique = models.Constraint(
        "UNIQUE (source_id, message_id)",
        "A web-form message is stored once per source.",
    )

    @api.model
    def _response_for(self, submission):
        """What the endpoint answers for ``submission``, the first time and on every redelivery."""
        return 202, {"status": "accepted", "submission": submission.message_id}

    @api.model
    def _receive(self, source, message_id, body, scheme, sent_at=None, remote_addr=None):
        """Store a verified submission once; returns ``(submission, created)``.

        A concurrent delivery of the same message waits on the unique index and then finds the
        row the first one committed. Called by the endpoint as superuser (see there), which has
        looked the message up already."""
        status, _payload = self._response_for(self.browse())
        try:
            # the unique index refusing a concurrent copy is an expected answer, not an error to log
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                submission = self.create(
                    {
                        "source_id": source.id,
                        "message_id": message_id,
                        "sent_at": sent_at,
                        "scheme": scheme,
                        "body": body.decode("utf-8"),
                        "body_size": len(body),
                        "remote_addr": remote_addr,
                        "response_status": status,
                    }
                )
                submission.flush_recordset()
        except pg_errors.UniqueViolation:
            existing = self.search([("source_id", "=", source.id), ("message_id", "=", message_id)], limit=1)
            return existing, False
        return submission, True

    @api.model
    def _received_since(self, source, seconds):
        """How many submissions of ``source`` arrived in the last ``seconds`` (the flood limit)."""
        since = fields.Datetime.now() - timedelta(seconds=seconds)
        return self.search_count([("source_id", "=", source.id), ("received_at", ">=", since)])

    @api.autovacuum
    def _gc_old_submissions(self):
        """Forget processed or rejected submissions once senders have stopped retrying them."""
        limit = fields.Datetime.now() - timedelta(days=REDELIVERY_WINDOW_DAYS)
        self.search([("state", "!=", "received"), ("received_at", "<", limit)]).unlink()
