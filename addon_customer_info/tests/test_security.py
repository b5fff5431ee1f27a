import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CustomerInfoCommon

D = datetime.date
CONFIG_MODELS = (
    "customer.type", "customer.nature", "customer.source", "customer.level", "customer.region",
    "customer.relation.type", "customer.activity.type",
)
ALL_MODELS = (
    *CONFIG_MODELS, "customer.hobby", "customer.career", "customer.important.date", "customer.relation",
    "customer.activity", "customer.credit.scale", "customer.credit.grade", "customer.credit.rating",
)


MUTED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule", "odoo.models")


@tagged("post_install", "-at_install", "security")
class TestSecurity(CustomerInfoCommon):
    """Access per group, with ``with_user``: what each group may read, write and create."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = new_test_user(cls.env, login="ci_portal", groups="base.group_portal")
        visit = cls.env.ref("addon_customer_info.customer_activity_type_meeting")
        # user_sales owns company_cn, user_sales_other owns company_de
        cls.activity_cn = cls.env["customer.activity"].create({
            "name": "拜访", "type_id": visit.id, "partner_id": cls.company_cn.id,
            "user_id": cls.user_sales.id,
        })
        cls.activity_de = cls.env["customer.activity"].create({
            "name": "Besuch", "type_id": visit.id, "partner_id": cls.company_de.id,
            "user_id": cls.user_sales_other.id,
        })
        cls.person_de = cls.Partner.create({"name": "Jonas Weber", "parent_id": cls.company_de.id})
        cls.date_de = cls.env["customer.important.date"].create({
            "partner_id": cls.person_de.id, "kind": "birthday", "date": D(1975, 4, 2),
            "user_id": cls.user_sales_other.id,
        })
        cls.career_de = cls.env["customer.career"].create({
            "partner_id": cls.person_de.id, "employer_name": "Siemens",
        })

    def test_groups_are_graduated(self):
        def group(name):
            return self.env.ref(f"addon_customer_info.group_customer_info_{name}")

        user, manager, admin = group("user"), group("manager"), group("admin")
        credit = group("credit_manager")
        self.assertIn(user, manager.all_implied_ids)
        self.assertIn(user, credit.all_implied_ids)
        self.assertNotIn(manager, credit.all_implied_ids, "credit managers are not managers")
        self.assertLessEqual(manager | credit | user, admin.all_implied_ids)
        self.assertIn(admin, self.env.ref("base.user_admin").all_group_ids)
        self.assertEqual(user.privilege_id, manager.privilege_id)
        self.assertEqual(credit.privilege_id.category_id, user.privilege_id.category_id)

    @mute_logger(*MUTED)
    def test_outsiders_cannot_touch_customer_information(self):
        for outsider in (self.user_plain, self.user_portal):
            for model in ALL_MODELS:
                with self.assertRaises(AccessError, msg=f"{outsider.login} reads {model}"):
                    self.env[model].with_user(outsider).search([], limit=1)
        # an employee outside the groups still reads the contact, not its customer information
        partner = self.company_cn.with_user(self.user_plain)
        self.assertEqual(partner.read(["name"])[0]["name"], "上海启航信息技术有限公司")
        with self.assertRaises(AccessError):
            partner.read(["ci_level_id"])
        with self.assertRaises(AccessError):
            self.Partner.with_user(self.user_plain).search([("ci_level_id", "!=", False)])
        self.assertNotIn("ci_level_id", self.Partner.with_user(self.user_plain).fields_get())
        self.assertIn("ci_level_id", self.Partner.with_user(self.user_sales).fields_get())

    @mute_logger(*MUTED)
    def test_contact_managers_outside_the_groups_keep_working_on_contacts(self):
        """Creating and editing contacts must not trip over the customer fields they cannot see."""
        self.user_plain.group_ids |= self.env.ref("base.group_partner_manager")
        Partner = self.Partner.with_user(self.user_plain)
        partner = Partner.create({
            "name": "Hangzhou Tea Traders", "is_company": True, "country_id": self.env.ref("base.cn").id,
            "state_id": self.env.ref("base.state_cn_ZJ").id,
        })
        partner.write({"name": "杭州茶商有限公司", "state_id": self.env.ref("base.state_cn_BJ").id})
        contact = Partner.create({"name": "Chen Mei", "parent_id": partner.id})
        region = self.env.ref("addon_customer_info.customer_region_cn_east")
        self.assertEqual(partner.sudo().ci_region_id, region,
                         "the region follows the address once; a later move keeps the chosen region")
        north = self.env.ref("addon_customer_info.customer_region_cn_north")
        self.assertEqual(contact.sudo().ci_region_id, north)
        # their contact screens open without the customer information
        views = Partner.get_views([(False, "form"), (False, "list"), (False, "kanban"), (False, "search")])
        for view_type, view in views["views"].items():
            self.assertNotIn("name=\"ci_", view["arch"], view_type)
        sales_form = self.Partner.with_user(self.user_sales).get_views([(False, "form")])["views"]["form"]
        self.assertIn('name="ci_profile"', sales_form["arch"])
        # but they cannot set customer information themselves
        europe = self.env.ref("addon_customer_info.customer_region_europe")
        with self.assertRaises(AccessError):
            partner.write({"ci_region_id": europe.id})
        level = self.env.ref("addon_customer_info.customer_level_a")
        with self.assertRaises(AccessError):
            Partner.create({"name": "Sneaky", "ci_level_id": level.id})

    @mute_logger(*MUTED)
    def test_only_administrators_configure(self):
        for model in CONFIG_MODELS:
            for user in (self.user_sales, self.user_manager, self.user_credit):
                with self.assertRaises(AccessError, msg=f"{user.login} creates {model}"):
                    self.env[model].with_user(user).create(self._config_values(model))
            self.assertTrue(self.env[model].with_user(self.user_admin_ci).create(self._config_values(model)))
            readable = self.env[model].with_user(self.user_sales).search([], limit=1)
            self.assertTrue(readable, "users read the configuration")

    def _config_values(self, model):
        if model == "customer.relation.type":
            return {"name": "knows", "name_inverse": "is known by"}
        return {"name": f"Test {model}"}

    @mute_logger(*MUTED)
    def test_credit_scales_belong_to_credit_managers(self):
        Scale = self.env["customer.credit.scale"]
        with self.assertRaises(AccessError):
            Scale.with_user(self.user_manager).create({"name": "Manager's scale"})
        scale = Scale.with_user(self.user_credit).create({
            "name": "Credit scale", "grade_ids": [(0, 0, {"name": "X"})],
        })
        self.assertEqual(scale.grade_ids.name, "X")

    @mute_logger(*MUTED)
    def test_salespeople_see_the_activities_of_their_own_customers(self):
        Activity = self.env["customer.activity"]
        both = [("id", "in", (self.activity_cn | self.activity_de).ids)]
        mine = Activity.with_user(self.user_sales).search(both)
        self.assertEqual(mine, self.activity_cn)
        with self.assertRaises(AccessError):
            self.activity_de.with_user(self.user_sales).read(["name"])
        with self.assertRaises(AccessError):
            self.activity_de.with_user(self.user_sales).write({"outcome": "negative"})
        # an activity they are responsible for is theirs even at another's customer
        self.activity_de.user_id = self.user_sales
        self.assertEqual(self.activity_de.with_user(self.user_sales).name, "Besuch")
        # salespeople log but do not delete
        with self.assertRaises(AccessError):
            self.activity_cn.with_user(self.user_sales).unlink()
        # managers see and delete everything
        everything = Activity.with_user(self.user_manager).search(both)
        self.assertEqual(everything, self.activity_cn | self.activity_de)
        self.activity_de.with_user(self.user_manager).unlink()

    def test_the_chatter_shows_the_activities_the_activities_tab_shows(self):
        def chatter(user):
            self.env.invalidate_all()  # as a new request: what was written is saved, nothing cached
            partner = self.company_de.with_user(user)
            Message = self.env["mail.message"].with_user(user)
            messages = Message._message_fetch(None, thread=partner)["messages"]
            seen = {"Besuch" in (message.body or "") for message in messages}
            return seen, set(partner.ci_activity_ids.ids)

        # the other salesperson's activity at their customer: neither in the tab nor in the chatter
        seen, tab = chatter(self.user_sales)
        self.assertEqual((True in seen, tab), (False, set()))
        self.assertIn(True, chatter(self.user_sales_other)[0])
        self.assertEqual(chatter(self.user_sales_other)[1], set(self.activity_de.ids))
        self.assertIn(True, chatter(self.user_manager)[0])
        # employees outside the addon read the contact, not its activity notes
        messages = self.env["mail.message"].with_user(self.user_plain).search(
            [("model", "=", "res.partner"), ("res_id", "=", self.company_de.id)]
        )
        self.assertFalse(messages.filtered(lambda message: "Besuch" in (message.sudo().body or "")))
        # an activity they are responsible for is theirs in both places
        self.activity_de.user_id = self.user_sales
        seen, tab = chatter(self.user_sales)
        self.assertEqual((True in seen, tab), (True, set(self.activity_de.ids)))

    @mute_logger(*MUTED)
    def test_personal_details_of_other_salespeoples_customers_are_hidden(self):
        for record in (self.date_de, self.career_de):
            with self.assertRaises(AccessError):
                record.with_user(self.user_sales).read(["partner_id"])
            self.assertTrue(record.with_user(self.user_sales_other).read(["partner_id"]))
            self.assertTrue(record.with_user(self.user_manager).read(["partner_id"]))
        # customers nobody owns are shared
        free = self.env["customer.important.date"].create({
            "partner_id": self.person_free.id, "date": D(1990, 1, 1),
        })
        self.assertTrue(free.with_user(self.user_sales).read(["kind"]))  # the date itself is sensitive

    @mute_logger(*MUTED)
    def test_salespeople_edit_profiles_and_relations(self):
        level = self.env.ref("addon_customer_info.customer_level_a")
        self.company_cn.with_user(self.user_sales).write({
            "ci_level_id": level.id, "ci_purchase_intent": "high",
        })
        self.assertEqual(self.company_cn.ci_level_id, level)
        decision_maker = self.env.ref("addon_customer_info.customer_relation_type_decision_maker")
        relation = self.env["customer.relation"].with_user(self.user_sales).create({
            "left_partner_id": self.person_cn.id, "type_id": decision_maker.id,
            "right_partner_id": self.company_cn.id,
        })
        self.assertEqual(relation.with_user(self.user_sales_other).label, "is decision maker at")
        with self.assertRaises(AccessError):
            self.company_cn.with_user(self.user_plain).write({"name": "renamed by an outsider"})

    @mute_logger(*MUTED)
    def test_salespeople_change_only_their_own_customers(self):
        mine = self.company_cn.with_user(self.user_sales)
        mine.write({"ci_purchase_intent": "high"})
        self.person_cn.with_user(self.user_sales).write({"function": "总经理"})
        self.assertEqual(self.person_cn.function, "总经理")
        # another salesperson's customer and its contact persons: readable, not changeable
        for theirs in (self.company_de, self.person_de):
            theirs = theirs.with_user(self.user_sales)
            self.assertTrue(theirs.read(["name"]))
            with self.assertRaises(AccessError):
                theirs.write({"comment": "changed by another salesperson"})
            with self.assertRaises(AccessError):
                theirs.unlink()
        with self.assertRaises(AccessError):
            self.company_de.with_user(self.user_sales).write({"user_id": self.user_sales.id})
        # customers nobody owns yet are shared; one taken over is then theirs
        self.person_free.with_user(self.user_sales).write({"user_id": self.user_sales.id})
        self.person_free.with_user(self.user_sales).write({"city": "London"})
        with self.assertRaises(AccessError):
            self.person_free.with_user(self.user_sales_other).write({"city": "Leeds"})
        # a contact person assigned to them at another's customer is theirs
        self.person_de.user_id = self.user_sales
        self.person_de.with_user(self.user_sales).write({"function": "Einkauf"})
        # managers change every customer
        self.company_de.with_user(self.user_manager).write({"comment": "checked"})
        self.company_cn.with_user(self.user_manager).write({"comment": "checked"})

    @mute_logger(*MUTED)
    def test_salespeople_post_on_contacts_they_read_others_as_in_odoo(self):
        """Posting on another salesperson's customer needs reading it for the addon's users; for
        anyone else Odoo's rule stays (writing the contact)."""
        self.company_de.with_user(self.user_sales).message_post(body="Met them at the fair")
        outsider = new_test_user(self.env, login="ci_contacts_reader", groups="base.group_user")
        contact = self.company_de.with_user(outsider)
        self.assertTrue(contact.read(["name"]))
        self.assertFalse(contact.has_access("write"))
        with self.assertRaises(AccessError):
            contact.message_post(body="not without writing, as in Odoo")

    @mute_logger(*MUTED)
    def test_multi_company_activities(self):
        other_company = self.env["res.company"].create({"name": "Nordwind Asia Ltd"})
        manager_elsewhere = new_test_user(
            self.env, login="ci_manager_other_company",
            groups="addon_customer_info.group_customer_info_manager",
            company_id=other_company.id, company_ids=[(6, 0, other_company.ids)],
        )
        seen = self.env["customer.activity"].with_user(manager_elsewhere).search([
            ("id", "in", (self.activity_cn | self.activity_de).ids)])
        self.assertFalse(seen, "activities of another company stay there")
        with self.assertRaises(AccessError):
            self.activity_cn.with_user(manager_elsewhere).read(["name"])
