import re

from lxml import etree
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, TranslationModuleReader

MODULE = "addon_customer_info"
ASCII_LABELS = {"ID", "SMS", "IP"}
"""Headers that read the same in Chinese."""


@tagged("post_install", "-at_install")
class TestTranslation(TransactionCase):
    """The zh_CN translation covers every term the module adds, and Odoo uses it."""

    def test_zh_cn_translates_every_term_of_the_module(self):
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        terms = {row[4] for row in reader if row[0] == MODULE}
        self.assertGreater(len(terms), 300)
        po = PoFileReader(file_path(f"{MODULE}/i18n/zh_CN.po"))
        translations = {entry["src"]: entry["value"] for entry in po}
        self.assertFalse(sorted(terms - translations.keys()), "terms without a zh_CN entry")
        empty = sorted(src for src, value in translations.items() if not value.strip())
        self.assertFalse(empty, "empty msgstr")
        untranslated = sorted(src for src, value in translations.items() if value == src and src.isascii())
        self.assertLessEqual(set(untranslated), {"ID", "SMS"}, "copied instead of translated")

    def test_chinese_text_has_no_space_between_characters(self):
        """A line break inside a view's Chinese text is shown as a space ("分类， 并将"): Chinese
        text runs on without one, so the translation keeps no break between two characters."""
        po = PoFileReader(file_path(f"{MODULE}/i18n/zh_CN.po"))
        cjk = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
        gap = re.compile(f"[{cjk}]\\s+[{cjk}]")
        spaced = sorted(entry["value"][:60] for entry in po if gap.search(entry["value"]))
        self.assertFalse(spaced, "zh_CN texts with a space or line break between two characters")

    def test_chinese_users_see_chinese_labels_and_data(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms([MODULE], ["zh_CN"], overwrite=True)
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        self.assertEqual(zh.ref(f"{MODULE}.customer_type_target").name, "目标客户")
        self.assertEqual(zh.ref(f"{MODULE}.customer_nature_state_owned").name, "国有企业（国资委监管）")
        self.assertEqual(zh.ref(f"{MODULE}.customer_region_cn_east").display_name, "中国大陆 / 华东")
        self.assertEqual(zh["res.partner"].fields_get(["ci_level_id"])["ci_level_id"]["string"], "客户等级")
        company = zh["res.partner"].create({"name": "测试公司", "is_company": True})
        person = zh["res.partner"].create({"name": "测试人"})
        relation = zh["customer.relation"].create({
            "left_partner_id": person.id, "right_partner_id": company.id,
            "type_id": zh.ref(f"{MODULE}.customer_relation_type_decision_maker").id,
        })
        from_company = relation.with_context(ci_partner_id=company.id)
        self.assertEqual(from_company.display_name, "测试公司 决策人是 测试人")
        self.assertEqual(relation.with_context(ci_partner_id=person.id).label, "担任决策人于")

    def test_provenance_names_the_province_not_a_status(self):
        """The Where This Came From tab lists the fields a source set: the province (state_id) must
        not read as the status of the row (the State column next to it, 状态)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms([MODULE], ["zh_CN"], overwrite=True)
        Provenance = self.env["customer.field.provenance"].with_context(lang="zh_CN")
        described = Provenance.fields_get(["field_name", "state"], ["selection", "string"])
        field_labels = dict(described["field_name"]["selection"])
        self.assertEqual(field_labels["state_id"], "省份 / 州")
        self.assertNotEqual(field_labels["state_id"], described["state"]["string"])

    def test_every_list_column_reads_in_chinese(self):
        """Column headers come from field labels, translated per field (a msgid in the .po is not
        enough: each field needs its own reference) or from the view's string; lists embedded in
        forms (a contact's consent, an audit entry's changes) count too."""
        self.env["res.lang"]._activate_lang("zh_CN")
        installed = self.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name")
        self.env["ir.module.module"]._load_module_terms(installed, ["zh_CN"], overwrite=True)
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        view_data = zh["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.ui.view")])
        views = zh["ir.ui.view"].browse(view_data.mapped("res_id"))
        roots = set()
        for view in views.filtered(lambda view: view.type in ("list", "form")):
            while view.inherit_id and view.mode != "primary":
                view = view.inherit_id
            roots.add(view)
        self.assertGreater(len(roots), 10)
        untranslated, columns = set(), []

        def check(node, Model, where):
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                if child.tag != "field":
                    check(child, Model, where)
                    continue
                field = Model._fields.get(child.get("name"))
                if node.tag == "list" and child.get("column_invisible") not in ("True", "1"):
                    columns.append(child)
                    label = child.get("string") or (field._description_string(zh) if field else "")
                    if label.isascii() and label not in ASCII_LABELS:
                        untranslated.add(f"{where}: {Model._name}.{child.get('name')} ({label})")
                if field is not None and field.relational:
                    for sub_view in child:
                        if isinstance(sub_view.tag, str):
                            check(sub_view, zh[field.comodel_name], where)

        for view in roots:
            Model = zh[view.model]
            wrapper = etree.Element("view")  # a list view's own columns are its root's children
            wrapper.append(etree.fromstring(Model.get_view(view.id, view.type)["arch"]))
            check(wrapper, Model, view.xml_id)
        self.assertGreater(len(columns), 200, "the views' columns were found")
        self.assertFalse(sorted(untranslated), "list columns without a Chinese header")
