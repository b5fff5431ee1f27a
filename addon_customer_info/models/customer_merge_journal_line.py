from odoo import fields, models

KINDS = [
    ("move", "Moved"),
    ("drop", "Duplicate Set Aside"),
    ("value", "Value Replaced"),
    ("create", "Recorded by the Merge"),
    ("blacklist", "Blacklist Entry"),
]
SYSTEM = "base.group_system"
"""The raw values (of every field, sensitive ones too) are for the undo, which reads them as the
system; managers read the masked text of the line."""


class CustomerMergeJournalLine(models.Model):
    """One thing a merge did, precisely enough for its undo to reverse it.

    * ``move``: the row ``row_id`` of ``table_name`` (or, for a link table without ids, the row
      in ``row_data``) had ``column_name`` changed from ``from_partner_id`` to ``to_partner_id``;
    * ``drop``: the row in ``row_data`` was an exact duplicate of a row the survivor has (the same
      follower, the same tag) and was set aside; undo puts it back as it was;
    * ``value``: the field ``field_name`` of ``partner_id`` went from ``old_value`` to
      ``new_value`` (the survivor's values, and the merged records' archiving);
    * ``create``: the merge recorded the row ``row_id`` (a withdrawal on the consent ledger, so
      that the strictest consent wins); undo removes it;
    * ``blacklist``: the entry of an address on a blacklist as it was before the merge.

    Lines are written by the merge only (as the system) and read by managers; the multi-company
    rule of the lines follows their journal (customer_merge_journal_line_rule_company).
    """

    _name = "customer.merge.journal.line"
    _description = "Merge Journal Line"
    _order = "journal_id, sequence, id"

    journal_id = fields.Many2one(
        "customer.merge.journal", string="Merge", required=True, index=True, ondelete="cascade", readonly=True
    )
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    model = fields.Char(string="Document Model", readonly=True, help="The model of the row, when it has one.")
    model_description = fields.Char(string="Document", readonly=True)
    table_name = fields.Char(string="Table", readonly=True)
    column_name = fields.Char(string="Column", readonly=True)
    row_id = fields.Integer(string="Row ID", readonly=True)
    from_partner_id = fields.Many2one("res.partner", string="Moved From", readonly=True, ondelete="set null")
    to_partner_id = fields.Many2one("res.partner", string="Moved To", readonly=True, ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True, ondelete="set null")
    field_name = fields.Char(string="Field", readonly=True)
    field_description = fields.Char(string="Field Label", readonly=True)
    old_display = fields.Char(string="Before", readonly=True)
    new_display = fields.Char(string="After", readonly=True)
    row_data = fields.Json(readonly=True, groups=SYSTEM)
    old_value = fields.Json(readonly=True, groups=SYSTEM)
    new_value = fields.Json(readonly=True, groups=SYSTEM)
