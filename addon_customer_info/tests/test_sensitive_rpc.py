import datetime
import json

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

MODULE = "addon_customer_info"
MUTED = (
    "odoo.addons.base.models.ir_model",
    "odoo.addons.base.models.ir_rule",
    "odoo.models",
    "odoo.http",
)


@tagged("post_install", "-at_install", "security")
class TestSensitiveDataOverRpc(HttpCase):
    """The same rules through Odoo 19's JSON-2 API (bearer API keys) and the web client's RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = f"{MODULE}.group_customer_info"
        cls.users = {
            "plain": new_test_user(cls.env, login="rpc_plain", groups="base.group_user"),
            "sales": new_test_user(cls.env, login="rpc_sales", groups=f"{group}_user"),
            "sensitive": new_test_user(cls.env, login="rpc_sensitive", groups=f"{group}_sensitive"),
            "auditor": new_test_user(cls.env, login="rpc_auditor", groups=f"{group}_auditor"),
            "exporter": new_test_user(cls.env, login="rpc_exporter", groups=f"{group}_export"),
            "admin": new_test_user(cls.env, login="rpc_admin", groups=f"{group}_admin"),
        }
        cls.keys = {
            name: cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate("rpc", "test", datetime.datetime.now() + datetime.timedelta(days=1))
            for name, user in cls.users.items()
        }
        Partner = cls.env["res.partner"]
        company = Partner.create(
            {"name": "RPC Tea Co.", "is_company": True, "user_id": cls.users["sensitive"].id}
        )
        cls.person = Partner.create(
            {"name": "RPC Person", "parent_id": company.id, "ci_preferences": "Pu'er tea"}
        )
        cls.stranger = Partner.create({"name": "RPC Stranger", "ci_preferences": "Whisky"})

    def call(self, who, model, method, **params):
        response = self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(params),
            headers={"Authorization": f"bearer {self.keys[who]}", "Content-Type": "application/json"},
        )
        return response.status_code, response.json()

    def read_preferences(self, who, partner):
        return self.call(
            who,
            "res.partner",
            "search_read",
            domain=[("id", "=", partner.id)],
            fields=["name", "ci_preferences"],
        )

    @mute_logger(*MUTED)
    def test_json2_hides_sensitive_fields_outside_the_group(self):
        for who in ("sales", "auditor", "exporter"):
            with self.subTest(who=who):
                status, body = self.read_preferences(who, self.person)
                self.assertEqual(status, 403, body)
                self.assertIn("ci_preferences", json.dumps(body))
                status, fields = self.call(who, "res.partner", "fields_get", attributes=["string"])
                self.assertEqual(status, 200)
                self.assertNotIn("ci_preferences", fields)
                self.assertIn("ci_level_id", fields)
                status, rows = self.call(
                    who,
                    "res.partner",
                    "search_read",
                    domain=[("id", "=", self.person.id)],
                    fields=["name", "ci_level_id"],
                )
                self.assertEqual((status, rows[0]["name"]), (200, "RPC Person"))
                status, _body = self.call(
                    who, "res.partner", "write", ids=self.person.ids, vals={"ci_preferences": "Coffee"}
                )
                self.assertEqual(status, 403)
        status, _body = self.call(
            "plain",
            "res.partner",
            "search_read",
            domain=[("id", "=", self.person.id)],
            fields=["name", "ci_level_id"],
        )
        self.assertEqual(status, 403, "employees outside the addon see no customer information at all")
        self.assertEqual(self.person.ci_preferences, "Pu'er tea")

    def test_json2_gives_the_group_its_own_customers_and_logs_the_read(self):
        Log = self.env["customer.audit.log"]
        start = Log.search([], limit=1, order="id desc").id or 0
        status, rows = self.read_preferences("sensitive", self.person)
        self.assertEqual((status, rows[0]["ci_preferences"]), (200, "Pu'er tea"))
        status, rows = self.read_preferences("sensitive", self.stranger)
        self.assertEqual((status, rows[0]["ci_preferences"]), (200, False), "not their customer")
        status, rows = self.read_preferences("admin", self.stranger)
        self.assertEqual((status, rows[0]["ci_preferences"]), (200, "Whisky"))
        logs = Log.search([("id", ">", start), ("event", "=", "read")], order="id")
        self.assertEqual(
            [(log.user_id.login, log.channel, log.res_ids, log.field_names) for log in logs],
            [
                ("rpc_sensitive", "rpc", str(self.person.id), "ci_preferences"),
                ("rpc_admin", "rpc", str(self.stranger.id), "ci_preferences"),
            ],
        )
        self.assertNotIn("Pu'er", json.dumps(logs.read(["res_ids", "field_names", "note"])))

    @mute_logger("odoo.addons.rpc.controllers.xmlrpc", "odoo.addons.rpc.controllers.jsonrpc")  # deprecated
    def test_xmlrpc_and_jsonrpc_reads_are_logged_as_rpc(self):
        """Odoo unbinds the request while it dispatches these two: the channel is still RPC."""
        Log = self.env["customer.audit.log"]
        start = Log.search([], limit=1, order="id desc").id or 0
        db, uid, key = self.env.cr.dbname, self.users["sensitive"].id, self.keys["sensitive"]
        args = ["res.partner", "read", [self.person.ids, ["ci_preferences"]]]
        rows = self.xmlrpc_object.execute_kw(db, uid, key, *args)
        self.assertEqual(rows[0]["ci_preferences"], "Pu'er tea")
        params = {"service": "object", "method": "execute_kw", "args": [db, uid, key, *args]}
        payload = {"jsonrpc": "2.0", "method": "call", "params": params}
        response = self.url_open("/jsonrpc", json=payload)
        self.assertEqual(response.json()["result"][0]["ci_preferences"], "Pu'er tea")
        logs = Log.search([("id", ">", start), ("event", "=", "read")], order="id")
        self.assertEqual(
            [(log.user_id.login, log.channel, log.res_ids) for log in logs],
            [("rpc_sensitive", "rpc", str(self.person.id))] * 2,
        )

    def test_web_client_reads_are_logged_as_ui(self):
        Log = self.env["customer.audit.log"]
        start = Log.search([], limit=1, order="id desc").id or 0
        self.authenticate("rpc_sensitive", "rpc_sensitive")
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/web_read",
            {
                "model": "res.partner",
                "method": "web_read",
                "args": [self.person.ids],
                "kwargs": {"specification": {"name": {}, "ci_preferences": {}}},
            },
        )
        self.assertEqual(result[0]["ci_preferences"], "Pu'er tea")
        log = Log.search([("id", ">", start), ("event", "=", "read")])
        self.assertEqual((log.channel, log.user_id.login), ("ui", "rpc_sensitive"))

    @mute_logger(*MUTED)
    def test_json2_audit_log_and_export(self):
        status, _body = self.call(
            "sales", "res.partner", "export_data", ids=self.person.ids, fields_to_export=["name"]
        )
        self.assertEqual(status, 403)
        status, body = self.call(
            "exporter", "res.partner", "export_data", ids=self.person.ids, fields_to_export=["name", "email"]
        )
        self.assertEqual((status, body["datas"]), (200, [["RPC Person", ""]]))
        for who in ("sales", "sensitive", "exporter"):
            with self.subTest(who=who):
                status, _body = self.call(
                    who, "customer.audit.log", "search_read", domain=[], fields=["event"]
                )
                self.assertEqual(status, 403)
        status, rows = self.call(
            "auditor",
            "customer.audit.log",
            "search_read",
            domain=[("event", "=", "export")],
            fields=["event", "channel", "user_id", "field_names"],
        )
        self.assertEqual(status, 200)
        export = [row for row in rows if row["user_id"][0] == self.users["exporter"].id]
        self.assertEqual([(row["channel"], row["field_names"]) for row in export], [("export", "name,email")])
        for who in ("auditor", "admin"):
            with self.subTest(who=who):
                status, _body = self.call(
                    who, "customer.audit.log", "write", ids=[rows[0]["id"]], vals={"field_names": "nothing"}
                )
                self.assertEqual(status, 403)
                status, _body = self.call(who, "customer.audit.log", "unlink", ids=[rows[0]["id"]])
                self.assertEqual(status, 403)
        self.assertTrue(self.env["customer.audit.log"].browse(rows[0]["id"]).exists())
