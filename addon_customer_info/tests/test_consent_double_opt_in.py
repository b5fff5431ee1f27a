import datetime
import re

from freezegun import freeze_time
from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.customer_consent_token import token_hash  # noqa: TID252
from .consent_mail import links_in, send_and_capture, sent_links
from .test_consent_ledger import ConsentCommon

LIVE_LINK = re.compile(r"/customer-consent/(?:confirm|withdraw)/[A-Za-z0-9_-]{32,}")
"""A link with something the size of a token in it (the placeholder is shorter)."""
PROOF = {
    "submission_id": "form-2025-0001",
    "ip": "203.0.113.24",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
}


@tagged("post_install", "-at_install")
class TestConsentDoubleOptIn(ConsentCommon):
    """Web-form consent by email: pending grant, emailed single-use links, confirmation as its own event."""

    def submit(self, partner=None, purpose_code="marketing", channel_code="email", **proof):
        return self.Event.record_web_form(
            partner or self.person_free, purpose_code, channel_code, {**PROOF, **proof}
        )

    def mail_of(self, event):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "customer.consent.event"),
                ("res_id", "=", event.id),
            ]
        )

    def test_web_form_consent_is_pending_until_confirmed(self):
        event = self.submit()
        self.assertEqual(event.action, "pending")
        self.assertEqual(
            (event.source, event.ip_address, event.submission_id),
            ("web_form", PROOF["ip"], PROOF["submission_id"]),
        )
        self.assertEqual(event.notice_id, self.marketing.current_notice_id, "the notice shown by default")
        self.assertEqual(event.notice_text_hash, self.marketing.current_notice_id.text_hash)
        self.assertEqual(self.state(purpose=self.marketing), "pending")
        self.assertFalse(self.person_free.ci_accepts_email, "pending is not consent")

        mail = self.mail_of(event)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.person_free)
        self.assertTrue(mail.auto_delete, "the mail carrying the raw tokens is deleted once sent")
        links = sent_links(mail)
        self.assertEqual(set(links), {"confirm", "withdraw"})

        Token = self.env["customer.consent.token"]
        token, problem = Token._find(links["confirm"], "confirm")
        self.assertFalse(problem)
        self.assertEqual(token.pending_event_id, event)
        self.assertEqual(token.token_hash, token_hash(links["confirm"]))
        stored = Token.sudo().search([("partner_id", "=", self.person_free.id)]).read()
        self.assertNotIn(links["confirm"], str(stored), "only the hash is stored")

        confirmation = token._use({"ip": "198.51.100.1", "user_agent": "Phone"})
        self.assertEqual(confirmation.action, "confirm")
        self.assertEqual(confirmation.pending_event_id, event)
        self.assertEqual((confirmation.source, confirmation.ip_address), ("email_link", "198.51.100.1"))
        self.assertEqual(confirmation.notice_id, event.notice_id)
        self.assertEqual(self.state(purpose=self.marketing), "granted")
        self.assertTrue(self.person_free.ci_accepts_email)
        self.assertEqual(event.action, "pending", "the pending event itself is never changed")

    def test_confirmation_link_is_single_use(self):
        event = self.submit()
        raw = sent_links(self.mail_of(event))["confirm"]
        token, problem = self.env["customer.consent.token"]._find(raw, "confirm")
        self.assertFalse(problem)
        token._use({})
        token, problem = self.env["customer.consent.token"]._find(raw, "confirm")
        self.assertEqual(problem, "used")
        self.assertFalse(token._use({}), "a used token records nothing")
        self.assertEqual(self.Event.search_count([("pending_event_id", "=", event.id)]), 1)
        with self.assertRaises(ValidationError):
            self.record_by_link("confirm", purpose=self.marketing, pending_event_id=event.id)

    def test_confirmation_link_expires_and_the_request_lapses(self):
        self.env["ir.config_parameter"].set_param("addon_customer_info.consent_confirm_hours", "2")
        start = fields.Datetime.now()
        event = self.submit()
        self.assertAlmostEqual(
            event.confirm_deadline, start + datetime.timedelta(hours=2), delta=datetime.timedelta(minutes=1)
        )
        raw = sent_links(self.mail_of(event))["confirm"]
        Token = self.env["customer.consent.token"]
        with freeze_time(start + datetime.timedelta(hours=1, minutes=50)):
            self.assertFalse(Token._find(raw, "confirm")[1])
        with freeze_time(start + datetime.timedelta(hours=2, minutes=1)):
            self.assertEqual(Token._find(raw, "confirm")[1], "expired")
        later = start + datetime.timedelta(hours=3)
        self.assertEqual(
            self.state(purpose=self.marketing, at=later), "none", "an unconfirmed request lapses"
        )
        self.assertEqual(Token._find("x" * 43, "confirm")[1], "unknown")
        self.assertEqual(Token._find("../../etc/passwd", "confirm")[1], "unknown")
        self.assertEqual(Token._find(raw, "withdraw")[1], "unknown", "a token works for its own kind only")

    def test_withdrawal_link(self):
        event = self.submit()
        links = sent_links(self.mail_of(event))
        Token = self.env["customer.consent.token"]
        Token._find(links["confirm"], "confirm")[0]._use({})
        self.assertEqual(self.state(purpose=self.marketing), "granted")
        token, problem = Token._find(links["withdraw"], "withdraw")
        self.assertFalse(problem)
        withdrawal = token._use({"ip": "198.51.100.2"})
        self.assertEqual((withdrawal.action, withdrawal.source), ("withdraw", "email_link"))
        self.assertEqual(self.state(purpose=self.marketing), "withdrawn")
        self.assertEqual(Token._find(links["withdraw"], "withdraw")[1], "used")
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", self.person_free.email)]))

    def test_same_submission_is_recorded_once(self):
        first = self.submit()
        again = self.submit()
        self.assertEqual(first, again)
        self.assertEqual(self.Event.search_count([("submission_id", "=", PROOF["submission_id"])]), 1)
        self.assertEqual(len(self.mail_of(first)), 1)

    def test_web_form_cannot_grant_email_without_confirmation(self):
        with self.assertRaises(ValidationError):
            self.record("grant", purpose=self.marketing, source="web_form", submission_id="form-7")

    def test_channel_without_double_opt_in_grants_at_once(self):
        self.person_cn.phone = "+86 138 0013 8000"
        event = self.submit(partner=self.person_cn, channel_code="sms")
        self.assertEqual(event.action, "grant")
        self.assertFalse(self.mail_of(event))
        self.assertEqual(
            self.state(partner=self.person_cn, purpose=self.marketing, channel=self.sms), "granted"
        )

    def test_web_form_input_is_checked(self):
        with self.assertRaises(ValidationError):
            self.submit(phone="+86 138 0013 8000")
        with self.assertRaises(ValidationError):
            self.submit(submission_id="")
        with self.assertRaises(ValidationError):
            self.submit(purpose_code="nope")
        nobody = self.Partner.create({"name": "No Mail"})
        with self.assertRaises(ValidationError):
            self.submit(partner=nobody)
        self.assertFalse(self.Event.search([("partner_id", "in", (self.person_free | nobody).ids)]))

    def test_old_tokens_are_cleaned_up(self):
        event = self.submit()
        sent_links(self.mail_of(event))
        Token = self.env["customer.consent.token"].sudo()
        tokens = Token.search([("partner_id", "=", self.person_free.id)])
        self.assertEqual(len(tokens), 2)
        with freeze_time(fields.Datetime.now() + datetime.timedelta(days=40)):
            Token._gc_tokens()
        self.assertEqual(
            len(tokens.exists()), 1, "the expired confirmation link goes, the withdrawal link stays"
        )
        self.assertTrue(event.exists())

    def test_confirmation_mail_speaks_the_contacts_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["addon_customer_info"], ["zh_CN"], overwrite=True)
        self.person_cn.lang = "zh_CN"
        event = self.submit(partner=self.person_cn)
        mail = self.mail_of(event)
        self.assertEqual(mail.subject, "请确认：营销信息")
        [body] = send_and_capture(mail)
        self.assertIn("您好", body)
        self.assertIn("撤回您的同意", body)
        self.assertEqual(set(links_in(body)), {"confirm", "withdraw"}, "the links survive the translation")


@tagged("post_install", "-at_install")
class TestConsentLinkSecrecy(ConsentCommon):
    """The raw links of the double opt-in exist only in the mail that goes out: not in the queue,
    not in the chatter's messages, not in the token table."""

    def submit(self):
        return self.Event.record_web_form(self.person_free, "marketing", "email", dict(PROOF))

    def mail_of(self, event):
        return self.env["mail.mail"].search(
            [("model", "=", "customer.consent.event"), ("res_id", "=", event.id)]
        )

    def stored_bodies(self):
        """Every stored mail body that mentions a consent link: the queue's and the messages'."""
        self.env.flush_all()
        self.env.cr.execute("SELECT body_html FROM mail_mail WHERE body_html LIKE '%%customer-consent%%'")
        bodies = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute("SELECT body FROM mail_message WHERE body LIKE '%%customer-consent%%'")
        return bodies + [row[0] for row in self.env.cr.fetchall()]

    def test_queued_mail_and_its_message_hold_no_link(self):
        event = self.submit()
        mail = self.mail_of(event)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.person_free)
        bodies = self.stored_bodies()
        self.assertTrue(bodies, "the queued mail is there, with its placeholder links")
        for body in bodies:
            self.assertNotRegex(body, LIVE_LINK, "no usable link is stored before sending")
        visible = (
            self.env["mail.message"]
            .with_user(self.user_admin_ci)
            .search([("model", "=", "customer.consent.event"), ("res_id", "=", event.id)])
        )
        for message in visible:
            self.assertNotRegex(str(message.body), LIVE_LINK)
        Token = self.env["customer.consent.token"].sudo()
        self.assertFalse(
            Token.search([("partner_id", "=", self.person_free.id)]), "tokens are made at sending"
        )

        links = sent_links(mail)
        self.assertEqual(set(links), {"confirm", "withdraw"}, "the mail that goes out has both links")
        self.assertFalse(mail.exists(), "the sent mail is deleted")
        for raw in links.values():
            for body in self.stored_bodies():
                self.assertNotIn(raw, body)
            self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", raw)]))
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT * FROM customer_consent_token WHERE partner_id = %s", (self.person_free.id,)
        )
        rows = str(self.env.cr.fetchall())
        for raw in links.values():
            self.assertNotIn(raw, rows, "the token table holds no raw token")
            self.assertIn(token_hash(raw), rows, "only its hash")
        token, problem = Token._find(links["confirm"], "confirm")
        self.assertFalse(problem)
        self.assertEqual(token.pending_event_id, event)

    def test_failed_sending_keeps_no_link(self):
        event = self.submit()
        mail = self.mail_of(event)

        with mute_logger("odoo.addons.mail.models.mail_mail"):
            send_and_capture(mail, refuse=True)
        self.assertEqual(mail.state, "exception")
        for body in self.stored_bodies():
            self.assertNotRegex(body, LIVE_LINK, "a mail kept after a failure holds no usable link")

    def test_links_only_in_the_persons_own_mail(self):
        event = self.submit()
        mail = self.mail_of(event)
        mail.sudo().recipient_ids = self.person_cn
        [body] = send_and_capture(mail)
        self.assertNotRegex(body, LIVE_LINK, "a redirected request gets no link")
        Token = self.env["customer.consent.token"].sudo()
        self.assertFalse(Token.search([("partner_id", "=", self.person_free.id)]))
