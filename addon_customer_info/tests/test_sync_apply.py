import copy
import datetime
import json
from pathlib import Path

import psycopg2
from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_sync import SyncCommon

CONTRACT = Path(__file__).resolve().parent / "data" / "contract"
USCC = "91110108551385082Q"
OTHER_USCC = "91310000631696382C"


def example(name):
    return json.loads((CONTRACT / f"{name}.json").read_text(encoding="utf-8"))


class SyncApplyCommon(SyncCommon):
    """A purchased list with marketing and service purposes, and a running run of it.

    The example batch (tests/data/contract/apply_batch.json) names the existing partner 12:
    it stands for ``company_de`` ("Elbtal Pumpen GmbH", Hamburg, no e-mail).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketing = cls.env.ref("addon_customer_info.customer_consent_purpose_marketing")
        cls.service = cls.env.ref("addon_customer_info.customer_consent_purpose_service")
        cls.list_source = cls.Source.create(
            {
                "name": "Leads 2026 Q4 (apply)",
                "type": "purchased_list",
                "vendor": "ACME Data",
                "purchase_ref": "PO-1182",
                "default_trust": 40,
                "trust_line_ids": [(0, 0, {"field": "email", "trust": 60})],
                "legal_basis": "contract",
                "purpose_ids": [(6, 0, [cls.marketing.id, cls.service.id])],
            }
        )
        cls.Api = cls.env["customer.sync.api"]
        cls.Provenance = cls.env["customer.field.provenance"]
        cls.Event = cls.env["customer.consent.event"]
        cls.Candidate = cls.env["customer.duplicate.candidate"]
        cls.Identifier = cls.env["customer.partner.identifier"]

    def new_run(self, source=None, dry_run=False):
        return self.Run._create_for_worker(
            source or self.list_source, "cli", "leads.csv", 100, "ab" * 32, worker="test", dry_run=dry_run
        )

    def apply(self, run, rows, batch_no=0, user=None):
        api = self.Api.with_user(user or self.user_worker)
        return api.apply_batch(run_id=run.id, batch_no=batch_no, rows=copy.deepcopy(rows))

    def example_rows(self):
        """The example batch's rows, with partner 12 mapped to ``company_de``."""
        rows = example("apply_batch")["request"]["rows"]
        for row in rows:
            decision = row.get("decision") or {}
            if decision.get("partner_id") == 12:
                decision["partner_id"] = self.company_de.id
            if decision.get("candidates"):
                decision["candidates"] = [
                    self.company_de.id if c == 12 else c for c in decision["candidates"]
                ]
        return rows

    @staticmethod
    def row(number, key, values, kind="company", action="new", partner_id=None, cluster=None, **ids):
        """A batch row in the contract's shape; the hash follows the values."""
        return {
            "row": number,
            "external_key": key,
            "hash": json.dumps(values, sort_keys=True, ensure_ascii=False),
            "kind": kind,
            "values": values,
            "identifiers": {
                "uscc": ids.get("uscc"),
                "vat": ids.get("vat"),
                "lei": ids.get("lei"),
                "email": [values["email"]] if values.get("email") else [],
            },
            "decision": {
                "action": action,
                "partner_id": partner_id,
                "score": None,
                "probability": None,
                "cluster": cluster or f"row:{number}",
                "evidence": [],
                "reasons": [],
                "candidates": [partner_id] if partner_id else [],
            },
            "rejected": None,
        }

    def snapshot(self):
        self.env.flush_all()
        return {
            "partners": self.Partner.with_context(active_test=False).search_count([]),
            "provenance": self.Provenance.search_count([]),
            "events": self.Event.search_count([]),
            "candidates": self.Candidate.search_count([]),
            "identifiers": self.Identifier.search_count([]),
            "keys": self.env["customer.sync.external.key"].search_count([]),
            "write_date": self._write_dates(),
        }

    def _write_dates(self):
        self.env.cr.execute("SELECT id, write_date FROM res_partner")
        return dict(self.env.cr.fetchall())


@tagged("post_install", "-at_install")
class TestSyncApply(SyncApplyCommon):
    """apply_batch: the server-side rules of docs/rpc-contract.md."""

    def test_contract_example(self):
        """The example batch gives exactly the example answer (outcomes, fields, counts)."""
        run = self.new_run()
        answer = self.apply(run, self.example_rows())
        expected = example("apply_batch")["response"]
        self.assertEqual(answer["batch_no"], expected["batch_no"])
        self.assertEqual(answer["counts"], expected["counts"])
        self.assertEqual(answer["consent_events"], expected["consent_events"])
        self.assertEqual(answer["notes"], expected["notes"])
        self.assertEqual(len(answer["results"]), len(expected["results"]))
        for got, want in zip(answer["results"], expected["results"], strict=True):
            self.assertEqual(set(got), set(want), want["row"])
            for key in ("row", "outcome", "fields_written", "fields_kept"):
                self.assertEqual(got[key], want[key], f"row {want['row']}: {key}")
            self.assertEqual(bool(got["partner_id"]), bool(want["partner_id"]), want["row"])
            self.assertEqual(bool(got["candidate_id"]), bool(want["candidate_id"]), want["row"])
        by_row = {result["row"]: result for result in answer["results"]}
        company = self.Partner.browse(by_row[2]["partner_id"])
        person = self.Partner.browse(by_row[3]["partner_id"])
        # an in-file cluster is one partner; the person works for it
        self.assertEqual(by_row[7]["partner_id"], company.id)
        self.assertTrue(company.is_company)
        self.assertEqual(company.vat, USCC)
        self.assertEqual(company.state_id, self.env.ref("base.state_cn_BJ"))
        self.assertEqual(company.website, "https://www.venustech.example.cn")
        self.assertEqual(person.parent_id, company)
        self.assertEqual(person.phone, "+8613800138000", "a mobile number goes to the only phone field")
        self.assertEqual(
            sorted(company.ci_identifier_ids.mapped(lambda i: (i.kind, i.value))), [("uscc", USCC)]
        )
        # the link went through survivorship, with provenance
        self.assertEqual(by_row[4]["partner_id"], self.company_de.id)
        self.assertEqual(self.company_de.email, "info@elbtal-pumpen.example.de")
        provenance = self.Provenance.search([("partner_id", "=", self.company_de.id)])
        self.assertEqual(
            {(p.field_name, p.state, p.trust) for p in provenance},
            {
                ("name", "confirmed", 40),
                ("email", "applied", 60),
                ("phone", "applied", 40),
                ("city", "confirmed", 40),
                ("country_id", "confirmed", 40),
            },
        )
        self.assertEqual(provenance.source_id, self.list_source)
        self.assertEqual(provenance.run_id, run)
        # the review entry holds the incoming record, candidates and evidence; nothing written
        review = self.Candidate.browse(by_row[6]["candidate_id"])
        self.assertEqual(review.kind, "incoming")
        self.assertEqual(review.state, "open")
        self.assertEqual(review.partner_ids, self.company_de)
        self.assertEqual(review.incoming_values["city"], "Hamburg-Harburg")
        self.assertEqual(review.evidence[0]["field"], "name")
        self.assertIn("similar name: +5.2", review.explanation)
        self.assertEqual((review.row_no, review.run_id, review.source_id), (6, run, self.list_source))
        self.assertFalse(self.Partner.search([("city", "=", "Hamburg-Harburg")]))
        # the in-file pair is a review entry between the two partners its rows produced
        pair = self.Candidate.browse(answer["results"][-1]["candidate_id"])
        self.assertEqual(pair.kind, "pair")
        self.assertEqual(pair.partner_ids, person | self.Partner.browse(by_row[8]["partner_id"]))
        self.assertAlmostEqual(pair.score, 2.4)
        # every row's outcome is on the run, the rejected one with its reason
        self.assertEqual(
            (run.created_count, run.linked_count, run.review_count, run.rejected_count, run.unchanged_count),
            (3, 2, 1, 1, 0),
        )
        rejected = run.row_ids.filtered(lambda r: r.outcome == "rejected")
        self.assertEqual((rejected.row_number, rejected.reason_code), (5, "email.invalid"))
        self.assertEqual(rejected.field, "email")

    def test_resent_batch_and_rerun_write_nothing(self):
        run = self.new_run()
        rows = self.example_rows()
        first = self.apply(run, rows)
        before = self.snapshot()
        rows_on_run = len(run.row_ids)
        # the worker lost the answer and sends the batch again: the same answer, no write
        again = self.apply(run, rows)
        self.assertEqual(again, first)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(run.row_ids), rows_on_run, "the outcomes are recorded once")
        # the same list again, in a new run: every row unchanged, nothing written
        rerun = self.new_run()
        answer = self.apply(rerun, rows)
        self.assertEqual(self.snapshot(), before)
        outcomes = [result["outcome"] for result in answer["results"]]
        self.assertEqual(
            outcomes,
            [
                "unchanged",
                "unchanged",
                "unchanged",
                "rejected",
                "unchanged",
                "unchanged",
                "unchanged",
                "unchanged",
            ],
        )
        self.assertEqual(answer["consent_events"], 0)
        self.assertEqual(answer["counts"]["unchanged"], 6)
        by_row = {result["row"]: result for result in answer["results"]}
        self.assertEqual(by_row[2]["partner_id"], first["results"][0]["partner_id"])
        self.assertEqual(by_row[6]["candidate_id"], first["results"][4]["candidate_id"])

    def test_changed_record_goes_to_the_partner_it_became(self):
        run = self.new_run()
        values = {"name": "Qiming Tech", "email": "info@qiming.example.cn", "country": "CN"}
        first = self.apply(run, [self.row(1, "k1", values)])
        partner = self.Partner.browse(first["results"][0]["partner_id"])
        changed = {**values, "city": "杭州市"}
        answer = self.apply(run, [self.row(1, "k1", changed, action="new")], batch_no=1)
        self.assertEqual(answer["results"][0]["outcome"], "linked")
        self.assertEqual(answer["results"][0]["partner_id"], partner.id)
        self.assertEqual(answer["results"][0]["fields_written"], ["city"])
        self.assertEqual(partner.city, "杭州市")

    def test_rows_of_one_entity_leave_the_most_complete_values_not_the_last(self):
        """天津港湾物流有限公司 then 天津港湾物流 in one file: the partner keeps the legal name; what a
        later row adds (a street) or says more fully (in a later batch too) is written."""
        run = self.new_run()
        full = {"name": "天津港湾物流有限公司", "city": "天津市", "country": "CN"}
        short = {"name": "天津港湾物流", "street": "港湾路1号", "city": "天津", "country": "CN"}
        answer = self.apply(run, [self.row(2, "k2", full), self.row(3, "k3", short, cluster="row:2")])
        first, second = answer["results"]
        partner = self.Partner.browse(first["partner_id"])
        self.assertEqual(second["partner_id"], partner.id)
        self.assertEqual((second["fields_written"], second["fields_kept"]), (["street"], ["city", "name"]))
        self.assertEqual(
            (partner.name, partner.city, partner.street), ("天津港湾物流有限公司", "天津市", "港湾路1号")
        )
        kept = self.Provenance.search([("partner_id", "=", partner.id), ("field_name", "=", "name")])
        self.assertEqual(sorted(kept.mapped("state")), ["applied", "observation"])
        # a later batch of the run: the shorter street stays out, the fuller one goes in
        later = {"name": "港湾物流", "street": "港湾路1号 A座", "country": "CN"}
        answer = self.apply(run, [self.row(9, "k9", later, cluster="row:2")], batch_no=1)
        self.assertEqual(answer["results"][0]["partner_id"], partner.id)
        self.assertEqual(answer["results"][0]["fields_written"], ["street"])
        self.assertEqual((partner.name, partner.street), ("天津港湾物流有限公司", "港湾路1号 A座"))
        # another run is a newer report, not another row of this file: its value wins by trust
        rerun = self.new_run()
        answer = self.apply(rerun, [self.row(2, "k2", {**full, "name": "天津港湾物流"})])
        self.assertEqual(answer["results"][0]["fields_written"], ["name"])
        self.assertEqual(partner.name, "天津港湾物流")

    def test_identifier_is_unique_in_the_database_and_apply_links_to_its_holder(self):
        holder = self.Partner.create({"name": "启明星辰", "is_company": True, "vat": USCC})
        self.assertEqual(holder.ci_identifier_ids.mapped("kind"), ["uscc"])
        other = self.Partner.create({"name": "启明星辰 (copy)", "is_company": True})
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Identifier.create({"partner_id": other.id, "kind": "uscc", "value": USCC.lower()})
        # a person typing the same tax id on another contact is not refused: the first keeps it
        other.vat = USCC
        self.assertFalse(other.ci_identifier_ids)
        self.assertEqual(self.Identifier.search([("value", "=", USCC)]).partner_id, holder)
        # the worker's index did not know the holder: "new" links to it all the same
        run = self.new_run()
        row = self.row(1, "k-uscc", {"name": "北京启明星辰", "country": "CN"}, uscc=USCC.lower())
        answer = self.apply(run, [row])
        self.assertEqual(answer["results"][0]["outcome"], "linked")
        self.assertEqual(answer["results"][0]["partner_id"], holder.id)

    def test_identifiers_follow_an_email_written_on_many_contacts_at_once(self):
        """One write of one address on several contacts (a mass edit in a list): every old
        address is released, the first contact takes the new one, the others are still saved."""
        first, second, third = self.Partner.create(
            [{"name": f"Mass edit {number}", "email": f"old{number}@mass.example.cn"} for number in range(3)]
        )
        (first | second | third).write({"email": "shared@mass.example.cn"})
        rows = self.Identifier.search([("value", "like", "@mass.example.cn")])
        self.assertEqual([(row.partner_id, row.value) for row in rows], [(first, "shared@mass.example.cn")])
        self.assertEqual(set((first | second | third).mapped("email")), {"shared@mass.example.cn"})

    def test_identifier_taken_during_the_batch_links(self):
        """Two rows with one USCC the engine did not cluster: the second links to the first's partner."""
        run = self.new_run()
        rows = [
            self.row(1, "a", {"name": "上海浦东发展银行", "vat": OTHER_USCC}, uscc=None),
            self.row(2, "b", {"name": "浦发银行", "vat": OTHER_USCC}, uscc=None),
        ]
        answer = self.apply(run, rows)
        self.assertEqual([r["outcome"] for r in answer["results"]], ["created", "linked"])
        self.assertEqual(answer["results"][0]["partner_id"], answer["results"][1]["partner_id"])
        self.assertEqual(self.Partner.search_count([("vat", "=", OTHER_USCC)]), 1)

    def test_a_persons_email_held_by_its_company_does_not_merge_them(self):
        company = self.Partner.create({"name": "Tenda", "is_company": True, "email": "info@tenda.example.cn"})
        run = self.new_run()
        answer = self.apply(
            run, [self.row(1, "p", {"name": "Li Lei", "email": "info@tenda.example.cn"}, kind="person")]
        )
        self.assertEqual(answer["results"][0]["outcome"], "created")
        self.assertNotEqual(answer["results"][0]["partner_id"], company.id)

    def test_manual_edit_beats_a_lower_trust_source_which_is_kept_as_observation(self):
        run = self.new_run()
        values = {"name": "Elbe Tech GmbH", "phone": "+49 40 111", "city": "Hamburg"}
        partner = self.Partner.browse(self.apply(run, [self.row(1, "e", values)])["results"][0]["partner_id"])
        # a person corrects the phone on the form
        partner.with_user(self.user_sales).write({"phone": "+49 40 222"})
        manual = self.Provenance.search([("partner_id", "=", partner.id), ("source_id", "=", False)])
        self.assertEqual((manual.field_name, manual.trust, manual.user_id), ("phone", 80, self.user_sales))
        # the list (trust 40) says otherwise: kept as an observation, not written
        answer = self.apply(run, [self.row(1, "e", {**values, "phone": "+49 40 333"})], batch_no=1)
        self.assertEqual(answer["results"][0]["outcome"], "linked")
        self.assertEqual(answer["results"][0]["fields_kept"], ["phone"])
        self.assertEqual(answer["results"][0]["fields_written"], [])
        self.assertEqual(partner.phone, "+49 40 222")
        observation = self.Provenance.search([("partner_id", "=", partner.id), ("state", "=", "observation")])
        self.assertEqual((observation.field_name, observation.value), ("phone", "+49 40 333"))
        # a registry trusted 90 overrides the manual edit
        registry = self.Source.create({"name": "Registry (apply)", "type": "registry", "default_trust": 90})
        run2 = self.new_run(registry)
        answer = self.apply(
            run2,
            [
                self.row(
                    1,
                    "r",
                    {"name": "Elbe Tech GmbH", "phone": "+49 40 444"},
                    action="link",
                    partner_id=partner.id,
                )
            ],
        )
        self.assertEqual(answer["results"][0]["fields_written"], ["phone"])
        self.assertEqual(partner.phone, "+49 40 444")

    def test_a_source_never_blanks_a_value(self):
        run = self.new_run()
        values = {"name": "Blank Test Ltd", "email": "hello@blank.example.com", "city": "Leeds"}
        partner = self.Partner.browse(self.apply(run, [self.row(1, "x", values)])["results"][0]["partner_id"])
        answer = self.apply(run, [self.row(1, "x", {"name": "Blank Test Ltd", "email": "", "city": None})], 1)
        self.assertEqual(answer["results"][0]["outcome"], "linked")
        self.assertEqual(answer["results"][0]["fields_written"], [])
        self.assertEqual((partner.email, partner.city), ("hello@blank.example.com", "Leeds"))

    def test_purchased_list_records_its_legal_basis_and_never_grants_marketing(self):
        run = self.new_run()
        answer = self.apply(
            run,
            [
                self.row(
                    1, "c", {"name": "王芳", "email": "wang.fang@example.cn", "country": "CN"}, kind="person"
                )
            ],
        )
        partner = self.Partner.browse(answer["results"][0]["partner_id"])
        events = self.Event.search([("partner_id", "=", partner.id)])
        self.assertEqual(events.purpose_id, self.service)
        self.assertEqual(
            (events.action, events.legal_basis, events.source, events.purchased, events.import_vendor),
            ("grant", "contract", "import_batch", True, "ACME Data"),
        )
        self.assertEqual(events.channel_id.code, "email")
        self.assertEqual(events.jurisdiction, "cn")
        self.assertFalse(events.filtered("purpose_id.is_marketing"))
        self.assertIn("never grants marketing consent", answer["notes"][0])
        self.assertNotEqual(self.Event._state(partner, self.marketing, events.channel_id), "granted")

    def test_dry_run_writes_no_partner(self):
        run = self.new_run(dry_run=True)
        before = self.snapshot()
        answer = self.apply(run, self.example_rows())
        self.assertEqual(answer["counts"]["created"], 3)
        self.assertEqual(self.snapshot(), before)
        self.assertFalse([r for r in answer["results"] if r["outcome"] == "created" and r["partner_id"]])
        self.assertEqual(run.created_count, 3, "the run shows what would happen")

    def test_only_the_integration_group_applies_and_reads_the_index(self):
        run = self.new_run()
        for user in (self.user_admin_ci, self.user_manager, self.user_sales, self.user_plain):
            with self.assertRaises(AccessError, msg=user.login):
                self.apply(run, self.example_rows(), user=user)
            with self.assertRaises(AccessError, msg=user.login):
                self.Api.with_user(user).read_index(cursor=None, limit=10)
        self.assertFalse(run.row_ids)

    def test_an_erased_person_is_not_imported_again(self):
        run = self.new_run()
        row = self.row(
            1,
            "email:forget.me@example.cn",
            {"name": "忘记我", "email": "forget.me@example.cn"},
            kind="person",
        )
        partner = self.Partner.browse(self.apply(run, [row])["results"][0]["partner_id"])
        self.assertTrue(partner.ci_provenance_ids)
        self.env["customer.data.subject"].with_user(self.user_admin_ci)._anonymise(partner)
        self.assertFalse(self.Provenance.search([("partner_id", "=", partner.id)]), "past values are gone")
        self.assertFalse(self.Identifier.search([("partner_id", "=", partner.id)]))
        key = self.env["customer.sync.external.key"].search(
            [("source_id", "=", self.list_source.id), ("erased", "=", True)]
        )
        self.assertTrue(key.external_key.startswith("sha256:"))
        self.assertNotIn("forget.me", key.external_key)
        answer = self.apply(self.new_run(), [row])
        self.assertEqual(answer["results"][0]["outcome"], "rejected")
        self.assertEqual(answer["results"][0]["code"], "subject.erased")
        self.assertFalse(self.Partner.search([("email", "=", "forget.me@example.cn")]))

    def test_people_see_where_a_value_came_from(self):
        run = self.new_run()
        answer = self.apply(run, [self.row(1, "w", {"name": "Seen Co", "city": "Ningbo"})])
        partner = self.Partner.browse(answer["results"][0]["partner_id"]).with_user(self.user_sales)
        self.assertEqual(set(partner.ci_provenance_ids.mapped("field_name")), {"name", "city"})
        with self.assertRaises(AccessError):
            partner.ci_provenance_ids[:1].write({"value": "forged"})


@tagged("post_install", "-at_install")
class TestSyncReadIndex(SyncApplyCommon):
    """read_index: the partners matching needs, by (write_date, id), with the look-back."""

    def pull(self, cursor=None, limit=5000):
        pages = []
        while True:
            page = self.Api.with_user(self.user_worker).read_index(cursor=cursor, limit=limit)
            pages.append(page)
            cursor = page["cursor"]
            if page["done"]:
                return pages, cursor
            self.assertLessEqual(len(pages), 1000, "the pull ends")

    def set_write_date(self, partner, when):
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET write_date = %s WHERE id = %s", (when, partner.id))
        partner.invalidate_recordset(["write_date"])

    def test_records_have_the_contract_fields(self):
        expected = example("read_index")["response"]
        company = self.Partner.create(
            {
                "name": "北京启明星辰信息技术股份有限公司",
                "is_company": True,
                "vat": USCC,
                "country_id": self.env.ref("base.cn").id,
                "state_id": self.env.ref("base.state_cn_BJ").id,
            }
        )
        person = self.Partner.create(
            {"name": "王伟", "parent_id": company.id, "email": "wang.wei@example.cn"}
        )
        person.action_archive()
        pages, _cursor = self.pull()
        records = {record["id"]: record for page in pages for record in page["records"]}
        for record in records.values():
            self.assertEqual(set(record), set(expected["records"][0]))
        self.assertEqual(
            {k: records[company.id][k] for k in ("kind", "vat", "uscc", "country", "state", "company")},
            {
                "kind": "company",
                "vat": USCC,
                "uscc": USCC,
                "country": "CN",
                "state": "北京市",
                "company": None,
            },
        )
        self.assertFalse(records[person.id]["active"], "archived partners come so that the worker drops them")
        self.assertEqual(records[person.id]["company"], company.name)

    def test_pages_follow_write_date_and_id_and_the_lookback_catches_late_commits(self):
        base = fields.Datetime.now() - datetime.timedelta(days=1)
        partners = self.Partner.create([{"name": f"Index {n}"} for n in range(5)])
        for offset, partner in enumerate(partners):
            self.set_write_date(partner, base + datetime.timedelta(seconds=offset))
        cursor = {"write_date": fields.Datetime.to_string(base - datetime.timedelta(seconds=1)), "id": 0}
        pages, cursor = self.pull(cursor, limit=2)
        seen = [record["id"] for page in pages for record in page["records"]]
        ours = [pid for pid in seen if pid in partners.ids]
        self.assertEqual(ours, partners.ids, "in (write_date, id) order, each once within a pull")
        self.assertEqual(len(pages[0]["records"]), 2)
        self.assertFalse(pages[0]["done"])
        # the last cursor is moved back by the look-back window
        last = max(fields.Datetime.to_datetime(r["write_date"]) for p in pages for r in p["records"])
        self.assertEqual(
            fields.Datetime.to_datetime(cursor["write_date"]), last - datetime.timedelta(minutes=10)
        )
        # a partner whose transaction began during that pull and committed after it
        late = self.Partner.create({"name": "Committed late"})
        self.set_write_date(late, last - datetime.timedelta(minutes=3))
        old = self.Partner.create({"name": "Long ago"})
        self.set_write_date(old, last - datetime.timedelta(hours=2))
        pages, cursor2 = self.pull(cursor, limit=2)
        seen = [record["id"] for page in pages for record in page["records"]]
        self.assertIn(late.id, seen)
        self.assertNotIn(old.id, seen)
        # a pull with nothing new keeps the cursor where it is
        pages, cursor3 = self.pull(cursor2)
        self.assertEqual(cursor3, cursor2)

    def test_partners_of_other_companies_stay_out(self):
        other_company = self.env["res.company"].create({"name": "Other Co (index)"})
        foreign = self.Partner.create({"name": "Foreign partner", "company_id": other_company.id})
        mine = self.Partner.create({"name": "Shared partner"})
        pages, _cursor = self.pull()
        seen = {record["id"] for page in pages for record in page["records"]}
        self.assertIn(mine.id, seen)
        self.assertNotIn(foreign.id, seen)
