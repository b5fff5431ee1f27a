import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from .common_sync import SyncCommon


@tagged("post_install", "-at_install", "security")
class TestSyncSourceCredentials(SyncCommon):
    """Only administrators and the integration user read a source's credentials; nobody exports,
    copies or logs them."""

    def test_admin_and_integration_read_the_secret(self):
        for user in (self.user_admin_ci, self.user_worker):
            source = self.source.with_user(user)
            self.assertEqual(source.read(["credentials"])[0]["credentials"], "s3cr3t-api-key", user.login)
            self.assertIn("credentials", source.fields_get(), user.login)

    def test_others_cannot_read_the_secret(self):
        for user in (self.user_manager, self.user_sales, self.user_plain):
            Source = self.Source.with_user(user)
            self.assertNotIn("credentials", Source.fields_get(), user.login)
            with self.assertRaises(AccessError, msg=user.login):
                self.source.with_user(user).read(["credentials"])
            with self.assertRaises(AccessError, msg=user.login):
                Source.search_read([("id", "=", self.source.id)], ["credentials"])
            with self.assertRaises(AccessError, msg=user.login):
                Source.search([("credentials", "=", "s3cr3t-api-key")])
            with self.assertRaises(AccessError, msg=user.login):
                Source.formatted_read_group([], ["credentials"], ["__count"])
            with self.assertRaises(AccessError, msg=user.login):
                Source.formatted_read_grouping_sets([], [["credentials"]], ["__count"])
            with self.assertRaises(AccessError, msg=user.login):
                Source.web_read_group([], ["credentials"], ["__count"])
            with self.assertRaises(AccessError, msg=user.login):
                Source.search([], order="credentials")
            with self.assertRaises(AccessError, msg=user.login):
                self.source.with_user(user).export_data(["name", "credentials"])

    def test_manager_reads_the_source_but_not_the_secret(self):
        values = self.source.with_user(self.user_manager).read(["name", "has_credentials"])[0]
        self.assertEqual(values["name"], "Leads 2026 Q4")
        self.assertTrue(values["has_credentials"])
        with self.assertRaises(AccessError):
            self.source.with_user(self.user_manager).write({"name": "Renamed"})

    def test_nobody_exports_the_secret(self):
        for user in (self.user_admin_ci, self.user_worker):
            with self.assertRaises(AccessError, msg=user.login):
                self.source.with_user(user).export_data(["credentials"])
        rows = self.source.with_user(self.user_admin_ci).export_data(["name", "vendor"])["datas"]
        self.assertEqual(rows, [["Leads 2026 Q4", "ACME Data"]])
        self.assertFalse(self.Source.fields_get(["credentials"], ["exportable"])["credentials"]["exportable"])

    def test_secret_is_not_copied(self):
        copy = self.source.with_user(self.user_admin_ci).copy({"name": "Leads copy"})
        self.assertFalse(copy.credentials)
        self.assertEqual(copy.mapping, self.source.mapping)

    def test_secret_never_in_the_audit_log_or_list_view(self):
        self.source.with_user(self.user_admin_ci).write({"credentials": "new-secret-value"})
        lines = self.env["customer.audit.log.line"].search([("field_name", "=", "credentials")])
        self.assertTrue(lines, "the change of the secret is traceable")
        for line in lines:
            self.assertFalse(line.old_value or line.new_value)
            self.assertTrue(line.sensitive)
        logged = self.env["customer.audit.log.line"].search(
            ["|", ("old_value", "ilike", "secret"), ("new_value", "ilike", "secret")]
        )
        self.assertFalse(logged)
        arch = self.Source.with_user(self.user_admin_ci).get_view(view_type="list")["arch"]
        self.assertNotIn("credentials", arch)
        form = self.Source.with_user(self.user_admin_ci).get_view(view_type="form")["arch"]
        self.assertIn('password="True"', form)
        form_manager = self.Source.with_user(self.user_manager).get_view(view_type="form")["arch"]
        self.assertNotIn('name="credentials"', form_manager)


@tagged("post_install", "-at_install")
class TestSyncSource(SyncCommon):
    def test_mapping_and_trust_as_the_worker_gets_them(self):
        self.assertEqual(self.source.mapping, {"公司名称": "name", "手机": "mobile"})
        self.assertEqual(self.source._trust_map(), {"default": 40, "email": 60})
        self.source._save_mapping({"企业名称": "name", "邮箱": "email", "junk": "not_a_field"})
        self.assertEqual(self.source.mapping, {"企业名称": "name", "邮箱": "email"})
        values = self.source._contract_values()
        self.assertEqual(values["vendor"], "ACME Data")
        self.assertEqual(values["default_region"], "CN")
        self.assertNotIn("credentials", values)

    def test_trust_is_bounded(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.source.default_trust = 101
            self.source.flush_recordset()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.source.trust_line_ids.trust = -1
            self.source.flush_recordset()
            self.source.trust_line_ids.flush_recordset()

    def test_schedule_and_due_sources(self):
        now = datetime.datetime(2026, 12, 3, 8, 0, 0)
        self.assertFalse(self.Source._due(now), "nothing is scheduled")
        self.source.write({"schedule_unit": "hours", "schedule_interval": 6, "next_run_at": now})
        self.assertEqual(self.Source._due(now), self.source)
        self.assertFalse(self.Source._due(now - datetime.timedelta(minutes=1)))
        self.queue_run()
        self.assertFalse(self.Source._due(now), "a queued run: not due again")
        self.source._schedule_next(now)
        self.assertEqual(self.source.next_run_at, now + datetime.timedelta(hours=6))
        self.source.active = False
        self.assertFalse(self.Source._due(now + datetime.timedelta(days=1)))

    def test_buttons(self):
        action = self.source.action_open_upload()
        self.assertEqual(action["res_model"], "customer.sync.upload")
        self.assertEqual(action["context"]["default_source_id"], self.source.id)
        with self.assertRaises(UserError):
            self.source.action_run_now()  # a list without an inbox: upload instead
        action = self.source_registry.action_run_now()
        run = self.Run.browse(action["res_id"])
        self.assertEqual((run.state, run.trigger, run.source_id), ("queued", "button", self.source_registry))
        self.assertEqual(self.source_registry.run_count, 1)
        self.assertEqual(self.source_registry.last_run_id, run)
