import base64
import datetime

from odoo import fields
from odoo.tests import Form, tagged

from .common import CustomerInfoCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestCustomerActivity(CustomerInfoCommon):
    """The activity log: chatter notes, follow-up activities, defaults and partner figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Activity = cls.env["customer.activity"]
        cls.visit = cls.env.ref("addon_customer_info.customer_activity_type_meeting")
        cls.gift = cls.env.ref("addon_customer_info.customer_activity_type_gift")
        cls.followup_type = cls.env.ref("addon_customer_info.mail_activity_type_customer_followup")

    def _log(self, **values):
        return self.Activity.create({
            "name": "拜访采购部", "type_id": self.visit.id, "partner_id": self.company_cn.id, **values,
        })

    def test_logged_entry_appears_in_the_partner_chatter(self):
        attachment = self.env["ir.attachment"].create({
            "name": "visit-report.txt", "datas": base64.b64encode(b"minutes"),
        })
        activity = self._log(contact_id=self.person_cn.id, outcome="positive", amount=500.0,
                             attachment_ids=[(4, attachment.id)])
        message = self.company_cn.message_ids.filtered(lambda m: "拜访采购部" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertIn("Meeting / Visit", message.body)
        self.assertIn("赵磊", message.body)
        self.assertIn("Positive", message.body)
        self.assertNotIn("500", message.body, "costs stay out of the widely read chatter")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(message.attachment_ids, attachment)
        self.assertEqual(activity.commercial_partner_id, self.company_cn)

    def test_followup_creates_and_moves_an_odoo_activity(self):
        activity = self._log(
            followup_date=D(2031, 3, 1), followup_note="发送修订报价", user_id=self.user_sales.id,
        )
        mail_activity = activity.followup_activity_id
        self.assertTrue(mail_activity)
        self.assertEqual(mail_activity.res_model, "res.partner")
        self.assertEqual(mail_activity.res_id, self.company_cn.id)
        self.assertEqual(mail_activity.activity_type_id, self.followup_type)
        self.assertEqual(mail_activity.date_deadline, D(2031, 3, 1))
        self.assertEqual(mail_activity.user_id, self.user_sales)
        self.assertEqual(mail_activity.summary, "发送修订报价")
        activity.followup_date = D(2031, 3, 8)
        self.assertEqual(activity.followup_activity_id, mail_activity, "moved, not duplicated")
        self.assertEqual(mail_activity.date_deadline, D(2031, 3, 8))
        # once done, a new follow-up date schedules a new activity
        mail_activity.action_feedback(feedback="done")
        activity.followup_date = D(2031, 4, 1)
        self.assertTrue(activity.followup_activity_id)
        self.assertNotEqual(activity.followup_activity_id, mail_activity)
        self.assertEqual(activity.followup_activity_id.date_deadline, D(2031, 4, 1))

    def test_no_followup_no_activity(self):
        activity = self._log()
        self.assertFalse(activity.followup_activity_id)

    def test_type_gives_channel_and_direction_unless_chosen(self):
        self.assertEqual(self._log().channel, "in_person")
        self.assertEqual(self._log(channel="video").channel, "video")
        call = self._log(type_id=self.env.ref("addon_customer_info.customer_activity_type_call").id,
                         direction="inbound")
        self.assertEqual((call.channel, call.direction), ("phone", "inbound"))

    def test_partner_figures_and_log_from_the_form(self):
        first = self._log(date=fields.Datetime.to_datetime("2025-01-10 09:00:00"))
        second = self._log(contact_id=self.person_cn.id, type_id=self.gift.id, amount=300.0,
                           date=fields.Datetime.to_datetime("2025-02-01 10:00:00"))
        other = self._log(partner_id=self.company_de.id)
        self.assertEqual(self.company_cn.ci_activity_ids, first | second)
        self.assertEqual(self.company_cn.ci_activity_count, 2)
        self.assertEqual(self.company_cn.ci_last_activity_date, second.date)
        self.assertEqual(self.person_cn.ci_activity_ids, second)
        self.assertEqual(self.company_de.ci_activity_ids, other)
        # "Log Activity" from the contact person fills in the company and the person
        action = self.person_cn.action_ci_log_activity()
        form = Form(self.Activity.with_context(**action["context"]))
        self.assertEqual(form.partner_id, self.company_cn)
        self.assertEqual(form.contact_id, self.person_cn)
        form.type_id = self.gift
        form.name = "中秋月饼"
        form.amount = 268.0
        logged = form.save()
        self.assertEqual(logged.channel, "in_person")
        self.assertIn(logged, self.person_cn.ci_activity_ids)
        smart = self.company_cn.action_ci_view_activities()
        self.assertEqual(self.Activity.search(smart["domain"]), first | second | logged)

    def test_search_by_any_partner_involved(self):
        with_person = self._log(contact_id=self.person_cn.id)
        self._log(partner_id=self.company_de.id)
        self.assertEqual(self.Activity.search([("partner_ids", "in", self.person_cn.ids)]), with_person)
        self.assertEqual(len(self.Activity.search([("partner_ids", "in", self.company_cn.ids)])), 1)

    def test_costs_keep_their_currency_and_totals_add_company_currency(self):
        company = self.env.company
        euro, yuan = self.env.ref("base.EUR"), self.env.ref("base.CNY")
        other = euro if company.currency_id != euro else yuan
        other.active = True
        self.env["res.currency.rate"].create({
            "currency_id": other.id, "company_id": company.id, "name": D(2020, 1, 1),
            "rate": 0.5 / company.currency_id.with_company(company).rate,
        })
        local = self._log(amount=300.0, currency_id=company.currency_id.id, date=D(2025, 3, 1))
        foreign = self._log(amount=100.0, currency_id=other.id, date=D(2025, 3, 2))
        self.assertEqual(foreign.currency_id, other, "the cost keeps the currency it was paid in")
        self.assertEqual((local.amount_company, foreign.amount_company), (300.0, 200.0))
        # totals (grouped lists, pivots) add company-currency amounts, never 300 + 100
        [(total,)] = self.Activity._read_group(
            [("id", "in", (local | foreign).ids)], aggregates=["amount_company:sum"]
        )
        self.assertEqual(total, 500.0)
        self.assertIsNone(self.Activity._fields["amount"].aggregator, "mixed currencies are not summed")
        # the screens show each cost's currency and total the company-currency amounts
        for view in ("customer_activity_view_list", "customer_activity_view_pivot",
                     "customer_activity_view_pivot_spend"):
            arch = self.env.ref(f"addon_customer_info.{view}").arch
            self.assertNotIn('name="amount" sum=', arch, view)
            self.assertNotIn('name="amount" type="measure"', arch, view)
        list_arch = self.env.ref("addon_customer_info.customer_activity_view_list").arch
        self.assertIn('name="amount_company" sum=', list_arch)
        self.assertRegex(list_arch, r'<field name="currency_id" optional="show"')

    def test_currencies_of_the_data_are_active(self):
        # with demo data, the currencies of its costs and credit limits are switched on
        if not self.env.ref("addon_customer_info.user_demo_li_na", raise_if_not_found=False):
            self.skipTest("checks the demo data's currencies: runs in the suite with demo data")
        activities = self.Activity.search([])
        partners = self.Partner.search([("ci_currency_id", "!=", False)])
        used = activities.currency_id | partners.ci_currency_id
        self.assertGreater(len(used), 1, "the demo data uses several currencies")
        self.assertEqual(used.filtered(lambda currency: not currency.active), used.browse())
