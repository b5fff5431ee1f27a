import datetime

from dateutil.relativedelta import relativedelta
from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.customer_audit_log import RETENTION_PARAM  # noqa: TID252
from ..models.customer_audit_system_mixin import AUDIT_CONTEXT_KEY  # noqa: TID252
from .test_sensitive_fields import MODULE, MUTED, SensitiveDataCase


@tagged("post_install", "-at_install", "security")
class TestAuditLog(SensitiveDataCase):
    """Every read of a sensitive field and every change is traceable; the trail cannot be altered."""

    def setUp(self):
        super().setUp()
        self.Log = self.env["customer.audit.log"]

    def new_logs(self, before, **domain):
        """The entries written since ``before`` (an id), filtered by field values."""
        conditions = [("id", ">", before)] + [(name, "=", value) for name, value in domain.items()]
        return self.Log.search(conditions, order="id")

    def last_id(self):
        return self.Log.search([], limit=1, order="id desc").id or 0

    def assertNoValue(self, logs, *values):
        """None of ``values`` appears anywhere in the entries or their lines."""
        texts = []
        for log in logs:
            texts += [log.res_ids, log.field_names, log.note or ""]
            texts += [line.old_value or "" for line in log.line_ids] + [
                line.new_value or "" for line in log.line_ids
            ]
        for value in values:
            self.assertFalse(
                [text for text in texts if value in text], f"{value!r} leaked into the audit log"
            )

    # ------------------------------------------------------------
    # Reads
    # ------------------------------------------------------------

    def test_a_read_of_sensitive_fields_is_one_entry_with_names_not_values(self):
        start = self.last_id()
        both = (self.person_own | self.company_own).with_user(self.user_sens_all)
        both.read(["name", "ci_preferences", "ci_hobby_ids"])
        log = self.new_logs(start)
        self.assertEqual(len(log), 1, "one entry per read call, whatever the number of records")
        self.assertEqual(
            (log.event, log.user_id, log.model, log.field_names, log.channel, log.record_count),
            ("read", self.user_sens_all, "res.partner", "ci_hobby_ids,ci_preferences", "server", 2),
        )
        self.assertEqual(sorted(map(int, log.res_ids.split(","))), sorted(both.ids))
        self.assertEqual(log.partner_ids, self.person_own | self.company_own)
        self.assertFalse(log.line_ids)
        self.assertNoValue(log, "Longjing", "Test Golf")
        # the entry is found from the record it is about
        self.assertEqual(self.Log.search([("res_id", "=", self.person_own.id), ("id", ">", start)]), log)

    def test_only_disclosed_values_are_logged(self):
        start = self.last_id()
        self.person_own.with_user(self.user_sens_all).read(["name", "email", "ci_level_id"])
        self.assertFalse(self.new_logs(start), "ordinary fields are not logged")
        (self.person_own | self.person_de).with_user(self.user_sens).read(["ci_preferences"])
        log = self.new_logs(start)
        self.assertEqual(
            log.res_ids, str(self.person_own.id), "another's customer's empty value was not disclosed"
        )
        self.person_de.with_user(self.user_sens).read(["ci_preferences"])
        self.assertEqual(len(self.new_logs(start)), 1, "nothing disclosed, nothing logged")

    def test_reads_are_written_once_when_the_transaction_commits(self):
        start = self.last_id()
        person = self.person_own.with_user(self.user_sens)
        person.read(["ci_preferences"])
        (person | self.person_de.with_user(self.user_sens)).read(["name", "ci_preferences"])
        self.env.cr.execute("SELECT count(*) FROM customer_audit_log WHERE id > %s", [start])
        self.assertEqual(self.env.cr.fetchone()[0], 0, "nothing is written inside the reads")
        self.env.cr.flush()  # what a commit runs first
        log = self.new_logs(start)
        self.assertEqual(
            (len(log), log.event, log.res_ids, log.field_names, log.channel),
            (1, "read", str(self.person_own.id), "ci_preferences", "server"),
            "two reads of one user, model and fields in one transaction: one entry",
        )
        person.read(["ci_preferences"])
        self.assertEqual(len(self.new_logs(start)), 2, "reading the log writes the pending reads first")

    def test_a_read_on_a_read_only_cursor_is_logged_after_it(self):
        """A read served on a read-only cursor (a database replica) is neither written inside the
        read nor does it roll the read back: the entry is written when the transaction ends."""
        self.env.flush_all()
        self.registry_enter_test_mode()
        start = self.last_id()
        with self.registry.cursor(readonly=True) as ro_cr:
            self.assertTrue(ro_cr.readonly)
            env = self.env(cr=ro_cr, user=self.user_sens)
            person = env["res.partner"].browse(self.person_own.id)
            preferences = person.read(["ci_preferences"])[0]["ci_preferences"]
            self.assertTrue(preferences)
            with self.assertQueryCount(0):
                self.assertEqual(person.ci_preferences, preferences, "the read's transaction goes on")
        log = self.new_logs(start)
        self.assertEqual(
            (log.event, log.res_ids, log.user_id), ("read", str(self.person_own.id), self.user_sens)
        )

    def test_form_and_rpc_reads_are_logged_too(self):
        start = self.last_id()
        self.person_own.with_user(self.user_sens).web_read(
            {
                "name": {},
                "ci_important_date_ids": {"fields": {"kind": {}, "date": {}}},
            }
        )
        logs = self.new_logs(start)
        self.assertEqual(logs.mapped("model"), ["res.partner", "customer.important.date"])
        self.assertEqual(logs[1].field_names, "date")
        self.assertEqual(logs[1].res_ids, str(self.birthday_own.id))
        self.assertEqual(logs[1].partner_ids, self.person_own)
        self.Partner.with_user(self.user_sens).search_read(
            [("id", "=", self.person_own.id)], ["ci_career_ids"]
        )
        self.assertEqual(self.new_logs(start)[-1].field_names, "ci_career_ids")

    def test_reads_of_family_relations_are_logged(self):
        spouse = self.env.ref(f"{MODULE}.customer_relation_type_spouse")
        decision = self.env.ref(f"{MODULE}.customer_relation_type_decision_maker")
        family = self.env["customer.relation"].create(
            {
                "left_partner_id": self.person_own.id,
                "type_id": spouse.id,
                "right_partner_id": self.Partner.create({"name": "Li Wei"}).id,
            }
        )
        business = self.env["customer.relation"].create(
            {
                "left_partner_id": self.person_own.id,
                "type_id": decision.id,
                "right_partner_id": self.company_own.id,
            }
        )
        start = self.last_id()
        (family | business).with_user(self.user_sens).read(["type_id", "date_start"])
        log = self.new_logs(start)
        self.assertEqual(
            (log.model, log.res_ids, log.field_names),
            ("customer.relation", str(family.id), "date_start,type_id"),
        )

    def test_changes_of_family_relations_keep_no_values(self):
        """Auditors outside the sensitive groups read the trail: who is whose spouse is not in it."""
        spouse = self.env.ref(f"{MODULE}.customer_relation_type_spouse")
        start = self.last_id()
        li_wei = self.Partner.create({"name": "Li Wei Spouse"})
        family = self.env["customer.relation"].create(
            {"left_partner_id": self.person_own.id, "type_id": spouse.id, "right_partner_id": li_wei.id}
        )
        family.write({"date_start": datetime.date(2001, 9, 9)})
        family.write({"right_partner_id": self.person_de.id})
        family.unlink()
        logs = self.new_logs(start, model="customer.relation")
        self.assertEqual(logs.mapped("event"), ["create", "write", "write", "unlink"])
        self.assertTrue(all(logs.line_ids.mapped("sensitive")))
        self.assertNoValue(logs, "Li Wei Spouse", "Wu Fang", "Jonas Weber", "2001", spouse.name)

    # ------------------------------------------------------------
    # Changes
    # ------------------------------------------------------------

    def test_changes_keep_old_and_new_values_of_ordinary_fields(self):
        level_a = self.env.ref(f"{MODULE}.customer_level_a")
        start = self.last_id()
        self.company_cn.with_user(self.user_sales).write(
            {"ci_level_id": level_a.id, "phone": "+86 21 5555 0100"}
        )
        log = self.new_logs(start, event="write")
        self.assertEqual(
            (log.user_id, log.model, log.res_ids), (self.user_sales, "res.partner", str(self.company_cn.id))
        )
        changes = {line.field_name: (line.old_value, line.new_value, line.sensitive) for line in log.line_ids}
        self.assertEqual(
            changes,
            {
                "ci_level_id": ("", level_a.display_name, False),
                "phone": ("", "+86 21 5555 0100", False),
            },
        )
        self.assertEqual(
            log.line_ids.filtered(lambda line: line.field_name == "phone").field_description, "Phone"
        )
        # writing the same values again changes nothing and logs nothing
        start = self.last_id()
        self.company_cn.with_user(self.user_sales).write({"phone": "+86 21 5555 0100"})
        self.assertFalse(self.new_logs(start))

    def test_changes_of_sensitive_fields_keep_the_name_only(self):
        start = self.last_id()
        self.person_own.with_user(self.user_sens).write(
            {
                "ci_preferences": "Oolong, never before 10:00",
                "ci_hobby_ids": [(4, self.hiking.id)],
            }
        )
        self.birthday_own.with_user(self.user_sens).write({"date": datetime.date(1980, 5, 18)})
        logs = self.new_logs(start, event="write")
        lines = logs.line_ids
        self.assertEqual(sorted(lines.mapped("field_name")), ["ci_hobby_ids", "ci_preferences", "date"])
        self.assertTrue(all(lines.mapped("sensitive")))
        self.assertFalse(any(lines.mapped("old_value") + lines.mapped("new_value")))
        self.assertNoValue(logs, "Oolong", "Longjing", "Test Hiking", "1980")

    def test_creation_and_deletion_are_logged(self):
        start = self.last_id()
        person = self.Partner.with_user(self.user_sales).create(
            {
                "name": "Zhou Xun",
                "parent_id": self.company_cn.id,
                "email": "zhou.xun@qihang.example.cn",
            }
        )
        created = self.new_logs(start, event="create")
        self.assertEqual(
            (created.model, created.res_ids, created.user_id),
            ("res.partner", str(person.id), self.user_sales),
        )
        self.assertIn(
            ("email", "zhou.xun@qihang.example.cn"),
            [(line.field_name, line.new_value) for line in created.line_ids],
        )
        date = (
            self.env["customer.important.date"]
            .with_user(self.user_sens_all)
            .create(
                {
                    "partner_id": person.id,
                    "kind": "birthday",
                    "date": datetime.date(1990, 2, 3),
                }
            )
        )
        created_date = self.new_logs(start, event="create", model="customer.important.date")
        self.assertEqual(created_date.partner_ids, person)
        self.assertTrue(created_date.line_ids.filtered(lambda line: line.field_name == "date").sensitive)
        self.assertNoValue(created_date, "1990")
        date.with_user(self.user_sens_all).unlink()
        deleted = self.new_logs(start, event="unlink")
        self.assertEqual((deleted.model, deleted.res_ids), ("customer.important.date", str(date.id)))

    def test_credit_and_consent_data_are_audited(self):
        scale = self.env["customer.credit.scale"].create(
            {
                "name": "Test scale",
                "grade_ids": [(0, 0, {"name": "AA"}), (0, 0, {"name": "B"})],
            }
        )
        start = self.last_id()
        rating = (
            self.env["customer.credit.rating"]
            .with_user(self.user_credit)
            .create(
                {
                    "partner_id": self.company_cn.id,
                    "scale_id": scale.id,
                    "grade_id": scale.grade_ids[0].id,
                    "reason": "Pays on time",
                }
            )
        )
        log = self.new_logs(start, event="create", model="customer.credit.rating")
        self.assertEqual(
            (log.res_ids, log.user_id, log.partner_ids), (str(rating.id), self.user_credit, self.company_cn)
        )
        self.assertIn(
            ("reason", "Pays on time"), [(line.field_name, line.new_value) for line in log.line_ids]
        )
        if "customer.consent.event" not in self.env:
            return
        event = self.manual_grant(self.person_own, ip_address="198.51.100.23", user_agent="Firefox/128")
        log = self.new_logs(start, event="create", model="customer.consent.event")
        self.assertEqual((log.res_ids, log.partner_ids), (str(event.id), self.person_own))
        proof = log.line_ids.filtered(lambda line: line.field_name in ("ip_address", "user_agent"))
        self.assertEqual(len(proof), 2)
        self.assertTrue(all(proof.mapped("sensitive")))
        self.assertNoValue(log, "198.51.100.23", "Firefox")

    # ------------------------------------------------------------
    # The trail itself
    # ------------------------------------------------------------

    @mute_logger(*MUTED)
    def test_only_auditors_read_the_log_and_nobody_edits_it(self):
        self.person_own.with_user(self.user_sens).read(["ci_preferences"])
        log = self.Log.search([("event", "=", "read")], limit=1)
        for user in (
            self.user_plain,
            self.user_sales,
            self.user_manager,
            self.user_sens_all,
            self.user_exporter,
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Log.with_user(user).search([], limit=1)
        for user in (self.user_auditor, self.user_admin_ci):
            with self.subTest(user=user.login):
                self.assertTrue(log.with_user(user).read(["event", "field_names"]))
                with self.assertRaises(AccessError):
                    log.with_user(user).write({"field_names": "name"})
                with self.assertRaises(AccessError):
                    log.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    self.Log.with_user(user).create(
                        {"event": "read", "model": "res.partner", "channel": "ui", "user_id": user.id}
                    )
        # not even the superuser, unless it is the system's own path
        for label, env in (
            ("superuser", self.env),
            ("sudo as a salesperson", self.env(user=self.user_sales, su=True)),
        ):
            with self.subTest(label):
                with self.assertRaises(UserError):
                    log.with_env(env).write({"field_names": "name"})
                with self.assertRaises(UserError):
                    log.with_env(env).unlink()
                with self.assertRaises(UserError):
                    log.line_ids.with_env(env).create({"log_id": log.id, "field_name": "x", "old_value": "y"})
                with self.assertRaises(UserError):
                    self.Log.with_env(env).create(
                        {
                            "event": "read",
                            "model": "res.partner",
                            "channel": "ui",
                            "user_id": self.user_sales.id,
                        }
                    )
        with self.assertRaises(UserError):
            log.with_context(**{AUDIT_CONTEXT_KEY: "1"}).unlink()
        self.assertTrue(log.exists())
        self.assertEqual(log.field_names, "ci_preferences")

    def test_retention_job_purges_old_entries(self):
        now = fields.Datetime.now()
        system = self.Log._as_system()
        old, recent = (
            self.Log._log("read", self.person_own, ["ci_preferences"]),
            self.Log._log("read", self.person_own, ["ci_preferences"]),
        )
        old.with_env(system.env).write({"timestamp": now - relativedelta(days=400)})
        recent.with_env(system.env).write({"timestamp": now - relativedelta(days=40)})
        attachment = self.env["ir.attachment"].create(
            {
                "name": "data-subject.json",
                "raw": b"{}",
                "res_model": "customer.data.subject.export",
            }
        )
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = %s WHERE id = %s",
            (now - relativedelta(days=8), attachment.id),
        )
        attachment.invalidate_recordset()
        self.assertEqual(self.Log._cron_purge(), 1)
        self.assertFalse(old.exists(), "older than the default 365 days")
        self.assertTrue(recent.exists())
        self.assertFalse(attachment.exists(), "data-subject exports are kept a week")
        self.env["ir.config_parameter"].set_param(RETENTION_PARAM, "30")
        self.Log._cron_purge()
        self.assertFalse(recent.exists())
        kept = self.Log._log("read", self.person_own, ["ci_preferences"])
        kept.with_env(system.env).write({"timestamp": now - relativedelta(days=4000)})
        self.env["ir.config_parameter"].set_param(RETENTION_PARAM, "0")
        self.Log._cron_purge()
        self.assertTrue(kept.exists(), "0 keeps the log for ever")
        cron = self.env.ref(f"{MODULE}.ir_cron_audit_log_purge")
        self.assertEqual((cron.interval_number, cron.interval_type, cron.active), (1, "days", True))

    @mute_logger(*MUTED)
    def test_auditors_see_the_entries_of_their_companies(self):
        other = self.env["res.company"].create({"name": "Nordwind Asia Ltd"})
        auditor_elsewhere = new_test_user(
            self.env,
            login="ci_auditor_other",
            groups=f"{MODULE}.group_customer_info_auditor",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.person_own.with_user(self.user_sens).read(["ci_preferences"])
        log = self.Log.search([], limit=1, order="id desc")
        self.assertEqual(log.company_id, self.env.company)
        self.assertFalse(self.Log.with_user(auditor_elsewhere).search([("id", "=", log.id)]))
        self.assertTrue(self.Log.with_user(self.user_auditor).search([("id", "=", log.id)]))

    # ------------------------------------------------------------
    # Export
    # ------------------------------------------------------------

    @mute_logger(*MUTED)
    def test_exports_need_the_export_group_and_are_logged(self):
        partners = (self.company_cn | self.person_cn).with_user(self.user_sales)
        self.user_sales.group_ids |= self.env.ref("base.group_allow_export")
        with self.assertRaises(AccessError):
            partners.export_data(["name", "email"])
        activity_type = self.env.ref(f"{MODULE}.customer_activity_type_meeting")
        activity = self.env["customer.activity"].create(
            {
                "name": "Visit",
                "type_id": activity_type.id,
                "partner_id": self.company_cn.id,
                "user_id": self.user_sales.id,
            }
        )
        with self.assertRaises(AccessError):
            activity.with_user(self.user_sales).export_data(["name"])
        # another application's export reaching contacts: as before Odoo had this addon, audited
        # when it takes more than their names; the addon's own fields need the export group
        users = self.env["res.users"].with_user(self.user_sales).browse(self.user_sales.id)
        partner = self.user_sales.partner_id
        start = self.last_id()
        self.assertEqual(
            users.export_data(["login", "partner_id"])["datas"],
            [[self.user_sales.login, partner.display_name]],
        )
        self.env.cr.flush()
        self.assertFalse(self.new_logs(start), "names go out as before, unaudited")
        partner.sudo().email = "sales.user@example.com"
        start = self.last_id()
        self.assertEqual(
            users.export_data(["login", "partner_id/email"])["datas"],
            [[self.user_sales.login, "sales.user@example.com"]],
        )
        self.assertFalse(self.new_logs(start), "the entry is written once, when the export ends")
        self.env.cr.flush()
        log = self.new_logs(start)
        self.assertEqual(
            (log.event, log.channel, log.user_id, log.model, log.res_ids, log.field_names),
            ("export", "export", self.user_sales, "res.partner", str(partner.id), "email"),
        )
        self.assertEqual(log.partner_ids, partner)
        self.assertIn("another application", log.note)
        with self.assertRaises(AccessError, msg="the addon's own fields need the export group"):
            users.export_data(["login", "partner_id/ci_last_verified_on"])
        exporter = self.env["res.users"].with_user(self.user_exporter).browse(self.user_sales.id)
        start = self.last_id()
        self.assertEqual(len(exporter.export_data(["login", "partner_id/ci_last_verified_on"])["datas"]), 1)
        self.env.cr.flush()
        self.assertEqual(self.new_logs(start).field_names, "ci_last_verified_on")
        start = self.last_id()
        exported = (
            (self.company_cn | self.person_cn).with_user(self.user_exporter).export_data(["name", "email"])
        )
        self.assertEqual(len(exported["datas"]), 2)
        log = self.new_logs(start)
        self.assertEqual(
            (log.event, log.channel, log.user_id, log.record_count, log.field_names),
            ("export", "export", self.user_exporter, 2, "name,email"),
        )
        self.assertEqual(log.partner_ids, self.company_cn | self.person_cn)
        self.assertIn("2", log.note)
        # sensitive columns need the sensitive group as well
        with self.assertRaises(AccessError):
            self.person_own.with_user(self.user_exporter).export_data(["name", "ci_preferences"])
        # exports of other data are Odoo's own business
        countries = self.env["res.country"].search([], limit=2).with_user(self.user_sales)
        self.assertEqual(len(countries.export_data(["name"])["datas"]), 2)
