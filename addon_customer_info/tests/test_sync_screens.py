import datetime

from odoo import fields
from odoo.tests import tagged

from .test_sync_apply import SyncApplyCommon


@tagged("post_install", "-at_install")
class TestSyncScreens(SyncApplyCommon):
    """What the run, row, source and provenance screens show of a run."""

    def _timed(self, run, seconds):
        start = fields.Datetime.now() - datetime.timedelta(hours=2)
        run._as_system().write(
            {"state": "done", "started_at": start, "finished_at": start + datetime.timedelta(seconds=seconds)}
        )
        return run

    def test_duration_reads_as_seconds_minutes_hours(self):
        run = self.new_run()
        self.assertEqual(self._timed(run, 2.2).duration_display, "2 s")
        self.assertEqual(run.duration, 2.2)
        self.assertEqual(self._timed(run, 192).duration_display, "3 min 12 s")
        self.assertEqual(self._timed(run, 3900).duration_display, "1 h 5 min")
        queued = self.queue_run()
        self.assertFalse(queued.duration_display, "a run not started has no duration")
        for view_type in ("list", "form"):
            arch = self.Run.get_view(view_type=view_type)["arch"]
            self.assertIn("duration_display", arch)
            self.assertNotIn("float_time", arch, "seconds read as hours by float_time")

    def test_progress_unknown_while_the_total_is(self):
        run = self.new_run()
        run._as_system().write({"rows_read": 6, "rows_total": 0})
        self.assertFalse(run.progress_known)
        run._as_system().write({"rows_total": 12})
        self.assertTrue(run.progress_known)
        self.assertEqual(run.progress, 50.0)
        arch = self.Run.get_view(view_type="form")["arch"]
        self.assertIn('invisible="not progress_known"', arch)

    def test_dry_run_shows_its_predictions(self):
        predicted = {"created": 3, "linked": 2, "review": 1, "rejected": 4, "file_pairs_review": 5}
        run = self.new_run(dry_run=True)
        self.Api.with_user(self.user_worker).finish_run(
            run.id,
            "done",
            message="Dry run: nothing was applied.",
            stats={"rows_read": 10, "predicted": predicted},
            message_code="run.dry_run",
        )
        self.assertTrue(run.has_predictions)
        self.assertEqual(
            (
                run.predicted_created,
                run.predicted_linked,
                run.predicted_review,
                run.predicted_rejected,
                run.predicted_pairs,
            ),
            (3, 2, 1, 4, 5),
        )
        self.assertEqual(run.created_count, 0, "a dry run applies nothing")
        applied = self.new_run()
        self.Api.with_user(self.user_worker).finish_run(applied.id, "done", stats={"predicted": predicted})
        self.assertFalse(applied.has_predictions, "only a dry run's figures are predictions")
        self.assertEqual(applied.predicted_created, 0)
        odd = self.new_run(dry_run=True)
        self.Api.with_user(self.user_worker).finish_run(odd.id, "done", stats={"predicted": {"created": "x"}})
        self.assertTrue(odd.has_predictions)
        self.assertEqual(odd.predicted_created, 0, "a value that is not a number reads as none")
        self.assertIn("predicted_created", self.Run.get_view(view_type="form")["arch"])

    def test_marketing_purpose_of_a_purchased_list_is_named(self):
        self.assertEqual(self.list_source.skipped_purpose_ids, self.marketing)
        registry = self.Source.create(
            {"name": "Registry (marketing)", "type": "registry", "purpose_ids": [(6, 0, self.marketing.ids)]}
        )
        self.assertFalse(registry.skipped_purpose_ids, "only a purchased list cannot grant marketing")
        self.list_source.purpose_ids = self.service
        self.assertFalse(self.list_source.skipped_purpose_ids)
        arch = self.Source.with_user(self.user_admin_ci).get_view(view_type="form")["arch"]
        self.assertIn("skipped_purpose_ids", arch)
        self.assertIn("is_marketing", arch, "the purposes' domain leaves marketing out of a purchased list")

    def test_run_lists_the_batches_notes_once(self):
        run = self.new_run()
        for batch_no, number in ((0, 1), (1, 2)):
            values = {"name": f"王芳{number}", "email": f"wang{number}@example.cn", "country": "CN"}
            self.apply(run, [self.row(number, f"k{number}", values, kind="person")], batch_no=batch_no)
        notes = run.with_user(self.user_manager).notes
        self.assertIn("never grants marketing consent", notes)
        self.assertEqual(len(notes.splitlines()), 1, "the same note of two batches is listed once")
        self.assertFalse(self.new_run().notes)

    def test_identifier_names_the_run_that_wrote_it(self):
        run = self.new_run()
        values = {"name": "李雷", "email": "li.lei@example.cn", "country": "CN"}
        answer = self.apply(run, [self.row(1, "li", values, kind="person")])
        partner = self.Partner.browse(answer["results"][0]["partner_id"])
        email = partner.ci_identifier_ids.filtered(lambda i: i.kind == "email")
        self.assertEqual(email.value, "li.lei@example.cn")
        self.assertFalse(email.source_id, "the row mirrors the contact's own e-mail")
        self.assertEqual((email.origin_source_id, email.origin_run_id), (self.list_source, run))
        partner.with_user(self.user_manager).email = "lei.li@example.cn"
        moved = partner.ci_identifier_ids.filtered(lambda i: i.kind == "email")
        self.assertEqual(moved.value, "lei.li@example.cn")
        self.assertFalse(moved.origin_source_id, "a person's edit has no source")
        self.assertFalse(moved.origin_run_id)

    def test_rejected_row_field_label_and_read_only_dialog(self):
        run = self.new_run()
        rows = run._record_rows(
            [
                {"row": 1, "outcome": "rejected", "code": "uscc.length", "field": "uscc", "value": "123"},
                {"row": 2, "outcome": "rejected", "code": "x.y", "field": "city", "value": "?"},
                {"row": 3, "outcome": "rejected", "code": "x.y", "field": "mystery", "value": "?"},
            ]
        )
        self.assertEqual(rows.mapped("field_label"), ["USCC", "City", "mystery"])
        self.assertTrue(self.Run._fields["reject_ids"].readonly)
        arch = self.env["customer.sync.run.row"].get_view(view_type="form")["arch"]
        self.assertIn('edit="0"', arch)
        self.assertIn("field_label", arch)
