from odoo import fields, models

from ..tools.column_mapping import MAPPABLE_FIELDS  # noqa: TID252 (pylint-odoo wants relative imports)


class CustomerSyncUploadLine(models.TransientModel):
    """One column of an uploaded file in the upload wizard: its header and the field it feeds."""

    _name = "customer.sync.upload.line"
    _description = "Customer Sync Upload Column"
    _order = "sequence, id"

    wizard_id = fields.Many2one("customer.sync.upload", required=True, ondelete="cascade")
    sequence = fields.Integer()
    header = fields.Char(string="Column Header", readonly=True)
    field = fields.Selection(MAPPABLE_FIELDS, help="Empty: the column is not imported.")
    sample = fields.Char(string="First Value", readonly=True)
