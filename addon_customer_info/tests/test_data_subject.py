import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .test_sensitive_fields import MODULE, MUTED, SensitiveDataCase

CATEGORIES = (
    "contact_details",
    "classification",
    "profile",
    "personal_details",
    "relations",
    "contacts",
    "activities",
    "credit_ratings",
    "consent_history",
    "provenance",
    "messages",
    "audit_log",
    "other_records",
)


@tagged("post_install", "-at_install", "security")
class TestDataSubjectRequests(SensitiveDataCase):
    """A privacy officer exports everything held about a person, or makes the system forget them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.person_own.write(
            {
                "phone": "+86 571 8888 0001",
                "street": "西湖区龙井路 1 号",
                "city": "杭州",
                "ci_level_id": env.ref(f"{MODULE}.customer_level_a").id,
                "ci_source_id": env.ref(f"{MODULE}.customer_source_exhibition").id,
                "ci_decision_influence": "decision_maker",
            }
        )
        cls.spouse = cls.Partner.create({"name": "Li Wei"})
        cls.family = env["customer.relation"].create(
            {
                "left_partner_id": cls.person_own.id,
                "right_partner_id": cls.spouse.id,
                "note": "Married 2008",
                "type_id": env.ref(f"{MODULE}.customer_relation_type_spouse").id,
            }
        )
        cls.visit = env["customer.activity"].create(
            {
                "name": "Tea tasting with Wu Fang",
                "description": "<p>Wu Fang prefers Longjing</p>",
                "type_id": env.ref(f"{MODULE}.customer_activity_type_meeting").id,
                "partner_id": cls.company_own.id,
                "contact_id": cls.person_own.id,
                "user_id": cls.user_sens.id,
            }
        )
        scale = env["customer.credit.scale"].create(
            {"name": "Test scale", "grade_ids": [(0, 0, {"name": "AA"})]}
        )
        cls.rating = env["customer.credit.rating"].create(
            {
                "partner_id": cls.company_own.id,
                "scale_id": scale.id,
                "grade_id": scale.grade_ids.id,
                "reason": "Pays on time",
            }
        )
        cls.person_own.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call Wu Fang back", user_id=cls.user_sens.id
        )
        cls.message = cls.person_own.message_post(
            body="Wu Fang asked for the 2025 catalogue", message_type="comment"
        )
        cls.consent = env["customer.consent.event"]
        if "customer.consent.event" in env:
            cls.consent = env["customer.consent.event"].create(
                {
                    "partner_id": cls.person_own.id,
                    "purpose_id": env.ref(f"{MODULE}.customer_consent_purpose_service").id,
                    "channel_id": env.ref(f"{MODULE}.customer_consent_channel_email").id,
                    "action": "grant",
                    "legal_basis": "contract",
                    "source": "manual",
                    "ip_address": "198.51.100.23",
                    "user_agent": "Firefox/128",
                    "submission_id": "form-77",
                }
            )
        # someone read the person's details, and someone changed them: the trail is about them
        cls.person_own.with_user(cls.user_sens).read(["ci_preferences"])
        cls.person_own.with_user(cls.user_sens).write({"email": "fang.wu@longjing.example.cn"})

    def export(self, partner, user=None):
        wizard = (
            self.env["customer.data.subject.export"]
            .with_user(user or self.user_privacy)
            .with_context(
                active_model="res.partner",
                active_id=partner.id,
            )
            .create({})
        )
        action = wizard.action_export()
        self.assertEqual(action["url"], f"/web/content/{wizard.attachment_id.id}?download=true")
        return wizard.attachment_id, json.loads(wizard.attachment_id.sudo().raw)

    # ------------------------------------------------------------
    # Export
    # ------------------------------------------------------------

    def test_export_holds_every_category(self):
        attachment, data = self.export(self.person_own)
        self.assertEqual(
            (data["format"], data["version"], data["subject"]["id"]),
            ("addon_customer_info/data-subject-export", 2, self.person_own.id),
        )
        self.assertLessEqual(set(CATEGORIES), set(data))

        def label(model, name):
            return self.env[model]._fields[name].string

        P = "res.partner"
        self.assertEqual(data["contact_details"][label(P, "email")], "fang.wu@longjing.example.cn")
        self.assertEqual(data["contact_details"][label(P, "phone")], "+86 571 8888 0001")
        self.assertEqual(data["classification"][label(P, "ci_level_id")], "A - Key Account")
        self.assertEqual(data["profile"][label(P, "name")], "Wu Fang")
        personal = data["personal_details"]
        self.assertEqual(personal[label(P, "ci_preferences")], "Longjing tea, no alcohol")
        self.assertEqual(personal[label(P, "ci_hobby_ids")], ["Test Golf"])
        decision_maker = dict(self.Partner._fields["ci_decision_influence"]._description_selection(self.env))
        self.assertEqual(personal[label(P, "ci_decision_influence")], decision_maker["decision_maker"])
        birthday = personal["important_dates"][0]
        self.assertEqual(birthday[label("customer.important.date", "date")], "1980-05-17")
        self.assertEqual(personal["career"][0][label("customer.career", "employer_name")], "Alibaba")
        self.assertEqual(data["relations"][0][label("customer.relation", "note")], "Married 2008")
        self.assertIn("Li Wei", data["relations"][0]["Relation"])
        self.assertEqual(
            data["activities"]["customer_activities"][0][label("customer.activity", "name")],
            "Tea tasting with Wu Fang",
        )
        self.assertEqual(
            data["activities"]["scheduled_activities"][0][label("mail.activity", "summary")],
            "Call Wu Fang back",
        )
        self.assertEqual(data["credit_ratings"][0][label("customer.credit.rating", "reason")], "Pays on time")
        self.assertEqual(data["provenance"][label(P, "ci_source_id")], "Exhibition / Trade Fair")
        self.assertTrue(data["provenance"][label(P, "create_date")])
        self.assertIn(
            "Wu Fang asked for the 2025 catalogue",
            [message[label("mail.message", "body")] for message in data["messages"]],
        )
        Log = self.env["customer.audit.log"]
        events = dict(Log._fields["event"]._description_selection(self.env))
        logged = {entry[label("customer.audit.log", "event")] for entry in data["audit_log"]}
        self.assertLessEqual({events["read"], events["write"]}, logged)
        email_change = next(
            change
            for entry in data["audit_log"]
            for change in entry[label("customer.audit.log", "line_ids")]
            if change[label("customer.audit.log.line", "field_description")] == label(P, "email")
        )
        self.assertEqual(
            email_change[label("customer.audit.log.line", "new_value")], "fang.wu@longjing.example.cn"
        )
        if self.consent:
            Event = "customer.consent.event"
            actions = dict(self.env[Event]._fields["action"]._description_selection(self.env))
            self.assertEqual(data["consent_history"][0][label(Event, "ip_address")], "198.51.100.23")
            self.assertEqual(data["consent_history"][0][label(Event, "action")], actions["grant"])

        # the export itself is in the trail, and only its author can download the file
        log = self.env["customer.audit.log"].search([("event", "=", "dsr_export")], limit=1)
        self.assertEqual(
            (log.user_id, log.partner_ids, log.model), (self.user_privacy, self.person_own, "res.partner")
        )
        self.assertIn(attachment.name, log.note)
        self.assertTrue(attachment.with_user(self.user_privacy).read(["name"]))
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            attachment.with_user(self.user_sens_all).read(["raw"])

    def test_export_reads_as_labelled_values_not_code(self):
        attachment, data = self.export(self.person_own)
        text = attachment.sudo().raw.decode()
        self.assertNotRegex(text, r"object at 0x|\w+\.\w+\(\d*,?\)", "Python representations in the file")
        keys, values = set(), []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    keys.add(key)
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)
            else:
                values.append(node)

        for category in CATEGORIES:
            walk(data[category])
        technical = sorted(
            key for key in keys if key.startswith("ci_") or key.endswith(("_id", "_ids")) or key == "id"
        )
        self.assertFalse(technical, "field names instead of labels")
        self.assertIn(self.Partner._fields["ci_preferences"].string, keys)
        for code in ("decision_maker", "grant", "in_person"):
            self.assertNotIn(code, values, "a choice's code instead of its label")

    @mute_logger(*MUTED)
    def test_only_privacy_officers_handle_requests(self):
        for user in (
            self.user_sales,
            self.user_sens_all,
            self.user_auditor,
            self.user_exporter,
            self.user_manager,
        ):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["customer.data.subject.export"].with_user(user).create(
                        {"partner_id": self.person_own.id}
                    )
                with self.assertRaises(AccessError):
                    self.env["customer.partner.anonymise"].with_user(user).create(
                        {"partner_ids": [(6, 0, self.person_own.ids)], "confirm": True}
                    )
                with self.assertRaises(AccessError):
                    self.env["customer.data.subject"].with_user(user)._anonymise(self.person_own)
                with self.assertRaises(AccessError):
                    self.env["customer.data.subject"].with_user(user)._export_attachment(
                        self.person_own, None
                    )
        self.assertEqual(self.person_own.name, "Wu Fang")
        self.assertTrue(self.user_admin_ci.has_group(f"{MODULE}.group_customer_info_privacy"))

    # ------------------------------------------------------------
    # Erasure
    # ------------------------------------------------------------

    def test_anonymisation_forgets_the_person_and_keeps_a_masked_trail(self):
        Log = self.env["customer.audit.log"]
        trail_before = Log.search_count([("partner_ids", "in", self.person_own.ids)])
        wizard_form = Form(
            self.env["customer.partner.anonymise"]
            .with_user(self.user_privacy)
            .with_context(
                active_model="res.partner",
                active_ids=self.person_own.ids,
            )
        )
        wizard_form.confirm = True
        action = wizard_form.save().action_anonymise()
        self.assertEqual(action["params"]["message"], "1 contacts anonymised.")

        person = self.person_own.with_context(active_test=False)
        self.assertEqual(person.name, f"Anonymised #{person.id}")
        self.assertFalse(person.active)
        for name in (
            "email",
            "phone",
            "street",
            "city",
            "ci_preferences",
            "ci_hobby_ids",
            "ci_decision_influence",
            "ci_important_date_ids",
            "ci_career_ids",
        ):
            self.assertFalse(person[name], name)
        self.assertFalse(self.birthday_own.exists())
        self.assertFalse(self.career_own.exists())
        self.assertEqual(
            person.ci_level_id,
            self.env.ref(f"{MODULE}.customer_level_a"),
            "the classification stays for the statistics",
        )
        # relations and activities stay, without personal data
        self.assertTrue(self.family.exists())
        self.assertFalse(self.family.note)
        self.assertTrue(self.visit.exists())
        self.assertEqual(
            (self.visit.name, self.visit.description, self.visit.contact_id),
            ("Anonymised activity", False, person),
        )
        self.assertEqual(self.rating.reason, "Pays on time", "the company's credit rating is the company's")
        # chatter: no text, no tracking, no scheduled activities, no follows
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", person.id)]
        )
        self.assertTrue(messages)
        self.assertFalse([m.body for m in messages if m.body and "catalogue" in m.body])
        self.assertFalse(messages.tracking_value_ids)
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", person.id)])
        )
        self.assertFalse(self.env["mail.followers"].search([("partner_id", "=", person.id)]))
        # consent: the decision stays, the proof is masked
        if self.consent:
            self.assertEqual(self.consent.action, "grant")
            self.assertEqual((self.consent.ip_address, self.consent.user_agent), ("***", "***"))
        # the audit trail is kept, with the values about the person masked
        trail = Log.search([("partner_ids", "in", person.ids)])
        self.assertGreaterEqual(len(trail), trail_before + 1)
        values = trail.line_ids.mapped("old_value") + trail.line_ids.mapped("new_value")
        self.assertFalse([v for v in values if v and ("Wu Fang" in v or "longjing" in v.lower())], values)
        self.assertIn("***", values)
        erasure = trail.filtered(lambda log: log.event == "anonymise")
        self.assertEqual((erasure.user_id, erasure.res_ids), (self.user_privacy, str(person.id)))
        self.assertTrue(all(trail.filtered(lambda log: log.line_ids).mapped("masked_at")))
        # the rest of the trail is untouched
        other = Log.search([("partner_ids", "in", self.company_cn.ids), ("line_ids", "!=", False)], limit=1)
        self.assertNotIn("***", other.line_ids.mapped("new_value"))

    def test_anonymisation_needs_confirmation_and_spares_users(self):
        wizard = (
            self.env["customer.partner.anonymise"]
            .with_user(self.user_privacy)
            .create({"partner_ids": [(6, 0, self.person_own.ids)]})
        )
        with self.assertRaises(UserError):
            wizard.action_anonymise()
        with self.assertRaises(UserError):
            self.env["customer.data.subject"].with_user(self.user_privacy)._anonymise(
                self.user_sales.partner_id
            )
        self.assertEqual(self.person_own.name, "Wu Fang")
        self.assertEqual(self.user_sales.partner_id.name, "Li Na")

    def test_the_privacy_tab_offers_both_actions_to_officers_only(self):
        officer = self.Partner.with_user(self.user_privacy).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="ci_privacy"', officer)
        sales = self.Partner.with_user(self.user_sales).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="ci_privacy"', sales)
        bindings = self.env["ir.actions.actions"].with_user(self.user_privacy).get_bindings("res.partner")
        names = {action["name"] for action in bindings.get("action", [])}
        self.assertLessEqual({"Export Personal Data", "Anonymise"}, names)
        bindings = self.env["ir.actions.actions"].with_user(self.user_sales).get_bindings("res.partner")
        self.assertFalse(
            {"Export Personal Data", "Anonymise"} & {action["name"] for action in bindings.get("action", [])}
        )
