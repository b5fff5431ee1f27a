from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_consent_ledger import ConsentCommon

MUTED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule", "odoo.models")


@tagged("post_install", "-at_install", "security")
class TestConsentSecurity(ConsentCommon):
    """Who may read and record consent, and who may configure it (``with_user``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.event = cls.Event.create(
            {
                "partner_id": cls.person_free.id,
                "purpose_id": cls.newsletter.id,
                "channel_id": cls.email.id,
                "action": "grant",
                "source": "manual",
            }
        )

    def grant_as(self, user, partner=None):
        return self.Event.with_user(user).create(
            {
                "partner_id": (partner or self.person_cn).id,
                "purpose_id": self.newsletter.id,
                "channel_id": self.email.id,
                "action": "grant",
                "source": "manual",
            }
        )

    @mute_logger(*MUTED)
    def test_users_outside_the_addon_see_and_record_nothing(self):
        user_portal = new_test_user(self.env, login="ci_consent_portal", groups="base.group_portal")
        for user in (self.user_plain, user_portal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.event.with_user(user).read(["action"])
                with self.assertRaises(AccessError):
                    self.grant_as(user)
                with self.assertRaises(AccessError):
                    self.env["customer.consent.state"].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.newsletter.with_user(user).read(["name"])

    @mute_logger(*MUTED)
    def test_addon_users_record_consent_of_any_customer(self):
        # consent is not limited to the salesperson's own customers: whoever contacts a person must know
        for user in (self.user_sales, self.user_sales_other, self.user_manager):
            with self.subTest(user=user.login):
                event = self.grant_as(user, partner=self.company_de)
                self.assertEqual(event.recorded_by_id, user)
                self.assertEqual(self.event.with_user(user).action, "grant")
                self.assertTrue(
                    self.env["customer.consent.state"]
                    .with_user(user)
                    .search([("partner_id", "=", self.company_de.id)])
                )

    @mute_logger(*MUTED)
    def test_nobody_has_write_or_unlink_rights_on_the_ledger(self):
        for user in (self.user_sales, self.user_manager, self.user_admin_ci, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login):
                Event = self.Event.with_user(user)
                self.assertTrue(Event.has_access("read") and Event.has_access("create"))
                self.assertFalse(Event.has_access("write"), "no ACL grants write")
                self.assertFalse(Event.has_access("unlink"), "no ACL grants unlink")
                with self.assertRaises(UserError):  # AccessError is one too
                    self.event.with_user(user).write({"note": "changed"})

    @mute_logger(*MUTED)
    def test_only_administrators_configure_consent(self):
        for user in (self.user_sales, self.user_manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["customer.consent.purpose"].with_user(user).create({"name": "X", "code": "x"})
                with self.assertRaises(AccessError):
                    self.env["customer.consent.notice"].with_user(user).create(
                        {"purpose_id": self.newsletter.id, "text": "x"}
                    )
                with self.assertRaises(AccessError):
                    self.email.with_user(user).write({"blacklist": "none"})
                with self.assertRaises(AccessError):
                    self.env["customer.consent.token"].with_user(user).search([])
        purpose = (
            self.env["customer.consent.purpose"]
            .with_user(self.user_admin_ci)
            .create({"name": "Surveys", "code": "surveys"})
        )
        notice = (
            self.env["customer.consent.notice"]
            .with_user(self.user_admin_ci)
            .create({"purpose_id": purpose.id, "text": "We ask your opinion."})
        )
        notice.action_publish()
        self.assertEqual(notice.version, 1)

    @mute_logger(*MUTED)
    def test_consent_of_another_company_stays_there(self):
        other = self.env["res.company"].create({"name": "Consent Other Co"})
        foreign = self.env["customer.consent.purpose"].create(
            {
                "name": "Other Co Marketing",
                "code": "other_marketing",
                "is_marketing": True,
                "company_id": other.id,
            }
        )
        event = self.Event.create(
            {
                "partner_id": self.person_free.id,
                "purpose_id": foreign.id,
                "channel_id": self.email.id,
                "action": "grant",
                "source": "manual",
            }
        )
        self.assertEqual(event.company_id, other)
        manager = self.user_manager  # only in the main company
        self.assertNotIn(other, manager.company_ids)
        self.assertFalse(self.Event.with_user(manager).search([("id", "=", event.id)]))
        self.assertFalse(
            self.env["customer.consent.state"].with_user(manager).search([("purpose_id", "=", foreign.id)])
        )
        with self.assertRaises(AccessError):
            event.with_user(manager).read(["action"])
        with self.assertRaises(AccessError):
            self.Event.with_user(manager).create(
                {
                    "partner_id": self.person_free.id,
                    "purpose_id": foreign.id,
                    "channel_id": self.email.id,
                    "action": "withdraw",
                    "source": "manual",
                }
            )
        manager.company_ids |= other
        self.assertTrue(
            self.Event.with_user(manager)
            .with_context(allowed_company_ids=[manager.company_id.id, other.id])
            .search([("id", "=", event.id)])
        )
