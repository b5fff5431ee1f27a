import base64
import datetime
import json
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common_sync import SyncCommon

EXAMPLES = Path(__file__).parent / "data" / "contract"
OWN_METHODS = (
    "contract_version",
    "claim_run",
    "fetch_file",
    "create_run",
    "upload_chunk",
    "report_progress",
    "finish_run",
    "propose_mapping",
    "list_runs",
    "due_sources",
    "check_unchanged",
)
CALLS = {
    "contract_version": {},
    "claim_run": {"worker": "w1"},
    "fetch_file": {"run_id": 0, "offset": 0, "size": 10},
    "create_run": {
        "source": "Leads 2026 Q4",
        "trigger": "cli",
        "filename": "a.csv",
        "size": 1,
        "sha256": "0",
    },
    "upload_chunk": {"run_id": 0, "offset": 0, "data": ""},
    "report_progress": {"run_id": 0, "rows_read": 1},
    "finish_run": {"run_id": 0, "state": "done"},
    "propose_mapping": {"headers": ["公司名称"]},
    "list_runs": {},
    "due_sources": {},
    "check_unchanged": {"run_id": 0, "check_no": 1, "rows": []},
}
CONTENT = "公".encode()  # the file of the examples: 3 bytes, base64 "5YWs"


def load(name):
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


FREE_FORM = frozenset({"mapping", "trust", "stats", "checkpoint"})
"""Objects whose keys are data (column headers, fields): their values are compared by type only."""


def shape_problems(example, actual, where="$"):
    """Where ``actual`` does not have the shape of ``example`` (keys and JSON types; a null in
    the example allows any value, extra keys in ``actual`` are allowed)."""
    if example is None:
        return []
    if isinstance(example, bool) or isinstance(actual, bool):
        return [] if isinstance(actual, bool) and isinstance(example, bool) else [f"{where}: {actual!r}"]
    if isinstance(example, int | float):
        return [] if isinstance(actual, int | float) else [f"{where}: {actual!r} is not a number"]
    if isinstance(example, str):
        return [] if isinstance(actual, str) else [f"{where}: {actual!r} is not a string"]
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{where}: {actual!r} is not a list"]
        return (
            [p for item in actual for p in shape_problems(example[0], item, f"{where}[]")] if example else []
        )
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not an object"]
        if where.rsplit(".", 1)[-1] in FREE_FORM:
            sample = next(iter(example.values()), None)
            return [
                p for key, value in actual.items() for p in shape_problems(sample, value, f"{where}.{key}")
            ]
        out = [f"{where}: missing {key!r}" for key in example if key not in actual]
        for key, value in example.items():
            if key in actual and not (isinstance(value, dict) and not value):  # {}: any object
                out += shape_problems(value, actual[key], f"{where}.{key}")
        return out
    return []


@tagged("post_install", "-at_install", "security")
class TestSyncApiAccess(SyncCommon):
    def test_only_the_integration_group_calls_it(self):
        for user in (self.user_plain, self.user_sales, self.user_manager, self.user_admin_ci):
            api_user = self.Api.with_user(user)
            for method, kwargs in CALLS.items():
                with self.assertRaises(AccessError, msg=f"{user.login} {method}"):
                    getattr(api_user, method)(**kwargs)

    def test_integration_group_is_separate(self):
        group = self.env.ref("addon_customer_info.group_customer_info_integration")
        admin_group = self.env.ref("addon_customer_info.group_customer_info_admin")
        self.assertNotIn(group, admin_group.all_implied_ids)
        self.assertEqual(group.implied_ids, self.env.ref("base.group_user"))
        self.assertEqual(self.user_worker.login, "customer_sync_worker")
        self.assertTrue(self.user_worker.has_group("addon_customer_info.group_customer_info_integration"))
        self.assertFalse(self.user_worker.has_group("addon_customer_info.group_customer_info_user"))
        self.assertFalse(self.user_worker.has_group("base.group_system"))
        self.env.cr.execute(SQL("SELECT password FROM res_users WHERE id = %s", self.user_worker.id))
        self.assertFalse(self.env.cr.fetchone()[0], "no password: the worker signs in with an API key")

    def test_private_methods_are_not_public(self):
        for name in ("_check_caller", "_run"):
            with self.assertRaises(AccessError):
                get_public_method(self.Api.with_user(self.user_worker), name)

    def test_the_worker_reads_no_partner_it_does_not_need_to(self):
        with self.assertRaises(AccessError):
            self.env["customer.audit.log"].with_user(self.user_worker).search([])
        with self.assertRaises(AccessError):
            self.source.with_user(self.user_worker).write({"name": "Renamed by the worker"})


@tagged("post_install", "-at_install")
class TestSyncApi(SyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api = cls.Api.with_user(cls.user_worker)

    def queued_with_hints(self):
        run = self.queue_run(content=CONTENT)
        run._as_system().write({"file_encoding": "gb18030", "file_delimiter": ",", "file_header_row": 2})
        return run

    def test_claim_takes_the_oldest_queued_run_once(self):
        first = self.queued_with_hints()
        second = self.queue_run()
        answer = self.api.claim_run(worker="celery@w1")
        self.assertEqual(answer["run_id"], first.id)
        self.assertEqual((first.state, first.worker), ("running", "celery@w1"))
        self.assertEqual(answer["file"]["encoding"], "gb18030")
        self.assertEqual(answer["file"]["header_row"], 2)
        self.assertEqual(answer["source"]["mapping"], {"公司名称": "name", "手机": "mobile"})
        self.assertEqual(answer["source"]["trust"], {"default": 40, "email": 60})
        self.assertNotIn("credentials", json.dumps(answer))
        self.assertEqual(self.api.claim_run(worker="celery@w2")["run_id"], second.id)
        self.assertIs(self.api.claim_run(worker="celery@w3"), False)

    def test_archived_source_is_not_claimed_nor_served(self):
        run = self.queue_run(content=CONTENT)
        self.source.active = False
        self.assertIs(self.api.claim_run(worker="w1"), False)
        with self.assertRaises(UserError):
            self.api.fetch_file(run_id=run.id, offset=0, size=10)
        with self.assertRaises(UserError):
            self.api.fetch_file(run_id=run.id + 1000, offset=0, size=10)

    def test_stale_running_run_is_claimed_again_with_its_checkpoint(self):
        run = self.queue_run()
        self.api.claim_run(worker="w1")
        self.api.report_progress(
            run_id=run.id, rows_read=500, checkpoint={"rows_done": 500, "batches_done": 1}
        )
        self.assertIs(self.api.claim_run(worker="w2"), False, "fresh progress: not stale")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE customer_sync_run SET last_progress_at = now() at time zone 'utc' - interval '1 hour'"
                " WHERE id = %s",
                run.id,
            )
        )
        run.invalidate_recordset()
        answer = self.api.claim_run(worker="w2")
        self.assertEqual(answer["run_id"], run.id)
        self.assertEqual(answer["checkpoint"], {"rows_done": 500, "batches_done": 1})
        self.assertEqual(run.worker, "w2")

    def test_abandoned_cancelled_run_is_closed_not_resumed(self):
        run = self.queue_run()
        self.api.claim_run(worker="w1")
        run.with_user(self.user_manager).action_cancel()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE customer_sync_run SET last_progress_at = now() at time zone 'utc' - interval '1 hour'"
                " WHERE id = %s",
                run.id,
            )
        )
        run.invalidate_recordset()
        self.assertIs(self.api.claim_run(worker="w2"), False)
        self.assertEqual(run.state, "cancelled")

    def test_two_workers_never_claim_the_same_run(self):
        """Two transactions at once (two connections): one gets the run, the other nothing."""
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["customer.sync.run"].search([("state", "in", ("queued", "running"))])._as_system().write(
                {"state": "cancelled"}
            )
            source = env["customer.sync.source"].create({"name": "Atomic claim", "type": "registry"})
            run = env["customer.sync.run"]._create_queued(source)
            ids = (source.id, run.id)

        def cleanup():
            with registry.cursor() as cr:
                cr.execute(
                    SQL("DELETE FROM mail_message WHERE model = 'customer.sync.run' AND res_id = %s", ids[1])
                )
                cr.execute(
                    SQL(
                        "DELETE FROM mail_followers WHERE res_model = 'customer.sync.run' AND res_id = %s",
                        ids[1],
                    )
                )
                cr.execute(SQL("DELETE FROM customer_sync_run WHERE id = %s", ids[1]))
                cr.execute(SQL("DELETE FROM customer_sync_source WHERE id = %s", ids[0]))

        self.addCleanup(cleanup)
        cr1, cr2 = registry.cursor(), registry.cursor()
        try:
            api1 = api.Environment(cr1, self.user_worker.id, {})["customer.sync.api"]
            api2 = api.Environment(cr2, self.user_worker.id, {})["customer.sync.api"]
            first = api1.claim_run(worker="w1")
            second = api2.claim_run(worker="w2")
            self.assertEqual(first and first["run_id"], ids[1])
            self.assertIs(second, False, "the run locked by the first claim is skipped, not taken twice")
        finally:
            for cr in (cr1, cr2):
                cr.rollback()
                cr.close()

    def test_fetch_file_in_chunks(self):
        content = b"a,b\n" * 1000
        run = self.queue_run(content=content)
        self.api.claim_run(worker="w1")
        data, offset = b"", 0
        while True:
            chunk = self.api.fetch_file(run_id=run.id, offset=offset, size=1500)
            data += base64.b64decode(chunk["data"])
            offset += chunk["size"]
            if chunk["eof"]:
                break
        self.assertEqual(data, content)
        with self.assertRaises(UserError):
            self.api.fetch_file(run_id=run.id, offset=-1, size=10)
        self.assertLessEqual(
            self.api.fetch_file(run_id=run.id, offset=0, size=10**9)["size"], 4 * 1024 * 1024
        )

    def test_create_run_and_upload_chunks(self):
        content = ("公司名称,手机\n" + "甲公司,13800138000\n" * 50).encode()
        answer = self.api.create_run(
            source="Leads 2026 Q4",
            trigger="cli",
            filename="leads.csv",
            size=len(content),
            sha256=self.sha256(content),
            worker="cli@host",
        )
        run = self.Run.browse(answer["run_id"])
        self.assertEqual(
            (run.state, run.trigger, run.worker, run.started_by),
            ("running", "cli", "cli@host", self.user_worker),
        )
        half = len(content) // 2
        first = self.api.upload_chunk(run_id=run.id, offset=0, data=self.b64(content[:half]))
        self.assertEqual(first, {"run_id": run.id, "offset": half, "done": False})
        again = self.api.upload_chunk(run_id=run.id, offset=0, data=self.b64(content[:half]))
        self.assertEqual(again["offset"], half, "a re-sent chunk is stored once")
        with self.assertRaises(UserError):
            self.api.upload_chunk(run_id=run.id, offset=half + 1, data=self.b64(content[half:]))
        last = self.api.upload_chunk(run_id=run.id, offset=half, data=self.b64(content[half:]))
        self.assertEqual(last, {"run_id": run.id, "offset": len(content), "done": True})
        self.assertEqual(run.attachment_id.raw, content)
        self.assertEqual((run.attachment_id.res_model, run.attachment_id.res_id), (run._name, run.id))

    def test_upload_with_a_wrong_checksum_is_refused(self):
        answer = self.api.create_run(
            source=self.source.id, trigger="schedule", filename="x.csv", size=3, sha256="0" * 64
        )
        with self.assertRaises(ValidationError):
            self.api.upload_chunk(run_id=answer["run_id"], offset=0, data=self.b64(CONTENT))

    def test_create_run_refuses_unknown_sources_and_triggers(self):
        for source in ("No such source", 0, None, True):
            with self.assertRaises(UserError, msg=repr(source)):
                self.api.create_run(source=source, trigger="cli", filename="x", size=1, sha256="0")
        with self.assertRaises(UserError):
            self.api.create_run(source=self.source.name, trigger="button", filename="x", size=1, sha256="0")

    def test_schedule_run_moves_the_schedule(self):
        self.source.write({"schedule_unit": "days", "schedule_interval": 1, "inbox": "/srv/inbox"})
        self.assertEqual(
            self.api.due_sources(),
            [
                {
                    "source_id": self.source.id,
                    "name": self.source.name,
                    "type": "purchased_list",
                    "inbox": "/srv/inbox",
                }
            ],
        )
        answer = self.api.create_run(
            source=self.source.id, trigger="schedule", filename="x.csv", size=3, sha256="0"
        )
        self.assertEqual(self.api.due_sources(), [], "running now")
        self.assertTrue(self.source.next_run_at)
        self.api.finish_run(run_id=answer["run_id"], state="done")
        self.assertEqual(self.api.due_sources(), [], "the next run is a day away")

    def test_progress_and_finish(self):
        run = self.queue_run()
        self.api.claim_run(worker="w1")
        answer = self.api.report_progress(run_id=run.id, rows_read=50, rows_total=200, message="reading")
        self.assertEqual(answer, {"state": "running", "cancel_requested": False})
        self.assertEqual((run.rows_read, run.rows_total, run.progress), (50, 200, 25.0))
        with self.assertRaises(UserError):
            self.api.finish_run(run_id=run.id, state="queued")
        summary = self.api.finish_run(run_id=run.id, state="done", stats={"seconds": 1.5})
        self.assertEqual(summary["state"], "done")
        self.assertEqual(run.stats, {"seconds": 1.5})
        self.assertEqual(
            self.api.finish_run(run_id=run.id, state="done"), summary, "a re-sent finish answers again"
        )
        with self.assertRaises(UserError):
            self.api.finish_run(run_id=run.id, state="failed")
        with self.assertRaises(UserError):
            self.api.report_progress(run_id=run.id, rows_read=60)
        self.assertEqual([item["run_id"] for item in self.api.list_runs(source=self.source.name)], [run.id])

    def test_propose_mapping_uses_the_saved_mapping_first(self):
        answer = self.api.propose_mapping(headers=["手机", "Email", "Turnover"], source=self.source.name)
        self.assertEqual(answer, {"mapping": {"手机": "mobile", "Email": "email"}, "unmapped": ["Turnover"]})
        self.source._save_mapping({"Turnover": "comment"})
        answer = self.api.propose_mapping(headers=["手机", "Email", "Turnover"], source=self.source.id)
        self.assertEqual(answer["mapping"]["Turnover"], "comment")


@tagged("post_install", "-at_install")
class TestSyncApiExamples(SyncCommon):
    """The example payloads of ``tests/data/contract/`` (also checked by the worker's tests)
    against what the methods really take and answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api = cls.Api.with_user(cls.user_worker)

    def check(self, name, actual, exact=False):
        example = load(name)["response"]
        if exact:
            self.assertEqual(actual, example, name)
        problems = shape_problems(example, actual)
        self.assertFalse(problems, f"{name}: {problems}")

    def running(self):
        run = self.queue_run(content=CONTENT)
        self.api.claim_run(worker="w1")
        return run

    def test_every_own_method_has_an_example(self):
        for method in OWN_METHODS:
            data = load(method)
            self.assertIn("request", data, method)
            self.assertIn("response", data, method)

    def test_contract_version(self):
        self.check(
            "contract_version", self.api.contract_version(**load("contract_version")["request"]), exact=True
        )

    def test_claim_run(self):
        run = self.queue_run(content=CONTENT)
        run._as_system().write({"file_encoding": "gb18030", "file_delimiter": ",", "file_header_row": 2})
        self.check("claim_run", self.api.claim_run(**load("claim_run")["request"]))
        self.check("claim_run_none", self.api.claim_run(**load("claim_run_none")["request"]), exact=True)

    def test_fetch_file(self):
        run = self.running()
        request = dict(load("fetch_file")["request"], run_id=run.id)
        self.check("fetch_file", self.api.fetch_file(**request), exact=True)

    def test_create_run_and_upload_chunk(self):
        request = dict(load("create_run")["request"], size=len(CONTENT), sha256=self.sha256(CONTENT))
        answer = self.api.create_run(**request)
        self.check("create_run", answer)
        chunk = dict(load("upload_chunk")["request"], run_id=answer["run_id"])
        self.check("upload_chunk", self.api.upload_chunk(**chunk) | {"run_id": 7}, exact=True)

    def test_report_progress_and_finish_run(self):
        run = self.running()
        progress = dict(load("report_progress")["request"], run_id=run.id)
        self.check("report_progress", self.api.report_progress(**progress), exact=True)
        finish = dict(load("finish_run")["request"], run_id=run.id)
        self.check("finish_run", self.api.finish_run(**finish))
        self.check("list_runs", self.api.list_runs(**load("list_runs")["request"]))

    def test_finish_run_with_a_message_code(self):
        run = self.running()
        request = dict(load("finish_run_cancelled")["request"], run_id=run.id)
        self.check("finish_run_cancelled", self.api.finish_run(**request))
        self.assertEqual(run.message_code, "run.cancelled")
        self.assertEqual(run.message_params, request["message_params"])
        self.assertEqual(run.message, request["message"], "the English text is kept as sent")

    def test_propose_mapping(self):
        self.check(
            "propose_mapping", self.api.propose_mapping(**load("propose_mapping")["request"]), exact=True
        )

    def test_due_sources(self):
        self.source.write({"schedule_unit": "hours", "inbox": "/srv/customer-sync/inbox/acme"})
        self.check("due_sources", self.api.due_sources(**load("due_sources")["request"]))


@tagged("post_install", "-at_install")
class TestSyncApiJson2(HttpCase, SyncCommon):
    """The contract over Odoo 19's JSON-2 endpoint with the worker's API key, read-only routes
    included (``fetch_file`` runs on a read-only cursor)."""

    def call(self, method, key, **kwargs):
        return self.url_open(
            f"/json/2/customer.sync.api/{method}",
            data=json.dumps(kwargs),
            headers={"Authorization": f"bearer {key}", "Content-Type": "application/json"},
        )

    def test_worker_calls_and_others_are_refused(self):
        expires = datetime.datetime.now() + datetime.timedelta(days=1)
        key = (
            self.env["res.users.apikeys"].with_user(self.user_worker).sudo()._generate(None, "test", expires)
        )
        other = (
            self.env["res.users.apikeys"]
            .with_user(self.user_admin_ci)
            .sudo()
            ._generate(None, "test", expires)
        )
        response = self.call("contract_version", key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json(), {"version": 1, "min_worker_version": 1, "features": ["check_unchanged"]}
        )
        run = self.queue_run(content=CONTENT)
        claimed = self.call("claim_run", key, worker="json2@test").json()
        self.assertEqual(claimed["run_id"], run.id)
        chunk = self.call("fetch_file", key, run_id=run.id, offset=0, size=10).json()
        self.assertEqual(base64.b64decode(chunk["data"]), CONTENT)
        refused = self.call("contract_version", other)
        self.assertEqual(refused.status_code, 403, refused.text)
        self.assertEqual(self.call("contract_version", "not-a-key").status_code, 401)
