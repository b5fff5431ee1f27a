from lxml import etree
from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CustomerInfoCommon

ANALYSIS_ACTIONS = (
    "addon_customer_info.action_customer_analysis",
    "addon_customer_info.customer_activity_action_analysis",
    "addon_customer_info.customer_activity_action_spend",
    "addon_customer_info.customer_credit_rating_action_analysis",
    "addon_customer_info.action_customer_data_quality",
)


@tagged("post_install", "-at_install")
class TestAnalysis(CustomerInfoCommon):
    """The indicators behind the pivot and graph views, grouped as the views group them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.level_a = ref("addon_customer_info.customer_level_a")
        cls.source_fair = ref("addon_customer_info.customer_source_exhibition")
        cls.gift = ref("addon_customer_info.customer_activity_type_gift")
        cls.call = ref("addon_customer_info.customer_activity_type_call")
        (cls.company_cn | cls.company_de).write({
            "ci_level_id": cls.level_a.id, "ci_source_id": cls.source_fair.id,
        })

    def test_customers_by_classification_and_new_per_month(self):
        partners = self.company_cn | self.company_de | self.person_free
        domain = [("id", "in", partners.ids)]
        by_region = dict(self.Partner._read_group(domain, ["ci_region_id"], ["__count"]))
        self.assertEqual(by_region[self.env.ref("addon_customer_info.customer_region_cn_east")], 1)
        self.assertEqual(by_region[self.env.ref("addon_customer_info.customer_region_europe")], 1)
        by_level_source = self.Partner._read_group(domain, ["ci_level_id", "ci_source_id"], ["__count"])
        self.assertIn((self.level_a, self.source_fair, 2), by_level_source)
        # new customers per month: by the date they became customers, not when the record was made
        self.company_cn.ci_customer_since = fields.Date.to_date("2024-03-15")
        self.company_de.ci_customer_since = fields.Date.to_date("2025-11-02")
        graph_view = self.env.ref("addon_customer_info.res_partner_view_graph_customer_analysis")
        graph = etree.fromstring(self.Partner.get_view(graph_view.id, "graph")["arch"])
        first = graph.find("field")
        groupby = f"{first.get('name')}:{first.get('interval')}"
        self.assertEqual(groupby, "ci_customer_since:month")
        per_month = dict(self.Partner._read_group(domain, [groupby], ["__count"]))
        self.assertEqual(per_month[fields.Date.to_date("2024-03-01")], 1)
        self.assertEqual(per_month[fields.Date.to_date("2025-11-01")], 1)

    def test_activity_volume_and_gift_spend_per_customer_and_salesperson(self):
        Activity = self.env["customer.activity"]
        now = fields.Datetime.now()
        for partner, user, activity_type, amount in (
            (self.company_cn, self.user_sales, self.gift, 300.0),
            (self.company_cn, self.user_sales, self.gift, 200.0),
            (self.company_cn, self.user_manager, self.call, 0.0),
            (self.company_de, self.user_sales_other, self.gift, 80.0),
        ):
            Activity.create({"name": "x", "partner_id": partner.id, "user_id": user.id, "date": now,
                             "type_id": activity_type.id, "amount": amount})
        domain = [("commercial_partner_id", "in", (self.company_cn | self.company_de).ids)]
        spend = {
            (partner, user): (count, total)
            for partner, user, count, total in Activity._read_group(
                [*domain, ("type_id.code", "=", "gift")], ["commercial_partner_id", "user_id"],
                ["__count", "amount:sum"],
            )
        }
        self.assertEqual(spend[(self.company_cn, self.user_sales)], (2, 500.0))
        self.assertEqual(spend[(self.company_de, self.user_sales_other)], (1, 80.0))
        volume = dict(Activity._read_group(domain, ["type_id"], ["__count"]))
        self.assertEqual((volume[self.gift], volume[self.call]), (3, 1))

    def _default_filters(self, action):
        """The search view's filters an action switches on by default (search_default_*)."""
        context = safe_eval(action.context or "{}")
        Model = self.env[action.res_model]
        arch = etree.fromstring(Model.get_view(action.search_view_id.id, "search")["arch"])
        return [
            node for node in arch.iter("filter")
            if context.get(f"search_default_{node.get('name')}")
        ]

    def test_analysis_opens_on_useful_groupings(self):
        for xmlid in ANALYSIS_ACTIONS:
            action = self.env.ref(xmlid)
            Model = self.env[action.res_model]
            defaults = self._default_filters(action)
            default_groupbys = [
                safe_eval(node.get("context"))["group_by"]
                for node in defaults
                if "group_by" in (node.get("context") or "")
            ]
            # a default grouping replaces the rows of the pivot: it must not repeat its columns
            pivot = None
            if "pivot" in action.view_mode:
                bound = action.view_ids.filtered(lambda view: view.view_mode == "pivot").view_id
                pivot = etree.fromstring(Model.get_view(bound.id or False, "pivot")["arch"])
            if pivot is not None:
                rows = default_groupbys or [
                    n.get("name") for n in pivot.iter("field") if n.get("type") == "row"
                ]
                cols = [n.get("name") for n in pivot.iter("field") if n.get("type") == "col"]
                self.assertFalse(set(rows) & set(cols), f"{xmlid}: the pivot crosses {rows} with {cols}")
            # and no analysis opens on one period only
            periods = [node.get("name") for node in defaults if node.get("date")]
            self.assertFalse(periods, f"{xmlid} opens on the current period of {periods}")

    def test_analysis_actions_open_for_a_manager(self):
        for xmlid in ANALYSIS_ACTIONS:
            action = self.env.ref(xmlid)
            model = self.env[action.res_model].with_user(self.user_manager)
            modes = action.view_mode.split(",")
            views = model.get_views([(False, mode) for mode in modes])
            self.assertEqual(set(views["views"]), set(modes), xmlid)
            model.search_count(safe_eval(action.domain or "[]"))  # the static domain runs for a manager
