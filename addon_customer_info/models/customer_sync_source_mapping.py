from odoo import fields, models

from ..tools.column_mapping import MAPPABLE_FIELDS  # noqa: TID252 (pylint-odoo wants relative imports)


class CustomerSyncSourceMapping(models.Model):
    """One column of a source's files and the observation field it feeds."""

    _name = "customer.sync.source.mapping"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Sync Source Column Mapping"
    _order = "source_id, sequence, id"

    source_id = fields.Many2one("customer.sync.source", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    header = fields.Char(string="Column Header", required=True)
    field = fields.Selection(MAPPABLE_FIELDS, help="Empty: the column is not imported.")

    _header_unique = models.Constraint(
        "UNIQUE (source_id, header)",
        "Each column header is mapped once per source.",
    )
