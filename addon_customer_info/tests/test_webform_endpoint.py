import json
import logging
import time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from ..tools import webhook_signature as signature  # noqa: TID252
from .test_consent_controller import RecordingHandler

# test secrets of the test sources, signed with by the tests themselves
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105
OLD_SECRET = "whsec_dGhlIG9sZCBzZWNyZXQgb2YgdGhlIGZvcm0="  # noqa: S105
TYPEFORM_SECRET = "a-typeform-secret"  # noqa: S105


@tagged("post_install", "-at_install")
class TestWebformEndpoint(HttpCase):
    """The web-form endpoint through HTTP: signed submissions are stored once, nothing else gets in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Source = cls.env["customer.sync.source"]
        cls.source = Source.create(
            {
                "name": "Contact form",
                "type": "web_form",
                "webform_scheme": "standard_webhooks",
                "webform_secrets": f"{SECRET}\n{OLD_SECRET}",
                "webform_max_bytes": 2048,
            }
        )
        cls.typeform = Source.create(
            {
                "name": "Typeform survey",
                "type": "web_form",
                "webform_scheme": "typeform",
                "webform_secrets": TYPEFORM_SECRET,
            }
        )
        cls.Submission = cls.env["customer.webform.submission"]
        cls.body = json.dumps({"name": "Li Na", "email": "li.na@example.com", "marketing": True}).encode()

    def post(self, source, body, headers, content_type="application/json"):
        return self.url_open(
            f"/customer_info/webform/{source.id}",
            data=body,
            headers={"Content-Type": content_type, **headers},
            method="POST",
        )

    def standard(self, body, message_id="msg_1", secret=SECRET, timestamp=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature.sign_standard(secret, message_id, timestamp, body),
        }

    def stored(self, source=None):
        return self.Submission.search([("source_id", "=", (source or self.source).id)])

    def test_a_signed_submission_is_stored_before_the_answer(self):
        response = self.post(self.source, self.body, self.standard(self.body))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json(), {"status": "accepted", "submission": "msg_1"})
        submission = self.stored()
        self.assertEqual(len(submission), 1)
        self.assertEqual(submission.body.encode(), self.body)
        self.assertEqual(submission.state, "received")
        self.assertEqual(submission.scheme, "standard_webhooks")
        self.assertTrue(submission.sent_at)
        self.assertTrue(submission.remote_addr)

    def test_a_redelivery_stores_nothing_and_is_answered_as_the_first_time(self):
        first = self.post(self.source, self.body, self.standard(self.body))
        again = self.post(self.source, self.body, self.standard(self.body))
        self.assertEqual((again.status_code, again.json()), (first.status_code, first.json()))
        self.assertEqual(len(self.stored()), 1)

    def test_a_secret_being_rotated_out_is_still_accepted(self):
        response = self.post(self.source, self.body, self.standard(self.body, "msg_old", OLD_SECRET))
        self.assertEqual(response.status_code, 202, response.text)

    def test_forged_missing_and_tampered_signatures_are_refused(self):
        forged = self.standard(self.body, secret="whsec_" + "QUJD" * 8)
        missing = dict(self.standard(self.body))
        del missing["webhook-signature"]
        tampered = self.standard(self.body)
        other_body = self.body.replace(b"Li Na", b"Mallory")
        for headers, body in ((forged, self.body), (missing, self.body), (tampered, other_body)):
            response = self.post(self.source, body, headers)
            self.assertEqual(response.status_code, 401, response.text)
            self.assertEqual(response.json()["error"], "bad_signature")
        self.assertFalse(self.stored())

    def test_a_stale_or_future_timestamp_is_refused(self):
        for shift in (-301, 301):
            headers = self.standard(self.body, f"msg_{shift}", timestamp=int(time.time()) + shift)
            response = self.post(self.source, self.body, headers)
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["error"], "stale")
        self.assertFalse(self.stored())

    def test_size_type_and_shape_are_checked(self):
        large = json.dumps({"comment": "x" * 3000}).encode()
        response = self.post(self.source, large, self.standard(large, "msg_large"))
        self.assertEqual(response.status_code, 413, response.text)
        form = b"name=Li+Na"
        form_type = "application/x-www-form-urlencoded"
        response = self.post(self.source, form, self.standard(form, "msg_form"), content_type=form_type)
        self.assertEqual(response.status_code, 415, response.text)
        for body in (b"not json", b"[1, 2]", b"\xff\xfe{}"):
            response = self.post(self.source, body, self.standard(body, "msg_bad"))
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["error"], "malformed")
        self.assertFalse(self.stored())

    def test_a_flood_is_asked_to_retry_later(self):
        self.source.webform_rate_limit = 3
        statuses = []
        for number in range(5):
            response = self.post(self.source, self.body, self.standard(self.body, f"msg_flood_{number}"))
            statuses.append(response.status_code)
        self.assertEqual(statuses, [202, 202, 202, 429, 429])
        self.assertEqual(response.headers.get("Retry-After"), "60")
        self.assertEqual(len(self.stored()), 3)
        # a redelivery of a stored message is still answered, flood or not
        again = self.post(self.source, self.body, self.standard(self.body, "msg_flood_0"))
        self.assertEqual(again.status_code, 202)

    def test_typeform_signatures_and_event_ids(self):
        body = json.dumps(
            {"event_id": "01HX7", "event_type": "form_response", "form_response": {"answers": []}}
        ).encode()
        headers = {"Typeform-Signature": signature.sign_typeform(TYPEFORM_SECRET, body)}
        response = self.post(self.typeform, body, headers)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.stored(self.typeform).message_id, "01HX7")
        self.assertEqual(self.post(self.typeform, body, headers).status_code, 202)
        self.assertEqual(len(self.stored(self.typeform)), 1)
        wrong = {"Typeform-Signature": signature.sign_typeform("another", body)}
        self.assertEqual(self.post(self.typeform, body, wrong).status_code, 401)
        no_event = json.dumps({"form_response": {}}).encode()
        signed = {"Typeform-Signature": signature.sign_typeform(TYPEFORM_SECRET, no_event)}
        self.assertEqual(self.post(self.typeform, no_event, signed).status_code, 400)

    def test_other_sources_and_archived_forms_have_no_endpoint(self):
        listing = self.env["customer.sync.source"].create({"name": "Leads", "type": "purchased_list"})
        self.assertEqual(self.post(listing, self.body, self.standard(self.body)).status_code, 404)
        self.source.active = False
        self.assertEqual(self.post(self.source, self.body, self.standard(self.body)).status_code, 404)

    def test_the_secret_is_never_logged(self):
        handler = RecordingHandler()
        logger = logging.getLogger("odoo.addons.addon_customer_info")
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)
        self.post(self.source, self.body, self.standard(self.body, secret="whsec_" + "QUJD" * 8))
        self.post(self.source, self.body, self.standard(self.body))
        self.assertTrue(handler.messages)
        for message in handler.messages:
            self.assertNotIn(SECRET, message)
            self.assertNotIn(SECRET.removeprefix("whsec_"), message)
            self.assertNotIn("Li Na", message)

    def test_only_administrators_read_the_secrets_and_bodies(self):
        self.post(self.source, self.body, self.standard(self.body))
        manager = self.env["res.users"].create(
            {
                "name": "Sync Manager",
                "login": "webform_manager",
                "group_ids": [(4, self.env.ref("addon_customer_info.group_customer_info_manager").id)],
            }
        )
        source = self.source.with_user(manager)
        self.assertNotIn("webform_secrets", source.fields_get())
        with self.assertRaises(AccessError):
            source.read(["webform_secrets"])
        with self.assertRaises(AccessError):
            self.stored().with_user(manager).read(["body"])
        with self.assertRaises(AccessError):
            source.export_data(["webform_secrets"])
