import csv
import io

import openpyxl
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_sync import SyncCommon

MODULE = "addon_customer_info"
# what a worker sends with "run.cancelled" after batch 3 of 20
CANCELLED_PARAMS = {
    "batches_done": 3,
    "batches_total": 20,
    "rows_done": 1500,
    "rows_total": 10000,
    "last_row": 1501,
}
CHECKSUM_ZH = "统一社会信用代码 91350100M000100Y43 的校验码（最后一位）不符：有字符录入错误。"


@tagged("post_install", "-at_install")
class TestSyncMessages(SyncCommon):
    """What the worker says (a rejected row's reason, a run's message) each reader reads in their
    own language when the code is known, and as the worker wrote it otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms([MODULE], ["zh_CN"], overwrite=True)
        cls.user_manager_zh = new_test_user(
            cls.env,
            login="ci_manager_zh",
            name="Wang Fang",
            lang="zh_CN",
            groups="addon_customer_info.group_customer_info_manager",
        )
        cls.user_admin_zh = new_test_user(
            cls.env,
            login="ci_admin_zh",
            name="Liu Yang",
            lang="zh_CN",
            groups="addon_customer_info.group_customer_info_admin",
        )
        cls.user_manager.lang = "en_US"

    @staticmethod
    def read_as(user, records):
        """``records`` as ``user`` reads them in the web client: with the user's language."""
        return records.with_user(user).with_context(lang=user.lang)

    def _rejected_run(self):
        run = self.queue_run()
        self.Run._claim("w1")
        rejections = [
            (
                "uscc.checksum",
                "The check character (last) does not match: a character is mistyped.",
                "uscc",
                "91350100M000100Y43",
            ),
            (
                "phone.unparseable",
                "Not a phone number (The string supplied did not seem to be a phone "
                "number.); give digits with an optional +country code.",
                "mobile",
                "=1+1",
            ),
            ("vat.format", "Not a valid EU VAT number (The number has an invalid format.).", "vat", "XX12"),
            ("future.code", "A reason only a newer worker knows.", "email", "x@"),
        ]
        run.with_user(self.user_worker)._record_rows(
            [{"row": number, "outcome": "rejected"} for number in range(1, len(rejections) + 1)],
            [
                {
                    "row": number,
                    "external_key": f"row:{number}",
                    "rejected": {"code": code, "message": message, "field": field, "value": value},
                }
                for number, (code, message, field, value) in enumerate(rejections, start=1)
            ],
        )
        return run

    def _download(self, run, user, file_format):
        action = getattr(self.read_as(user, run), f"action_download_rejects_{file_format}")()
        return self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0])).raw

    def _csv_table(self, run, user):
        return list(csv.reader(io.StringIO(self._download(run, user, "csv").decode("utf-8-sig"))))

    # ------------------------------------------------------------
    # rejected rows
    # ------------------------------------------------------------

    def test_rejected_row_reason_in_the_readers_language(self):
        run = self._rejected_run()
        rows = run.reject_ids.sorted("row_number")
        zh = self.read_as(self.user_manager_zh, rows)
        self.assertEqual(zh[0].reason, CHECKSUM_ZH)
        self.assertEqual(
            zh[1].reason, "手机：=1+1 不是电话号码；请填写数字，可带 +国家代码。", "the field's label"
        )
        self.assertEqual(
            zh[2].reason,
            "XX12 不是有效的增值税号：应为国家前缀加本国号码，例如 DE136695976。",
            "vat.* family",
        )
        self.assertEqual(zh[3].reason, "A reason only a newer worker knows.", "unknown code: the stored text")
        self.assertEqual(zh[0].message, "The check character (last) does not match: a character is mistyped.")
        en = self.read_as(self.user_manager, rows)
        self.assertEqual(en.mapped("reason"), en.mapped("message"), "English readers read the worker's text")
        self.assertEqual(rows.with_context(lang="zh_CN")[0].reason, CHECKSUM_ZH, "the context's language")

    def test_rows_rejected_by_odoo_are_translated_too(self):
        run = self.queue_run()
        self.Run._claim("w1")
        rows = run.with_user(self.user_worker)._record_rows(
            [
                {
                    "row": 1,
                    "outcome": "rejected",
                    "code": "partner.unavailable",
                    "message": "The contact 999 to link to does not exist any more or is archived.",
                    "field": "partner_id",
                    "value": "999",
                }
            ]
        )
        self.assertEqual(
            self.read_as(self.user_manager_zh, rows).reason, "要关联的联系人 999 已不存在或已归档。"
        )

    def test_rejects_download_carries_the_translated_reason(self):
        run = self._rejected_run()
        table = self._csv_table(run, self.user_manager_zh)
        self.assertEqual(table[0][3], "原因")
        self.assertEqual(table[0][7], "详情")
        self.assertEqual(table[1][3], CHECKSUM_ZH)
        self.assertEqual(table[1][7], "The check character (last) does not match: a character is mistyped.")
        self.assertEqual(table[2][5], "'=1+1", "values still neutralised")
        self.assertTrue(table[2][3].startswith("手机："), "the reason is a text cell, not a formula")
        self.assertEqual(table[4][3], "A reason only a newer worker knows.")
        english = self._csv_table(run, self.user_manager)
        self.assertEqual(english[0][3], "Reason")
        self.assertEqual(english[1][3], "The check character (last) does not match: a character is mistyped.")
        sheet = openpyxl.load_workbook(io.BytesIO(self._download(run, self.user_manager_zh, "xlsx"))).active
        self.assertEqual(sheet.cell(row=2, column=4).value, CHECKSUM_ZH)
        for row in sheet.iter_rows():
            for cell in row:
                self.assertNotEqual(cell.data_type, "f", cell.value)

    # ------------------------------------------------------------
    # the run's message
    # ------------------------------------------------------------

    def _finish_cancelled(self, run, **codes):
        english = (
            "Cancelled on request: the worker stopped after batch 3 of 20. 1500 of 10000 rows were "
            "applied (the file up to row 1501); nothing after them was written."
        )
        self.Api.with_user(self.user_worker).finish_run(
            run_id=run.id, state="cancelled", message=english, **codes
        )
        return english

    def test_run_message_in_the_readers_language(self):
        run = self.queue_run()
        self.Run._claim("w1")
        english = self._finish_cancelled(run, message_code="run.cancelled", message_params=CANCELLED_PARAMS)
        self.assertEqual((run.message_code, run.message_params), ("run.cancelled", CANCELLED_PARAMS))
        self.assertEqual(
            self.read_as(self.user_manager_zh, run).message_display,
            "已按请求取消：同步服务在第 3 批（共 20 批）后停止。"
            "10000 行中已应用 1500 行（至文件第 1501 行）；其后的内容均未写入。",
        )
        self.assertEqual(self.read_as(self.user_manager, run).message_display, english)
        self.assertEqual(run.message, english, "the worker's text is kept")

    def test_run_message_without_code_or_unknown_code_is_the_stored_text(self):
        older, newer, broken = self.queue_run(), self.queue_run(), self.queue_run()
        for _run in range(3):
            self.Run._claim("w1")
        english = self._finish_cancelled(older)  # a worker without message codes
        self._finish_cancelled(newer, message_code="run.cancelled_elsewhere", message_params={"x": 1})
        self._finish_cancelled(broken, message_code="run.cancelled", message_params={"rows_done": 1})
        for run in (older, newer, broken):
            self.assertEqual(
                self.read_as(self.user_manager_zh, run).message_display, english, run.message_code
            )

    def test_gave_up_message_composed_in_chinese(self):
        run = self.queue_run()
        self.Run._claim("w1")
        params = {
            "failures": 3,
            "batch": 4,
            "first_row": 152,
            "last_row": 201,
            "batches_done": 3,
            "rows_done": 150,
            "error": "Odoo did not answer within 5 s (ODOO_TIMEOUT)",
        }
        run.with_user(self.user_worker)._finish(
            "failed",
            message="Gave up after 3 failed attempts …",
            message_code="run.gave_up",
            message_params=params,
        )
        self.assertEqual(
            self.read_as(self.user_manager_zh, run).message_display,
            "在第 4 批（文件第 152-201 行）连续失败 3 次后放弃；第 1-3 批（150 行）已应用并保留。"
            "最后的错误：Odoo did not answer within 5 s (ODOO_TIMEOUT)。"
            "重试会再次运行该文件：已应用的行将显示为未更改。",
        )

    def test_final_note_in_the_language_of_who_started_the_run(self):
        run = self.read_as(self.user_admin_zh, self.Run)._create_queued(self.source)
        run.sudo()._attach_file("leads.csv", b"a\n")
        self.Run._claim("w1")
        self._finish_cancelled(
            run,
            message_code="run.cancelled",
            message_params=CANCELLED_PARAMS,
        )
        body = run.message_ids[0].body
        self.assertIn("已取消：新建 0 条", body)
        self.assertIn("同步服务在第 3 批", body)

    def test_message_code_and_params_are_checked(self):
        run = self.queue_run()
        self.Run._claim("w1")
        with self.assertRaises(UserError):
            run._report_progress(
                1, message="x", message_code="run.resumed", message_params=["not", "a", "dict"]
            )
        with self.assertRaises(UserError):
            run._report_progress(1, message="x", message_code="c" * 65)
        run._report_progress(1, message="x", message_code="run.resumed", message_params={"note": "y" * 1000})
        self.assertEqual(len(run.message_params["note"]), 300, "parameters are capped")
        run._report_progress(2, message="plain")
        self.assertEqual(
            (run.message_code, run.message_params), (False, False), "a plain message clears the code"
        )
