import datetime
import hashlib
import re
import secrets

from odoo import api, fields, models
from odoo.tools import consteq

from .customer_consent_event import LINK_SENTINEL

KINDS = [("confirm", "Confirm"), ("withdraw", "Withdraw")]
VALIDITY_PARAMS = {
    "confirm": ("addon_customer_info.consent_confirm_hours", 48, "hours"),
    "withdraw": ("addon_customer_info.consent_withdraw_days", 365, "days"),
}
"""Per kind: the ir.config_parameter holding the validity, its default, and its unit."""
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
ROUTES = {"confirm": "/customer-consent/confirm", "withdraw": "/customer-consent/withdraw"}
KEEP_USED_DAYS = 30
LINK_PLACEHOLDER = "link-made-when-sent"
"""Stands for the token in the links of a queued mail; too short to be a token (see ``TOKEN_PATTERN``)."""


def token_hash(raw):
    """The SHA-256 (hex) under which a token is stored; the token itself is never stored."""
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


class CustomerConsentToken(models.Model):
    """A single-use link that confirms a pending grant, or withdraws a consent.

    The raw token (``secrets.token_urlsafe``) is only put into the email; the database
    keeps its SHA-256. A token is valid until ``expires_at`` (validity set in the
    settings) and for one use: using it records the confirmation or the withdrawal as a
    consent event of its own and stamps ``used_at``. Only the model's own code (the
    public controller, through ``*_sudo`` records) reads and uses tokens.
    """

    _name = "customer.consent.token"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent Link Token"
    _order = "id desc"

    kind = fields.Selection(KINDS, required=True, readonly=True)
    token_hash = fields.Char(required=True, readonly=True, copy=False)
    partner_id = fields.Many2one("res.partner", required=True, readonly=True, index=True, ondelete="cascade")
    purpose_id = fields.Many2one("customer.consent.purpose", required=True, readonly=True, ondelete="cascade")
    channel_id = fields.Many2one("customer.consent.channel", required=True, readonly=True, ondelete="cascade")
    pending_event_id = fields.Many2one(
        "customer.consent.event",
        string="Pending Grant",
        readonly=True,
        ondelete="cascade",
    )
    expires_at = fields.Datetime(required=True, readonly=True)
    used_at = fields.Datetime(readonly=True, copy=False)
    used_event_id = fields.Many2one("customer.consent.event", string="Recorded Event", readonly=True)

    _PLACEHOLDER = LINK_PLACEHOLDER

    _token_hash_unique = models.Constraint("UNIQUE (token_hash)", "Token collision.")

    # ------------------------------------------------------------
    # ISSUING
    # ------------------------------------------------------------

    @api.model
    def _validity(self, kind):
        """How long a new token of ``kind`` is valid (``timedelta``), from the settings."""
        param, default, unit = VALIDITY_PARAMS[kind]
        # sudo: reads one configuration value, not personal data
        value = self.env["ir.config_parameter"].sudo().get_param(param)
        amount = int(value) if value and value.isdigit() and int(value) > 0 else default
        return datetime.timedelta(**{unit: amount})

    @api.model
    def _issue(self, kind, partner, purpose, channel, pending_event=None):
        """A new token of ``kind``: ``(token_sudo, raw_token)``. The raw token goes to the person only."""
        raw = secrets.token_urlsafe(32)
        # sudo: nobody has write access to tokens; this creates one for a consent the caller just recorded
        token_sudo = self.sudo().create(
            {
                "kind": kind,
                "token_hash": token_hash(raw),
                "partner_id": partner.id,
                "purpose_id": purpose.id,
                "channel_id": channel.id,
                "pending_event_id": pending_event.id if pending_event else False,
                "expires_at": (
                    pending_event.confirm_deadline
                    if pending_event and pending_event.confirm_deadline
                    else fields.Datetime.now() + self._validity(kind)
                ),
            }
        )
        return token_sudo, raw

    @api.model
    def _url(self, kind, raw):
        # sudo: reads the configured base URL
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        return f"{base}{ROUTES[kind]}/{raw}"

    @api.model
    def _has_placeholder_links(self, body):
        return any(f"{route}/{LINK_PLACEHOLDER}" in body for route in ROUTES.values())

    @api.model
    def _fill_placeholder_links(self, body, raws):
        """``body`` with each placeholder link of a kind in ``raws`` made a link with that raw token."""
        for kind, raw in raws.items():
            body = body.replace(f"{ROUTES[kind]}/{LINK_PLACEHOLDER}", f"{ROUTES[kind]}/{raw}")
        return body

    # ------------------------------------------------------------
    # USING
    # ------------------------------------------------------------

    @api.model
    def _find(self, raw, kind):
        """``(token_sudo, problem)`` for the raw token: ``problem`` is False, ``"unknown"``, ``"used"``
        or ``"expired"``. An unknown token comes back empty."""
        if not isinstance(raw, str) or not TOKEN_PATTERN.match(raw):
            return self.sudo().browse(), "unknown"
        digest = token_hash(raw)
        # sudo: the public pages look tokens up by their hash; nothing else is readable without the raw token
        token_sudo = self.sudo().search([("token_hash", "=", digest), ("kind", "=", kind)], limit=1)
        if not token_sudo or not consteq(token_sudo.token_hash, digest):
            return self.sudo().browse(), "unknown"
        if token_sudo.used_at or (kind == "confirm" and token_sudo._pending_already_confirmed()):
            return token_sudo, "used"
        if token_sudo.expires_at <= fields.Datetime.now():
            return token_sudo, "expired"
        return token_sudo, False

    def _pending_already_confirmed(self):
        self.ensure_one()
        return bool(self.pending_event_id) and bool(
            self.env["customer.consent.event"]
            .sudo()
            .search_count(
                [("pending_event_id", "=", self.pending_event_id.id), ("action", "=", "confirm")], limit=1
            )
        )

    def _use(self, proof):
        """Record what the link does (confirm, or withdraw) as a consent event; returns the event.

        ``self`` is a ``token_sudo`` from :meth:`_find` with no problem. The row is locked
        first, so the same link used twice at once records one event only.
        """
        self.ensure_one()
        self.env.cr.execute("SELECT id FROM customer_consent_token WHERE id = %s FOR UPDATE", (self.id,))
        self.invalidate_recordset(["used_at"])
        if self.used_at:
            return self.env["customer.consent.event"].browse()
        values = {
            "partner_id": self.partner_id.id,
            "purpose_id": self.purpose_id.id,
            "channel_id": self.channel_id.id,
            "action": self.kind if self.kind == "confirm" else "withdraw",
            "source": "email_link",
            "ip_address": proof.get("ip"),
            "user_agent": (proof.get("user_agent") or "")[:512] or False,
            "occurred_at": fields.Datetime.now(),
        }
        if self.kind == "confirm":
            pending = self.pending_event_id
            values.update(
                {
                    "pending_event_id": pending.id,
                    "legal_basis": pending.legal_basis,
                    "jurisdiction": pending.jurisdiction,
                    "notice_id": pending.notice_id.id,
                    "submission_id": pending.submission_id,
                }
            )
        # the link sentinel: only this path (the public controller's) records email-link events
        event = self.env["customer.consent.event"].with_context(ci_consent_link=LINK_SENTINEL).create(values)
        self.write({"used_at": fields.Datetime.now(), "used_event_id": event.id})
        return event

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _gc_tokens(self):
        """Delete tokens that expired, or were used, more than a month ago: the events keep the facts."""
        limit = fields.Datetime.now() - datetime.timedelta(days=KEEP_USED_DAYS)
        old = self.sudo().search(["|", ("expires_at", "<", limit), ("used_at", "<", limit)])
        old.unlink()
        return len(old)
