from contextlib import contextmanager

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user


class CustomerInfoCommon(TransactionCase):
    """Users per group and a small customer base shared by the addon's tests.

    Users (groups are graduated; each implies the ones above it in the list):

        user_plain ......... Internal User only (no Customer Information group)
        user_sales ......... Customer Information / User       (salesperson of company_cn)
        user_sales_other ... Customer Information / User       (another salesperson)
        user_manager ....... Customer Information / Manager
        user_credit ........ Customer Credit / Credit Manager  (implies User)
        user_admin_ci ...... Customer Information / Administrator (implies Manager and Credit Manager)

    Partners:

        company_cn  "上海启航信息技术有限公司" (company, Shanghai)   salesperson user_sales
          person_cn "赵磊" (person, contact of company_cn)
        company_de  "Elbtal Pumpen GmbH" (company)      salesperson user_sales_other
        person_free "Olivia Grant" (individual without company)
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.user_plain = new_test_user(cls.env, login="ci_plain", groups="base.group_user")
        cls.user_sales = new_test_user(
            cls.env, login="ci_sales", name="Li Na", groups="addon_customer_info.group_customer_info_user"
        )
        cls.user_sales_other = new_test_user(
            cls.env, login="ci_sales_other", name="Tom Baker",
            groups="addon_customer_info.group_customer_info_user",
        )
        cls.user_manager = new_test_user(
            cls.env, login="ci_manager", name="Zhao Min",
            groups="addon_customer_info.group_customer_info_manager",
        )
        cls.user_credit = new_test_user(
            cls.env, login="ci_credit", name="Sun Li",
            groups="addon_customer_info.group_customer_info_credit_manager",
        )
        cls.user_admin_ci = new_test_user(
            cls.env, login="ci_admin", name="Chen Jie", groups="addon_customer_info.group_customer_info_admin"
        )

        cls.Partner = cls.env["res.partner"]
        cls.company_cn = cls.Partner.create({
            "name": "上海启航信息技术有限公司",
            "is_company": True,
            "country_id": cls.env.ref("base.cn").id,
            "state_id": cls.env.ref("base.state_cn_SH").id,
            "city": "上海",
            "user_id": cls.user_sales.id,
        })
        cls.person_cn = cls.Partner.create({
            "name": "赵磊",
            "parent_id": cls.company_cn.id,
            "function": "采购总监",
            "email": "zhao.lei@qihang.example.cn",
        })
        cls.company_de = cls.Partner.create({
            "name": "Elbtal Pumpen GmbH",
            "is_company": True,
            "country_id": cls.env.ref("base.de").id,
            "city": "Hamburg",
            "user_id": cls.user_sales_other.id,
        })
        cls.person_free = cls.Partner.create({"name": "Olivia Grant", "email": "olivia@grant.example.com"})

    @classmethod
    def customer_type(cls, code):
        """The shipped customer type with ``code``."""
        return cls.env["customer.type"].search([("code", "=", code)])

    @contextmanager
    def assertRefused(self, fragment):
        """Expect a ValidationError whose message contains ``fragment``, rolled back to a savepoint."""
        with self.assertRaises(ValidationError) as caught:
            yield caught
        self.assertIn(fragment, str(caught.exception))
