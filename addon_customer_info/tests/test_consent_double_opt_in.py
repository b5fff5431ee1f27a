import datetime
import re

from freezegun import freeze_time
from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.customer_consent_token import token_hash  # noqa: TID252
from .test_consent_ledger import ConsentCommon

LINK = re.compile(r"/customer-consent/(confirm|withdraw)/([A-Za-z0-9_-]+)")
PROOF = {
    "submission_id": "form-2025-0001",
    "ip": "203.0.113.24",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
}


def links_in(mail):
    """``{kind: raw_token}`` of the consent links in a mail body."""
    return {kind: token for kind, token in LINK.findall(str(mail.body_html))}


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
        links = links_in(mail)
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
        raw = links_in(self.mail_of(event))["confirm"]
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
        raw = links_in(self.mail_of(event))["confirm"]
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
        links = links_in(self.mail_of(event))
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
        self.assertIn("您好", str(mail.body_html))
        self.assertIn("撤回您的同意", str(mail.body_html))
        self.assertEqual(set(links_in(mail)), {"confirm", "withdraw"}, "the links survive the translation")
