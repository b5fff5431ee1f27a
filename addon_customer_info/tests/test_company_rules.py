"""Multi-company: what a user of one company reads of another company's contacts (issue 14, item 5).

Two companies: the main one (A) and ``company_b``. Users of A only; contacts of B (``company_id``
set to B, not users' partners, so Odoo's ``res.partner`` company rule hides them from A).
"""

import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

MODULE = "addon_customer_info"
MUTED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule", "odoo.models")
SHARED_MARK = "shared by all companies"
"""What the docstring of a model without a multi-company rule says (pure configuration)."""


class TwoCompaniesCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = cls.env["res.company"].create({"name": "Company B (test)"})

        def user(login, groups, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=",".join(groups),
                company_id=companies[0].id,
                company_ids=[(6, 0, [company.id for company in companies])],
            )

        group = f"{MODULE}.group_customer_info"
        cls.user_a = user("mc_user_a", ["base.group_user", f"{group}_user"], cls.company_a)
        cls.user_ab = user("mc_user_ab", ["base.group_user", f"{group}_user"], cls.company_a | cls.company_b)
        cls.officer_a = user("mc_officer_a", ["base.group_user", f"{group}_privacy"], cls.company_a)
        cls.officer_a2 = user("mc_officer_a2", ["base.group_user", f"{group}_privacy"], cls.company_a)
        cls.officer_b = user("mc_officer_b", ["base.group_user", f"{group}_privacy"], cls.company_b)
        cls.exporter_a = user("mc_exporter_a", ["base.group_user", f"{group}_export"], cls.company_a)

        Partner = cls.env["res.partner"]
        cls.partner_a = Partner.create({"name": "Anna of A", "company_id": cls.company_a.id})
        cls.partner_b = Partner.create({"name": "Bruno of B", "company_id": cls.company_b.id})
        cls.partner_b2 = Partner.create({"name": "Berta of B", "company_id": cls.company_b.id})
        cls.partner_shared = Partner.create({"name": "Sam Shared", "email": "sam@shared.example.com"})
        relation_type = cls.env.ref(f"{MODULE}.customer_relation_type_reports_to")
        Relation = cls.env["customer.relation"]

        def relate(left, right):
            return Relation.create(
                {"left_partner_id": left.id, "right_partner_id": right.id, "type_id": relation_type.id}
            )

        cls.relation_bb = relate(cls.partner_b, cls.partner_b2)
        cls.relation_ab = relate(cls.partner_a, cls.partner_b)
        cls.relation_a_shared = relate(cls.partner_a, cls.partner_shared)


@tagged("post_install", "-at_install", "security")
class TestCompanyRules(TwoCompaniesCase):
    """(a) every stored model of the addon that holds company data has a multi-company rule."""

    def test_relations_follow_the_companies_of_both_partners(self):
        Relation = self.env["customer.relation"]
        ids = (self.relation_bb | self.relation_ab | self.relation_a_shared).ids
        seen_by_a = Relation.with_user(self.user_a).search([("id", "in", ids)])
        self.assertEqual(seen_by_a, self.relation_a_shared)
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            self.relation_bb.with_user(self.user_a).read(["note"])
        seen_by_ab = Relation.with_user(self.user_ab).search([("id", "in", ids)])
        self.assertEqual(seen_by_ab, self.relation_bb | self.relation_ab | self.relation_a_shared)
        # with only company A active, the user of both companies sees what A sees
        only_a = Relation.with_user(self.user_ab).with_context(allowed_company_ids=self.company_a.ids)
        self.assertEqual(only_a.search([("id", "in", ids)]), self.relation_a_shared)
        # the relations tab of a contact of A lists only the one with a visible partner
        self.assertEqual(self.partner_a.with_user(self.user_a).ci_relation_ids, self.relation_a_shared)

    def test_every_stored_model_has_a_company_rule_or_says_it_is_shared(self):
        rules = self.env["ir.rule"].search([("global", "=", True)])
        with_rule = {rule.model_id.model for rule in rules if "company_ids" in (rule.domain_force or "")}
        missing = []
        for name in sorted(self.env.registry):
            cls = self.env.registry[name]
            if cls._original_module != MODULE or cls._abstract or cls._transient:
                continue
            docs = " ".join(
                klass.__doc__ or ""
                for klass in cls.__mro__
                if klass.__module__.startswith(f"odoo.addons.{MODULE}.")
            )
            if name not in with_rule and SHARED_MARK not in " ".join(docs.split()).lower():
                missing.append(name)
        self.assertEqual(missing, [], "stored models with neither a multi-company rule nor a reason")


@tagged("post_install", "-at_install", "security")
class TestCompanyDataSubject(TwoCompaniesCase):
    """(b) data-subject exports: contacts of the officer's companies, files of their author only."""

    def export(self, user, partner):
        wizard = (
            self.env["customer.data.subject.export"]
            .with_user(user)
            .with_context(active_model="res.partner", active_id=partner.id)
            .create({})
        )
        wizard.action_export()
        return wizard

    def test_an_officer_exports_contacts_of_their_companies_only(self):
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            self.export(self.officer_a, self.partner_b)
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            self.env["customer.data.subject"].with_user(self.officer_a)._export_attachment(
                self.partner_b, None
            )
        exports = self.env["customer.audit.log"].search(
            [("event", "=", "dsr_export"), ("partner_ids", "in", self.partner_b.ids)]
        )
        self.assertFalse(exports)
        # B's officer exports B's contact; A's officer exports A's contact and a shared one
        wizard = self.export(self.officer_b, self.partner_b)
        self.assertEqual(json.loads(wizard.attachment_id.sudo().raw)["subject"]["id"], self.partner_b.id)
        self.assertTrue(self.export(self.officer_a, self.partner_a).attachment_id)
        self.assertTrue(self.export(self.officer_a, self.partner_shared).attachment_id)

    def test_an_officer_anonymises_contacts_of_their_companies_only(self):
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            self.env["customer.data.subject"].with_user(self.officer_a)._anonymise(
                self.partner_a | self.partner_b
            )
        self.assertEqual((self.partner_a.name, self.partner_b.name), ("Anna of A", "Bruno of B"))
        self.env["customer.data.subject"].with_user(self.officer_b)._anonymise(self.partner_b)
        self.assertEqual(self.partner_b.name, f"Anonymised #{self.partner_b.id}")

    def test_an_export_file_is_read_by_its_author_only(self):
        wizard = self.export(self.officer_a, self.partner_a)
        attachment = wizard.attachment_id
        self.assertEqual(attachment.with_user(self.officer_a).read(["name"])[0]["name"], attachment.name)
        self.assertTrue(attachment.with_user(self.officer_a).raw)
        for other in (self.officer_a2, self.user_a):
            with self.subTest(user=other.login):
                with self.assertRaises(AccessError), mute_logger(*MUTED):
                    attachment.with_user(other).read(["raw"])
                with self.assertRaises(AccessError), mute_logger(*MUTED):
                    wizard.with_user(other).read(["attachment_id"])
                found = self.env["ir.attachment"].with_user(other).search([("id", "=", attachment.id)])
                self.assertFalse(found)


@tagged("post_install", "-at_install", "security")
class TestCompanyVcard(TwoCompaniesCase):
    """(c) a vCard is an export of the contact: the export group only, and logged."""

    def vcard_logs(self, user):
        return self.env["customer.audit.log"].search(
            [("event", "=", "export"), ("model", "=", "res.partner"), ("user_id", "=", user.id)]
        )

    def test_vcard_needs_the_export_group_and_is_logged(self):
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            self.partner_a.with_user(self.user_a)._get_vcard_file()
        self.assertFalse(self.vcard_logs(self.user_a))
        content = self.partner_a.with_user(self.exporter_a)._get_vcard_file()
        self.assertIn(b"Anna of A", content)
        log = self.vcard_logs(self.exporter_a)
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.partner_ids, log.res_ids, log.channel), (self.partner_a, str(self.partner_a.id), "export")
        )
        self.assertIn("email", log.field_names.split(","))


@tagged("post_install", "-at_install", "security")
class TestCompanyVcardRoute(HttpCase):
    """(c) the web client's vCard download route goes through the same check."""

    def test_the_vcard_route_needs_the_export_group(self):
        partner = self.env["res.partner"].create(
            {"name": "Victor Vcard", "email": "victor@vcard.example.com"}
        )
        new_test_user(self.env, login="mc_vcard_user", groups=f"{MODULE}.group_customer_info_user")
        new_test_user(self.env, login="mc_vcard_exporter", groups=f"{MODULE}.group_customer_info_export")
        url = f"/web/partner/vcard?partner_ids={partner.id}"
        self.authenticate("mc_vcard_user", "mc_vcard_user")
        with mute_logger("odoo.http", *MUTED):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(b"BEGIN:VCARD", response.content)
        self.authenticate("mc_vcard_exporter", "mc_vcard_exporter")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"BEGIN:VCARD", response.content)
        logs = self.env["customer.audit.log"].search(
            [("event", "=", "export"), ("model", "=", "res.partner"), ("res_ids", "=", str(partner.id))]
        )
        self.assertEqual(logs.user_id.login, "mc_vcard_exporter")
