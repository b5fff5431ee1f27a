import datetime

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CustomerInfoCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestCustomerRelation(CustomerInfoCommon):
    """Typed relations: allowed kinds, overlaps, symmetric types, labels from both sides, search."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Relation = cls.env["customer.relation"]
        ref = cls.env.ref
        cls.decision_maker = ref("addon_customer_info.customer_relation_type_decision_maker")
        cls.spouse = ref("addon_customer_info.customer_relation_type_spouse")
        cls.subsidiary = ref("addon_customer_info.customer_relation_type_subsidiary")
        cls.person_de = cls.Partner.create({"name": "Jonas Weber", "parent_id": cls.company_de.id})
        cls.person_spouse = cls.Partner.create({"name": "李娜"})

    def _relate(self, left, relation_type, right, **values):
        return self.Relation.create({
            "left_partner_id": left.id, "type_id": relation_type.id, "right_partner_id": right.id, **values,
        })

    # allowed kinds per side -------------------------------------------------

    def test_allowed_partner_kinds_per_side(self):
        self._relate(self.person_cn, self.decision_maker, self.company_cn)
        with self.assertRefused("kind"):
            self._relate(self.company_de, self.decision_maker, self.company_cn)  # a company is no person
        with self.assertRefused("kind"):
            self._relate(self.person_cn, self.decision_maker, self.person_de)  # a person is no company
        with self.assertRefused("kind"):
            self._relate(self.person_cn, self.subsidiary, self.company_de)

    def test_no_relation_with_itself(self):
        with self.assertRaises(ValidationError):
            self._relate(self.person_cn, self.spouse, self.person_cn)

    def test_dates_must_be_in_order(self):
        with self.assertRaises(ValidationError):
            self._relate(self.person_cn, self.decision_maker, self.company_cn,
                         date_start=D(2024, 1, 1), date_end=D(2023, 1, 1))

    # overlaps ---------------------------------------------------------------

    def test_same_type_cannot_overlap_but_can_follow(self):
        self._relate(self.person_cn, self.decision_maker, self.company_cn,
                     date_start=D(2018, 1, 1), date_end=D(2020, 12, 31))
        with self.assertRefused("overlapping"):
            self._relate(self.person_cn, self.decision_maker, self.company_cn, date_start=D(2020, 6, 1))
        with self.assertRefused("overlapping"):
            self._relate(self.person_cn, self.decision_maker, self.company_cn)  # open-ended on both sides
        later = self._relate(self.person_cn, self.decision_maker, self.company_cn, date_start=D(2021, 1, 1))
        self.assertTrue(later.is_current)
        # a different partner or type is no overlap
        self._relate(self.person_de, self.decision_maker, self.company_cn, date_start=D(2019, 1, 1))
        self._relate(self.person_cn, self.env.ref("addon_customer_info.customer_relation_type_influencer"),
                     self.company_cn, date_start=D(2019, 1, 1))
        # moving a relation into an overlap is refused too
        with self.assertRefused("overlapping"):
            later.date_start = D(2020, 12, 1)

    def test_symmetric_type_overlaps_in_both_directions(self):
        self._relate(self.person_cn, self.spouse, self.person_spouse, date_start=D(2010, 10, 1))
        with self.assertRefused("overlapping"):
            self._relate(self.person_spouse, self.spouse, self.person_cn)

    def test_non_symmetric_type_may_run_both_ways(self):
        reports = self.env.ref("addon_customer_info.customer_relation_type_reports_to")
        before = self._relate(self.person_cn, reports, self.person_spouse, date_end=D(2019, 12, 31))
        after = self._relate(self.person_spouse, reports, self.person_cn, date_start=D(2020, 1, 1))
        self.assertEqual((before.is_current, after.is_current), (False, True))
        # the reverse direction is another relation, not an overlap; the same direction is
        with self.assertRefused("overlapping"):
            self._relate(self.person_cn, reports, self.person_spouse, date_start=D(2019, 6, 1))

    def test_symmetric_types_need_the_same_kind_on_both_sides_and_inverse_names_otherwise(self):
        Type = self.env["customer.relation.type"]
        with self.assertRaises(ValidationError):
            Type.create({"name": "knows", "symmetric": True, "left_kind": "person", "right_kind": "company"})
        with self.assertRaises(ValidationError):
            Type.create({"name": "supplies", "left_kind": "company", "right_kind": "company"})

    # labels from each side ---------------------------------------------------

    def test_inverse_labels_seen_from_each_side(self):
        relation = self._relate(self.person_cn, self.decision_maker, self.company_cn)
        from_person = relation.with_context(ci_partner_id=self.person_cn.id)
        self.assertEqual(from_person.label, "is decision maker at")
        self.assertEqual(from_person.this_partner_id, self.person_cn)
        self.assertEqual(from_person.other_partner_id, self.company_cn)
        self.assertEqual(from_person.display_name, "赵磊 is decision maker at 上海启航信息技术有限公司")
        from_company = relation.with_context(ci_partner_id=self.company_cn.id)
        self.assertEqual(from_company.label, "has decision maker")
        self.assertEqual(from_company.this_partner_id, self.company_cn)
        self.assertEqual(from_company.other_partner_id, self.person_cn)
        self.assertEqual(from_company.directed_type, f"-{self.decision_maker.id}")
        self.assertEqual(from_company.display_name, "上海启航信息技术有限公司 has decision maker 赵磊")
        # the partner form lists the same row on both partners, each with its own label
        self.assertEqual(self.person_cn.ci_relation_ids, relation)
        self.assertEqual(self.company_cn.ci_relation_ids, relation)
        self.assertEqual(self.company_cn.ci_relation_count, 1)
        company_view = self.company_cn.with_context(ci_partner_id=self.company_cn.id)
        self.assertEqual(company_view.ci_relation_ids.mapped("label"), ["has decision maker"])

    def test_partner_form_reads_its_relations_from_its_side(self):
        self._relate(self.person_cn, self.decision_maker, self.company_cn)
        other = {"fields": {"display_name": {}}}
        spec = {"ci_relation_ids": {"fields": {"label": {}, "other_partner_id": other}}}
        [company_values] = self.company_cn.web_read(spec)
        [row] = company_values["ci_relation_ids"]
        self.assertEqual(row["label"], "has decision maker")
        self.assertEqual(row["other_partner_id"]["display_name"], "上海启航信息技术有限公司, 赵磊")
        [person_values] = self.person_cn.web_read(spec)
        self.assertEqual(person_values["ci_relation_ids"][0]["label"], "is decision maker at")

    def test_symmetric_label_is_the_same_from_both_sides(self):
        relation = self._relate(self.person_cn, self.spouse, self.person_spouse)
        for viewer in (self.person_cn, self.person_spouse):
            self.assertEqual(relation.with_context(ci_partner_id=viewer.id).label, "is spouse of")

    def test_create_from_the_right_side_with_the_inverse_name(self):
        """From the company's form: "has decision maker" Jonas Weber stores Hans on the left."""
        relation = self.Relation.with_context(ci_partner_id=self.company_de.id).create({
            "this_partner_id": self.company_de.id,
            "directed_type": f"-{self.decision_maker.id}",
            "other_partner_id": self.person_de.id,
        })
        self.assertEqual(relation.left_partner_id, self.person_de)
        self.assertEqual(relation.right_partner_id, self.company_de)
        self.assertEqual(relation.type_id, self.decision_maker)
        # and flipping the direction in a write swaps the sides
        subsidiary = self._relate(self.company_de, self.subsidiary, self.company_cn)
        from_de = subsidiary.with_context(ci_partner_id=self.company_de.id)
        from_de.write({"directed_type": f"-{self.subsidiary.id}"})
        self.assertEqual(subsidiary.left_partner_id, self.company_cn)
        self.assertEqual(subsidiary.right_partner_id, self.company_de)

    def test_form_offers_both_directions_and_saves_the_sides(self):
        selection = dict(self.Relation._selection_directed_type())
        self.assertEqual(selection[str(self.decision_maker.id)], "is decision maker at")
        self.assertEqual(selection[f"-{self.decision_maker.id}"], "has decision maker")
        self.assertNotIn(f"-{self.spouse.id}", selection)
        action = self.company_cn.action_ci_add_relation()
        form = Form(self.Relation.with_context(**action["context"]))
        self.assertEqual(form.this_partner_id, self.company_cn)
        form.directed_type = f"-{self.decision_maker.id}"
        form.other_partner_id = self.person_cn
        relation = form.save()
        self.assertEqual(relation.left_partner_id, self.person_cn)
        self.assertEqual(relation.right_partner_id, self.company_cn)

    # search ------------------------------------------------------------------

    def test_search_companies_where_x_is_decision_maker(self):
        self._relate(self.person_cn, self.decision_maker, self.company_cn)
        self._relate(self.person_cn, self.decision_maker, self.company_de, date_end=D(2019, 1, 1))
        self._relate(self.person_de, self.decision_maker, self.company_de, date_start=D(2019, 1, 2))
        domain = self.Partner._ci_relation_domain(self.decision_maker, self.person_cn)
        self.assertEqual(self.Partner.search(domain), self.company_cn | self.company_de)
        # the other way round: the decision makers of a company
        makers = self.Partner.search(self.Partner._ci_relation_domain(
            self.decision_maker, self.company_de, this_side="left"))
        self.assertEqual(makers, self.person_cn | self.person_de)
        # the "Has Decision Maker" field of the contacts search view
        view_domain = [("ci_relation_right_ids", "any", [
            ("type_id.code", "=", "decision_maker"), ("left_partner_id", "ilike", "赵磊")])]
        self.assertEqual(self.Partner.search(view_domain), self.company_cn | self.company_de)
        # related partners, whatever the relation and side
        self.assertEqual(
            self.Partner.search([("ci_related_partner_ids", "in", self.person_cn.ids)]),
            self.company_cn | self.company_de,
        )
        # the relations list, searched by partner on either side
        self.assertEqual(len(self.Relation.search([("partner_ids", "in", self.company_de.ids)])), 2)
        self.assertEqual(len(self.Relation.search([("partner_ids", "not in", self.company_de.ids),
                                                   ("partner_ids", "in", self.person_cn.ids)])), 1)

    def test_symmetric_search_finds_both_sides(self):
        self._relate(self.person_spouse, self.spouse, self.person_cn)
        by_relation = self.Partner._ci_relation_domain
        self.assertEqual(self.Partner.search(by_relation(self.spouse, self.person_cn)), self.person_spouse)
        self.assertEqual(self.Partner.search(by_relation(self.spouse, self.person_spouse)), self.person_cn)

    def test_current_filter(self):
        old = self._relate(self.person_cn, self.decision_maker, self.company_de, date_end=D(2019, 1, 1))
        now = self._relate(self.person_cn, self.decision_maker, self.company_cn, date_start=D(2019, 1, 1))
        current = self.Relation.search([("is_current", "=", True), ("id", "in", (old | now).ids)])
        ended = self.Relation.search([("is_current", "=", False), ("id", "in", (old | now).ids)])
        self.assertEqual((current, ended), (now, old))
