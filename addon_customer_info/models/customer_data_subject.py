import datetime
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.models import MAGIC_COLUMNS
from odoo.tools import html2plaintext

from .customer_audit_log import DSR_EXPORT_MODEL
from .customer_governed_mixin import MODULE
from .customer_sensitive_field import AUDIT_MODELS

PRIVACY_GROUP = f"{MODULE}.group_customer_info_privacy"
EXPORT_FORMAT = "addon_customer_info/data-subject-export"
EXPORT_VERSION = 2

CONTACT_FIELDS = (
    "name",
    "title",
    "function",
    "parent_id",
    "email",
    "phone",
    "mobile",
    "website",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "country_id",
    "lang",
    "vat",
    "company_registry",
)
CLASSIFICATION_FIELDS = (
    "ci_customer_type_id",
    "ci_nature_id",
    "ci_source_id",
    "ci_level_id",
    "ci_region_id",
    "ci_customer_since",
    "ci_purchase_intent",
    "ci_purchasing_power",
    "category_id",
    "industry_id",
    "user_id",
)
PERSONAL_FIELDS = ("ci_hobby_ids", "ci_preferences", "ci_decision_influence")
PROVENANCE_FIELDS = (
    "ci_source_id",
    "create_date",
    "create_uid",
    "write_date",
    "ci_last_verified_on",
    "ci_verified_by_id",
)
MESSAGE_FIELDS = ("date", "message_type", "subject", "author_id", "email_from", "body", "record_name")
AUDIT_LOG_FIELDS = ("timestamp", "user_id", "event", "channel", "model_description")
AUDIT_LINE_FIELDS = ("res_id", "field_description", "old_value", "new_value", "sensitive")
COVERED_MODELS = frozenset(
    {
        "res.partner",
        "customer.important.date",
        "customer.career",
        "customer.relation",
        "customer.activity",
        "customer.credit.rating",
        "customer.consent.event",
    }
)
"""Models with a section of their own in the export; the other records about the person are swept."""
TECHNICAL_PREFIXES = ("message_", "activity_", "image_", "avatar_", "website_message", "signup_")
TECHNICAL_FIELDS = frozenset(
    {
        # copies of other values kept for searching or display
        "email_normalized",
        "phone_sanitized",
        "complete_name",
        "commercial_company_name",
        "commercial_partner_id",
        "partner_share",
        "color",
        # which document a scheduled activity is on: the export is about the person
        "res_model_id",
        "res_model",
        "res_id",
        "res_name",
        "user_tz",
    }
)
"""Stored fields that say nothing about the person a reader would look for."""
UNEXPORTED_TYPES = frozenset({"one2many", "binary", "properties", "properties_definition"})
SECRET_WORDS = ("token", "secret", "password")

ERASED_PARTNER_VALUES = {
    "email": False,
    "phone": False,
    "mobile": False,
    "website": False,
    "street": False,
    "street2": False,
    "zip": False,
    "city": False,
    "state_id": False,
    "country_id": False,
    "function": False,
    "title": False,
    "vat": False,
    "company_registry": False,
    "comment": False,
    "ref": False,
    "barcode": False,
    "image_1920": False,
    "ci_preferences": False,
    "ci_decision_influence": False,
    "ci_purchase_history": False,
}
"""What an anonymised partner keeps of its personal fields: nothing (the name is replaced)."""


class CustomerDataSubject(models.AbstractModel):
    """Data-subject requests: export everything held about a person, or forget them.

    Both are reserved to privacy officers (:data:`PRIVACY_GROUP`), checked here whoever
    calls, and both are logged in the audit log. They read and change records the
    officer may not otherwise see, so they work in sudo after that check.
    """

    _name = "customer.data.subject"
    _description = "Data-Subject Requests"

    @api.model
    def _check_officer(self):
        if not (self.env.su or self.env.user.has_group(PRIVACY_GROUP)):
            raise AccessError(self.env._("Only privacy officers handle data-subject requests."))

    @api.model
    def _check_subjects(self, partners):
        """The officer handles the requests of the contacts they may see in their active companies
        only (Odoo's multi-company rule on contacts): a request about another company's contact is
        for that company's privacy officer."""
        if self.env.su:
            return
        partners = partners.with_env(self.env).with_context(active_test=False)
        if not partners.has_access("read"):
            raise AccessError(
                self.env._(
                    "This contact belongs to a company you are not working in. Switch to that company "
                    "if you are its privacy officer too, or pass the request to its privacy officer."
                )
            )

    # ------------------------------------------------------------
    # EXPORT
    # ------------------------------------------------------------

    @api.model
    def _json_value(self, record, name):
        """The value of ``record.name`` as a person reads it: names of related records, labels
        of choices, ISO dates, plain text."""
        field = record._fields[name]
        value = record[name]
        if field.type in ("many2one", "reference"):
            return value.display_name if value else None
        if field.type in ("many2many", "one2many"):
            return value.mapped("display_name")
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value) if value else None
        if field.type == "binary":
            return self.env._("(file)") if value else None
        if field.type == "html":
            return html2plaintext(value) if value else None
        if isinstance(value, datetime.date):
            return value.isoformat()
        if value is False and field.type != "boolean":
            return None
        return value

    @api.model
    def _label(self, model, name):
        """The label of ``model``'s field ``name``, in the officer's language."""
        return model._fields[name]._description_string(self.env)

    @api.model
    def _audit_line_values(self, line):
        """A change line, its old and new choice labelled (the trail keeps a choice's code)."""
        values = self._values(line, AUDIT_LINE_FIELDS)
        model = self.env[line.model] if line.model in self.env else None
        field = model._fields.get(line.field_name) if model is not None else None
        if field is not None and field.type == "selection":
            labels = dict(field._description_selection(self.env))
            for name in ("old_value", "new_value"):
                label = self._label(line, name)
                values[label] = labels.get(values[label], values[label])
        return values

    @api.model
    def _field_label(self, model_name, name):
        """The label of a field named in the audit log (its name when the field is gone)."""
        if model_name not in self.env or name not in self.env[model_name]._fields:
            return name
        return self._label(self.env[model_name], name)

    @api.model
    def _values(self, record, names):
        """``{field label: value}`` of ``record``; a label two fields share names the second by
        its field too."""
        values = {}
        for name in names:
            if name not in record._fields:
                continue
            label = self._label(record, name)
            if label in values:
                label = f"{label} ({name})"
            values[label] = self._json_value(record, name)
        return values

    @api.model
    def _dump(self, records, exclude=()):
        """Every stored field of ``records`` a person would look for, as labelled values."""
        names = [
            name
            for name, field in records._fields.items()
            if field.store
            and field.type not in UNEXPORTED_TYPES
            and name not in exclude
            and name not in MAGIC_COLUMNS
            and name not in TECHNICAL_FIELDS
            and not name.startswith(TECHNICAL_PREFIXES)
            and not any(word in name for word in SECRET_WORDS)
        ]
        return [self._values(record, names) for record in records]

    @api.model
    def _collect(self, partner):
        """Everything the system holds about ``partner`` (a sudo record), by category."""
        env = partner.env
        today = fields.Datetime.now()
        activities = env["customer.activity"].search(
            Domain("partner_id", "=", partner.id) | Domain("contact_id", "=", partner.id)
        )
        consent = []
        if "customer.consent.event" in env:
            consent = self._dump(env["customer.consent.event"].search([("partner_id", "=", partner.id)]))
        messages = env["mail.message"].search(
            (Domain("model", "=", "res.partner") & Domain("res_id", "=", partner.id))
            | Domain("author_id", "=", partner.id)
        )
        logs = env["customer.audit.log"].search([("partner_ids", "in", partner.ids)])
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": today.isoformat(),
            "generated_by": self.env.user.display_name,
            "subject": {"id": partner.id, "name": partner.display_name, "is_company": partner.is_company},
            "contact_details": self._values(partner, CONTACT_FIELDS),
            "classification": self._values(partner, CLASSIFICATION_FIELDS),
            "profile": self._dump(partner)[0],
            "personal_details": {
                **self._values(partner, PERSONAL_FIELDS),
                "important_dates": self._dump(partner.ci_important_date_ids),
                "career": self._dump(partner.ci_career_ids),
            },
            "relations": [
                {
                    **values,
                    self.env._("Relation"): relation.with_context(ci_partner_id=partner.id).display_name,
                }
                for relation, values in zip(
                    partner.ci_relation_ids,
                    self._dump(partner.ci_relation_ids, exclude=("this_partner_id", "other_partner_id")),
                    strict=True,
                )
            ],
            "contacts": partner.child_ids.mapped("display_name"),
            "activities": {
                "customer_activities": self._dump(activities),
                "scheduled_activities": self._dump(
                    env["mail.activity"].search(
                        [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
                    )
                ),
            },
            "credit_ratings": self._dump(
                env["customer.credit.rating"].search([("partner_id", "=", partner.commercial_partner_id.id)])
            ),
            "consent_history": consent,
            "provenance": self._values(partner, PROVENANCE_FIELDS),
            "messages": [
                self._values(message, MESSAGE_FIELDS) for message in messages
            ],
            "audit_log": [
                {
                    **self._values(log, AUDIT_LOG_FIELDS),
                    self._label(log, "field_names"): [
                        self._field_label(log.model, name)
                        for name in (log.field_names or "").split(",")
                        if name
                    ],
                    self._label(log, "line_ids"): [self._audit_line_values(line) for line in log.line_ids],
                }
                for log in logs
            ],
            "other_records": self._other_records(partner),
        }

    @api.model
    def _other_records(self, partner):
        """Records of the addon's other models that point at the partner (sources, keys, consent state...)."""
        env = partner.env
        result = {}
        for name, model_cls in sorted(env.registry.items()):
            if (
                model_cls._original_module != MODULE
                or model_cls._abstract
                or model_cls._transient
                or name in COVERED_MODELS
                or name in AUDIT_MODELS
            ):
                continue
            Model = env[name].with_context(active_test=False)
            links = [
                field_name
                for field_name, field in Model._fields.items()
                if field.type == "many2one" and field.comodel_name == "res.partner" and field.store
            ]
            if not links:
                continue
            records = Model.search(Domain.OR(Domain(link, "=", partner.id) for link in links))
            if records:
                result[env["ir.model"]._get(name).name] = self._dump(records)
        return result

    @api.model
    def _export_attachment(self, partner, holder):
        """Write the export of ``partner`` to a JSON file attached to ``holder`` (the wizard)."""
        self._check_officer()
        self._check_subjects(partner)
        # sudo: a privacy officer answers the person's request for everything held about them,
        # including what the officer's own groups would hide; the check above is the gate.
        partner_sudo = partner.sudo().with_context(active_test=False)
        data = self._collect(partner_sudo)
        # no default=: every value is JSON already (_json_value), nothing is written as its repr
        content = json.dumps(data, ensure_ascii=False, indent=2)
        today = fields.Date.context_today(self)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"data-subject-{partner.id}-{today.isoformat()}.json",
                "raw": content.encode(),
                "mimetype": "application/json",
                "res_model": holder._name if holder else DSR_EXPORT_MODEL,
                "res_id": holder.id if holder else False,
            }
        )
        self.env["customer.audit.log"]._log(
            "dsr_export",
            partner,
            sorted(data),
            partners=partner,
            note=self.env._("Exported to %(file)s", file=attachment.name),
        )
        return attachment

    # ------------------------------------------------------------
    # ERASURE
    # ------------------------------------------------------------

    @api.model
    def _anonymise(self, partners):
        """Forget ``partners``: replace or clear their personal data, keep what the business needs.

        * the partner is renamed "Anonymised #<id>", its contact details, address, photo,
          notes, hobbies, preferences and personal profile are cleared, and it is archived;
        * its important dates and career history are deleted;
        * its relations and customer activities stay (with their types, dates and costs),
          but their notes and descriptions are cleared; its scheduled activities go;
        * the chatter messages on the partner and those it wrote lose their text,
          attachments and tracked values; it follows nothing any more;
        * its consent events keep the decision and dates, the proof is masked;
        * the audit trail stays, its values about the partner become ``***``.
        """
        self._check_officer()
        self._check_subjects(partners)
        # sudo: erasure touches every record about the person whatever the officer's own groups;
        # the check above is the gate, and the operation is logged.
        partners_sudo = partners.sudo().with_context(active_test=False, tracking_disable=True)
        users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", partners_sudo.ids)])
        )
        if users:
            raise UserError(
                self.env._(
                    "%(names)s belong to users of this database; archive or delete the users first.",
                    names=", ".join(users.partner_id.mapped("display_name")),
                )
            )
        erased = {
            name: value
            for name, value in ERASED_PARTNER_VALUES.items()
            if name in partners_sudo._fields
            and partners_sudo._fields[name].store
            and not (partners_sudo._fields[name].compute and partners_sudo._fields[name].readonly)
        }
        for partner in partners_sudo:
            partner.write(
                {
                    **erased,
                    "name": self.env._("Anonymised #%(id)s", id=partner.id),
                    "ci_hobby_ids": [Command.clear()],
                    "active": False,
                }
            )
        partners_sudo.ci_important_date_ids.unlink()
        partners_sudo.ci_career_ids.unlink()
        relations = (
            self.env["customer.relation"]
            .sudo()
            .search(
                Domain("left_partner_id", "in", partners_sudo.ids)
                | Domain("right_partner_id", "in", partners_sudo.ids)
            )
        )
        relations.write({"note": False})
        activities = (
            self.env["customer.activity"]
            .sudo()
            .search(
                Domain("partner_id", "in", partners_sudo.ids) | Domain("contact_id", "in", partners_sudo.ids)
            )
        )
        if activities:
            activities.attachment_ids.unlink()
            activities.write(
                {
                    "name": self.env._("Anonymised activity"),
                    "description": False,
                    "outcome_note": False,
                    "followup_note": False,
                }
            )
        self._strip_messages(partners_sudo)
        partners_sudo._ci_sync_erase()
        if "customer.consent.event" in self.env:
            self.env["customer.consent.event"]._mask_for_erasure(partners_sudo)
        Log = self.env["customer.audit.log"]
        Log._log("anonymise", partners, partners=partners_sudo)
        Log._mask_for_erasure(partners_sudo)
        return True

    @api.model
    def _strip_messages(self, partners_sudo):
        """Empty the chatter about and by the partners: text, attachments, tracked values, follows."""
        env = partners_sudo.env
        messages = env["mail.message"].search(
            (Domain("model", "=", "res.partner") & Domain("res_id", "in", partners_sudo.ids))
            | Domain("author_id", "in", partners_sudo.ids)
        )
        env["mail.tracking.value"].search([("mail_message_id", "in", messages.ids)]).unlink()
        messages.attachment_ids.unlink()
        messages.write({"body": False, "subject": False, "email_from": False, "reply_to": False})
        env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", partners_sudo.ids)]
        ).unlink()
        env["mail.followers"].search([("partner_id", "in", partners_sudo.ids)]).unlink()
