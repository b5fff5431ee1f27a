from unittest.mock import patch

from odoo import models
from odoo.tests import TransactionCase, new_test_user, tagged, users

from ..models.customer_governed_mixin import MODULE, is_governed, may_be_sensitive  # noqa: TID252

ADDON_PACKAGE = f"odoo.addons.{MODULE}"

GOVERNED = frozenset(
    {
        "res.partner",
        "customer.type",
        "customer.nature",
        "customer.source",
        "customer.level",
        "customer.region",
        "customer.hobby",
        "customer.career",
        "customer.important.date",
        "customer.relation.type",
        "customer.relation",
        "customer.activity.type",
        "customer.activity",
        "customer.credit.scale",
        "customer.credit.grade",
        "customer.credit.rating",
        "customer.consent.purpose",
        "customer.consent.notice",
        "customer.consent.channel",
        "customer.consent.event",
        "customer.consent.state",
        "customer.consent.current",
        "customer.consent.token",
        "customer.sensitive.field",
        "customer.duplicate.candidate",
        "customer.sync.source",
        "customer.sync.source.mapping",
        "customer.sync.source.trust",
        "customer.sync.run",
        "customer.sync.run.row",
        "customer.access.request",
    }
)
"""The stored models that carry the guard: contacts and the addon's customer data."""

BOOKKEEPING = frozenset(
    {
        "customer.audit.log",
        "customer.audit.log.line",
        "customer.partner.identifier",
        "customer.sync.external.key",
        "customer.field.provenance",
        "customer.sync.run.batch",
        "customer.webform.submission",
        "customer.merge.journal",
        "customer.merge.journal.line",
        "customer.sync.run.check",
    }
)
"""The addon's stored models left out: the audit trail, rows that mirror audited changes (the merge
journal: what a merge, audited itself, moved and replaced), and the web forms' inbox (raw
submissions, readable by administrators and the integration user only)."""

EXTENDED = frozenset(
    {"res.config.settings", "mail.mail", "mail.message", "base.partner.merge.automatic.wizard"}
)
"""Other models the addon extends, without the guard: its settings page, the outgoing mail
(the double opt-in's links are put into the body only when it is sent: one empty column and one
test per sent mail for other applications), the messages (a customer activity's chatter note
is read by the activity's readers: one mostly empty column, and one condition on the activities
in each search of messages), and Odoo's merge wizard (its merge is the addon's safe merge)."""


@tagged("post_install", "-at_install")
class TestGovernedModels(TransactionCase):
    """The guard sits on the governed models only: other models neither carry nor pay for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="ci_unrelated",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export",
        )
        cls.countries = cls.env["res.country"].search([], limit=20)

    def _addon_classes(self, model_cls):
        return [klass for klass in model_cls.__mro__ if klass.__module__.startswith(ADDON_PACKAGE)]

    def test_only_governed_models_carry_the_guard(self):
        registry = self.env.registry
        carrying = {
            name
            for name, model_cls in registry.items()
            if is_governed(model_cls) and not model_cls._abstract and not model_cls._transient
        }
        self.assertEqual(carrying, GOVERNED, "each stored model of the addon says whether it is governed")
        addon_stored = {
            name
            for name, model_cls in registry.items()
            if model_cls._original_module == MODULE and not model_cls._abstract and not model_cls._transient
        }
        self.assertEqual(addon_stored - GOVERNED, BOOKKEEPING)
        for name in BOOKKEEPING:
            self.assertFalse(is_governed(registry[name]), name)
        for name, model_cls in registry.items():
            if name in GOVERNED or name in EXTENDED or model_cls._original_module == MODULE:
                continue
            with self.subTest(model=name):
                self.assertFalse(is_governed(model_cls))
                self.assertEqual(
                    self._addon_classes(model_cls),
                    [],
                    "no class of the addon in the hierarchy of a model it does not govern",
                )

    def test_governed_models_get_the_hooks_from_the_mixin(self):
        mixin = self.env.registry["customer.governed.mixin"]
        for name in GOVERNED:
            with self.subTest(model=name):
                self.assertIn(mixin, self.env.registry[name].__mro__)

    def _queries(self, operation):
        """The queries of ``operation`` once it ran before (caches of access rules, groups and
        translations are warm, as in a running server)."""
        operation()
        count = self.cr.sql_log_count
        operation()
        self.env.flush_all()
        return self.cr.sql_log_count - count

    @users("ci_unrelated")
    def test_unrelated_models_pay_no_query(self):
        """Reading, searching, grouping, exporting and writing a model the addon does not govern
        take one query each (eight for a create, a write and an unlink), as measured
        here with the addon installed. No hook of the addon runs for these models (the test
        above); a query the addon added to them would make this fail. The governance benchmark
        compares attribute access on res.country with a database with contacts only."""
        Country = self.env["res.country"]
        countries = self.countries.with_env(self.env)

        def attributes():
            countries.invalidate_recordset()
            return [country.code for country in countries]

        def read():
            countries.invalidate_recordset()
            return countries.read(["name", "code"])

        def export():
            countries.invalidate_recordset()
            return countries.export_data(["name", "code"])

        Category = self.env["res.partner.category"]

        def create_write_unlink():
            category = Category.create({"name": "Unrelated"})
            category.write({"name": "Still unrelated"})
            self.env.flush_all()
            category.unlink()

        counts = {
            "attributes": self._queries(attributes),
            "read": self._queries(read),
            "search": self._queries(lambda: Country.search([("code", "in", ["CN", "DE"])])),
            "read_group": self._queries(lambda: Country._read_group([], ["currency_id"], ["__count"])),
            "export": self._queries(export),
            "create_write_unlink": self._queries(create_write_unlink),
        }
        self.assertEqual(
            counts,
            {"attributes": 1, "read": 1, "search": 1, "read_group": 1, "export": 1, "create_write_unlink": 8},
        )

    def test_fields_that_are_never_sensitive_skip_the_guard(self):
        """Field access is checked on every attribute access of every record: the fields that
        can never be marked sensitive and carry no groups (contacts' own fields, ``id``, the
        magic columns) are granted by one set lookup, set up with the model; every other field
        still takes Odoo's check and the guard's."""
        for name in GOVERNED:
            model = self.env[name]
            with self.subTest(model=name):
                for field in model._ci_open_fields:
                    self.assertIs(model._fields.get(field.name), field, "a field of the current setup")
                    self.assertFalse(field.groups, field.name)
                    self.assertFalse(may_be_sensitive(name, field.name), field.name)
        partner_open = {field.name for field in self.env["res.partner"]._ci_open_fields}
        self.assertLessEqual({"name", "email", "phone", "city", "country_id", "vat", "id"}, partner_open)
        self.assertFalse({name for name in partner_open if name.startswith("ci_")})

    @users("ci_unrelated")
    def test_contact_fields_cost_no_second_check(self):
        """Reading contacts' own fields does not go through Odoo's check a second time (the
        cost the governance benchmark measures); a customer information field does, and is
        refused to this user, who is outside the addon's groups."""
        partners = self.env["res.partner"].search([], limit=5)
        checked = []
        base_check = models.BaseModel._has_field_access

        def counting(model, field, operation):
            if model._name == "res.partner":
                checked.append(field.name)
            return base_check(model, field, operation)

        with patch.object(models.BaseModel, "_has_field_access", counting):
            partners.invalidate_recordset()
            partners.read(["name", "email", "city", "country_id"])
            partners.invalidate_recordset()
            values = [(partner.name, partner.email, partner.city) for partner in partners]
            self.assertEqual(len(values), len(partners))
            # (prefetching checks the other fields of the group too: those with groups take Odoo's check)
            self.assertFalse({"name", "email", "city", "country_id"}.intersection(checked), checked)
            checked.clear()
            ci_field = partners._fields["ci_customer_type_id"]
            self.assertFalse(partners._has_field_access(ci_field, "read"), "outside the addon's groups")
            self.assertEqual(checked, ["ci_customer_type_id"])
