from odoo.tests import HttpCase, tagged


@tagged("-at_install", "post_install")
class TestCustomerConsentUi(HttpCase):
    """Through the browser: grant consent from the Consent tab, withdraw it in one click."""

    def test_consent_tab_tour(self):
        person = self.env["res.partner"].create(
            {"name": "Tour Consent Person", "email": "tour.consent@example.com"}
        )
        marketing = self.env.ref("addon_customer_info.customer_consent_purpose_marketing")
        email = self.env.ref("addon_customer_info.customer_consent_channel_email")
        Event = self.env["customer.consent.event"]
        # the tour's assumptions: admin uses the app, nothing is recorded, the purpose and channel exist
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("addon_customer_info.group_customer_info_user")
        )
        self.assertFalse(Event.search([("partner_id", "=", person.id)]))
        self.assertEqual((marketing.name, email.name), ("Marketing Communications", "Email"))

        self.start_tour(f"/odoo/contacts/{person.id}", "customer_consent_tour", login="admin")

        events = Event.search([("partner_id", "=", person.id)], order="id")
        self.assertEqual(events.mapped("action"), ["grant", "withdraw"])
        self.assertEqual(events.purpose_id, marketing)
        self.assertEqual(events.channel_id, email)
        self.assertEqual(set(events.mapped("source")), {"manual"})
        self.assertEqual(events.recorded_by_id, self.env.ref("base.user_admin"))
        self.assertEqual(events[0].note, "Asked for the newsletter on the phone")
        self.assertEqual(Event._state(person, marketing, email), "withdrawn")
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "tour.consent@example.com")]))
