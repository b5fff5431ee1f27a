import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .customer_consent_event import ACTIONS, DECISIVE, GRANTING

NO_DEADLINE = datetime.datetime(9999, 12, 31)
"""Stands for "no confirmation deadline" where deadlines are compared (a pending grant without one
never lapses)."""

STORED_COLUMNS = (
    "company_id",
    "last_event_id",
    "last_occurred_at",
    "settled_at",
    "decisive_event_id",
    "decisive_action",
    "decided_at",
    "expires_at",
    "pending_event_id",
    "pending_since",
    "confirm_deadline",
    "later_deadline",
)
"""The columns :meth:`CustomerConsentCurrent._refresh_sql` computes from the ledger."""


class CustomerConsentCurrent(models.Model):
    """The consent ledger's current state, kept up to date: one row per (contact, purpose, channel).

    ``customer.consent.event`` writes the rows of the combinations it touches in the same
    transaction as it appends events (:meth:`_refresh`), by the same rules as the ledger's own
    SQL (``customer.consent.event._state_sql``): the latest decisive event by ``occurred_at``
    (at the same instant a withdrawal or refusal first, then the latest id), without the
    purchased grants while the purpose is marketing; the latest pending grant that no
    confirmation refers to; the purpose's company. What depends on the moment of reading (has the
    grant expired, has the pending grant's deadline passed) is not stored but decided when the
    state is read (:meth:`_state_sql`), so a row never goes stale by the clock. A purpose that
    becomes (or stops being) marketing, or changes company, refreshes its rows. Rows are never
    written through the ORM: nobody edits them, administrators and ``sudo()`` included.

    Where a row cannot say the state by itself, the state is derived from the ledger for that
    combination only: while one of its events is dated in the future (the tolerated clock skew),
    and between the deadline of its latest pending grant and a later deadline of an older one.
    """

    _name = "customer.consent.current"
    _inherit = ["customer.governed.mixin"]
    _description = "Maintained Consent State"
    _order = "partner_id, purpose_id, channel_id"
    _rec_name = "purpose_id"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, readonly=True, ondelete="cascade"
    )
    purpose_id = fields.Many2one("customer.consent.purpose", required=True, readonly=True, ondelete="cascade")
    channel_id = fields.Many2one("customer.consent.channel", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", readonly=True, help="The purpose's company (the data controller); empty for all."
    )
    last_event_id = fields.Many2one(
        "customer.consent.event", string="Latest Event", required=True, readonly=True, ondelete="cascade"
    )
    last_occurred_at = fields.Datetime(string="Last Event", readonly=True)
    settled_at = fields.Datetime(
        readonly=True,
        help="When the last of the combination's events occurred: from then on the row alone says the state.",
    )
    decisive_event_id = fields.Many2one("customer.consent.event", string="Deciding Event", readonly=True)
    decisive_action = fields.Selection(ACTIONS, string="Deciding Action", readonly=True)
    decided_at = fields.Datetime(string="Since", readonly=True)
    expires_at = fields.Datetime(string="Expires", readonly=True)
    pending_event_id = fields.Many2one("customer.consent.event", string="Pending Grant", readonly=True)
    pending_since = fields.Datetime(readonly=True)
    confirm_deadline = fields.Datetime(readonly=True)
    later_deadline = fields.Datetime(
        string="Later Confirm Deadline",
        readonly=True,
        help="An older unconfirmed pending grant's deadline, when it is later than the latest one's.",
    )

    _combination_unique = models.Constraint(
        "UNIQUE (partner_id, purpose_id, channel_id)", "A combination has one current consent row."
    )
    """A constraint, not a unique index: a contact merge (which moves rows by SQL) then drops the
    merged contact's rows that collide with the kept one's, and the merge refreshes the kept
    contact's rows (see ``base.partner.merge.automatic.wizard``)."""
    _last_event_idx = models.Index("(last_event_id)")
    """The state rows' ids are their latest events' ids (see :meth:`_state_sql`)."""
    _settled_idx = models.Index("(settled_at)")
    _later_deadline_idx = models.Index("(later_deadline) WHERE later_deadline IS NOT NULL")

    # ------------------------------------------------------------
    # CRUD: the ledger keeps the rows, nobody else
    # ------------------------------------------------------------

    def _refuse(self):
        raise UserError(
            self.env._(
                "The current consent is kept by the consent ledger: record a consent event "
                "(a grant, a withdrawal or a refusal) instead."
            )
        )

    # the rows are written by SQL only (_refresh): the ORM's create and write are refused, not extended
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        self._refuse()

    def write(self, vals):  # pylint: disable=method-required-super
        self._refuse()

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse()

    def copy(self, default=None):  # pylint: disable=method-required-super
        self._refuse()

    # ------------------------------------------------------------
    # KEEPING THE ROWS (SQL from the ledger, in the ledger's transaction)
    # ------------------------------------------------------------

    @api.model
    def _refresh(self, combinations):
        """Recompute the rows of ``combinations`` (``(partner_id, purpose_id, channel_id)``) from
        the ledger; a combination without events loses its row."""
        combinations = sorted(set(combinations))
        if not combinations:
            return
        partner_ids, purpose_ids, channel_ids = zip(*combinations, strict=True)
        self._refresh_sql(
            SQL(
                "SELECT DISTINCT * FROM unnest(%s::int[], %s::int[], %s::int[]) "
                "AS k(partner_id, purpose_id, channel_id)",
                list(partner_ids),
                list(purpose_ids),
                list(channel_ids),
            )
        )

    @api.model
    def _refresh_partners(self, partners):
        """Recompute every row of ``partners`` from the ledger (after a merge moved events)."""
        if not partners:
            return
        ids = tuple(partners.ids)
        self._refresh_sql(
            SQL(
                "SELECT partner_id, purpose_id, channel_id FROM customer_consent_event "
                "WHERE partner_id IN %s "
                "UNION SELECT partner_id, purpose_id, channel_id FROM customer_consent_current "
                "WHERE partner_id IN %s",
                ids,
                ids,
            )
        )

    @api.model
    def _refresh_purposes(self, purposes):
        """Recompute the rows of ``purposes`` (their marketing flag or their company changed)."""
        if not purposes:
            return
        self._refresh_sql(
            SQL(
                "SELECT DISTINCT partner_id, purpose_id, channel_id FROM customer_consent_event "
                "WHERE purpose_id IN %s",
                tuple(purposes.ids),
            )
        )

    @api.model
    def _rebuild(self):
        """Fill the table from the whole ledger (installation on an existing database, or to
        repair it after events were written by SQL); returns the number of rows."""
        self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(self._table)))
        self._refresh_sql(
            SQL("SELECT DISTINCT partner_id, purpose_id, channel_id FROM customer_consent_event")
        )
        return self.env.execute_query(SQL("SELECT count(*) FROM %s", SQL.identifier(self._table)))[0][0]

    @api.model
    def _refresh_sql(self, keys):
        """Recompute the rows of the combinations ``keys`` selects (``partner_id``, ``purpose_id``,
        ``channel_id``) from the ledger, by the rules of ``customer.consent.event._state_sql``
        (see the class's docstring); rows of combinations without events are deleted."""
        Event = self.env["customer.consent.event"]
        Event.flush_model()
        self.env["customer.consent.purpose"].flush_model(["is_marketing", "company_id"])
        events = SQL.identifier(Event._table)
        table = SQL.identifier(self._table)

        def group_of(alias):
            return SQL(
                "%(a)s.partner_id = k.partner_id AND %(a)s.purpose_id = k.purpose_id "
                "AND %(a)s.channel_id = k.channel_id",
                a=SQL.identifier(alias),
            )

        decisive_order = SQL(
            "ORDER BY d.occurred_at DESC, (d.action IN ('withdraw', 'refuse')) DESC, d.id DESC"
        )
        pending_order = SQL("ORDER BY p.occurred_at DESC, p.id DESC")
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """
                WITH keys AS MATERIALIZED (%(keys)s),
                gone AS (
                    DELETE FROM %(table)s AS cur USING keys AS k
                     WHERE cur.partner_id = k.partner_id AND cur.purpose_id = k.purpose_id
                       AND cur.channel_id = k.channel_id
                       AND NOT EXISTS (SELECT 1 FROM %(events)s AS e WHERE %(group_e)s)
                )
                INSERT INTO %(table)s AS cur (
                    partner_id, purpose_id, channel_id, %(columns)s,
                    create_uid, create_date, write_uid, write_date)
                SELECT k.partner_id, k.purpose_id, k.channel_id, purpose.company_id,
                       agg.last_id, agg.last_occurred_at,
                       GREATEST(agg.last_occurred_at, conf.occurred_at),
                       dec.id, dec.action, dec.occurred_at, dec.expires_at,
                       pend.id, pend.occurred_at, pend.deadline,
                       CASE WHEN pend.deadline IS NOT NULL AND pend.last_deadline > pend.deadline
                            THEN pend.last_deadline END,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM keys AS k
                  JOIN customer_consent_purpose AS purpose ON purpose.id = k.purpose_id
            CROSS JOIN LATERAL (
                        SELECT MAX(e.id) AS last_id, MAX(e.occurred_at) AS last_occurred_at
                          FROM %(events)s AS e WHERE %(group_e)s
                       ) AS agg
             LEFT JOIN LATERAL (
                        SELECT (ARRAY_AGG(d.id %(decisive_order)s))[1] AS id,
                               (ARRAY_AGG(d.action %(decisive_order)s))[1] AS action,
                               (ARRAY_AGG(d.occurred_at %(decisive_order)s))[1] AS occurred_at,
                               (ARRAY_AGG(d.expires_at %(decisive_order)s))[1] AS expires_at
                          FROM %(events)s AS d
                         WHERE %(group_d)s AND d.action IN %(decisive)s
                           AND NOT (d.purchased IS TRUE AND purpose.is_marketing IS TRUE
                                    AND d.action IN %(granting)s)
                       ) AS dec ON TRUE
             LEFT JOIN LATERAL (
                        SELECT (ARRAY_AGG(p.id %(pending_order)s))[1] AS id,
                               MAX(p.occurred_at) AS occurred_at,
                               (ARRAY_AGG(p.confirm_deadline %(pending_order)s))[1] AS deadline,
                               MAX(COALESCE(p.confirm_deadline, %(no_deadline)s)) AS last_deadline
                          FROM %(events)s AS p
                         WHERE %(group_p)s AND p.action = 'pending'
                           AND NOT (p.purchased IS TRUE AND purpose.is_marketing IS TRUE)
                           AND NOT EXISTS (SELECT 1 FROM %(events)s AS c WHERE c.pending_event_id = p.id)
                       ) AS pend ON TRUE
             LEFT JOIN LATERAL (
                        SELECT MAX(c.occurred_at) AS occurred_at
                          FROM %(events)s AS p
                          JOIN %(events)s AS c ON c.pending_event_id = p.id
                         WHERE %(group_p)s AND p.action = 'pending'
                       ) AS conf ON TRUE
                 WHERE agg.last_id IS NOT NULL
                ON CONFLICT (partner_id, purpose_id, channel_id) DO UPDATE SET %(updates)s,
                    write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                """,
                keys=keys,
                table=table,
                events=events,
                columns=SQL(", ").join(SQL.identifier(name) for name in STORED_COLUMNS),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in STORED_COLUMNS
                ),
                group_e=group_of("e"),
                group_d=group_of("d"),
                group_p=group_of("p"),
                decisive_order=decisive_order,
                pending_order=pending_order,
                decisive=DECISIVE,
                granting=tuple(sorted(GRANTING)),
                no_deadline=NO_DEADLINE,
                uid=uid,
            )
        )
        self.invalidate_model()
        self.env["customer.consent.state"].invalidate_model()

    # ------------------------------------------------------------
    # READING THE STATE (now)
    # ------------------------------------------------------------

    @api.model
    def _state_sql(self, at=None):
        """SQL of the consent state per (partner, purpose, channel) now (``at``: the moment "now"
        stands for, default the current time), with the columns of
        ``customer.consent.event._state_sql``, read from the rows; the rows that cannot say the
        state alone (see the class's docstring) are derived from the ledger."""
        at = fields.Datetime.to_datetime(at) or fields.Datetime.now()
        table = SQL.identifier(self._table)

        def settled(alias):
            """The row ``alias`` says the state alone at ``at``."""
            return SQL(
                "%(a)s.settled_at <= %(at)s AND (%(a)s.later_deadline IS NULL "
                "OR %(a)s.later_deadline <= %(at)s OR %(a)s.confirm_deadline > %(at)s)",
                a=SQL.identifier(alias),
                at=at,
            )

        unsettled_rows = SQL(
            "SELECT u.partner_id, u.purpose_id, u.channel_id FROM %(table)s AS u "
            "WHERE u.settled_at > %(at)s OR (u.later_deadline > %(at)s AND u.confirm_deadline <= %(at)s)",
            table=table,
            at=at,
        )
        # the ledger's SQL is long to plan: left out of the query when no row needs it (the usual
        # case; found through the indexes on settled_at and later_deadline)
        if self.env.execute_query(SQL("SELECT EXISTS (%s)", unsettled_rows))[0][0]:
            ledger = SQL(
                "UNION ALL %s",
                self.env["customer.consent.event"]._state_sql(
                    at=at,
                    only=SQL("(last.partner_id, last.purpose_id, last.channel_id) IN (%s)", unsettled_rows),
                ),
            )
        else:
            ledger = SQL()
        return SQL(
            """
            SELECT cur.last_event_id AS id,
                   cur.partner_id, cur.purpose_id, cur.channel_id,
                   cur.company_id,
                   CASE
                       WHEN cur.decisive_action IN ('grant', 'confirm')
                            AND (cur.expires_at IS NULL OR cur.expires_at > %(at)s) THEN 'granted'
                       WHEN cur.pending_event_id IS NOT NULL
                            AND (cur.confirm_deadline IS NULL OR cur.confirm_deadline > %(at)s)
                            AND (cur.decisive_event_id IS NULL OR cur.pending_since >= cur.decided_at)
                            THEN 'pending'
                       WHEN cur.decisive_action = 'withdraw' THEN 'withdrawn'
                       WHEN cur.decisive_action = 'refuse' THEN 'refused'
                       ELSE 'none'
                   END AS state,
                   cur.decisive_event_id,
                   cur.decided_at,
                   CASE WHEN cur.decisive_action IN ('grant', 'confirm')
                        THEN cur.expires_at END AS expires_at,
                   CASE WHEN cur.confirm_deadline IS NULL OR cur.confirm_deadline > %(at)s
                        THEN cur.pending_event_id END AS pending_event_id,
                   cur.last_occurred_at
              FROM %(table)s AS cur
             WHERE %(settled)s
            %(ledger)s
            """,
            at=at,
            table=table,
            settled=settled("cur"),
            ledger=ledger,
        )
