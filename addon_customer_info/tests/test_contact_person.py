import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CustomerInfoCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestContactPerson(CustomerInfoCommon):
    """Contact-person details: important dates and their reminders, career history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Date = cls.env["customer.important.date"]
        cls.activity_type = cls.env.ref("addon_customer_info.mail_activity_type_important_date")

    def _activities(self, partner):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", partner.id),
            ("activity_type_id", "=", self.activity_type.id),
        ])

    def test_person_profile_fields(self):
        golf = self.env.ref("addon_customer_info.customer_hobby_golf")
        self.person_cn.write({
            "ci_decision_influence": "decision_maker", "ci_hobby_ids": [(4, golf.id)],
            "ci_preferences": "喜欢普洱茶",
        })
        # "receives email" comes from the consent register (see test_consent_ledger)
        self.env["customer.consent.event"].create({
            "partner_id": self.person_cn.id,
            "purpose_id": self.env.ref("addon_customer_info.customer_consent_purpose_marketing").id,
            "channel_id": self.env.ref("addon_customer_info.customer_consent_channel_email").id,
            "action": "grant", "source": "manual",
        })
        fixture = self.company_cn | self.person_cn | self.company_de | self.person_free
        found = self.Partner.search([
            ("id", "in", fixture.ids), ("ci_hobby_ids", "=", golf.id), ("ci_accepts_email", "=", True),
        ])
        self.assertEqual(found, self.person_cn)
        self.assertFalse(self.person_cn.ci_accepts_sms)

    def test_next_occurrence_is_stored_and_rolls_forward(self):
        birthday = self.Date.create({
            "partner_id": self.person_cn.id, "kind": "birthday", "date": D(1980, 5, 17), "remind_days": 5,
        })
        birthday._schedule_next(today=D(2025, 5, 1))
        self.assertEqual(birthday.next_date, D(2025, 5, 17))
        self.assertEqual(birthday.remind_on, D(2025, 5, 12))
        self.Date._cron_remind(today=D(2025, 5, 18))
        self.assertEqual(birthday.next_date, D(2026, 5, 17))

    def test_reminder_activity_once_per_occurrence(self):
        birthday = self.Date.create({
            "partner_id": self.person_cn.id, "kind": "birthday", "date": D(1980, 5, 17),
            "remind_days": 7, "user_id": self.user_sales.id,
        })
        birthday._schedule_next(today=D(2025, 5, 1))
        self.assertNotIn(birthday, self.Date._cron_remind(today=D(2025, 5, 9)), "too early: 8 days ahead")
        self.assertFalse(self._activities(self.person_cn))
        self.assertIn(birthday, self.Date._cron_remind(today=D(2025, 5, 10)))
        activity = self._activities(self.person_cn)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, D(2025, 5, 17))
        self.assertEqual(activity.user_id, self.user_sales)
        self.assertIn("赵磊", activity.summary)
        # the job runs again: no second activity for the same occurrence
        self.Date._cron_remind(today=D(2025, 5, 11))
        self.assertEqual(len(self._activities(self.person_cn)), 1)
        # next year's occurrence gets its own activity
        self.Date._cron_remind(today=D(2026, 5, 12))
        self.assertEqual(len(self._activities(self.person_cn)), 2)

    def test_one_off_date_is_reminded_then_done(self):
        visit = self.Date.create({
            "partner_id": self.company_cn.id, "kind": "custom", "name": "十周年庆典",
            "date": D(2030, 9, 1), "yearly": False, "remind_days": 3,
        })
        self.assertEqual(visit.next_date, D(2030, 9, 1))
        self.Date._cron_remind(today=D(2030, 8, 29))
        self.assertEqual(len(self._activities(self.company_cn)), 1)
        self.Date._cron_remind(today=D(2030, 9, 2))
        self.assertFalse(visit.next_date)

    def test_custom_dates_need_a_description_and_reminders_come_before(self):
        with self.assertRaises(ValidationError):
            self.Date.create({"partner_id": self.person_cn.id, "kind": "custom", "date": D(2020, 1, 1)})
        with self.assertRaises(ValidationError):
            self.Date.create({
                "partner_id": self.person_cn.id, "kind": "birthday", "date": D(2020, 1, 1), "remind_days": -1,
            })

    def test_remind_days_default_comes_from_settings(self):
        self.env["ir.config_parameter"].set_param("addon_customer_info.important_date_remind_days", "14")
        record = self.Date.create({"partner_id": self.person_cn.id, "date": D(1990, 1, 1)})
        self.assertEqual(record.remind_days, 14)

    def test_career_history(self):
        Career = self.env["customer.career"]
        entry = Career.create({
            "partner_id": self.person_cn.id, "employer_id": self.company_de.id, "job_title": "Buyer",
            "date_start": D(2015, 3, 1), "date_end": D(2019, 6, 30),
        })
        self.assertEqual(entry.employer_name, "Elbtal Pumpen GmbH")
        self.assertFalse(entry.is_current)
        self.assertEqual(entry.display_name, "Buyer - Elbtal Pumpen GmbH")
        current = Career.create({"partner_id": self.person_cn.id, "employer_name": "上海启航信息技术"})
        self.assertTrue(current.is_current)
        self.assertEqual(self.person_cn.ci_career_ids, current | entry)
        with self.assertRaises(ValidationError):
            Career.create({
                "partner_id": self.person_cn.id, "employer_name": "X",
                "date_start": D(2020, 1, 1), "date_end": D(2019, 1, 1),
            })
        with self.assertRaises(ValidationError):
            Career.create({"partner_id": self.person_cn.id, "job_title": "Nobody knows where"})
