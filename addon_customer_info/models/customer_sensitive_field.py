from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import frozendict

from .customer_governed_mixin import UNGOVERNABLE_FIELDS, is_governed, may_be_sensitive

MASK = "***"
AUDIT_MODELS = frozenset({"customer.audit.log", "customer.audit.log.line"})
"""The audit trail itself: never sensitive, never audited (it would log its own writes)."""

DEFAULT_SENSITIVE_FIELDS = (
    # hobbies and preferences
    ("res.partner", "ci_hobby_ids"),
    ("res.partner", "ci_preferences"),
    # important dates (birthdays, anniversaries)
    ("res.partner", "ci_important_date_ids"),
    ("customer.important.date", "date"),
    ("customer.important.date", "next_date"),
    ("customer.important.date", "remind_on"),
    ("customer.important.date", "reminded_for"),
    ("customer.important.date", "note"),
    # career history
    ("res.partner", "ci_career_ids"),
    ("customer.career", "employer_id"),
    ("customer.career", "employer_name"),
    ("customer.career", "job_title"),
    ("customer.career", "department"),
    ("customer.career", "date_start"),
    ("customer.career", "date_end"),
    ("customer.career", "note"),
    # consent proofs: where and from what a person gave consent
    ("customer.consent.event", "ip_address"),
    ("customer.consent.event", "ip"),
    ("customer.consent.event", "user_agent"),
    ("customer.consent.event", "submission_id"),
)
"""Marked sensitive at installation when the field exists; family relations are a relation-type flag."""


class CustomerSensitiveField(models.Model):
    """One field holding sensitive personal details: one row per field, configured by administrators.

    A sensitive field is read and written only by the *Sensitive Personal Data* groups,
    whatever the channel (forms, lists, exports, RPC): the ORM refuses it to everybody
    else and leaves it out of their ``fields_get`` and views (see ``models/base.py``).
    Members of the *Own Customers* level see the values of their own customers only.

    The set is configuration, read by every access check: :meth:`_sensitive_map` keeps
    it in the registry's cache, and any change here clears that cache (and the cached
    views), in this worker and, through Odoo's cache signalling, in all the others.
    Only ``res.partner``'s customer information fields (``ci_``) and the fields of this
    addon's own models can be marked: the core contact fields (name, email, phone,
    address) are used by every Odoo application and stay readable.

    Multi-company: no company rule, which fields are sensitive is configuration shared by all
    companies (a field is one column for every company's contacts).
    """

    _name = "customer.sensitive.field"
    _inherit = ["customer.governed.mixin"]
    _description = "Sensitive Field"
    _order = "model_name, field_name, id"
    _rec_name = "field_id"

    field_id = fields.Many2one(
        "ir.model.fields",
        required=True,
        index=True,
        ondelete="cascade",
        domain=lambda self: self._field_id_domain(),
    )
    model_id = fields.Many2one(related="field_id.model_id", store=True, string="Model")
    model_name = fields.Char(related="field_id.model", store=True, string="Model Name")
    field_name = fields.Char(related="field_id.name", store=True, string="Technical Name")
    field_type = fields.Selection(related="field_id.ttype", string="Field Type")
    field_description = fields.Char(related="field_id.field_description", string="Label")
    note = fields.Text(string="Why Sensitive", help="What the field holds and why it needs protection.")
    active = fields.Boolean(default=True, help="Archive the row to stop treating the field as sensitive.")

    _field_unique = models.Constraint("UNIQUE (field_id)", "This field is already marked as sensitive.")

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.model
    def _governed_model_names(self):
        """Models whose fields may be marked: the governed ones (contacts and this addon's own
        stored models), but this one."""
        return sorted(
            name
            for name, model_cls in self.env.registry.items()
            if is_governed(model_cls) and not model_cls._abstract and name != self._name
        )

    @api.model
    def _field_id_domain(self):
        return [
            ("model", "in", self._governed_model_names()),
            ("name", "not in", sorted(UNGOVERNABLE_FIELDS)),
        ]

    @api.constrains("field_id")
    def _check_governable(self):
        governed = set(self._governed_model_names())
        for record in self:
            model, name = record.field_id.model, record.field_id.name
            if model not in governed or name in UNGOVERNABLE_FIELDS:
                raise ValidationError(
                    self.env._(
                        "The field “%(field)s” of %(model)s cannot be marked as sensitive.",
                        field=record.field_id.field_description,
                        model=model,
                    )
                )
            if not may_be_sensitive(model, name):
                raise ValidationError(
                    self.env._(
                        "Only the customer information fields of contacts can be marked as sensitive: "
                        "“%(field)s” is used by every application that shows a contact.",
                        field=record.field_id.field_description,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self._clear_sensitive_caches()
        records._mask_history()
        return records

    def write(self, vals):
        result = super().write(vals)
        self._clear_sensitive_caches()
        if "field_id" in vals or vals.get("active"):
            self._mask_history()
        return result

    def unlink(self):
        result = super().unlink()
        self._clear_sensitive_caches()
        return result

    def _mask_history(self):
        """Past values of the fields just marked sensitive leave the trail: the old and new values
        of their audit change lines and of their tracking in the chatter become ``***`` (who
        changed them and when stays)."""
        for record in self.filtered("active"):
            field = record.field_id
            self.env["customer.audit.log"]._mask_field_values(field.model, field.name)
            # sudo: tracking values are mail's system rows (nobody edits them); only the values
            # of this one field are blanked, nothing is read out
            trackings = self.env["mail.tracking.value"].sudo().search([("field_id", "=", field.id)])
            trackings.write(
                {
                    f"{side}_value_{kind}": MASK if kind == "char" else False
                    for side in ("old", "new")
                    for kind in ("char", "integer", "float", "datetime")
                }
            )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _sensitive_map(self):
        """``{model name: frozenset(field names)}`` of the active sensitive fields (cached)."""
        # sudo: the list of sensitive field names is configuration every access check needs,
        # whoever the user is; it holds no personal data.
        rows = self.sudo().search_fetch([], ["model_name", "field_name"])
        result = {}
        for row in rows:
            result.setdefault(row.model_name, set()).add(row.field_name)
        return frozendict({model: frozenset(names) for model, names in result.items()})

    @api.model
    def _clear_sensitive_caches(self):
        """Forget the cached set and the views built from it (all workers are signalled)."""
        self.env.registry.clear_cache()
        self.env.registry.clear_cache("templates")

    @api.model
    def _install_defaults(self):
        """Mark the shipped sensitive fields that exist and were never marked (archived rows count).

        Runs at installation and update; an administrator who does not want one of them
        archives its row rather than deleting it, so that an update does not mark it again.
        """
        # sudo: installation data; every field given exists in this registry.
        Field = self.env["ir.model.fields"].sudo()
        existing = set(self.sudo().with_context(active_test=False).search([]).field_id.ids)  # pylint: disable=no-search-all
        vals_list = []
        for model, name in DEFAULT_SENSITIVE_FIELDS:
            field = Field._get(model, name) if model in self.env and name in self.env[model]._fields else None
            if field and field.id not in existing:
                vals_list.append({"field_id": field.id})
                existing.add(field.id)
        return self.sudo().create(vals_list)
