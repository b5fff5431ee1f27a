import copy
import json
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_sync import SyncCommon

CONTRACT = Path(__file__).resolve().parent / "data" / "contract"


def example(name):
    return json.loads((CONTRACT / f"{name}.json").read_text(encoding="utf-8"))


@tagged("post_install", "-at_install")
class TestSyncCheckUnchanged(SyncCommon):
    """check_unchanged: a re-run learns which rows Odoo holds unchanged before matching them.

    The first row of the apply_batch example (a new company, external key ``uscc:…``) is applied
    by a first run; the check_unchanged example then asks about it (same key and hash), about the
    example's second row with another hash, and about a key never seen.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api = cls.Api.with_user(cls.user_worker)
        cls.Key = cls.env["customer.sync.external.key"]
        cls.Check = cls.env["customer.sync.run.check"]

    def new_run(self):
        return self.Run._create_for_worker(self.source, "cli", "leads.csv", 100, "ab" * 32, worker="test")

    def applied_row(self):
        """Apply the first row of the apply_batch example in a first run: the partner it became."""
        row = example("apply_batch")["request"]["rows"][0]
        answer = self.api.apply_batch(run_id=self.new_run().id, batch_no=1, rows=[copy.deepcopy(row)])
        self.assertEqual(answer["results"][0]["outcome"], "created")
        return row, self.Partner.browse(answer["results"][0]["partner_id"])

    def check(self, run, rows, check_no=1, user=None):
        api = self.Api.with_user(user) if user else self.api
        return api.check_unchanged(run_id=run.id, check_no=check_no, rows=copy.deepcopy(rows))

    def state(self):
        """What a check may not change: partners, keys, outcome rows (and their write dates)."""
        self.env.flush_all()
        self.env.cr.execute("SELECT id, write_date FROM res_partner ORDER BY id")
        partners = self.env.cr.fetchall()
        self.env.cr.execute("SELECT id, row_hash, write_date FROM customer_sync_external_key ORDER BY id")
        keys = self.env.cr.fetchall()
        rows = self.env["customer.sync.run.row"].search_count([])
        return partners, keys, rows

    def test_contract_example(self):
        """The example's request gives the example's answer (12: the partner the row became)."""
        _row, partner = self.applied_row()
        rerun = self.new_run()
        before = self.state()
        request = example("check_unchanged")["request"]
        answer = self.check(rerun, request["rows"], check_no=request["check_no"])
        expected = example("check_unchanged")["response"]
        expected["results"][0]["partner_id"] = partner.id
        self.assertEqual(answer, expected)
        self.assertEqual(self.state(), before, "a check writes no partner, key or outcome row")
        self.assertEqual(rerun.unchanged_count, 1, "the confirmed row is counted on the run")
        self.assertEqual(rerun.created_count + rerun.linked_count + rerun.rejected_count, 0)

    def test_a_resent_check_answers_again_and_counts_nothing(self):
        row, partner = self.applied_row()
        rerun = self.new_run()
        rows = [{"row": 2, "external_key": row["external_key"], "hash": row["hash"]}]
        first = self.check(rerun, rows)
        self.assertEqual(first["results"][0], {"row": 2, "unchanged": True, "partner_id": partner.id,
                                               "candidate_id": None})
        again = self.check(rerun, rows)
        self.assertEqual(again, first)
        self.assertEqual(rerun.unchanged_count, 1)
        self.assertEqual(self.Check.search_count([("run_id", "=", rerun.id)]), 1)
        # the stored answer is the answer, even once the key changed (a resumed run sends the
        # same remaining rows in the same batches as the attempt it resumes)
        self.Key.search([("external_key", "=", row["external_key"])]).row_hash = "changed"
        self.assertEqual(self.check(rerun, rows), first)
        self.assertFalse(self.check(rerun, rows, check_no=2)["results"][0]["unchanged"])
        self.assertEqual(rerun.unchanged_count, 1)

    def test_a_different_hash_or_an_unknown_key_is_not_confirmed(self):
        row, _partner = self.applied_row()
        rerun = self.new_run()
        answer = self.check(
            rerun,
            [
                {"row": 2, "external_key": row["external_key"], "hash": row["hash"][:-1] + "0"},
                {"row": 3, "external_key": "uscc:never-seen", "hash": row["hash"]},
                {"row": 4, "external_key": row["external_key"], "hash": ""},
                {"row": 5, "external_key": row["external_key"]},
            ],
        )
        self.assertEqual([result["unchanged"] for result in answer["results"]], [False] * 4)
        self.assertEqual(answer["counts"], {"unchanged": 0})
        self.assertEqual(rerun.unchanged_count, 0)

    def test_a_row_is_confirmed_once_per_call(self):
        row, _partner = self.applied_row()
        rerun = self.new_run()
        same = {"row": 2, "external_key": row["external_key"], "hash": row["hash"]}
        answer = self.check(rerun, [same, same, {**same, "row": None}])
        self.assertEqual([result["unchanged"] for result in answer["results"]], [True, False, False])
        self.assertEqual(rerun.unchanged_count, 1)

    def test_an_erased_person_is_not_confirmed_and_apply_still_refuses_it(self):
        row = {
            "row": 1,
            "external_key": "email:forget.me@example.cn",
            "hash": "f" * 64,
            "kind": "person",
            "values": {"name": "忘记我", "email": "forget.me@example.cn"},
            "identifiers": {"uscc": None, "vat": None, "lei": None, "email": ["forget.me@example.cn"]},
            "decision": {"action": "new", "partner_id": None, "score": None, "probability": None,
                         "cluster": "row:1", "evidence": [], "reasons": [], "candidates": []},
            "rejected": None,
        }
        first = self.api.apply_batch(run_id=self.new_run().id, batch_no=1, rows=[copy.deepcopy(row)])
        partner = self.Partner.browse(first["results"][0]["partner_id"])
        self.env["customer.data.subject"].with_user(self.user_admin_ci)._anonymise(partner)
        # even a key record that still held the plain key next to its fingerprint is refused
        erased = self.Key.search([("source_id", "=", self.source.id), ("erased", "=", True)])
        self.assertTrue(erased)
        self.Key.create({"source_id": self.source.id, "external_key": row["external_key"],
                         "row_hash": row["hash"], "partner_id": self.company_de.id})
        rerun = self.new_run()
        check = self.check(rerun, [{"row": 1, "external_key": row["external_key"], "hash": row["hash"]}])
        self.assertFalse(check["results"][0]["unchanged"])
        self.assertEqual(rerun.unchanged_count, 0)
        self.Key.search([("external_key", "=", row["external_key"])]).unlink()
        answer = self.api.apply_batch(run_id=rerun.id, batch_no=1, rows=[copy.deepcopy(row)])
        self.assertEqual(answer["results"][0]["code"], "subject.erased")

    def test_only_the_integration_group_checks(self):
        rerun = self.new_run()
        for user in (self.user_plain, self.user_sales, self.user_manager, self.user_admin_ci):
            with self.assertRaises(AccessError, msg=user.login):
                self.check(rerun, [], user=user)
        self.assertFalse(self.Check.search([("run_id", "=", rerun.id)]))

    def test_refused_calls(self):
        run = self.new_run()
        with self.assertRaises(UserError):
            self.check(run, [], check_no=0)
        with self.assertRaises(UserError):
            self.check(run, ["row 2"])
        with self.assertRaises(UserError):
            self.check(run, [{"row": n, "external_key": f"k{n}", "hash": "h"} for n in range(5001)])
        run._finish("done")
        with self.assertRaises(UserError):
            self.check(run, [{"row": 1, "external_key": "k1", "hash": "h"}])
