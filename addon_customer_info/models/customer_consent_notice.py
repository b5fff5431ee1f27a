import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

MUTABLE_WHEN_PUBLISHED = frozenset({"active"})
"""A published notice is what people were shown: only archiving it is allowed."""
PUBLISH_SENTINEL = object()
"""Context value of :meth:`action_publish`; an object cannot travel through RPC, so no client forges it."""
SYSTEM_FIELDS = frozenset({"version", "published_at"})
"""Set by the model itself (numbering, publishing), never by a client."""
COMPUTED_FIELDS = frozenset({"text_hash"})
"""Computed from the text; a value written by anyone would make the proof lie, so writes are refused."""


def text_sha256(text):
    """The hex SHA-256 of a notice text (UTF-8), the fingerprint events keep as proof."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


class CustomerConsentNotice(models.Model):
    """One version of the notice text shown to people when they give or refuse consent.

    Versions are numbered per purpose. A draft is edited freely; once published (its
    ``published_at`` set) the text is frozen: a change of wording is a new version, so
    every consent event can point to the exact text the person saw, and carries the
    SHA-256 of that text as well.
    """

    _name = "customer.consent.notice"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent Notice"
    _order = "purpose_id, version desc"
    _rec_names_search = ["purpose_id", "version"]

    purpose_id = fields.Many2one("customer.consent.purpose", required=True, index=True, ondelete="restrict")
    version = fields.Integer(readonly=True, copy=False, help="Numbered per purpose, from 1.")
    lang = fields.Selection(
        selection="_get_languages",
        string="Language",
        help="The language of the text; empty when it is the same for all.",
    )
    text = fields.Text(required=True, help="The exact wording people are shown.")
    text_hash = fields.Char(
        string="Text SHA-256",
        compute="_compute_text_hash",
        store=True,
        readonly=True,
        help="Fingerprint of the text; events copy it when they are recorded.",
    )
    published_at = fields.Datetime(string="Published", readonly=True, copy=False)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(related="purpose_id.company_id")

    _version_unique = models.Constraint(
        "UNIQUE (purpose_id, version)", "This purpose already has a notice with this version."
    )

    @api.model
    def _get_languages(self):
        return self.env["res.lang"].get_installed()

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("text")
    def _compute_text_hash(self):
        for notice in self:
            notice.text_hash = text_sha256(notice.text)

    @api.depends("purpose_id", "version", "lang")
    def _compute_display_name(self):
        for notice in self:
            name = self.env._(
                "%(purpose)s v%(version)s", purpose=notice.purpose_id.name or "", version=notice.version
            )
            notice.display_name = f"{name} ({notice.lang})" if notice.lang else name

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def _check_no_computed_values(self, vals):
        """Refuse values for :data:`COMPUTED_FIELDS`: the stored hash is always the text's SHA-256.

        The ORM stores a value given for a stored computed field as it is (a draft's hash
        could then say another text was shown), so the model refuses it instead.
        """
        if not COMPUTED_FIELDS.isdisjoint(vals):
            raise UserError(
                self.env._(
                    "The text fingerprint (SHA-256) is computed from the text and cannot be set: "
                    "change the text instead."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        next_version = {}
        for vals in vals_list:
            self._check_no_computed_values(vals)
            vals.pop("published_at", None)  # published through action_publish only
            vals.pop("version", None)
            purpose_id = vals.get("purpose_id")
            if purpose_id not in next_version:
                self.flush_model(["purpose_id", "version"])
                rows = self.env.execute_query(
                    SQL(
                        "SELECT COALESCE(MAX(version), 0) FROM %s WHERE purpose_id = %s",
                        SQL.identifier(self._table),
                        purpose_id,
                    )
                )
                next_version[purpose_id] = rows[0][0] + 1
            vals["version"] = next_version[purpose_id]
            next_version[purpose_id] += 1
        return super().create(vals_list)

    def write(self, vals):
        self._check_no_computed_values(vals)
        if (
            not SYSTEM_FIELDS.isdisjoint(vals)
            and self.env.context.get("ci_notice_publish") is not PUBLISH_SENTINEL
        ):
            raise UserError(self.env._("Notices are numbered and published by the system: use Publish."))
        if not MUTABLE_WHEN_PUBLISHED.issuperset(vals) and self.filtered("published_at"):
            raise UserError(
                self.env._(
                    "A published notice is what people were shown and cannot be changed. "
                    "Create a new version with the new text instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        if self.filtered("published_at"):
            raise UserError(self.env._("A published notice cannot be deleted; archive it instead."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_publish(self):
        """Freeze the text: from now on it is the notice consent events refer to."""
        drafts = self.filtered(lambda notice: not notice.published_at)
        drafts.with_context(ci_notice_publish=PUBLISH_SENTINEL).write({"published_at": fields.Datetime.now()})
        return True

    def action_new_version(self):
        """A draft copy of this notice, to reword it as the next version."""
        self.ensure_one()
        draft = self.copy({"purpose_id": self.purpose_id.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": draft.id,
            "view_mode": "form",
            "target": "current",
        }
