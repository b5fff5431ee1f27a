from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.survivorship import MANUAL_TRUST  # noqa: TID252 (pylint-odoo wants relative imports)

MANUAL_TRUST_PARAM = "addon_customer_info.manual_trust"
GOVERNED_FIELDS = [
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("website", "Website"),
    ("function", "Job Position"),
    ("vat", "Tax ID"),
    ("street", "Street"),
    ("street2", "Street 2"),
    ("zip", "ZIP"),
    ("city", "City"),
    ("state_id", "Province / State"),
    ("country_id", "Country"),
    ("comment", "Notes"),
    ("company_name", "Company Name"),
    ("parent_id", "Company"),
]
"""The contact fields sources may set: their provenance is recorded, and survivorship decides."""
GOVERNED_NAMES = frozenset(name for name, _label in GOVERNED_FIELDS)
STATES = [
    ("applied", "Applied"),
    ("confirmed", "Confirmed"),
    ("observation", "Observation"),
]
VALUE_EXCERPT = 256


class CustomerFieldProvenance(models.Model):
    """Who said what about a contact's field, and when: "where this came from".

    One row per field a source reported (or a person edited): ``applied`` when the value
    was written, ``confirmed`` when the contact already had it, ``observation`` when a
    less trusted source said something else (kept here, not written). The latest applied
    row of a field gives the trust of its current value; a manual edit counts as
    :data:`MANUAL_TRUST` (system parameter ``addon_customer_info.manual_trust``).
    """

    _name = "customer.field.provenance"
    _description = "Field Provenance"
    _order = "observed_at desc, id desc"
    _rec_name = "field_name"

    partner_id = fields.Many2one("res.partner", string="Contact", required=True, ondelete="cascade")
    field_name = fields.Selection(GOVERNED_FIELDS, string="Field", required=True)
    value = fields.Char(help="The value said (its first 256 characters).")
    source_id = fields.Many2one(
        "customer.sync.source", ondelete="set null", help="Empty for a person's edit on the contact."
    )
    run_id = fields.Many2one("customer.sync.run", ondelete="set null")
    user_id = fields.Many2one(
        "res.users", string="By", default=lambda self: self.env.user, ondelete="set null"
    )
    trust = fields.Integer(
        help="0 to 100; the value of a field is overwritten only by equal or higher trust."
    )
    observed_at = fields.Datetime(string="When", required=True, default=fields.Datetime.now)
    state = fields.Selection(STATES, required=True, default="applied")

    _partner_field_idx = models.Index("(partner_id, field_name, observed_at DESC, id DESC)")

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    def _manual_trust(self):
        # sudo: a system parameter with a number in it, read to weigh a manual edit
        raw = self.env["ir.config_parameter"].sudo().get_param(MANUAL_TRUST_PARAM)
        try:
            trust = int(raw) if raw else MANUAL_TRUST
        except ValueError:
            trust = MANUAL_TRUST
        return min(max(trust, 0), 100)

    @api.model
    def _current_trust(self, partners):
        """``{(partner_id, field_name): trust}`` of the latest applied value of each field.

        Fields without provenance are absent: their value's origin is unknown.
        """
        if not partners:
            return {}
        self.flush_model(["partner_id", "field_name", "trust", "state", "observed_at"])
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (partner_id, field_name) partner_id, field_name, trust
                     FROM customer_field_provenance
                    WHERE partner_id IN %s AND state = 'applied'
                 ORDER BY partner_id, field_name, observed_at DESC, id DESC""",
                tuple(partners.ids),
            )
        )
        return {(partner_id, field_name): trust for partner_id, field_name, trust in rows}

    @api.model
    def _set_by_run(self, partners, run):
        """``{(partner_id, field_name)}`` whose latest applied value ``run`` wrote (no edit since)."""
        if not partners or not run:
            return set()
        self.flush_model(["partner_id", "field_name", "run_id", "state", "observed_at"])
        rows = self.env.execute_query(
            SQL(
                """SELECT partner_id, field_name FROM (
                       SELECT DISTINCT ON (partner_id, field_name) partner_id, field_name, run_id
                         FROM customer_field_provenance
                        WHERE partner_id IN %s AND state = 'applied'
                     ORDER BY partner_id, field_name, observed_at DESC, id DESC
                   ) latest
                  WHERE run_id = %s""",
                tuple(partners.ids),
                run.id,
            )
        )
        return {(partner_id, field_name) for partner_id, field_name in rows}

    @api.model
    def _excerpt(self, value):
        if value is None or value is False:
            return False
        if isinstance(value, models.BaseModel):
            return value.display_name[:VALUE_EXCERPT] if value else False
        return str(value)[:VALUE_EXCERPT]
