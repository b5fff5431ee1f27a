import base64
import doctest
import io

import openpyxl
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, tagged

from ..tools import column_mapping  # noqa: TID252 (pylint-odoo wants relative imports)
from .common_sync import SyncCommon

GBK_LIST = (
    "2026年第四季度客户名单（ACME Data 提供）\n"
    "公司名称,联系人,手机,电子邮件,详细地址,销售额\n"
    "深圳市腾达科技有限公司,张伟,13800138000,zhang@tenda.cn,深圳市南山区科技园,100\n"
    "北京华彩印务有限公司,李娜,13900139000,li@huacai.cn,北京市朝阳区,200\n"
).encode("gbk")


@tagged("post_install", "-at_install")
class TestColumnMapping(BaseCase):
    def test_doctests(self):
        failed, attempted = doctest.testmod(column_mapping)
        self.assertGreater(attempted, 0)
        self.assertEqual(failed, 0)

    def test_every_field_has_chinese_and_english_synonyms(self):
        cases = {
            "name": [
                "公司名称",
                "企业名称",
                "单位名称",
                "客户名称",
                "name",
                "Company Name",
                "ＣＯＭＰＡＮＹ　ＮＡＭＥ",
            ],
            "mobile": ["手机", "手机号", "Mobile", "mobile phone"],
            "phone": ["电话", "座机", "Phone", "Tel.", "TEL"],
            "email": ["邮箱", "电子邮件", "Email", "E-mail", "e_mail"],
            "uscc": ["统一社会信用代码", "信用代码", "USCC"],
            "vat": ["税号", "VAT", "Tax ID"],
            "lei": ["LEI"],
            "country": ["国家", "Country"],
            "state": ["省", "省份", "Province"],
            "city": ["市", "城市", "City"],
            "district": ["区", "区县", "District"],
            "address": ["地址", "详细地址", "Address"],
            "zip": ["邮编", "邮政编码", "ZIP", "Postal Code"],
            "website": ["网址", "官网", "Website"],
            "function": ["职位", "职务", "Job Title"],
            "comment": ["备注", "Remarks", "Notes"],
            "street": ["街道", "Street"],
            "street2": ["Street 2"],
            "external_key": ["客户编号", "External ID"],
            "kind": ["客户类型", "Kind"],
            "company": ["所属公司", "Employer"],
        }
        self.assertEqual(set(cases), column_mapping.FIELD_NAMES, "every mappable field is covered")
        for field, headers in cases.items():
            for header in headers:
                self.assertEqual(column_mapping.field_for(header), field, header)
        self.assertEqual(column_mapping.field_for("姓名"), "name")
        self.assertEqual(column_mapping.field_for("手机号码（必填）"), "mobile")

    def test_person_next_to_a_company(self):
        mapping, unmapped = column_mapping.propose(["公司名称", "姓名", "手机", "销售额"])
        self.assertEqual(mapping, {"公司名称": "company", "姓名": "name", "手机": "mobile"})
        self.assertEqual(unmapped, ["销售额"])

    def test_saved_mapping_wins_and_can_leave_a_column_out(self):
        mapping, unmapped = column_mapping.propose(
            ["公司名称", "备注", "Email"], {"备注": "", "email ": "email"}
        )
        self.assertEqual(mapping, {"Email": "email", "公司名称": "name"})
        self.assertEqual(unmapped, ["备注"])


@tagged("post_install", "-at_install")
class TestSyncUpload(SyncCommon):
    def wizard(self, content, name):
        self.source.mapping_line_ids.unlink()
        return (
            self.env["customer.sync.upload"]
            .with_user(self.user_admin_ci)
            .create({"source_id": self.source.id, "file": base64.b64encode(content), "file_name": name})
        )

    def test_gbk_csv_with_a_title_row(self):
        wizard = self.wizard(GBK_LIST, "leads.csv")
        wizard.action_analyse()
        self.assertEqual(
            (wizard.file_type, wizard.encoding, wizard.delimiter, wizard.header_row),
            ("csv", "gb18030", ",", 2),
        )
        self.assertIn("gb18030", wizard.detected)
        fields_by_header = {line.header: line.field for line in wizard.line_ids}
        self.assertEqual(
            fields_by_header,
            {
                "公司名称": "company",
                "联系人": "name",
                "手机": "mobile",
                "电子邮件": "email",
                "详细地址": "address",
                "销售额": False,
            },
        )
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.header == "手机").sample, "13800138000")
        self.assertIn("深圳市腾达科技有限公司", wizard.preview)
        self.assertIn("北京华彩印务有限公司", wizard.preview)
        self.assertNotIn("2026年第四季度", wizard.preview, "the title row is not a data row")
        self.assertEqual(wizard.unmapped, "销售额")
        wizard.line_ids.filtered(lambda line: line.header == "销售额").field = "comment"
        action = wizard.action_start()
        run = self.Run.browse(action["res_id"])
        self.assertEqual((run.state, run.trigger, run.started_by), ("queued", "button", self.user_admin_ci))
        self.assertEqual((run.file_encoding, run.file_delimiter, run.file_header_row), ("gb18030", ",", 2))
        self.assertEqual(run.attachment_id.raw, GBK_LIST)
        self.assertEqual((run.attachment_id.res_model, run.attachment_id.res_id), (run._name, run.id))
        self.assertEqual(run.file_sha256, self.sha256(GBK_LIST))
        self.assertEqual(self.source.mapping["销售额"], "comment", "the mapping is saved to the source")
        self.assertEqual(self.source.mapping["公司名称"], "company")

    def test_preview_read_by_the_web_client(self):
        """The form reads the wizard with ``bin_size`` (binary fields as their size): the preview
        and the columns not imported still come from the file's content."""
        wizard = self.wizard(GBK_LIST, "leads.csv")
        wizard.action_analyse()
        wizard.invalidate_recordset()
        read = wizard.with_context(bin_size=True).web_read({"file": {}, "preview": {}, "unmapped": {}})[0]
        self.assertRegex(read["file"], r"^\d+ bytes$", "the web client gets a size, not the content")
        self.assertIn("深圳市腾达科技有限公司", read["preview"])
        self.assertEqual(read["unmapped"], "销售额")

    def test_saved_mapping_is_proposed_next_time(self):
        self.wizard(GBK_LIST, "a.csv")  # clears the mapping
        self.source._save_mapping({"销售额": "comment"})
        wizard = (
            self.env["customer.sync.upload"]
            .with_user(self.user_admin_ci)
            .create({"source_id": self.source.id, "file": base64.b64encode(GBK_LIST), "file_name": "b.csv"})
        )
        wizard.action_analyse()
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.header == "销售额").field, "comment")

    def test_utf8_bom_semicolons(self):
        content = "\ufeffName;E-mail;Tel\nElbtal Pumpen GmbH;info@elbtal.example;+49 40 1234\n".encode()
        wizard = self.wizard(content, "de.csv")
        wizard.action_analyse()
        self.assertEqual((wizard.encoding, wizard.delimiter, wizard.header_row), ("utf-8-sig", ";", 1))
        self.assertEqual(
            {line.header: line.field for line in wizard.line_ids},
            {"Name": "name", "E-mail": "email", "Tel": "phone"},
        )

    def test_xlsx_with_junk_above_the_header(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["客户名单 2026"])
        sheet.append([])
        sheet.append(["企业名称", "统一社会信用代码", "手机号", "邮箱"])
        sheet.append(["上海启航信息技术有限公司", "91310000MA1FL0000X", 13800138000, "info@qihang.cn"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self.wizard(buffer.getvalue(), "list.xlsx")
        wizard.action_analyse()
        self.assertEqual((wizard.file_type, wizard.header_row), ("xlsx", 3))
        self.assertFalse(wizard.encoding)
        self.assertEqual(
            {line.header: line.field for line in wizard.line_ids},
            {"企业名称": "name", "统一社会信用代码": "uscc", "手机号": "mobile", "邮箱": "email"},
        )
        self.assertIn("13800138000", wizard.preview, "a phone stored as a number reads as its digits")
        run = self.Run.browse(wizard.action_start()["res_id"])
        self.assertEqual((run.file_header_row, run.file_encoding, run.file_delimiter), (3, False, False))

    def test_bad_bytes_are_refused_not_guessed(self):
        wizard = self.wizard(b"\xff\xfe\xfd\x81\x00\x81" * 50 + b"\x80", "broken.csv")
        with self.assertRaises(UserError):
            wizard.action_analyse()
            wizard.action_start()

    def test_only_admins_upload(self):
        with self.assertRaises(AccessError):
            self.env["customer.sync.upload"].with_user(self.user_manager).create(
                {"source_id": self.source.id, "file": base64.b64encode(GBK_LIST)}
            )

    def test_upload_and_run_now_are_offered_to_admins_only(self):
        """A manager may read a source (its runs link to it) but neither upload nor run it: the
        form does not offer buttons that end in an access error."""
        for user, shown in ((self.user_admin_ci, True), (self.user_manager, False)):
            arch = self.Source.with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
            for method in ("action_open_upload", "action_run_now"):
                self.assertEqual(f'name="{method}"' in arch, shown, f"{method} for {user.login}")

    def test_chinese_reader_sees_the_preview_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["addon_customer_info"], ["zh_CN"], overwrite=True)
        content = "公司名称;电子邮件\n深圳市腾达科技有限公司;zhang@tenda.cn\n".encode()
        wizard = self.wizard(content, "zh.csv").with_context(lang="zh_CN")
        wizard.action_analyse()
        self.assertEqual(wizard.delimiter, ";")
        self.assertIn("分号", wizard.detected, "the delimiter is named in the reader's language")
        self.assertNotIn("semicolon", wizard.detected)
        self.assertIn("<th>电子邮件<br/>", wizard.preview, "column titles are the field names in Chinese")
        self.assertNotIn("Email", wizard.preview)
        self.assertFalse(wizard.unmapped)
        english = self.wizard(content, "en.csv").with_context(lang="en_US")
        english.action_analyse()
        self.assertIn("separated by semicolon", english.detected)
        self.assertIn("<th>Email<br/>", english.preview)
