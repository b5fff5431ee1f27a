from odoo.tests import HttpCase, new_test_user, tagged

MODULE = "addon_customer_info"
REQUEST = "customer.access.request"
TOUR_TIMEOUT = 300
"""Seconds for each of the three tours (Odoo's default, 60, is too short on a loaded test machine:
every step waits for a server round trip)."""


@tagged("-at_install", "post_install")
class TestAccessRequestUi(HttpCase):
    """Through the browser: a salesperson asks for a colleague's customer, a manager approves,
    the salesperson sees the contact's sensitive details."""

    def test_request_approve_and_see_tour(self):
        group = f"{MODULE}.group_customer_info"
        salesperson = new_test_user(
            self.env, login="tour_ci_sales", name="Tour Salesperson", groups=f"{group}_sensitive"
        )
        colleague = new_test_user(
            self.env, login="tour_ci_colleague", name="Tour Colleague", groups=f"{group}_sensitive"
        )
        manager = new_test_user(
            self.env, login="tour_ci_manager", name="Tour Manager", groups=f"{group}_manager"
        )
        Partner = self.env["res.partner"]
        customer = Partner.create(
            {"name": "Tour Foreign Customer", "is_company": True, "user_id": colleague.id}
        )
        person = Partner.create(
            {
                "name": "Tour Foreign Person",
                "parent_id": customer.id,
                "ci_preferences": "Green tea, no meetings on Fridays",
            }
        )
        # the tour's assumptions: the details are hidden from the salesperson, nothing asked yet
        self.assertTrue(person.with_user(salesperson).ci_sensitive_hidden)
        self.assertFalse(person.with_user(salesperson).read(["ci_preferences"])[0]["ci_preferences"])
        Request = self.env[REQUEST]
        self.assertFalse(Request.search([("partner_id", "=", customer.id)]))

        self.start_tour(
            f"/odoo/contacts/{person.id}",
            "customer_access_request_ask_tour",
            login=salesperson.login,
            timeout=TOUR_TIMEOUT,
        )

        request = Request.search([("partner_id", "=", customer.id)])
        self.assertEqual(len(request), 1, "asking again opened the same request")
        self.assertEqual(
            (request.user_id, request.state, request.reason),
            (salesperson, "requested", "Preparing the joint visit next week"),
        )
        self.assertTrue(person.with_user(salesperson).ci_sensitive_hidden, "asking grants nothing")

        self.start_tour(
            f"/odoo/action-{MODULE}.customer_access_request_action",
            "customer_access_request_approve_tour",
            login=manager.login,
            timeout=TOUR_TIMEOUT,
        )

        self.assertEqual((request.state, request.approver_id), ("approved", manager))
        self.assertTrue(request.expires_at)
        self.assertEqual(
            person.with_user(salesperson).read(["ci_preferences"])[0]["ci_preferences"],
            "Green tea, no meetings on Fridays",
        )

        self.start_tour(
            f"/odoo/contacts/{person.id}",
            "customer_access_request_granted_tour",
            login=salesperson.login,
            timeout=TOUR_TIMEOUT,
        )

        logs = self.env["customer.audit.log"].sudo().search(
            [("model", "=", REQUEST), ("res_ids", "=", str(request.id))], order="id"
        )
        self.assertEqual(
            [(log.event, log.user_id) for log in logs], [("create", salesperson), ("write", manager)]
        )
