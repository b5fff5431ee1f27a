import datetime

from lxml import etree
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from .test_sensitive_fields import MODULE, MUTED, SensitiveDataCase

REQUEST = "customer.access.request"


@tagged("post_install", "-at_install", "security")
class TestAccessRequests(SensitiveDataCase):
    """Ownership that cannot be self-granted: assigning oneself as salesperson widens nothing;
    a manager grants access to one more customer for a while, never to themselves; audited."""

    def preferences(self, partner, user):
        return partner.with_user(user).read(["ci_preferences"])[0]["ci_preferences"]

    def ask(self, user=None, partner=None, reason="Preparing the annual visit"):
        user = user or self.user_sens
        return (
            self.env[REQUEST]
            .with_user(user)
            .create({"partner_id": (partner or self.person_de).id, "reason": reason})
        )

    # ------------------------------------------------------------
    # 1. self-assignment does not count
    # ------------------------------------------------------------

    @mute_logger(*MUTED)
    def test_assigning_oneself_as_salesperson_does_not_widen_what_one_reads(self):
        self.assertFalse(self.preferences(self.person_de, self.user_sens))
        self.company_de.user_id = False  # salespeople take customers nobody owns, not others'
        self.company_de.with_user(self.user_sens).write({"user_id": self.user_sens.id})
        self.assertEqual(self.company_de.user_id, self.user_sens)
        self.assertFalse(
            self.preferences(self.person_de, self.user_sens),
            "a salesperson who assigned themselves does not see the customer's sensitive details",
        )
        self.assertEqual(self.company_de.ci_salesperson_set_by_id, self.user_sens)
        self.person_de.with_user(self.user_sens).write({"user_id": self.user_sens.id})
        self.assertFalse(self.preferences(self.person_de, self.user_sens), "nor on the contact person itself")
        Partner = self.Partner.with_user(self.user_sens)
        self.assertFalse(Partner.search([("ci_preferences", "ilike", "Riesling")]))
        # a contact person added under the company takes its salesperson, and who assigned it
        child = Partner.create({"name": "Lena Weber", "parent_id": self.company_de.id})
        self.assertEqual((child.user_id, child.ci_salesperson_set_by_id), (self.user_sens, self.user_sens))
        # nobody but the system records who assigned the salesperson
        with self.assertRaises(UserError):
            self.company_de.with_user(self.user_sens).write(
                {"ci_salesperson_set_by_id": self.user_manager.id}
            )
        # a manager's assignment counts
        self.company_de.with_user(self.user_manager).write({"user_id": self.user_sens.id})
        self.assertEqual(self.company_de.ci_salesperson_set_by_id, self.user_manager)
        self.person_de.with_user(self.user_manager).write({"user_id": False})
        self.assertEqual(self.preferences(self.person_de, self.user_sens), "Riesling")
        self.assertTrue(Partner.search([("ci_preferences", "ilike", "Riesling")]))

    @mute_logger(*MUTED)
    def test_assignments_by_the_system_and_from_before_count(self):
        self.assertFalse(
            self.company_own.ci_salesperson_set_by_id, "set by the superuser: nobody's own choice"
        )
        self.assertEqual(self.preferences(self.person_own, self.user_sens), "Longjing tea, no alcohol")
        # saving the same salesperson again changes nothing; another salesperson's assignment counts
        self.company_own.with_user(self.user_sens).write({"user_id": self.user_sens.id, "city": "Hangzhou"})
        self.assertFalse(self.company_own.ci_salesperson_set_by_id)
        self.assertEqual(self.preferences(self.person_own, self.user_sens), "Longjing tea, no alcohol")
        self.company_de.with_user(self.user_sales_other).write({"user_id": self.user_sens.id})
        self.assertEqual(self.company_de.ci_salesperson_set_by_id, self.user_sales_other)
        self.assertEqual(self.preferences(self.person_de, self.user_sens), "Riesling")
        # unassigning and assigning oneself again does not count
        self.company_own.with_user(self.user_sens).write({"user_id": False})
        self.person_own.with_user(self.user_sens).write({"user_id": False})
        self.company_own.with_user(self.user_sens).write({"user_id": self.user_sens.id})
        self.assertFalse(self.preferences(self.person_own, self.user_sens))

    # ------------------------------------------------------------
    # 2. access requests
    # ------------------------------------------------------------

    @mute_logger(*MUTED)
    def test_an_approved_request_grants_access_until_it_expires(self):
        action = self.person_de.with_user(self.user_sens).action_ci_request_sensitive_access()
        self.assertEqual(
            (action["res_model"], action["context"]["default_partner_id"]), (REQUEST, self.company_de.id)
        )
        request = self.ask()
        self.assertEqual(
            (request.partner_id, request.user_id, request.state),
            (self.company_de, self.user_sens, "requested"),
        )
        self.assertFalse(self.preferences(self.person_de, self.user_sens), "asking grants nothing")
        self.assertTrue(self.person_de.with_user(self.user_sens).ci_sensitive_hidden)
        request.with_user(self.user_manager).action_approve()
        self.assertEqual((request.state, request.approver_id), ("approved", self.user_manager))
        now = self.env.cr.now()
        self.assertEqual(request.decided_at, now)
        self.assertEqual(request.expires_at, now + datetime.timedelta(days=7))
        self.assertEqual(self.preferences(self.person_de, self.user_sens), "Riesling")
        self.assertEqual(self.preferences(self.company_de, self.user_sens), False, "the company has none")
        self.assertFalse(self.person_de.with_user(self.user_sens).ci_sensitive_hidden)
        dates = self.birthday_de.with_user(self.user_sens).read(["date"])[0]["date"]
        self.assertEqual(dates, datetime.date(1975, 4, 2), "the contact persons' details come with it")
        # others gain nothing from it
        self.assertFalse(self.preferences(self.person_de, self.user_sens_manager))
        # time passes: the access ends at expires_at, before the daily job marks it
        request.sudo().write({"expires_at": now - datetime.timedelta(minutes=1)})
        self.assertFalse(self.preferences(self.person_de, self.user_sens))
        self.assertFalse(self.birthday_de.with_user(self.user_sens).read(["date"])[0]["date"])
        self.assertEqual(request.state, "approved")
        self.env[REQUEST]._cron_expire()
        self.assertEqual(request.state, "expired")
        with self.assertRaises(AccessError, msg="the rows follow the grant's state"):
            self.birthday_de.with_user(self.user_sens).read(["date"])
        self.assertTrue(self.env.ref(f"{MODULE}.ir_cron_access_request_expire").active)

    @mute_logger(*MUTED)
    def test_a_refused_or_revoked_request_gives_nothing(self):
        refused = self.ask()
        refused.with_user(self.user_manager).action_refuse()
        self.assertEqual((refused.state, refused.approver_id), ("refused", self.user_manager))
        self.assertFalse(self.preferences(self.person_de, self.user_sens))
        with self.assertRaises(UserError):
            refused.with_user(self.user_manager).action_approve()
        revoked = self.ask(reason="Second try")
        revoked.with_user(self.user_manager).action_approve()
        self.assertEqual(self.preferences(self.person_de, self.user_sens), "Riesling")
        revoked.with_user(self.user_manager).action_revoke()
        self.assertEqual(revoked.state, "revoked")
        self.assertFalse(self.preferences(self.person_de, self.user_sens))

    @mute_logger(*MUTED)
    def test_nobody_grants_themselves_access(self):
        own = self.ask(user=self.user_sens_manager)
        with self.assertRaises(AccessError):
            own.with_user(self.user_sens_manager).action_approve()
        with self.assertRaises(AccessError):
            own.with_user(self.user_sens_manager).write({"expires_at": self.env.cr.now()})
        self.assertEqual(own.state, "requested")
        self.assertFalse(self.preferences(self.person_de, self.user_sens_manager))
        # the requester cannot approve, nor set the decision on creation, nor ask for someone else
        request = self.ask()
        with self.assertRaises(AccessError):
            request.with_user(self.user_sens).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.user_sens).write({"state": "approved"})
        with self.assertRaises(AccessError):
            self.env[REQUEST].with_user(self.user_sens).create(
                {"partner_id": self.person_de.id, "reason": "x", "state": "approved"}
            )
        with self.assertRaises(AccessError):
            self.env[REQUEST].with_user(self.user_sens).create(
                {"partner_id": self.person_de.id, "reason": "x", "user_id": self.user_sens_manager.id}
            )
        # a manager who decides nothing on their own but another manager's approval counts
        own.with_user(self.user_manager).action_approve()
        self.assertEqual(self.preferences(self.person_de, self.user_sens_manager), "Riesling")

    @mute_logger(*MUTED)
    def test_who_may_ask_and_who_sees_the_requests(self):
        # users outside the sensitive groups cannot be granted a field they cannot read at all
        with self.assertRaises(UserError):
            self.ask(user=self.user_sales)
        with self.assertRaises(UserError):
            self.ask(user=self.user_sens_all)
        with self.assertRaises(UserError):
            self.ask(partner=self.person_own)
        mine = self.ask()
        theirs = self.ask(user=self.user_sens_manager)
        Request = self.env[REQUEST]
        self.assertEqual(Request.with_user(self.user_sens).search([]), mine)
        self.assertEqual(Request.with_user(self.user_manager).search([]) & (mine | theirs), mine | theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_sens).read(["reason"])

    @mute_logger(*MUTED)
    def test_one_open_request_per_person_and_customer(self):
        request = self.ask()
        # asking again, for the company or one of its contact persons, is refused with a message
        # that says where the open request is
        for partner in (self.person_de, self.company_de):
            with self.assertRaisesRegex(UserError, "open access request for Elbtal Pumpen GmbH"):
                self.ask(partner=partner, reason="Once more")
        with self.assertRaises(UserError, msg="nor twice in one call"):
            self.env[REQUEST].with_user(self.user_sens_manager).create(
                [{"partner_id": self.person_de.id, "reason": reason} for reason in ("One", "Two")]
            )
        self.assertEqual(self.env[REQUEST].search([("partner_id", "=", self.company_de.id)]), request)
        # the contact form's button opens the open request instead of a new one
        action = self.person_de.with_user(self.user_sens).action_ci_request_sensitive_access()
        self.assertEqual(action["res_id"], request.id)
        # others may still ask for the same customer
        theirs = self.ask(user=self.user_sens_manager)
        # approved access is open too, until it ends
        request.with_user(self.user_manager).action_approve()
        with self.assertRaises(UserError):
            self.ask(reason="Longer please")
        request.sudo().write({"expires_at": self.env.cr.now() - datetime.timedelta(minutes=1)})
        again = self.ask(reason="The visit moved")
        self.assertEqual(request.state, "expired", "the ended grant is closed when one asks again")
        self.assertEqual(again.state, "requested")
        self.assertEqual(
            self.person_de.with_user(self.user_sens_manager).action_ci_request_sensitive_access()["res_id"],
            theirs.id,
        )
        # a closed request does not stand in the way
        again.with_user(self.user_manager).action_refuse()
        self.assertEqual(self.ask(reason="Third time").state, "requested")

    @mute_logger(*MUTED, "odoo.sql_db")
    def test_the_database_keeps_one_open_request(self):
        """Two requests asked at the same moment pass create()'s check each; the index stops one."""
        request = self.ask()
        request.with_user(self.user_manager).action_refuse()
        self.ask(reason="Again")
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            request.sudo().write({"state": "requested"})
            self.env.flush_all()

    @mute_logger(*MUTED)
    def test_the_requester_withdraws_a_pending_request(self):
        request = self.ask()
        for user in (self.user_manager, self.user_sens_manager):
            with self.assertRaises(AccessError, msg="only the requester withdraws"):
                request.with_user(user).action_withdraw()
        with self.assertRaises(AccessError, msg="through the button, not by writing the state"):
            request.with_user(self.user_sens).write({"state": "withdrawn"})
        request.with_user(self.user_sens).action_withdraw()
        self.assertEqual(request.state, "withdrawn")
        self.assertEqual(request.decided_at, self.env.cr.now())
        self.assertFalse(request.approver_id)
        with self.assertRaises(UserError, msg="nothing left to decide"):
            request.with_user(self.user_manager).action_approve()
        with self.assertRaises(UserError):
            request.with_user(self.user_sens).action_withdraw()
        self.assertFalse(self.preferences(self.person_de, self.user_sens))
        # the withdrawal is audited as the requester's step
        log = self.env["customer.audit.log"].sudo().search(
            [("model", "=", REQUEST), ("res_ids", "=", str(request.id)), ("event", "=", "write")]
        )
        self.assertEqual(log.user_id, self.user_sens)
        line = log.line_ids.filtered(lambda line: line.field_name == "state")
        self.assertEqual((line.old_value, line.new_value), ("requested", "withdrawn"))
        # one may ask again; approved access is revoked by a manager, not withdrawn
        again = self.ask(reason="The visit is on after all")
        again.with_user(self.user_manager).action_approve()
        with self.assertRaises(UserError):
            again.with_user(self.user_sens).action_withdraw()
        self.assertEqual(again.state, "approved")

    def test_the_menu_is_for_those_who_ask_or_decide(self):
        menu = self.env.ref(f"{MODULE}.menu_customer_access_request")
        Menu = self.env["ir.ui.menu"]
        for user, shown in (
            (self.user_sales, False),
            (self.user_auditor, False),
            (self.user_sens, True),
            (self.user_manager, True),
        ):
            self.assertEqual(
                menu.id in Menu.with_user(user)._visible_menu_ids(), shown, f"{user.name}: {shown}"
            )

    def test_the_form_shows_each_person_their_buttons(self):
        form = self.env[REQUEST].get_view(self.env.ref(f"{MODULE}.customer_access_request_view_form").id)
        arch = etree.fromstring(form["arch"])
        invisible = {button.get("name"): button.get("invisible") for button in arch.iter("button")}
        self.assertIn("user_id != uid", invisible["action_withdraw"])
        for name in ("action_approve", "action_refuse", "action_revoke"):
            self.assertIn("user_id == uid", invisible[name], f"{name}: a manager's own request")

    @mute_logger(*MUTED)
    def test_requests_and_decisions_are_audited(self):
        request = self.ask()
        request.with_user(self.user_manager).action_approve()
        logs = (
            self.env["customer.audit.log"]
            .sudo()
            .search([("model", "=", REQUEST), ("res_ids", "=", str(request.id))], order="id")
        )
        self.assertEqual(
            [(log.event, log.user_id) for log in logs],
            [("create", self.user_sens), ("write", self.user_manager)],
        )
        self.assertIn("reason", logs[0].field_names)
        self.assertIn("state", logs[1].field_names)
        approval = logs[1].line_ids.filtered(lambda line: line.field_name == "state")
        self.assertEqual((approval.old_value, approval.new_value), ("requested", "approved"))

    @mute_logger(*MUTED)
    def test_the_setting_sets_how_long_a_grant_lasts(self):
        self.env["res.config.settings"].create({"ci_access_grant_days": 2}).execute()
        request = self.ask()
        request.with_user(self.user_manager).action_approve()
        self.assertEqual(request.expires_at, self.env.cr.now() + datetime.timedelta(days=2))
        # a manager may set another end before approving, not one in the past
        later = self.ask(user=self.user_sens_manager)
        later.with_user(self.user_manager).write(
            {"expires_at": self.env.cr.now() - datetime.timedelta(hours=1)}
        )
        with self.assertRaises(UserError):
            later.with_user(self.user_manager).action_approve()
        self.assertEqual(later.state, "requested")

    def test_chinese_users_see_the_requests_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms([MODULE], ["zh_CN"], overwrite=True)
        Request = self.env[REQUEST].with_context(lang="zh_CN")
        described = Request.fields_get(["state", "partner_id", "expires_at"], ["selection", "string"])
        self.assertEqual(dict(described["state"]["selection"])["approved"], "已批准")
        self.assertEqual(described["expires_at"]["string"], "访问截止")
        self.assertEqual(described["partner_id"]["string"], "客户")
        form = Request.get_view(self.env.ref(f"{MODULE}.customer_access_request_view_form").id)["arch"]
        self.assertIn("批准", form)
        self.assertIn("撤回", form)
        self.assertEqual(dict(described["state"]["selection"])["withdrawn"], "已撤回")
        partner_form = (
            self.env["res.partner"]
            .with_user(self.user_sens)
            .with_context(lang="zh_CN")
            .get_view(view_type="form")
        )
        self.assertIn("申请访问敏感信息", partner_form["arch"])
