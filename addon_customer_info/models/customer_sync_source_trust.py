from odoo import fields, models

from ..tools.column_mapping import MAPPABLE_FIELDS  # noqa: TID252 (pylint-odoo wants relative imports)

TRUST_FIELDS = [(name, label) for name, label in MAPPABLE_FIELDS if name not in ("external_key", "kind")]


class CustomerSyncSourceTrust(models.Model):
    """How far one source is trusted for one field (0-100); the source's default elsewhere."""

    _name = "customer.sync.source.trust"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Sync Source Trust per Field"
    _order = "source_id, field"

    source_id = fields.Many2one("customer.sync.source", required=True, ondelete="cascade", index=True)
    field = fields.Selection(TRUST_FIELDS, required=True)
    trust = fields.Integer(required=True, default=50)

    _field_unique = models.Constraint(
        "UNIQUE (source_id, field)",
        "A source has one trust per field.",
    )
    _trust_range = models.Constraint(
        "CHECK (trust BETWEEN 0 AND 100)",
        "A trust is a number from 0 to 100.",
    )
