import base64

from odoo.tests import HttpCase, tagged
from odoo.tools import file_open

TOUR_FILE = "addon_customer_info/static/tests/data/customer_sync_tour_leads.csv"


@tagged("-at_install", "post_install")
class TestCustomerSyncUploadUi(HttpCase):
    """Through the browser: upload a GBK purchased list to its source and start a run.

    The tour stops at the queued run (no worker here); tests/odoo/test_sync_upload_tour.py runs
    the same steps against a live Odoo with a real worker until the run is done.
    """

    def test_upload_tour_queues_a_run_with_the_file_and_the_mapping(self):
        Run = self.env["customer.sync.run"]
        source = self.env["customer.sync.source"].create(
            {
                "name": "Tour Leads East China",
                "type": "purchased_list",
                "vendor": "East China Data",
                "legal_basis": "legitimate_interest",
            }
        )
        with file_open(TOUR_FILE, "rb") as handle:
            content = handle.read()
        # the tour's assumptions: admin configures sources, the list is GBK with a title row,
        # nothing is mapped or run yet
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("addon_customer_info.group_customer_info_admin")
        )
        with self.assertRaises(UnicodeDecodeError):
            content.decode("utf-8")
        self.assertTrue(content.decode("gbk").startswith("华东客户名录"))
        self.assertFalse(source.mapping_line_ids or Run.search([("source_id", "=", source.id)]))
        partners_before = self.env["res.partner"].search_count([])

        self.start_tour("/odoo", "customer_sync_upload_queued_tour", login="admin")

        run = Run.search([("source_id", "=", source.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual(
            (run.state, run.trigger, run.started_by, run.dry_run),
            ("queued", "button", self.env.ref("base.user_admin"), False),
        )
        self.assertEqual(run.attachment_id.raw, content, "the file as uploaded, byte for byte")
        self.assertEqual(base64.b64decode(run.attachment_id.datas), content)
        self.assertEqual((run.attachment_id.res_model, run.attachment_id.res_id), (Run._name, run.id))
        self.assertEqual(run.file_name, "customer_sync_tour_leads.csv")
        self.assertEqual(run.file_size, len(content))
        self.assertEqual(
            (run.file_encoding, run.file_delimiter, run.file_header_row),
            ("gb18030", ",", 2),
            "the worker reads the file as the wizard detected it: GBK, commas, header below the title",
        )
        self.assertEqual(
            source.mapping,
            {
                "公司名称": "name",
                "统一社会信用代码": "uscc",
                "手机": "mobile",
                "邮箱": "email",
                "城市": "city",
                "对接说明": "comment",
            },
            "the proposed mapping and the admin's edit are saved to the source",
        )
        self.assertEqual(
            self.env["res.partner"].search_count([]), partners_before, "Odoo imports nothing: the worker does"
        )
