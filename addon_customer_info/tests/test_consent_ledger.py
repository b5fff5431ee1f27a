import datetime

from freezegun import freeze_time
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.customer_consent_event import LINK_SENTINEL, MASK_SENTINEL  # noqa: TID252
from ..models.customer_consent_notice import text_sha256  # noqa: TID252
from .common import CustomerInfoCommon
from .consent_mail import sent_links

DT = datetime.datetime
T1 = DT(2025, 3, 1, 9, 0)
T2 = DT(2025, 3, 5, 9, 0)
T3 = DT(2025, 3, 9, 9, 0)
HOUR = datetime.timedelta(hours=1)


class ConsentCommon(CustomerInfoCommon):
    """Purposes and channels of the consent tests.

    ``newsletter`` is a marketing purpose of the tests' own, without a default validity, so
    the tests do not depend on how the shipped purposes are tuned; ``marketing`` and
    ``service`` are the shipped ones (marketing / not marketing).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["customer.consent.event"]
        cls.marketing = cls.env.ref("addon_customer_info.customer_consent_purpose_marketing")
        cls.service = cls.env.ref("addon_customer_info.customer_consent_purpose_service")
        cls.email = cls.env.ref("addon_customer_info.customer_consent_channel_email")
        cls.sms = cls.env.ref("addon_customer_info.customer_consent_channel_sms")
        cls.post = cls.env.ref("addon_customer_info.customer_consent_channel_post")
        cls.newsletter = cls.env["customer.consent.purpose"].create(
            {
                "name": "Test Newsletter",
                "code": "test_newsletter",
                "is_marketing": True,
            }
        )

    def record(self, action, partner=None, purpose=None, channel=None, **values):
        """Record one event (manual entry unless ``values`` says otherwise)."""
        return self.Event.create(
            {
                "partner_id": (partner or self.person_free).id,
                "purpose_id": (purpose or self.newsletter).id,
                "channel_id": (channel or self.email).id,
                "action": action,
                "source": "manual",
                **values,
            }
        )

    def record_by_link(self, action, **values):
        """Record as the emailed links do (``customer.consent.token._use``, with the link sentinel)."""
        Event = self.Event
        self.Event = Event.with_context(ci_consent_link=LINK_SENTINEL)
        try:
            return self.record(action, source="email_link", **values)
        finally:
            self.Event = Event

    def state(self, partner=None, purpose=None, channel=None, **kwargs):
        return self.Event._state(
            partner or self.person_free, purpose or self.newsletter, channel or self.email, **kwargs
        )


@tagged("post_install", "-at_install")
class TestConsentLedger(ConsentCommon):
    """The ledger is append-only, and the state derived from it follows the rules whoever writes."""

    # ------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------

    def test_events_cannot_be_edited_or_deleted_by_anyone(self):
        event = self.record("grant", ip_address="198.51.100.7", occurred_at=T1)
        admin = self.env.ref("base.user_admin")
        for label, env in (
            ("superuser", self.env),
            ("sudo as a salesperson", self.env(user=self.user_sales, su=True)),
            ("Odoo administrator", self.env(user=admin)),
            ("addon administrator", self.env(user=self.user_admin_ci)),
        ):
            with self.subTest(label):
                mine = event.with_env(env)
                with self.assertRaises(UserError):
                    mine.write({"action": "withdraw"})
                with self.assertRaises(UserError):
                    mine.write({"ip_address": "***"})
                with self.assertRaises(UserError):
                    mine.unlink()
                with self.assertRaises(UserError):
                    mine.copy()
        # a client can send any context value, but not the model's sentinel object
        with self.assertRaises(UserError):
            event.with_context(ci_consent_mask="1").write({"ip_address": "***"})
        with self.assertRaises(UserError):
            event.with_context(ci_consent_mask=MASK_SENTINEL).write({"action": "withdraw"})
        for user in (self.user_sales, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(UserError):  # AccessError is one too
                event.with_user(user).unlink()
        # server code going around write(): the low-level write holds the ledger too
        for vals in ({"action": "withdraw"}, {"ip_address": "203.0.113.1"}, {"occurred_at": T1}):
            with self.subTest(low_level=vals), self.assertRaises(UserError):
                event._write(vals)
                event.flush_recordset()
        event.invalidate_recordset()
        self.assertEqual((event.action, event.ip_address, event.occurred_at), ("grant", "198.51.100.7", T1))
        self.assertTrue(event.exists())

    def test_recording_facts_cannot_be_forged(self):
        event = self.record("grant", recorded_at=T1, recorded_by_id=self.user_manager.id, masked_at=T2)
        self.assertEqual(event.recorded_by_id, self.env.user)
        self.assertGreater(event.recorded_at, T2)
        self.assertFalse(event.masked_at)

    def test_mask_for_erasure_keeps_the_decision(self):
        granted = self.record(
            "grant",
            occurred_at=T1,
            ip_address="198.51.100.7",
            user_agent="Firefox",
            submission_id="form-1",
        )
        withdrawn = self.record("withdraw", occurred_at=T2)
        other = self.record("grant", partner=self.person_cn, ip_address="203.0.113.9")
        masked = self.Event._mask_for_erasure(self.person_free)
        self.assertEqual(masked, granted | withdrawn)
        self.assertEqual(
            (granted.ip_address, granted.user_agent, granted.submission_id),
            ("***", "***", "***"),
        )
        self.assertFalse(withdrawn.ip_address, "nothing is invented where there was nothing")
        self.assertTrue(granted.masked_at and withdrawn.masked_at)
        self.assertEqual(
            (granted.action, granted.purpose_id, granted.channel_id, granted.occurred_at),
            ("grant", self.newsletter, self.email, T1),
        )
        self.assertEqual(self.state(), "withdrawn")
        self.assertEqual(other.ip_address, "203.0.113.9", "other people's proof is untouched")

    # ------------------------------------------------------------
    # Order by occurrence, not arrival
    # ------------------------------------------------------------

    def test_withdrawal_recorded_first_beats_an_older_grant_recorded_later(self):
        self.record("withdraw", occurred_at=T2)
        self.record("grant", occurred_at=T1)
        self.assertEqual(
            self.state(), "withdrawn", "the grant occurred before the withdrawal: it never revives"
        )
        self.assertEqual(self.state(at=T1 + HOUR), "granted")

    def test_late_arriving_withdrawal_beats_the_older_grant(self):
        self.record("grant", occurred_at=T1)
        self.assertEqual(self.state(), "granted")
        self.record("withdraw", occurred_at=T2)
        self.assertEqual(self.state(), "withdrawn")
        self.record("grant", occurred_at=T3)
        self.assertEqual(self.state(), "granted", "a newer grant is a new consent")

    def test_grant_arriving_late_but_occurring_later_wins(self):
        self.record("withdraw", occurred_at=T1)
        self.record("grant", occurred_at=T2)
        self.assertEqual(self.state(), "granted")

    def test_withdrawal_at_the_same_instant_wins(self):
        self.record("withdraw", occurred_at=T1)
        self.record("grant", occurred_at=T1)
        self.assertEqual(self.state(), "withdrawn")
        self.record("grant", partner=self.person_cn, occurred_at=T1)
        self.record("refuse", partner=self.person_cn, occurred_at=T1)
        self.assertEqual(self.state(partner=self.person_cn), "refused")

    def test_events_cannot_occur_in_the_future(self):
        # otherwise a grant dated 2099 would beat every withdrawal to come
        with self.assertRaises(ValidationError):
            self.record("grant", occurred_at=datetime.datetime.now() + datetime.timedelta(days=1))

    # ------------------------------------------------------------
    # As of, expiry
    # ------------------------------------------------------------

    def test_state_as_of_any_moment(self):
        self.record("grant", occurred_at=T1)
        self.record("withdraw", occurred_at=T2)
        self.record("refuse", occurred_at=T3)
        self.assertEqual(self.state(at=T1 - HOUR), "none")
        self.assertEqual(self.state(at=T1), "granted")
        self.assertEqual(self.state(at=T2 - HOUR), "granted")
        self.assertEqual(self.state(at=T2 + HOUR), "withdrawn")
        self.assertEqual(self.state(at=T3 + HOUR), "refused")
        self.assertEqual(self.state(channel=self.sms), "none", "each channel has its own state")

    def test_state_as_known_at_a_moment(self):
        with freeze_time(T2):
            self.record("grant", occurred_at=T1)
        with freeze_time(T3):
            self.record("withdraw", occurred_at=T1 + HOUR)  # said before T2, reported at T3
        self.assertEqual(self.state(), "withdrawn")
        self.assertEqual(self.state(known_at=T2 + HOUR), "granted", "at T2 we did not know of the withdrawal")

    def test_expired_grant_counts_as_none(self):
        self.record("grant", occurred_at=T1, expires_at=T2)
        self.assertEqual(self.state(at=T2 - HOUR), "granted")
        self.assertEqual(self.state(at=T2), "none")
        self.assertEqual(self.state(), "none")
        self.assertFalse(self.person_free.ci_accepts_email)

    def test_purpose_validity_sets_the_expiry(self):
        self.newsletter.validity_months = 6
        event = self.record("grant", occurred_at=T1)
        self.assertEqual(event.expires_at, DT(2025, 9, 1, 9, 0))
        self.assertEqual(self.state(at=DT(2025, 9, 2)), "none")
        with self.assertRaises(ValidationError):
            self.record("grant", occurred_at=T2, expires_at=T1)

    # ------------------------------------------------------------
    # Sources, legal bases, notices
    # ------------------------------------------------------------

    def test_purchased_list_never_grants_marketing(self):
        batch = {"source": "import_batch", "import_vendor": "ListCo", "import_file_hash": "ab" * 32}
        for action in ("grant", "pending"):
            with self.subTest(action=action), self.assertRaises(ValidationError):
                self.record(action, **batch)
        with self.assertRaises(ValidationError):
            self.record("grant", source="import_batch", purchased=True)
        with self.assertRaises(ValidationError):
            self.record("grant", source="manual", purchased=True, channel=self.sms)
        self.assertFalse(self.Event.search([("partner_id", "=", self.person_free.id)]))
        self.assertEqual(self.state(), "none")
        # not marketing: a purchased list may carry, e.g., a contract basis; and an objection always counts
        service = self.record("grant", purpose=self.service, legal_basis="contract", **batch)
        self.assertTrue(service.purchased)
        self.record("grant", occurred_at=T1)
        self.record("withdraw", occurred_at=T2, **batch)
        self.assertEqual(self.state(), "withdrawn")

    def test_own_import_without_vendor_may_grant(self):
        event = self.record("grant", source="import_batch", source_reference="crm-export-2025-03")
        self.assertFalse(event.purchased)
        self.assertEqual(self.state(), "granted")

    def test_pipl_has_no_legitimate_interest(self):
        with self.assertRaises(ValidationError):
            self.record("grant", partner=self.person_cn, jurisdiction="cn", legal_basis="legitimate_interest")
        event = self.record(
            "grant", partner=self.company_de, legal_basis="legitimate_interest", purpose=self.service
        )
        self.assertEqual(event.jurisdiction, "eu", "from the contact's country")
        cn = self.record("grant", partner=self.company_cn, purpose=self.service)
        self.assertEqual((cn.jurisdiction, cn.legal_basis), ("cn", "contract"), "the purpose's default basis")

    def test_published_notice_is_frozen_and_versioned(self):
        Notice = self.env["customer.consent.notice"]
        v1 = Notice.create({"purpose_id": self.newsletter.id, "text": "We send you our newsletter."})
        v1.write({"text": "We send you our monthly newsletter."})  # a draft may change
        with self.assertRaises(ValidationError):
            self.record("grant", notice_id=v1.id)  # never shown: not published
        v1.action_publish()
        self.assertTrue(v1.published_at)
        with self.assertRaises(UserError):
            v1.write({"text": "Something else."})
        with self.assertRaises(UserError):
            v1.unlink()
        with self.assertRaises(UserError):
            Notice.browse(v1.id).write({"published_at": False})
        v2 = Notice.browse(v1.action_new_version()["res_id"])
        self.assertEqual((v1.version, v2.version), (1, 2))
        self.assertFalse(v2.published_at)
        self.assertEqual(self.newsletter.current_notice_id, v1)
        v2.write({"text": "We send you our weekly newsletter."})
        v2.action_publish()
        self.assertEqual(self.newsletter.current_notice_id, v2)

        event = self.record("grant", notice_id=v1.id)
        self.assertEqual(event.notice_text_hash, v1.text_hash)
        self.assertEqual(len(v1.text_hash), 64)
        self.assertNotEqual(v1.text_hash, v2.text_hash)
        with self.assertRaises(ValidationError):
            self.record("grant", notice_id=v2.id, notice_text_hash=v1.text_hash)
        with self.assertRaises(ValidationError):
            self.record(
                "grant", notice_id=self.env.ref("addon_customer_info.customer_consent_notice_marketing_v1").id
            )

    # ------------------------------------------------------------
    # The matrix, the contact, one-click objections
    # ------------------------------------------------------------

    def test_state_matrix_agrees_with_the_ledger(self):
        self.record("grant", occurred_at=T1)
        self.record("withdraw", occurred_at=T2)
        self.record("grant", channel=self.sms, occurred_at=T1)
        self.record("refuse", purpose=self.service, channel=self.post, occurred_at=T1)
        State = self.env["customer.consent.state"]
        rows = State.search([("partner_id", "=", self.person_free.id)])
        got = {(r.purpose_id, r.channel_id): r.state for r in rows}
        self.assertEqual(
            got,
            {
                (self.newsletter, self.email): "withdrawn",
                (self.newsletter, self.sms): "granted",
                (self.service, self.post): "refused",
            },
        )
        self.assertEqual(self.person_free.ci_consent_state_ids, rows)
        past = State.with_context(ci_consent_at=T1 + HOUR).search([("partner_id", "=", self.person_free.id)])
        self.assertEqual(
            {(r.purpose_id, r.channel_id): r.state for r in past}[(self.newsletter, self.email)],
            "granted",
        )
        self.assertEqual(
            self.Event._states(self.person_free)[(self.person_free.id, self.newsletter.id, self.email.id)],
            "withdrawn",
        )

    def test_receives_email_and_sms_come_from_the_register(self):
        self.record("grant", channel=self.sms, partner=self.person_cn)
        self.record("grant", purpose=self.service, partner=self.person_free)  # not marketing
        people = self.person_cn | self.person_free
        self.assertEqual((self.person_cn.ci_accepts_email, self.person_cn.ci_accepts_sms), (False, True))
        self.assertFalse(self.person_free.ci_accepts_email)
        search = self.Partner.search
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_sms", "=", True)]), self.person_cn)
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_email", "=", True)]), self.Partner)
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_email", "!=", True)]), people)
        self.record("withdraw", channel=self.sms, partner=self.person_cn)
        self.person_cn.invalidate_recordset()
        self.assertFalse(self.person_cn.ci_accepts_sms)

    def test_receives_flags_agree_with_the_state_rows(self):
        """The flags (read from the deciding events) and the state rows (per combination) agree."""
        surveys = self.env["customer.consent.purpose"].create(
            {"name": "Test Surveys", "code": "test_surveys"}
        )
        free, cn, de = self.person_free, self.person_cn, self.company_de
        self.record("grant", occurred_at=T1)
        self.record("withdraw", occurred_at=T1)  # same instant: the withdrawal wins
        self.record("grant", channel=self.sms, occurred_at=T1)
        self.record("grant", purpose=self.marketing, occurred_at=T1, expires_at=T2)  # expired now
        self.record("grant", partner=cn, occurred_at=T2)
        self.record("withdraw", partner=cn, occurred_at=T1)  # recorded later, occurred earlier
        self.record("grant", partner=cn, purpose=self.service, channel=self.sms, occurred_at=T1)
        self.record("pending", partner=de, occurred_at=T1)
        self.record(
            "grant",
            partner=de,
            purpose=surveys,
            channel=self.sms,
            occurred_at=T1,
            source="import_batch",
            import_vendor="ListCo",
            legal_basis="contract",
        )
        surveys.is_marketing = True  # the vendor's grant stops counting
        people = free | cn | de
        State = self.env["customer.consent.state"]

        def from_states(at=None):
            # a row's id is its latest event's at any moment: the cache would keep another moment's row
            self.env.invalidate_all()
            rows = State.with_context(ci_consent_at=at).search([("partner_id", "in", people.ids)])
            return {
                (row.partner_id.id, row.channel_id.code)
                for row in rows
                if row.state == "granted" and row.purpose_id.is_marketing
            }

        def from_flags(at=None):
            granted = self.Event._granted_channels(people, ["email", "sms"], at=at)
            return {(partner_id, code) for partner_id, codes in granted.items() for code in codes}

        self.assertEqual(from_flags(), {(free.id, "sms"), (cn.id, "email")})
        self.assertEqual(from_states(), from_flags())
        self.assertEqual(from_flags(T1 + HOUR), {(free.id, "email"), (free.id, "sms")})
        self.assertEqual(from_states(T1 + HOUR), from_flags(T1 + HOUR))
        people.invalidate_recordset()
        self.assertEqual(
            [(p.ci_accepts_email, p.ci_accepts_sms) for p in people],
            [(False, True), (True, False), (False, False)],
        )
        search = self.Partner.search
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_email", "=", True)]), cn)
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_sms", "=", True)]), free)
        self.assertEqual(search([("id", "in", people.ids), ("ci_accepts_sms", "=", False)]), cn | de)
        # the rows the form fetches by contact are the rows read by id (as the access check does)
        columns = ["partner_id", "purpose_id", "channel_id", "state", "decisive_event_id", "decided_at"]
        self.env.invalidate_all()
        rows = State.search_fetch([("partner_id", "in", people.ids)], columns)
        fetched = [tuple(row[name] for name in columns) for row in rows]
        by_partner = State._ids_by_partner(people)
        self.assertEqual(sorted(i for ids in by_partner.values() for i in ids), sorted(rows.ids))
        self.env.invalidate_all()
        self.assertEqual([tuple(row[name] for name in columns) for row in State.browse(rows.ids)], fetched)
        self.assertEqual(len(rows), 7)

    def test_one_click_withdraw_and_refuse_from_the_matrix(self):
        self.record("grant", occurred_at=T1)
        self.record("grant", purpose=self.marketing, channel=self.sms, occurred_at=T1)
        row = self.env["customer.consent.state"].search(
            [
                ("partner_id", "=", self.person_free.id),
                ("purpose_id", "=", self.newsletter.id),
            ]
        )
        row.with_user(self.user_sales).action_withdraw()
        self.assertEqual(self.state(), "withdrawn")
        self.assertEqual(self.state(purpose=self.marketing, channel=self.sms), "granted", "only that row")
        last = self.Event.search([("partner_id", "=", self.person_free.id)], limit=1)
        self.assertEqual(
            (last.action, last.source, last.recorded_by_id), ("withdraw", "manual", self.user_sales)
        )
        self.person_free.with_user(self.user_sales).action_ci_withdraw_all_consent()
        self.assertEqual(self.state(purpose=self.marketing, channel=self.sms), "withdrawn")

    def test_wizard_records_grants_and_preselects_what_to_withdraw(self):
        partner = self.person_free.with_user(self.user_sales)
        action = partner.with_context(ci_consent_action="grant").action_ci_record_consent()
        Wizard = (
            self.env["customer.consent.wizard"].with_user(self.user_sales).with_context(**action["context"])
        )
        Wizard.create(
            {
                "purpose_ids": [(6, 0, (self.newsletter | self.marketing).ids)],
                "channel_ids": [(6, 0, self.email.ids)],
                "note": "Signed form at the trade fair",
            }
        ).action_record()
        self.assertEqual(self.state(), "granted")
        self.assertEqual(self.state(purpose=self.marketing), "granted")
        action = partner.with_context(ci_consent_action="withdraw").action_ci_record_consent()
        wizard = Wizard.with_context(**action["context"]).create({})
        self.assertEqual(wizard.action, "withdraw")
        self.assertEqual(wizard.purpose_ids, self.newsletter | self.marketing)
        self.assertEqual(wizard.channel_ids, self.email)
        wizard.action_record()
        self.assertEqual(self.state(), "withdrawn")
        self.assertEqual(self.state(purpose=self.marketing), "withdrawn")


@tagged("post_install", "-at_install")
class TestConsentBlacklist(ConsentCommon):
    """The blacklists follow the marketing consent state on the email and SMS channels."""

    def blacklisted(self, email):
        entry = self.env["mail.blacklist"].with_context(active_test=False).search([("email", "=", email)])
        return entry.active if entry else None

    def test_email_blacklist_follows_marketing_consent(self):
        address = self.person_free.email
        self.record("grant", occurred_at=T1)
        self.assertIsNone(self.blacklisted(address), "nothing to undo: no entry is created")
        self.record("withdraw", occurred_at=T2)
        self.assertTrue(self.blacklisted(address))
        self.record("grant", occurred_at=T3)
        self.assertFalse(self.blacklisted(address), "granted again: the entry is archived")
        self.record("refuse")
        self.assertTrue(self.blacklisted(address))

    def test_older_grant_arriving_late_does_not_unblacklist(self):
        address = self.person_free.email
        self.record("withdraw", occurred_at=T2)
        self.assertTrue(self.blacklisted(address))
        self.record("grant", occurred_at=T1)
        self.assertTrue(self.blacklisted(address))

    def test_only_marketing_purposes_drive_the_blacklist(self):
        self.record("refuse", purpose=self.service)
        self.assertIsNone(self.blacklisted(self.person_free.email))
        self.record("refuse", channel=self.post)
        self.assertIsNone(self.blacklisted(self.person_free.email), "post has no blacklist")

    def test_any_granted_marketing_purpose_keeps_the_address_off(self):
        self.record("grant", purpose=self.marketing, occurred_at=T1)
        self.record("withdraw", occurred_at=T2)
        self.assertFalse(self.blacklisted(self.person_free.email))
        self.record("withdraw", purpose=self.marketing, occurred_at=T3)
        self.assertTrue(self.blacklisted(self.person_free.email))

    def test_pending_grant_does_not_unblacklist_until_confirmed(self):
        self.record("withdraw", occurred_at=T1)
        pending = self.record("pending", source="web_form", submission_id="form-9", occurred_at=T2)
        self.assertEqual(self.state(), "pending")
        self.assertTrue(self.blacklisted(self.person_free.email))
        self.record_by_link("confirm", pending_event_id=pending.id, occurred_at=T3)
        self.assertEqual(self.state(), "granted")
        self.assertFalse(self.blacklisted(self.person_free.email))

    def test_new_address_of_an_objecting_contact_is_blacklisted(self):
        self.record("refuse")
        # a contact manager outside the addon's groups, who cannot even read the consent register
        contacts_user = new_test_user(
            self.env, login="ci_contacts", groups="base.group_user,base.group_partner_manager"
        )
        self.person_free.with_user(contacts_user).write({"email": "Olivia.Grant@NewMail.example.com"})
        self.assertTrue(self.blacklisted("olivia.grant@newmail.example.com"))

    def test_sms_consent_drives_the_phone_blacklist(self):
        if "phone.blacklist" not in self.env:
            self.skipTest("phone_validation is not installed")
        self.person_cn.phone = "+86 138 0013 8000"
        number = self.person_cn.phone_sanitized
        self.assertEqual(number, "+8613800138000")
        PhoneBlacklist = self.env["phone.blacklist"].with_context(active_test=False)
        self.record("grant", partner=self.person_cn, channel=self.sms, occurred_at=T1)
        self.assertFalse(PhoneBlacklist.search([("number", "=", number)]))
        self.record("withdraw", partner=self.person_cn, channel=self.sms, occurred_at=T2)
        self.assertTrue(PhoneBlacklist.search([("number", "=", number)]).active)
        self.assertIsNone(self.blacklisted(self.person_cn.email), "the SMS channel leaves email alone")
        self.record("grant", partner=self.person_cn, channel=self.sms, occurred_at=T3)
        self.assertFalse(PhoneBlacklist.search([("number", "=", number)]).active)


@tagged("post_install", "-at_install")
class TestConsentLedgerAttacks(ConsentCommon):
    """What a user could do over RPC to make the ledger say something nobody said (issue 14)."""

    def test_notice_hash_is_the_hash_of_the_text_and_never_written(self):
        Notice = self.env["customer.consent.notice"]
        draft = Notice.create({"purpose_id": self.newsletter.id, "text": "We send you our newsletter."})
        self.assertEqual(draft.text_hash, text_sha256("We send you our newsletter."))
        with self.assertRaisesRegex(UserError, "computed from the text"):
            draft.write({"text_hash": "0" * 64})
        with self.assertRaisesRegex(UserError, "computed from the text"):
            draft.write({"text": "Something else.", "text_hash": text_sha256("We send you our newsletter.")})
        with self.assertRaisesRegex(UserError, "computed from the text"):
            Notice.create({"purpose_id": self.newsletter.id, "text": "Other.", "text_hash": "0" * 64})
        draft.invalidate_recordset()
        self.assertEqual(draft.text_hash, text_sha256(draft.text))
        draft.write({"text": "We send you our monthly newsletter."})
        self.assertEqual(draft.text_hash, text_sha256("We send you our monthly newsletter."))
        draft.action_publish()
        event = self.record("grant", notice_id=draft.id)
        self.assertEqual(event.notice_text_hash, text_sha256("We send you our monthly newsletter."))

    def test_event_company_comes_from_purpose_then_contact_then_current_company(self):
        other = self.env["res.company"].create({"name": "Consent Attack Other Co"})
        foreign = self.env["customer.consent.purpose"].create(
            {"name": "Other Co Marketing", "code": "attack_other_marketing", "company_id": other.id}
        )
        # the purpose's company, whatever the caller says
        event = self.record("refuse", purpose=foreign, company_id=False)
        self.assertEqual(event.company_id, other)
        event = self.record("refuse", purpose=foreign, company_id=self.env.company.id)
        self.assertEqual(event.company_id, other)
        # shared purpose: the contact's company
        member = self.Partner.create({"name": "Other Co Member", "company_id": other.id})
        event = self.record("refuse", partner=member, company_id=False)
        self.assertEqual(event.company_id, other)
        # shared purpose, contact of every company: the company the event is recorded in
        event = self.record("refuse", company_id=False)
        self.assertEqual(event.company_id, self.env.company)
        in_other = self.Event.with_context(allowed_company_ids=[other.id, self.env.company.id])
        event = in_other.create(
            {
                "partner_id": self.person_free.id,
                "purpose_id": self.newsletter.id,
                "channel_id": self.email.id,
                "action": "refuse",
                "company_id": False,
            }
        )
        self.assertEqual(event.company_id, other)
        # ... and the multi-company rule keeps it there
        manager = self.user_manager
        self.assertNotIn(other, manager.company_ids)
        self.assertFalse(self.Event.with_user(manager).search([("id", "=", event.id)]))
        self.assertFalse(self.Event.search([("company_id", "=", False)]), "no event without a company")

    def test_jurisdiction_follows_the_contacts_country_whatever_the_caller_says(self):
        # the contact is in China (through its company): PIPL, whatever the caller passes
        for passed in ("other", "eu", False):
            with self.subTest(passed=passed):
                values = {"partner": self.person_cn, "jurisdiction": passed}
                with self.assertRaises(ValidationError):
                    self.record("grant", legal_basis="legitimate_interest", **values)
                event = self.record("grant", purpose=self.service, **values)
                self.assertEqual(event.jurisdiction, "cn")
        self.assertEqual(self.record("refuse", partner=self.company_de, jurisdiction="cn").jurisdiction, "eu")
        # no country known: the caller's value, else the company's country
        self.assertEqual(self.record("refuse", jurisdiction="cn").jurisdiction, "cn")
        self.env.company.country_id = self.env.ref("base.cn")
        self.assertEqual(self.record("refuse").jurisdiction, "cn")
        with self.assertRaises(ValidationError):
            self.record("grant", legal_basis="legitimate_interest")
        self.env.company.country_id = self.env.ref("base.de")
        self.assertEqual(self.record("refuse").jurisdiction, "eu")
        self.env.company.country_id = False
        self.assertEqual(self.record("refuse").jurisdiction, "other")

    def test_only_the_emailed_links_record_email_link_events_and_confirmations(self):
        pending = self.Event.record_web_form(
            self.person_free, "marketing", "email", {"submission_id": "attack-1", "ip": "203.0.113.5"}
        )
        self.assertEqual(pending.action, "pending")
        for label, action, values in (
            ("confirm by email link", "confirm", {"source": "email_link", "pending_event_id": pending.id}),
            ("confirm by hand", "confirm", {"source": "manual", "pending_event_id": pending.id}),
            ("grant by email link", "grant", {"source": "email_link"}),
            ("withdraw by email link", "withdraw", {"source": "email_link"}),
        ):
            # a client can send any context value, but not the model's sentinel object
            for context in ({}, {"ci_consent_link": "1"}, {"ci_consent_link": True}):
                with self.subTest(label, context=context):
                    Event = self.Event.with_context(**context)
                    with self.assertRaisesRegex(UserError, "link emailed"):
                        Event.create(
                            {
                                "partner_id": self.person_free.id,
                                "purpose_id": self.marketing.id,
                                "channel_id": self.email.id,
                                "action": action,
                                **values,
                            }
                        )
        self.assertEqual(self.state(purpose=self.marketing), "pending", "nobody confirmed it")
        self.assertFalse(self.Event.search([("source", "=", "email_link")]))
        # the link itself still confirms (its token is made when the mail goes out)
        raw = sent_links(self.env["mail.mail"].search([("ci_consent_event_id", "=", pending.id)]))["confirm"]
        token, problem = self.env["customer.consent.token"]._find(raw, "confirm")
        self.assertFalse(problem)
        self.assertEqual(token.pending_event_id, pending)
        confirmation = token._use({"ip": "198.51.100.1"})
        self.assertEqual((confirmation.action, confirmation.source), ("confirm", "email_link"))
        self.assertEqual(self.state(purpose=self.marketing), "granted")

    def test_purchased_grant_never_counts_once_the_purpose_becomes_marketing(self):
        surveys = self.env["customer.consent.purpose"].create(
            {"name": "Test Surveys", "code": "test_surveys"}
        )
        batch = {"source": "import_batch", "import_vendor": "ListCo", "legal_basis": "contract"}
        bought = self.record("grant", purpose=surveys, occurred_at=T2, **batch)
        own = self.record("grant", partner=self.company_de, purpose=surveys, occurred_at=T1)
        self.record("grant", partner=self.company_de, purpose=surveys, occurred_at=T2, **batch)
        withdrawal = self.record("withdraw", partner=self.person_cn, purpose=surveys, occurred_at=T1)
        self.record("grant", partner=self.person_cn, purpose=surveys, occurred_at=T2, **batch)
        self.assertTrue(bought.purchased)
        self.assertEqual(
            self.state(purpose=surveys), "granted", "not marketing: the purchased list may grant"
        )
        surveys.is_marketing = True  # an administrator changes the purpose later
        partners = self.person_free | self.company_de | self.person_cn
        self.assertEqual(self.state(purpose=surveys), "none", "the vendor's grant is no marketing consent")
        self.assertEqual(
            self.state(partner=self.company_de, purpose=surveys), "granted", "the own grant stands"
        )
        self.assertEqual(self.state(partner=self.person_cn, purpose=surveys), "withdrawn")
        self.assertEqual(self.Event._granted_partners(partners, "email"), [self.company_de.id])
        State = self.env["customer.consent.state"]
        states = State.search([("purpose_id", "=", surveys.id)])
        self.assertEqual(
            {(s.partner_id, s.state, s.decisive_event_id) for s in states},
            {
                (self.person_free, "none", self.Event),
                (self.company_de, "granted", own),
                (self.person_cn, "withdrawn", withdrawal),
            },
        )
        self.assertFalse(self.person_free.ci_accepts_email)
        surveys.is_marketing = False
        self.assertEqual(
            self.state(purpose=surveys), "granted", "not marketing again: the grant counts again"
        )
