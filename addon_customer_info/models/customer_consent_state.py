import functools
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .customer_consent_event import STATES

AT_CONTEXT_KEY = "ci_consent_at"
"""Context key of the moment the states are computed for (default: now)."""


class CustomerConsentState(models.Model):
    """Current consent per (contact, purpose, channel): a read-only view of the ledger.

    Rows are read by the same SQL as ``customer.consent.event._state`` (see ``_states_sql``
    there), so the matrix, the blacklists and the API always agree: now, from the rows the
    ledger keeps up to date (``customer.consent.current``); with ``ci_consent_at`` (a
    datetime) in the context, as of that moment, derived from the ledger's events. A row's id
    is the id of the latest event of its combination.
    """

    _name = "customer.consent.state"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent State"
    _auto = False
    _order = "partner_id, purpose_id, channel_id"
    _rec_name = "purpose_id"
    _depends = {
        "customer.consent.event": [
            "partner_id",
            "purpose_id",
            "channel_id",
            "action",
            "occurred_at",
            "recorded_at",
            "expires_at",
            "confirm_deadline",
            "pending_event_id",
            "purchased",
        ],
        "customer.consent.purpose": ["company_id", "is_marketing"],
        "customer.consent.current": ["partner_id", "purpose_id", "channel_id", "last_event_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    purpose_id = fields.Many2one("customer.consent.purpose", readonly=True)
    channel_id = fields.Many2one("customer.consent.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    is_marketing = fields.Boolean(related="purpose_id.is_marketing", string="Marketing")
    state = fields.Selection(STATES, readonly=True)
    decisive_event_id = fields.Many2one(
        "customer.consent.event",
        string="Deciding Event",
        readonly=True,
        help="The event the state follows: the latest grant, confirmation, withdrawal or refusal.",
    )
    decided_at = fields.Datetime(string="Since", readonly=True)
    expires_at = fields.Datetime(string="Expires", readonly=True)
    pending_event_id = fields.Many2one("customer.consent.event", string="Pending Grant", readonly=True)
    last_occurred_at = fields.Datetime(string="Last Event", readonly=True)

    @property
    def _table_query(self):
        at = self.env.context.get(AT_CONTEXT_KEY)
        return self.env["customer.consent.event"]._states_sql(at=at or None)

    # ------------------------------------------------------------
    # READ: the contact form's consent list in one query
    # ------------------------------------------------------------

    def web_read(self, specification):
        values = self._ci_web_read_rows(specification)
        return super().web_read(specification) if values is None else values

    def _ci_web_read_rows(self, specification):
        """What :meth:`web_read` returns for ``specification``, read by one query instead of record
        by record through the ORM (the contact form reads hundreds of rows for a page of contacts);
        ``None`` where the ORM's own path must read it.

        Only for plain columns and many-to-ones with at most their display name, and only while no
        field of the model is marked sensitive (the guard then reads and audits as for any model).
        The access checks are the ORM's: the model's access right and each field's, then the rows
        are selected by a search (record rules applied); a row not found goes the ORM's way (which
        raises the error it would). Display names come from the ORM, as ``web_read`` takes them.
        """
        ids = self._ids
        if not ids or not all(isinstance(i, int) for i in ids) or self._ci_sensitive_names():
            return None
        columns = []
        for name, spec in specification.items():
            field = self._fields.get(name)
            if field is None or not field.store or field.type in ("one2many", "many2many") or name == "id":
                return None
            spec = spec or {}
            allowed = {"fields"} if field.type == "many2one" else set()
            if set(spec) - allowed or set(spec.get("fields", {})) - {"display_name"}:
                return None
            # None: the value itself; False: {"id"}; True: {"id", "display_name"}
            named = "display_name" in spec["fields"] if "fields" in spec else None
            columns.append((name, field, named))
        if not columns:
            return None
        for column in columns:
            self._check_field_access(column[1], "read")
        query = self._search([("id", "in", list(ids))])
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(query.table, "id"),
                *(SQL.identifier(query.table, name) for name, _field, _named in columns),
            )
        )
        by_id = {row[0]: row[1:] for row in rows}
        if len(by_id) != len(set(ids)):
            return None
        names = {}
        for position, (_name, field, named) in enumerate(columns):
            if named:
                targets = sorted({by_id[i][position] for i in ids} - {None})
                # sudo: as web_read names the records a many-to-one points to
                comodel = self.env[field.comodel_name].sudo()
                names[position] = {target.id: target.display_name for target in comodel.browse(targets)}
        result = []
        for record_id in ids:
            row = by_id[record_id]
            values = {"id": record_id}
            for position, (name, _field, named) in enumerate(columns):
                value = row[position]
                if value is None:
                    value = False
                elif named:
                    value = {"id": value, "display_name": names[position][value]}
                elif named is not None:
                    value = {"id": value}
                values[name] = value
            result.append(values)
        return result

    # ------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------

    def _check_access(self, operation):
        """The record rules of rows being read checked by one query instead of row by row in
        Python (Odoo's ``filtered_domain``): the contact form reads hundreds of rows at once (the
        consent of a page of contacts). The rows are a view of the database, so the query sees
        what Python would; the same rules, the same refusal."""
        ids = self._ids
        if operation != "read" or self.env.su or not ids or not all(isinstance(i, int) for i in ids):
            return super()._check_access(operation)
        if not self.env["ir.model.access"].check(self._name, operation, raise_exception=False):
            return super()._check_access(operation)
        Rule = self.env["ir.rule"]
        domain = Rule._compute_domain(self._name, operation)
        if domain.is_true():
            return None
        # sudo: only tells which of the given rows the user's own rules (domain) admit; no value leaves
        query = self.sudo()._search(Domain("id", "in", list(ids)) & domain)
        allowed = {row[0] for row in self.env.execute_query(query.select())}
        forbidden = self.browse([i for i in ids if i not in allowed])
        if forbidden:
            return forbidden, functools.partial(Rule._make_access_error, operation, forbidden)
        return None

    # ------------------------------------------------------------
    # ACTIONS (one click, with a confirmation in the view)
    # ------------------------------------------------------------

    def action_withdraw(self):
        """Record a withdrawal for these combinations (manual entry by the current user)."""
        return self._record_objection("withdraw")

    def action_refuse(self):
        """Record a refusal for these combinations (manual entry by the current user)."""
        return self._record_objection("refuse")

    def _record_objection(self, action):
        if self.env.context.get(AT_CONTEXT_KEY):
            raise UserError(self.env._("Consent is recorded now, not in a past view of the states."))
        Event = self.env["customer.consent.event"]
        events = Event.create(
            [
                {
                    "partner_id": row.partner_id.id,
                    "purpose_id": row.purpose_id.id,
                    "channel_id": row.channel_id.id,
                    "action": action,
                    "source": "manual",
                }
                for row in self
            ]
        )
        return bool(events)

    @api.model
    def _ids_by_partner(self, partners):
        """``{partner id: [state row ids]}`` of ``partners`` (now), in the model's order.

        One query for the ids alone (access rights, record rules and the guard's search apply as
        to any search); the rows' columns are read by whoever shows them, for the rows shown."""
        query = self._search([("partner_id", "in", partners.ids)], order=self._order)
        rows = self.env.execute_query(
            query.select(SQL.identifier(query.table, "id"), SQL.identifier(query.table, "partner_id"))
        )
        by_partner = defaultdict(list)
        for state_id, partner_id in rows:
            by_partner[partner_id].append(state_id)
        return by_partner
