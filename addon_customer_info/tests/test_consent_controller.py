import logging

from odoo.tests import HttpCase, tagged

from .consent_mail import sent_links


class RecordingHandler(logging.Handler):
    """Keeps the message of every log record it gets."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestConsentController(HttpCase):
    """The public confirm and withdraw pages, through HTTP: GET shows, POST records, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["customer.consent.event"]
        cls.marketing = cls.env.ref("addon_customer_info.customer_consent_purpose_marketing")
        cls.email = cls.env.ref("addon_customer_info.customer_consent_channel_email")
        cls.partner = cls.env["res.partner"].create(
            {"name": "Web Form Visitor", "email": "visitor@example.com"}
        )

    def setUp(self):
        super().setUp()
        self.pending = self.Event.record_web_form(
            self.partner,
            "marketing",
            "email",
            {"submission_id": "http-form-1", "ip": "203.0.113.5"},
        )
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "customer.consent.event"),
                ("res_id", "=", self.pending.id),
            ]
        )
        self.raw = sent_links(mail)
        self.links = {kind: f"/customer-consent/{kind}/{token}" for kind, token in self.raw.items()}
        self.assertEqual(set(self.links), {"confirm", "withdraw"})

    def post(self, path):
        return self.url_open(path, method="POST")

    def state(self):
        self.env.invalidate_all()
        return self.Event._state(self.partner, self.marketing, self.email)

    def events(self, action):
        self.env.invalidate_all()
        return self.Event.search([("partner_id", "=", self.partner.id), ("action", "=", action)])

    def test_confirm_page_confirms_once(self):
        page = self.url_open(self.links["confirm"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_ci_consent_confirm", page.text)
        self.assertIn("Marketing Communications", page.text)
        self.assertFalse(self.events("confirm"), "opening the link (or a mail scanner) confirms nothing")
        self.assertEqual(self.state(), "pending")

        done = self.post(self.links["confirm"])
        self.assertEqual(done.status_code, 200)
        self.assertIn("o_ci_consent_done", done.text)
        confirmation = self.events("confirm")
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.pending_event_id, self.pending)
        self.assertEqual(confirmation.source, "email_link")
        self.assertTrue(confirmation.ip_address, "the click is proven by its IP address")
        self.assertEqual(confirmation.recorded_by_id, self.env.ref("base.public_user"))
        self.assertEqual(self.state(), "granted")

        again = self.post(self.links["confirm"])
        self.assertEqual(again.status_code, 410)
        self.assertIn("o_ci_consent_invalid", again.text)
        self.assertEqual(len(self.events("confirm")), 1)

    def test_confirm_link_leaves_no_token_in_the_log(self):
        handler = RecordingHandler()
        loggers = [logging.getLogger(name) for name in ("werkzeug", "odoo")]
        levels = [logger.level for logger in loggers]
        logging.getLogger().addHandler(handler)
        try:
            for logger in loggers:
                logger.setLevel(logging.INFO)
            page = self.url_open(self.links["confirm"])
            done = self.post(self.links["confirm"])
        finally:
            logging.getLogger().removeHandler(handler)
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
        self.assertEqual((page.status_code, done.status_code), (200, 200))
        self.assertEqual(self.state(), "granted", "the link still confirms")
        self.assertTrue(
            [message for message in handler.messages if "/customer-consent/confirm/" in message],
            "the request lines are logged (without their token)",
        )
        for message in handler.messages:
            for raw in self.raw.values():
                self.assertNotIn(raw, message)
        self.assertEqual(page.headers.get("Referrer-Policy"), "no-referrer", "nor does a Referer carry it")

    def test_withdraw_page_withdraws_and_blacklists(self):
        self.post(self.links["confirm"])
        self.assertEqual(self.state(), "granted")
        page = self.url_open(self.links["withdraw"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_ci_consent_withdraw", page.text)
        self.assertFalse(self.events("withdraw"))
        done = self.post(self.links["withdraw"])
        self.assertEqual(done.status_code, 200)
        self.assertEqual(len(self.events("withdraw")), 1)
        self.assertEqual(self.state(), "withdrawn")
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "visitor@example.com")]))
        self.assertEqual(self.post(self.links["withdraw"]).status_code, 410)
        self.assertEqual(len(self.events("withdraw")), 1)

    def test_bad_and_expired_links(self):
        for path in (
            "/customer-consent/confirm/" + "A" * 43,
            "/customer-consent/confirm/short",
            self.links["confirm"].replace("/confirm/", "/withdraw/"),
        ):
            with self.subTest(path=path):
                self.assertEqual(self.post(path).status_code, 404)
        token = (
            self.env["customer.consent.token"]
            .sudo()
            .search(
                [
                    ("pending_event_id", "=", self.pending.id),
                ]
            )
        )
        token.write({"expires_at": "2020-01-01 00:00:00"})
        self.env.flush_all()
        expired = self.post(self.links["confirm"])
        self.assertEqual(expired.status_code, 410)
        self.assertIn("expired", expired.text)
        self.assertFalse(self.events("confirm"))
        self.assertEqual(self.state(), "pending")
