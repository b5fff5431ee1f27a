from unittest.mock import patch

from odoo.exceptions import ConcurrencyError
from odoo.tests import tagged

from .test_sync_apply import OTHER_USCC, USCC, SyncApplyCommon


@tagged("post_install", "-at_install")
class TestSyncApplyBatch(SyncApplyCommon):
    """apply_batch creates a batch's partners together: what one by one did, in one call."""

    def companies(self, count, start=1, domain="batch"):
        return [
            self.row(
                start + index,
                f"{domain}-{start + index}",
                {
                    "name": f"Batch Company {domain} {start + index}",
                    "email": f"info{start + index}@{domain}.example.cn",
                    "city": "Hangzhou",
                    "country": "CN",
                },
            )
            for index in range(count)
        ]

    def test_rows_sharing_an_email_the_engine_did_not_cluster_make_one_partner(self):
        run = self.new_run()
        rows = [
            self.row(1, "m1", {"name": "Tenda Technology", "email": "Sales@Tenda.example.cn"}),
            self.row(2, "m2", {"name": "Tenda Tech Co.", "email": "sales@tenda.example.cn"}),
        ]
        answer = self.apply(run, rows)
        self.assertEqual([r["outcome"] for r in answer["results"]], ["created", "linked"])
        partner = self.Partner.browse(answer["results"][0]["partner_id"])
        self.assertEqual(answer["results"][1]["partner_id"], partner.id)
        self.assertEqual(
            self.Identifier.search([("value", "=", "sales@tenda.example.cn")]).partner_id, partner
        )
        keys = self.env["customer.sync.external.key"].search([("source_id", "=", self.list_source.id)])
        self.assertEqual(set(keys.mapped("external_key")), {"m1", "m2"})
        self.assertEqual(keys.partner_id, partner)

    def test_a_later_row_finds_the_email_a_row_of_a_cluster_brought(self):
        """Row 2 (cluster of row 1) gives the cluster's partner an e-mail; row 3, which the engine
        did not cluster with them, has that e-mail: it links to the same partner, as one by one."""
        run = self.new_run()
        rows = [
            self.row(1, "c1", {"name": "Zhejiang Dahua Pumps"}),
            self.row(
                2, "c2", {"name": "Dahua Pumps", "email": "info@dahua-pumps.example.cn"}, cluster="row:1"
            ),
            self.row(3, "c3", {"name": "DH Pumps Ltd", "email": "info@dahua-pumps.example.cn"}),
        ]
        answer = self.apply(run, rows)
        self.assertEqual([r["outcome"] for r in answer["results"]], ["created", "linked", "linked"])
        self.assertEqual(len({r["partner_id"] for r in answer["results"]}), 1)
        partner = self.Partner.browse(answer["results"][0]["partner_id"])
        self.assertEqual(partner.email, "info@dahua-pumps.example.cn")
        self.assertEqual(answer["results"][1]["fields_written"], ["email"])
        self.assertEqual(
            self.Identifier.search([("value", "=", "info@dahua-pumps.example.cn")]).partner_id, partner
        )

    def test_persons_of_a_batch_work_for_its_companies_and_sources_identifiers_are_kept(self):
        run = self.new_run()
        rows = [
            self.row(
                2,
                "p2",
                {"name": "Wang Fang", "company": "Hangzhou Lianhe Trading", "email": "wf@lianhe.example.cn"},
                kind="person",
            ),
            self.row(1, "co1", {"name": "Hangzhou Lianhe Trading", "vat": USCC}, lei="5493001KJTIIGC8Y1R12"),
        ]
        answer = self.apply(run, rows)
        person_result, company_result = answer["results"]
        self.assertEqual([person_result["outcome"], company_result["outcome"]], ["created", "created"])
        person = self.Partner.browse(person_result["partner_id"])
        company = self.Partner.browse(company_result["partner_id"])
        self.assertEqual(person.parent_id, company)
        # the tax id as the company's own field (uscc) and as the source reported it (vat), and
        # the LEI only the source knows
        self.assertEqual(sorted(company.ci_identifier_ids.mapped("kind")), ["lei", "uscc", "vat"])
        lei = company.ci_identifier_ids.filtered(lambda identifier: identifier.kind == "lei")
        self.assertEqual(lei.source_id, self.list_source)
        self.assertEqual(person.ci_identifier_ids.mapped("value"), ["wf@lianhe.example.cn"])
        applied = self.Provenance.search([("partner_id", "=", person.id), ("state", "=", "applied")])
        self.assertEqual(set(applied.mapped("field_name")), {"name", "email", "parent_id"})

    def test_the_partners_a_batch_creates_are_audited_in_one_entry_naming_each(self):
        run = self.new_run()
        answer = self.apply(run, self.companies(5, domain="audit"))
        created = self.Partner.browse([r["partner_id"] for r in answer["results"]])
        self.assertEqual(len(created), 5)
        self.env.flush_all()
        entries = self.env["customer.audit.log"].sudo().search(
            [("event", "=", "create"), ("model", "=", "res.partner"), ("partner_ids", "in", created.ids)]
        )
        self.assertEqual(len(entries), 1, "one entry for the batch's create call")
        self.assertEqual(set(map(int, entries.res_ids.split(","))), set(created.ids))
        self.assertEqual(entries.partner_ids, created)
        names = entries.line_ids.filtered(lambda line: line.field_name == "name")
        self.assertEqual(
            {(line.res_id, line.new_value) for line in names}, {(p.id, p.name) for p in created}
        )

    def test_a_batch_takes_a_bounded_number_of_queries_whatever_its_size(self):
        """Creating 100 partners costs hardly more queries than creating 10 (one by one, each
        had its own create, savepoint, identifier lookup and insert, key and audit entry)."""

        def queries(rows):
            run = self.new_run()
            self.env.flush_all()
            count = self.cr.sql_log_count
            answer = self.apply(run, rows)
            self.env.flush_all()
            self.assertEqual({r["outcome"] for r in answer["results"]}, {"created"})
            return self.cr.sql_log_count - count

        self.apply(self.new_run(), self.companies(3, domain="warm"))  # caches of rules and groups
        small = queries(self.companies(10, domain="small"))
        large = queries(self.companies(100, domain="large"))
        self.assertLess(large, small * 2, f"10 rows: {small} queries, 100 rows: {large}")

    def test_an_identifier_a_concurrent_batch_committed_makes_odoo_retry(self):
        """A holder this transaction's lookup did not see: the unique index refuses the batch's
        identifier insert, and the call fails with ConcurrencyError, which Odoo retries."""
        self.Partner.create({"name": "Shenzhen Holder", "is_company": True, "vat": OTHER_USCC})
        run = self.new_run()
        Identifier = type(self.env["customer.partner.identifier"])
        with (
            patch.object(Identifier, "_holders", lambda self, pairs: {}),
            self.assertRaises(ConcurrencyError),
            self.env.cr.savepoint(),
        ):
            self.apply(run, [self.row(1, "late", {"name": "Shenzhen Late Co", "vat": OTHER_USCC})])
