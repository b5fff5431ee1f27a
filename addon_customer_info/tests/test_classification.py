from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from .common import CustomerInfoCommon


@tagged("post_install", "-at_install")
class TestClassification(CustomerInfoCommon):
    """The intent/power rule and the classification models."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_target = cls.customer_type("target")
        cls.type_potential = cls.customer_type("potential")
        cls.type_existing = cls.customer_type("existing")

    def test_shipped_types_have_their_codes(self):
        codes = set(self.env["customer.type"].search([]).mapped("code"))
        self.assertLessEqual({"target", "potential", "existing", "lost"}, codes)

    def test_case_1_intent_and_power_make_a_target(self):
        self.company_cn.write({"ci_purchase_intent": "high", "ci_purchasing_power": "medium"})
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_target)

    def test_case_2_intent_without_power_is_potential(self):
        self.company_cn.write({"ci_purchase_intent": "high", "ci_purchasing_power": "low"})
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_potential)

    def test_case_3_power_without_intent_is_potential(self):
        partner = self.Partner.create({
            "name": "Acme Holdings Ltd", "is_company": True,
            "ci_purchase_intent": "none", "ci_purchasing_power": "high",
        })
        self.assertEqual(partner.ci_customer_type_id, self.type_potential)

    def test_customer_created_from_the_form_is_classified(self):
        # the form sends every field of the view, the still empty customer type among them
        form = Form(self.Partner.with_user(self.user_sales))
        form.name = "杭州云杉贸易有限公司"
        form.company_type = "company"
        form.ci_purchase_intent = "high"
        form.ci_purchasing_power = "high"
        partner = form.save()
        self.assertEqual(partner.ci_customer_type_id, self.type_target)
        # a type chosen in the form is kept
        form = Form(self.Partner.with_user(self.user_sales))
        form.name = "Harbour Lights Ltd"
        form.company_type = "company"
        form.ci_purchase_intent = "high"
        form.ci_customer_type_id = self.type_existing
        self.assertEqual(form.save().ci_customer_type_id, self.type_existing)

    def test_target_moves_with_intent_and_is_cleared_when_both_fall_away(self):
        self.company_cn.write({"ci_purchase_intent": "medium", "ci_purchasing_power": "high"})
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_target)
        self.company_cn.ci_purchase_intent = "low"
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_potential)
        self.company_cn.ci_purchasing_power = "none"
        self.assertFalse(self.company_cn.ci_customer_type_id)

    def test_rule_leaves_existing_customers_and_explicit_choices_alone(self):
        self.company_cn.ci_customer_type_id = self.type_existing
        self.company_cn.write({"ci_purchase_intent": "high", "ci_purchasing_power": "high"})
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_existing)
        # a type chosen in the same write wins over the rule
        self.company_de.write({
            "ci_purchase_intent": "high", "ci_purchasing_power": "high",
            "ci_customer_type_id": self.type_potential.id,
        })
        self.assertEqual(self.company_de.ci_customer_type_id, self.type_potential)

    def test_rule_applies_per_partner_in_a_batch_write(self):
        partners = self.company_cn | self.company_de
        self.company_de.ci_purchasing_power = "low"
        self.company_cn.ci_purchasing_power = "high"
        partners.ci_purchase_intent = "high"
        self.assertEqual(self.company_cn.ci_customer_type_id, self.type_target)
        self.assertEqual(self.company_de.ci_customer_type_id, self.type_potential)

    def test_region_comes_from_province_then_country(self):
        ref = self.env.ref
        self.assertEqual(self.company_cn.ci_region_id, ref("addon_customer_info.customer_region_cn_east"))
        self.assertEqual(self.company_de.ci_region_id, ref("addon_customer_info.customer_region_europe"))
        beijing = self.Partner.create({
            "name": "北京华信咨询有限公司", "is_company": True,
            "country_id": self.env.ref("base.cn").id, "state_id": self.env.ref("base.state_cn_BJ").id,
        })
        self.assertEqual(beijing.ci_region_id, self.env.ref("addon_customer_info.customer_region_cn_north"))
        chosen = self.env.ref("addon_customer_info.customer_region_rest_of_world")
        explicit = self.Partner.create({
            "name": "Explicit", "country_id": self.env.ref("base.de").id, "ci_region_id": chosen.id,
        })
        self.assertEqual(explicit.ci_region_id, chosen)

    def test_region_display_name_shows_the_path(self):
        east = self.env.ref("addon_customer_info.customer_region_cn_east")
        self.assertEqual(east.display_name, "Mainland China / East China")

    def test_classification_counts_and_lists_its_customers(self):
        level = self.env["customer.level"].create({"name": "Strategic", "code": "S"})
        (self.company_cn | self.company_de).ci_level_id = level
        self.assertEqual(level.partner_count, 2)
        action = level.action_view_partners()
        self.assertEqual(self.Partner.search(action["domain"]), self.company_cn | self.company_de)

    def test_codes_are_unique(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["customer.level"].create({"name": "Another A", "code": "A"})
