import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CustomerInfoCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestCreditRating(CustomerInfoCommon):
    """Credit ratings: who may change them, the history rows, the current rating and reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rating = cls.env["customer.credit.rating"]
        ref = cls.env.ref
        cls.scale = ref("addon_customer_info.customer_credit_scale_standard")
        cls.grade_aa = ref("addon_customer_info.customer_credit_grade_aa")
        cls.grade_bb = ref("addon_customer_info.customer_credit_grade_bb")
        cls.grade_simple_a = ref("addon_customer_info.customer_credit_grade_simple_a")
        cls.review_type = ref("addon_customer_info.mail_activity_type_credit_review")

    def _rate(self, grade, user=None, partner=None, **values):
        Rating = self.Rating.with_user(user or self.user_credit)
        return Rating.create({
            "partner_id": (partner or self.company_cn).id, "scale_id": grade.scale_id.id,
            "grade_id": grade.id, "reason": "年度评审", **values,
        })

    def _review_activities(self, partner):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", partner.id),
            ("activity_type_id", "=", self.review_type.id),
        ])

    # who may rate --------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_only_credit_managers_change_ratings(self):
        with self.assertRaises(AccessError):
            self._rate(self.grade_aa, user=self.user_sales)
        with self.assertRaises(AccessError):
            self._rate(self.grade_aa, user=self.user_manager)
        with self.assertRaises(AccessError):
            self._rate(self.grade_aa, user=self.user_plain)
        rating = self._rate(self.grade_aa, user=self.user_credit)
        self.assertEqual(rating.rated_by_id, self.user_credit)
        self._rate(self.grade_bb, user=self.user_admin_ci)  # administrators are credit managers too
        # salespeople read the rating (they must know whether to sell on credit)
        self.assertEqual(self.company_cn.with_user(self.user_sales).ci_credit_grade_id, self.grade_bb)

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_history_rows_cannot_be_changed_or_deleted(self):
        rating = self._rate(self.grade_aa, limit_amount=100000)
        with self.assertRaises(AccessError):
            rating.with_user(self.user_credit).unlink()
        with self.assertRaises(UserError):
            rating.with_user(self.user_credit).write({"limit_amount": 999999})
        with self.assertRaises(UserError):
            rating.sudo().write({"grade_id": self.grade_bb.id})
        with self.assertRaises(UserError):  # the link fields too, without the model's own sentinel
            rating.sudo().with_context(ci_credit_rating_link=True).write({"previous_grade_id": False})
        self.assertEqual(rating.limit_amount, 100000)

    # history -------------------------------------------------------------------

    def test_each_change_adds_a_history_row_with_who_when_why(self):
        first = self._rate(self.grade_aa, limit_amount=500000, rated_on=D(2024, 1, 10), reason="首次评级")
        second = self._rate(self.grade_bb, limit_amount=100000, rated_on=D(2025, 3, 1),
                            reason="逾期付款两次", source="agency", source_reference="中诚信")
        history = self.company_cn.ci_credit_rating_ids
        self.assertEqual(history, second | first)
        self.assertEqual(history[0], second, "newest first")
        self.assertEqual(second.previous_grade_id, self.grade_aa)
        self.assertFalse(first.previous_grade_id)
        self.assertEqual(second.rated_by_id, self.user_credit)
        self.assertEqual((second.rated_on, second.reason), (D(2025, 3, 1), "逾期付款两次"))
        self.assertTrue(second.is_current)
        self.assertFalse(first.is_current)
        mine = [("partner_id", "=", self.company_cn.id)]
        self.assertEqual(self.Rating.search([*mine, ("is_current", "=", True)]), second)
        self.assertEqual(self.Rating.search([*mine, ("is_current", "=", False)]), first)

    def test_partner_shows_the_current_rating_also_on_its_contacts(self):
        self._rate(self.grade_aa, limit_amount=500000, rated_on=D(2024, 1, 10))
        self._rate(self.grade_bb, limit_amount=100000, rated_on=D(2025, 3, 1))
        for partner in (self.company_cn, self.person_cn):
            self.assertEqual(partner.ci_credit_grade_id, self.grade_bb)
            self.assertEqual(partner.ci_credit_limit, 100000)
        self.assertFalse(self.company_de.ci_credit_grade_id)
        found = self.Partner.search([("ci_credit_grade_id", "=", self.grade_bb.id)])
        self.assertEqual(found, self.company_cn | self.person_cn)
        self.assertFalse(self.Partner.search([("ci_credit_grade_id", "=", self.grade_aa.id)]))

    def test_back_dated_rating_does_not_replace_the_current_one(self):
        current = self._rate(self.grade_bb, rated_on=D(2025, 3, 1))
        older = self._rate(self.grade_aa, rated_on=D(2023, 1, 1))
        self.assertTrue(current.is_current)
        self.assertFalse(older.is_current)
        self.assertEqual(self.company_cn.ci_credit_grade_id, self.grade_bb)

    def test_ratings_are_per_company(self):
        other_company = self.env["res.company"].create({"name": "明远香港有限公司"})
        self.user_credit.write({"company_ids": [(4, other_company.id)]})
        self._rate(self.grade_aa)
        self._rate(self.grade_bb, company_id=other_company.id)
        self.assertEqual(self.company_cn.ci_credit_grade_id, self.grade_aa)
        self.assertEqual(self.company_cn.with_company(other_company).ci_credit_grade_id, self.grade_bb)

    def test_rules_on_rating(self):
        with self.assertRaises(ValidationError):  # a grade of another scale
            self._rate(self.grade_aa, scale_id=self.grade_simple_a.scale_id.id)
        with self.assertRaises(ValidationError):  # a contact person is rated through its company
            self._rate(self.grade_aa, partner=self.person_cn)
        with self.assertRaises(ValidationError):
            self._rate(self.grade_aa, rated_on=D(2025, 1, 1), next_review_date=D(2024, 1, 1))

    # review reminders ---------------------------------------------------------

    def test_next_review_date_reminds_the_rater_and_moves_with_each_rating(self):
        first = self._rate(self.grade_bb, rated_on=D(2025, 1, 15))  # BB: review every 6 months
        self.assertEqual(first.next_review_date, D(2025, 7, 15))
        reminder = first.review_activity_id
        self.assertEqual(reminder.date_deadline, D(2025, 7, 15))
        self.assertEqual(reminder.user_id, self.user_credit)
        self.assertEqual(self._review_activities(self.company_cn), reminder)
        second = self._rate(self.grade_aa, rated_on=D(2025, 7, 10), next_review_date=D(2026, 1, 10))
        self.assertFalse(reminder.active, "the replaced rating's review is done")
        self.assertEqual(self._review_activities(self.company_cn), second.review_activity_id)
        self.assertEqual(second.review_activity_id.date_deadline, D(2026, 1, 10))
        review_due = self.Partner.search([("ci_credit_next_review_date", "<=", D(2026, 1, 31))])
        self.assertIn(self.company_cn, review_due)

    def test_change_rating_from_the_partner_form(self):
        action = self.person_cn.action_ci_rate_credit()
        self.assertEqual(action["context"]["default_partner_id"], self.company_cn.id)
        form = Form(self.Rating.with_user(self.user_credit).with_context(**action["context"]))
        self.assertEqual(form.scale_id, self.scale, "the default scale")
        form.grade_id = self.grade_aa
        form.limit_amount = 250000
        form.reason = "新客户，注册资本充足"
        rating = form.save()
        self.assertEqual(self.company_cn.ci_credit_rating_id, rating)

    def test_default_scale_comes_from_the_settings(self):
        simple = self.grade_simple_a.scale_id
        self.env["ir.config_parameter"].set_param(
            "addon_customer_info.default_credit_scale_id", str(simple.id),
        )
        self.assertEqual(self.Rating.new({}).scale_id, simple)
