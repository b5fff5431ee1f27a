from odoo.tests import HttpCase, tagged


@tagged("-at_install", "post_install")
class TestCustomerInfoUi(HttpCase):
    """Through the browser: open a customer, add a relation, log an activity."""

    def test_partner_relation_and_activity_tour(self):
        Partner = self.env["res.partner"]
        company = Partner.create({"name": "Tour Co Mingyuan", "is_company": True})
        person = Partner.create({"name": "Tour Person Wang"})
        decision_maker = self.env.ref("addon_customer_info.customer_relation_type_decision_maker")
        call = self.env.ref("addon_customer_info.customer_activity_type_call")
        # the tour's assumptions: admin uses the app, nothing is recorded yet, the types exist
        self.assertTrue(self.env.ref("base.user_admin").has_group("addon_customer_info.group_customer_info_admin"))
        self.assertFalse(company.ci_relation_ids or company.ci_activity_ids)
        self.assertEqual((decision_maker.name_inverse, call.name), ("has decision maker", "Call"))
        self.assertFalse(company.message_ids.filtered(lambda m: "Tour call" in (m.body or "")))

        self.start_tour("/odoo", "customer_info_partner_tour", login="admin")

        relation = company.ci_relation_ids
        self.assertEqual(len(relation), 1)
        self.assertEqual(
            (relation.left_partner_id, relation.type_id, relation.right_partner_id),
            (person, decision_maker, company),
            "chosen from the company's side, stored with the person on the left",
        )
        activity = company.ci_activity_ids
        self.assertEqual(activity.name, "Tour call about the framework contract")
        self.assertEqual(activity.type_id, call)
        self.assertEqual(activity.channel, "phone")
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertTrue(company.message_ids.filtered(lambda m: "Tour call" in (m.body or "")))
