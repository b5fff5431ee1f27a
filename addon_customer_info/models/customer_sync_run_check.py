from odoo import api, fields, models
from odoo.exceptions import UserError

MAX_CHECK_ROWS = 5000
"""Largest number of rows one ``check_unchanged`` call takes."""


class CustomerSyncRunCheck(models.Model):
    """One answered ``check_unchanged`` call of a run: which rows Odoo holds unchanged.

    Before it matches anything, the worker asks which rows of the file its source already
    holds with the same hash (``customer.sync.external.key``); the rows confirmed here are
    recorded on the run as *unchanged* and are not sent to ``apply_batch``. ``UNIQUE (run_id,
    check_no)`` makes the call idempotent: a re-sent check (a lost answer, a resumed run) gets
    the stored answer and counts nothing again, so a resumed run sends the same remaining rows
    in the same batches as the attempt it resumes.
    """

    _name = "customer.sync.run.check"
    _description = "Sync Run Unchanged Check"
    _order = "run_id, check_no"

    run_id = fields.Many2one("customer.sync.run", required=True, index=True, ondelete="cascade")
    check_no = fields.Integer(string="Check Number", required=True)
    answer = fields.Json(help="The answer of check_unchanged: one result per row of the call.")
    row_count = fields.Integer(string="Rows Checked")
    unchanged_count = fields.Integer(string="Rows Unchanged")

    _run_check_unique = models.Constraint(
        "UNIQUE (run_id, check_no)",
        "This check of the run was already answered.",
    )

    # ------------------------------------------------------------
    # CHECK
    # ------------------------------------------------------------

    @api.model
    def _check(self, run, check_no, rows):
        """Answer and record which ``rows`` (``{row, external_key, hash}``) of ``run`` are
        unchanged: ``{check_no, results, counts}``, one result per row in the same order.

        Confirmed rows are counted as *unchanged* on the run (:meth:`customer.sync.run._record_rows`,
        which stores no row record for them); nothing else is written. A check already answered
        answers its stored answer again.
        """
        run.ensure_one()
        if isinstance(check_no, bool) or not isinstance(check_no, int) or check_no < 1:
            raise UserError(self.env._("A check number is a whole number from 1."))
        if not isinstance(rows, list) or any(not isinstance(row, dict) for row in rows):
            raise UserError(self.env._("The rows of a check are a list of objects."))
        if len(rows) > MAX_CHECK_ROWS:
            raise UserError(
                self.env._(
                    "A check has at most %(max)s rows, this one has %(count)s.",
                    max=MAX_CHECK_ROWS,
                    count=len(rows),
                )
            )
        done = self.search([("run_id", "=", run.id), ("check_no", "=", check_no)], limit=1)
        if done:
            return done.answer
        run._check_running()
        check = self.create({"run_id": run.id, "check_no": check_no, "row_count": len(rows)})
        # the unique index now holds this (run, check): a copy sent at the same moment waits here
        check.flush_recordset()
        held = self.env["customer.sync.external.key"]._unchanged(run.source_id, rows)
        results = []
        seen = set()
        for row in rows:
            number = row.get("row") if isinstance(row.get("row"), int) else None
            # a row is confirmed (and counted) once per call, and only with its row number
            key = held.get(row.get("external_key")) if number is not None and number not in seen else None
            seen.add(number)
            results.append(
                {
                    "row": number,
                    "unchanged": bool(key),
                    "partner_id": key.partner_id.id or None if key else None,
                    "candidate_id": key.candidate_id.id or None if key else None,
                }
            )
        confirmed = [dict(result, outcome="unchanged") for result in results if result["unchanged"]]
        run._record_rows(confirmed)
        answer = {"check_no": check_no, "results": results, "counts": {"unchanged": len(confirmed)}}
        check.write({"answer": answer, "unchanged_count": len(confirmed)})
        return answer
