import datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CustomerInfoCommon

D = datetime.date
MODULE = "addon_customer_info"
MUTED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule", "odoo.models")
PARTNER_SENSITIVE = ("ci_hobby_ids", "ci_preferences", "ci_important_date_ids", "ci_career_ids")


class SensitiveDataCase(CustomerInfoCommon):
    """Users of the data-protection groups, and customers with sensitive details.

    Users (besides those of ``CustomerInfoCommon``):

        user_sens ........... Sensitive Personal Data / Own Customers  (salesperson of company_own)
        user_sens_manager ... Customer Information / Manager + Sensitive Personal Data / Own Customers
        user_sens_all ....... Sensitive Personal Data / All Customers
        user_auditor ........ Audit Log / Auditor
        user_exporter ....... Data Export / Exporter
        user_privacy ........ Privacy Requests / Privacy Officer

    Partners:

        company_own "Hangzhou Longjing Tea Co."   salesperson user_sens
          person_own "Wu Fang"      preferences, hobby, birthday, career   (user_sens's customer)
        company_de (CustomerInfoCommon)          salesperson user_sales_other
          person_de "Jonas Weber"   preferences, hobby, birthday, career   (someone else's customer)
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = f"{MODULE}.group_customer_info"
        cls.user_sens = new_test_user(cls.env, login="ci_sens", name="Wu Lan", groups=f"{group}_sensitive")
        cls.user_sens_manager = new_test_user(
            cls.env,
            login="ci_sens_manager",
            name="Ma Jun",
            groups=f"{group}_manager,{group}_sensitive",
        )
        cls.user_sens_all = new_test_user(
            cls.env,
            login="ci_sens_all",
            name="He Ping",
            groups=f"{group}_sensitive_all",
        )
        cls.user_auditor = new_test_user(
            cls.env, login="ci_auditor", name="Audrey Ito", groups=f"{group}_auditor"
        )
        cls.user_exporter = new_test_user(
            cls.env, login="ci_exporter", name="Ed Park", groups=f"{group}_export"
        )
        cls.user_privacy = new_test_user(
            cls.env, login="ci_privacy", name="Pia Olsen", groups=f"{group}_privacy"
        )

        cls.golf = cls.env["customer.hobby"].create({"name": "Test Golf"})
        cls.hiking = cls.env["customer.hobby"].create({"name": "Test Hiking"})
        cls.company_own = cls.Partner.create(
            {
                "name": "Hangzhou Longjing Tea Co.",
                "is_company": True,
                "user_id": cls.user_sens.id,
            }
        )
        cls.person_own = cls.Partner.create(
            {
                "name": "Wu Fang",
                "parent_id": cls.company_own.id,
                "email": "wu.fang@longjing.example.cn",
                "ci_preferences": "Longjing tea, no alcohol",
                "ci_hobby_ids": [(6, 0, cls.golf.ids)],
            }
        )
        cls.person_de = cls.Partner.create(
            {
                "name": "Jonas Weber",
                "parent_id": cls.company_de.id,
                "ci_preferences": "Riesling",
                "ci_hobby_ids": [(6, 0, cls.hiking.ids)],
            }
        )
        Date = cls.env["customer.important.date"]
        cls.birthday_own = Date.create(
            {"partner_id": cls.person_own.id, "kind": "birthday", "date": D(1980, 5, 17)}
        )
        cls.birthday_de = Date.create(
            {"partner_id": cls.person_de.id, "kind": "birthday", "date": D(1975, 4, 2)}
        )
        Career = cls.env["customer.career"]
        cls.career_own = Career.create(
            {"partner_id": cls.person_own.id, "employer_name": "Alibaba", "job_title": "Buyer"}
        )
        cls.career_de = Career.create({"partner_id": cls.person_de.id, "employer_name": "Siemens"})

    @classmethod
    def manual_grant(cls, partner, **proof):
        """A consent event for the service purpose by e-mail, recorded by hand, with ``proof``
        (``ip_address``, ``user_agent``: sensitive fields)."""
        return cls.env["customer.consent.event"].create(
            {
                "partner_id": partner.id,
                "purpose_id": cls.env.ref(f"{MODULE}.customer_consent_purpose_service").id,
                "channel_id": cls.env.ref(f"{MODULE}.customer_consent_channel_email").id,
                "action": "grant",
                "legal_basis": "contract",
                "source": "manual",
                **proof,
            }
        )

    def sensitive_field(self, model, name):
        return self.env["ir.model.fields"]._get(model, name)


@tagged("post_install", "-at_install", "security")
class TestSensitiveFields(SensitiveDataCase):
    """Sensitive fields: only the Sensitive Personal Data groups see them, whatever the path."""

    def test_shipped_sensitive_fields(self):
        sensitive = self.env["customer.sensitive.field"]._sensitive_map()
        self.assertLessEqual(set(PARTNER_SENSITIVE), sensitive["res.partner"])
        self.assertLessEqual({"date", "next_date", "note"}, sensitive["customer.important.date"])
        self.assertLessEqual({"employer_name", "job_title", "date_start"}, sensitive["customer.career"])
        if "customer.consent.event" in self.env:
            proofs = {"ip_address", "user_agent", "submission_id"} & set(
                self.env["customer.consent.event"]._fields
            )
            self.assertTrue(proofs)
            self.assertLessEqual(proofs, sensitive["customer.consent.event"])
        family = self.env["customer.relation.type"].search([("is_sensitive", "=", True)]).mapped("code")
        self.assertEqual(sorted(family), ["family", "spouse"])
        self.assertFalse(self.env.ref(f"{MODULE}.customer_relation_type_decision_maker").is_sensitive)

    @mute_logger(*MUTED)
    def test_users_outside_the_group_neither_see_nor_touch_them(self):
        outsiders = (
            self.user_sales,
            self.user_manager,
            self.user_credit,
            self.user_auditor,
            self.user_exporter,
            self.user_privacy,
        )
        for user in outsiders:
            with self.subTest(user=user.login):
                Partner = self.Partner.with_user(user)
                person = self.person_own.with_user(user)
                self.assertTrue(person.read(["ci_level_id"]), "the rest of the profile stays readable")
                self.assertFalse(set(PARTNER_SENSITIVE) & set(Partner.fields_get()))
                for name in PARTNER_SENSITIVE:
                    with self.assertRaises(AccessError):
                        person.read([name])
                with self.assertRaises(AccessError):
                    Partner.search_read([("id", "=", person.id)], ["name", "ci_preferences"])
                with self.assertRaises(AccessError):
                    person.web_read({"ci_hobby_ids": {"fields": {"display_name": {}}}})
                with self.assertRaises(AccessError):
                    Partner.search([("ci_preferences", "ilike", "tea")])
                with self.assertRaises(AccessError):
                    Partner.formatted_read_group([], ["ci_hobby_ids"], ["__count"])
                with self.assertRaises(AccessError):
                    person.write({"ci_preferences": "changed"})
                with self.assertRaises(AccessError):
                    Partner.create({"name": "Sneaky", "ci_hobby_ids": [(6, 0, self.golf.ids)]})
                date = self.birthday_own.with_user(user)
                self.assertNotIn("date", date.fields_get())
                with self.assertRaises(AccessError):
                    date.read(["date"])
                with self.assertRaises(AccessError):
                    self.career_own.with_user(user).read(["employer_name"])
                # their screens simply do not have them
                form = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertIn('name="ci_profile"', form)
                for name in PARTNER_SENSITIVE:
                    self.assertNotIn(f'name="{name}"', form)
                self.assertNotIn(
                    'name="date"',
                    self.env["customer.important.date"]
                    .with_user(user)
                    .get_views([(False, "list")])["views"]["list"]["arch"],
                )

    def test_lists_sorted_by_a_sensitive_field_open_for_those_outside_the_groups(self):
        """Career and important-date rows are sorted by dates that are sensitive: their lists open
        for a manager outside the sensitive groups, sorted without those fields."""
        for model in ("customer.career", "customer.important.date"):
            Model = self.env[model].with_user(self.user_manager)
            sensitive = Model._ci_sensitive_names() & Model._ci_order_fields(Model._order)
            self.assertTrue(sensitive, f"{model} is sorted by a sensitive field by default")
            rows = Model.search([])
            self.assertTrue(rows, model)
            Model.web_search_read([], {"display_name": {}})

    def test_the_sensitive_groups_see_them(self):
        for user in (self.user_sens, self.user_sens_all, self.user_admin_ci):
            with self.subTest(user=user.login):
                person = self.person_own.with_user(user)
                self.assertLessEqual(set(PARTNER_SENSITIVE), set(person.fields_get()))
                values = person.read(["ci_preferences", "ci_hobby_ids"])[0]
                self.assertEqual(values["ci_preferences"], "Longjing tea, no alcohol")
                self.assertEqual(values["ci_hobby_ids"], self.golf.ids)
                self.assertEqual(self.birthday_own.with_user(user).read(["date"])[0]["date"], D(1980, 5, 17))
                form = person.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertIn('name="ci_hobby_ids"', form)
                self.assertIn('name="ci_important_date_ids"', form)

    def test_plain_employees_see_no_customer_information_at_all(self):
        person = self.person_own.with_user(self.user_plain)
        self.assertEqual(person.read(["name"])[0]["name"], "Wu Fang")
        self.assertFalse({"ci_preferences", "ci_level_id"} & set(person.fields_get()))
        with self.assertRaises(AccessError), mute_logger(*MUTED):
            person.read(["ci_preferences"])

    @mute_logger(*MUTED)
    def test_own_customers_only_for_the_first_level(self):
        both = self.person_own | self.person_de
        mine, theirs = (
            self.Partner.with_user(self.user_sens).browse(both.ids).read(["ci_preferences", "ci_hobby_ids"])
        )
        self.assertEqual(
            (mine["ci_preferences"], mine["ci_hobby_ids"]), ("Longjing tea, no alcohol", self.golf.ids)
        )
        self.assertEqual(
            (theirs["ci_preferences"], theirs["ci_hobby_ids"]),
            (False, []),
            "another salesperson's customer: the values read as empty",
        )
        # the form of another's customer opens, without the values
        web = self.person_de.with_user(self.user_sens).web_read({"ci_preferences": {}, "name": {}})[0]
        self.assertEqual((web["name"], web["ci_preferences"]), ("Jonas Weber", False))
        # nor can they be searched, grouped, changed, copied or exported
        Partner = self.Partner.with_user(self.user_sens)
        self.assertFalse(Partner.search([("ci_preferences", "ilike", "Riesling")]))
        self.assertEqual(Partner.search([("ci_preferences", "ilike", "tea")]), self.person_own)
        groups = Partner._read_group([("id", "in", both.ids)], ["ci_hobby_ids"], ["__count"])
        self.assertEqual([hobby for hobby, _count in groups], [self.golf])
        with self.assertRaises(AccessError):
            self.person_de.with_user(self.user_sens).write({"ci_preferences": "Beer"})
        self.person_own.with_user(self.user_sens).write({"ci_preferences": "Green tea"})
        self.assertEqual(self.person_own.ci_preferences, "Green tea")
        copy = self.person_de.with_user(self.user_sens).copy({"user_id": self.user_sens.id})
        self.assertEqual((copy.ci_preferences, copy.ci_hobby_ids), (False, self.env["customer.hobby"]))
        self.user_sens.group_ids |= self.env.ref(f"{MODULE}.group_customer_info_export")
        with self.assertRaises(AccessError):
            self.person_de.with_user(self.user_sens).export_data(["name", "ci_preferences"])
        self.assertEqual(
            self.person_own.with_user(self.user_sens).export_data(["name", "ci_preferences"])["datas"],
            [["Wu Fang", "Green tea"]],
        )
        # the second level sees everybody's
        theirs = self.person_de.with_user(self.user_sens_all).read(["ci_preferences"])[0]
        self.assertEqual(theirs["ci_preferences"], "Riesling")
        self.assertTrue(
            self.Partner.with_user(self.user_sens_all).search([("ci_preferences", "ilike", "Riesling")])
        )

    @mute_logger(*MUTED)
    def test_managers_see_all_rows_but_sensitive_values_of_their_own_customers_only(self):
        dates = (self.birthday_own | self.birthday_de).with_user(self.user_sens_manager)
        values = {row["id"]: row["date"] for row in dates.read(["date"])}
        self.assertEqual(
            values,
            {self.birthday_own.id: False, self.birthday_de.id: False},
            "a manager's own customers are those they are salesperson of",
        )
        self.company_own.user_id = self.user_sens_manager
        values = {row["id"]: row["date"] for row in dates.read(["date"])}
        self.assertEqual(values, {self.birthday_own.id: D(1980, 5, 17), self.birthday_de.id: False})
        careers = (self.career_own | self.career_de).with_user(self.user_sens_manager).read(["employer_name"])
        self.assertEqual([row["employer_name"] for row in careers], ["Alibaba", False])

    def test_details_of_customers_not_ones_own_read_as_restricted_in_the_form(self):
        # a manager at the Own Customers level edits every contact, but not the sensitive
        # details of customers that are not theirs: the form shows those as restricted
        arch = self.Partner.with_user(self.user_sens_manager).get_view(view_type="form")["arch"]
        self.assertIn('name="ci_sensitive_restricted"', arch)
        form = Form(self.person_de.with_user(self.user_sens_manager))
        self.assertEqual(form.ci_sensitive_restricted, "Restricted: not your customer")
        for name in PARTNER_SENSITIVE:
            self.assertTrue(form._get_modifier(name, "readonly"), name)
        with self.assertRaises(AssertionError):
            form.ci_preferences = "Riesling, Spätburgunder"
        form.comment = "Prefers calls in the morning"
        form.save()  # saving the rest works: nothing sensitive is sent
        self.assertIn("Prefers calls in the morning", self.person_de.comment)
        # their own customer's details are shown and editable as before
        self.company_own.user_id = self.user_sens_manager
        form = Form(self.person_own.with_user(self.user_sens_manager))
        self.assertFalse(form.ci_sensitive_restricted)
        form.ci_preferences = "Longjing tea, green only"
        form.save()
        self.assertEqual(self.person_own.ci_preferences, "Longjing tea, green only")
        # users who see every customer's details get the form unchanged
        arch = self.Partner.with_user(self.user_sens_all).get_view(view_type="form")["arch"]
        self.assertNotIn('name="ci_sensitive_restricted"', arch)

    @mute_logger(*MUTED)
    def test_the_setting_widens_the_first_level_to_all_customers(self):
        self.assertFalse(
            self.person_de.with_user(self.user_sens).read(["ci_preferences"])[0]["ci_preferences"]
        )
        settings = self.env["res.config.settings"].create({"group_ci_sensitive_all_customers": True})
        settings.execute()
        self.assertTrue(self.user_sens.has_group(f"{MODULE}.group_customer_info_sensitive_all"))
        self.assertEqual(
            self.person_de.with_user(self.user_sens).read(["ci_preferences"])[0]["ci_preferences"], "Riesling"
        )
        self.assertFalse(
            self.user_sales.has_group(f"{MODULE}.group_customer_info_sensitive_all"),
            "users outside the sensitive groups gain nothing",
        )

    @mute_logger(*MUTED)
    def test_family_relations_are_sensitive(self):
        spouse = self.env.ref(f"{MODULE}.customer_relation_type_spouse")
        decision = self.env.ref(f"{MODULE}.customer_relation_type_decision_maker")
        Relation = self.env["customer.relation"]
        partner_of_own = self.Partner.create({"name": "Li Wei"})
        partner_of_de = self.Partner.create({"name": "Anna Weber"})
        family_own = Relation.create(
            {
                "left_partner_id": self.person_own.id,
                "type_id": spouse.id,
                "right_partner_id": partner_of_own.id,
            }
        )
        family_de = Relation.create(
            {
                "left_partner_id": self.person_de.id,
                "type_id": spouse.id,
                "right_partner_id": partner_of_de.id,
            }
        )
        business = Relation.create(
            {
                "left_partner_id": self.person_de.id,
                "type_id": decision.id,
                "right_partner_id": self.company_de.id,
            }
        )
        everything = [("id", "in", (family_own | family_de | business).ids)]
        self.assertEqual(Relation.with_user(self.user_sales).search(everything), business)
        self.assertEqual(Relation.with_user(self.user_manager).search(everything), business)
        self.assertEqual(Relation.with_user(self.user_sens).search(everything), family_own | business)
        self.assertEqual(
            Relation.with_user(self.user_sens_all).search(everything), family_own | family_de | business
        )
        self.assertEqual(self.person_own.with_user(self.user_sales).ci_relation_ids, Relation)
        with self.assertRaises(AccessError):
            Relation.with_user(self.user_sales).create(
                {
                    "left_partner_id": self.person_cn.id,
                    "type_id": spouse.id,
                    "right_partner_id": partner_of_de.id,
                }
            )
        with self.assertRaises(AccessError):
            family_de.with_user(self.user_sens).read(["type_id"])

    @mute_logger(*MUTED)
    def test_administrators_mark_fields_at_runtime(self):
        Partner = self.Partner.with_user(self.user_sales)
        self.assertTrue(self.person_own.with_user(self.user_sales).read(["ci_decision_influence"]))
        marked = (
            self.env["customer.sensitive.field"]
            .with_user(self.user_admin_ci)
            .create(
                {
                    "field_id": self.sensitive_field("res.partner", "ci_decision_influence").id,
                    "note": "Who decides is confidential here",
                }
            )
        )
        self.assertNotIn("ci_decision_influence", Partner.fields_get())
        with self.assertRaises(AccessError):
            self.person_own.with_user(self.user_sales).read(["ci_decision_influence"])
        form = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="ci_decision_influence"', form)
        self.assertIn(
            'name="ci_decision_influence"',
            self.Partner.with_user(self.user_sens).get_views([(False, "form")])["views"]["form"]["arch"],
        )
        marked.active = False
        self.assertIn("ci_decision_influence", Partner.fields_get())
        self.assertTrue(self.person_own.with_user(self.user_sales).read(["ci_decision_influence"]))

    @mute_logger(*MUTED)
    def test_only_customer_fields_can_be_marked_and_only_by_administrators(self):
        Sensitive = self.env["customer.sensitive.field"]
        with self.assertRaises(ValidationError):
            Sensitive.create({"field_id": self.sensitive_field("res.partner", "email").id})
        with self.assertRaises(ValidationError):
            Sensitive.create({"field_id": self.sensitive_field("res.users", "login").id})
        with self.assertRaises(ValidationError):
            Sensitive.create({"field_id": self.sensitive_field("customer.audit.log", "field_names").id})
        with self.assertRaises(ValidationError):
            Sensitive.create({"field_id": self.sensitive_field("customer.important.date", "partner_id").id})
        for user in (self.user_sales, self.user_manager, self.user_auditor, self.user_sens_all):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Sensitive.with_user(user).create(
                    {"field_id": self.sensitive_field("res.partner", "ci_level_id").id}
                )

    @mute_logger(*MUTED)
    def test_contacts_stay_usable_without_the_group(self):
        """Duplicating and editing a contact with sensitive details works for everybody."""
        self.company_own.user_id = self.user_sales  # salespeople edit their own customers
        copy = self.person_own.with_user(self.user_sales).copy()
        self.assertFalse(copy.sudo().ci_preferences, "values the user cannot see are not copied")
        self.assertEqual(self.person_own.ci_preferences, "Longjing tea, no alcohol")
        with Form(self.person_own.with_user(self.user_sales)) as form:
            form.function = "Head of Purchasing"
        self.assertEqual(self.person_own.function, "Head of Purchasing")
        self.assertEqual(self.person_own.ci_hobby_ids, self.golf, "untouched by the user's edit")
