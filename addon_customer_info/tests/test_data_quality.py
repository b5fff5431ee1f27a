import datetime

from odoo import fields
from odoo.tests import tagged

from .common import CustomerInfoCommon


@tagged("post_install", "-at_install")
class TestDataQuality(CustomerInfoCommon):
    """Completeness per kind of partner, the same in Python and in SQL; verification and staleness."""

    def _search_ids(self, domain, among):
        return self.Partner.search([("id", "in", among.ids), *domain])

    def test_company_completeness_counts_what_matters_for_companies(self):
        company = self.Partner.create({"name": "深圳星河电子有限公司", "is_company": True})
        self.assertEqual(company.ci_completeness, 0)
        self.assertIn("Email or Phone", company.ci_missing_info)
        company.write({
            "phone": "+86 755 8888 0000",  # email or phone: one criterion
            "country_id": self.env.ref("base.cn").id,  # country, and the region that covers it
            "city": "深圳",
            "vat": "91440300MA5FXXXX0X",
            "user_id": self.user_sales.id,
            "ci_level_id": self.env.ref("addon_customer_info.customer_level_b").id,
        })
        # 7 of 13 criteria: contact, city, country, identifier, salesperson, level, region
        self.assertEqual(company.ci_region_id, self.env.ref("addon_customer_info.customer_region_china"))
        self.assertEqual(company.ci_completeness, 7 * 100 // 13)
        self.assertNotIn("Email or Phone", company.ci_missing_info)
        self.assertIn("Nature of Enterprise", company.ci_missing_info)

    def test_person_completeness_counts_what_matters_for_people(self):
        person = self.Partner.create({"name": "Anna Schmidt"})
        self.assertEqual(person.ci_completeness, 0)
        person.write({"email": "anna@example.com", "phone": "+49 40 1234", "function": "CFO",
                      "parent_id": self.company_de.id})
        # email, phone, job, company - and the country, which comes with the company's address
        self.assertEqual(person.country_id, self.env.ref("base.de"))
        self.assertEqual(person.ci_completeness, 5 * 100 // 7)
        self.assertIn("Decision Influence", person.ci_missing_info)
        person.write({"ci_decision_influence": "decision_maker", "ci_source_id": self.env.ref(
            "addon_customer_info.customer_source_referral").id})
        self.assertEqual(person.ci_completeness, 100)
        self.assertFalse(person.ci_missing_info)

    def test_completeness_search_matches_the_computed_value(self):
        partners = self.company_cn | self.person_cn | self.company_de | self.person_free
        self.person_free.write({"phone": "+44 20 7946 0000", "ci_source_id": self.env.ref(
            "addon_customer_info.customer_source_website").id})
        scores = {partner: partner.ci_completeness for partner in partners}
        self.assertGreater(len(set(scores.values())), 2, "the fixture should spread the scores")
        for threshold in (0, 15, 30, 45, 60, 100):
            expected = self.Partner.browse(p.id for p, score in scores.items() if score < threshold)
            self.assertEqual(self._search_ids([("ci_completeness", "<", threshold)], partners), expected,
                             threshold)
            expected = self.Partner.browse(p.id for p, score in scores.items() if score >= threshold)
            self.assertEqual(self._search_ids([("ci_completeness", ">=", threshold)], partners), expected,
                             threshold)
        exact = self.person_cn.ci_completeness
        self.assertIn(self.person_cn, self._search_ids([("ci_completeness", "=", exact)], partners))
        self.assertNotIn(self.person_cn, self._search_ids([("ci_completeness", "!=", exact)], partners))

    def test_verification_and_staleness(self):
        self.assertTrue(self.company_cn.ci_is_stale, "never verified is stale")
        self.company_cn.with_user(self.user_sales).action_ci_mark_verified()
        # today where the salesperson is (the demo's administrator may be a day ahead of UTC)
        today = fields.Date.context_today(self.company_cn.with_user(self.user_sales))
        self.assertEqual(self.company_cn.ci_last_verified_on, today)
        self.assertEqual(self.company_cn.ci_verified_by_id, self.user_sales)
        self.assertFalse(self.company_cn.ci_is_stale)
        today = fields.Date.context_today(self.company_de)
        self.company_de.ci_last_verified_on = today - datetime.timedelta(days=400)
        self.assertTrue(self.company_de.ci_is_stale)
        partners = self.company_cn | self.company_de | self.person_cn
        stale = self._search_ids([("ci_is_stale", "=", True)], partners)
        self.assertEqual(stale, self.company_de | self.person_cn)
        self.assertEqual(self._search_ids([("ci_is_stale", "=", False)], partners), self.company_cn)
        # a longer staleness period in the settings makes the older verification fresh again
        self.env["res.config.settings"].create({"ci_stale_after_days": 500}).execute()
        self.company_de.invalidate_recordset(["ci_is_stale"])
        self.assertFalse(self.company_de.ci_is_stale)
        self.assertEqual(self._search_ids([("ci_is_stale", "=", True)], partners), self.person_cn)
