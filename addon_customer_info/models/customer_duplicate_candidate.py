from odoo import api, fields, models

STATES = [
    ("open", "Open"),
    ("merged", "Merged"),
    ("not_duplicate", "Not a Duplicate"),
    ("linked", "Linked"),
    ("postponed", "Postponed"),
]
KINDS = [
    ("incoming", "Incoming Record"),
    ("pair", "Pair in the File"),
]


class CustomerDuplicateCandidate(models.Model):
    """An entry of the review queue: a match the engine was unsure of, for a person to decide.

    Two kinds: an *incoming* record of a sync run that may be one of the candidate
    contacts (nothing was written to them), or a *pair* of contacts created from two rows
    of the same file that may be the same. The entry keeps the incoming values, the
    score and the engine's per-field evidence, so that the decision can be explained.
    """

    _name = "customer.duplicate.candidate"
    _inherit = ["customer.governed.mixin"]
    _description = "Duplicate Candidate"
    _order = "state, probability desc, id desc"
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(KINDS, required=True, default="incoming")
    state = fields.Selection(STATES, required=True, default="open", index=True)
    run_id = fields.Many2one("customer.sync.run", index="btree_not_null", ondelete="set null")
    source_id = fields.Many2one("customer.sync.source", index="btree_not_null", ondelete="set null")
    row_no = fields.Integer(string="Row", help="The row of the file the incoming record came from.")
    external_key = fields.Char(help="The source's key of the incoming record.")
    incoming_values = fields.Json(help="The values the source reported, normalised by the worker.")
    incoming_summary = fields.Text(compute="_compute_incoming_summary")
    partner_ids = fields.Many2many(
        "res.partner",
        "customer_duplicate_candidate_partner_rel",
        "candidate_id",
        "partner_id",
        string="Candidates",
        help="The contacts the incoming record may be; for a pair, the two contacts.",
    )
    score = fields.Float(digits=(16, 2), help="The match weight in bits (Fellegi-Sunter).")
    probability = fields.Float(digits=(16, 4), help="The match probability the engine estimated.")
    evidence = fields.Json(help="Per field: the comparison level and its weight.")
    reasons = fields.Json(help="Why the engine did not decide by itself.")
    explanation = fields.Text(help="The evidence in words.")
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("kind", "row_no", "incoming_values", "partner_ids")
    def _compute_name(self):
        for candidate in self:
            values = candidate.incoming_values or {}
            if candidate.kind == "pair":
                candidate.name = " / ".join(candidate.partner_ids.mapped("name"))
            else:
                candidate.name = values.get("name") or candidate.external_key or str(candidate.row_no)

    @api.depends("incoming_values")
    def _compute_incoming_summary(self):
        for candidate in self:
            values = candidate.incoming_values or {}
            candidate.incoming_summary = "\n".join(
                f"{key}: {value}" for key, value in values.items() if value not in (None, "", [])
            )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    def _explain(self, evidence, reasons=None):
        """The evidence as text, one line per field, then the reasons."""
        lines = []
        for item in evidence or []:
            if not isinstance(item, dict):
                continue
            text = item.get("text") or "{field}: {level} ({weight:+.1f})".format(
                field=item.get("field"), level=item.get("level"), weight=float(item.get("weight") or 0)
            )
            lines.append(str(text))
        lines.extend(str(reason) for reason in reasons or [])
        return "\n".join(lines)
