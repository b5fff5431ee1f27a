import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

ACTIONS = [
    ("grant", "Grant"),
    ("pending", "Grant Pending Confirmation"),
    ("confirm", "Confirm (Double Opt-in)"),
    ("withdraw", "Withdraw"),
    ("refuse", "Refuse"),
]
GRANTING = frozenset({"grant", "pending", "confirm"})
"""Actions that ask for (pending) or give consent."""
OBJECTING = frozenset({"withdraw", "refuse"})
DECISIVE = ("grant", "confirm", "withdraw", "refuse")
"""Actions that decide the state; a pending grant decides nothing until it is confirmed."""
STATES = [
    ("granted", "Granted"),
    ("pending", "Pending Confirmation"),
    ("withdrawn", "Withdrawn"),
    ("refused", "Refused"),
    ("none", "None"),
]
LEGAL_BASES = [
    ("consent", "Consent (PIPL Art. 13(1) / GDPR Art. 6(1)(a))"),
    ("contract", "Contract (PIPL Art. 13(2) / GDPR Art. 6(1)(b))"),
    ("legal_obligation", "Legal Obligation (PIPL Art. 13(3) / GDPR Art. 6(1)(c))"),
    ("legitimate_interest", "Legitimate Interest (GDPR Art. 6(1)(f); not a PIPL basis)"),
]
JURISDICTIONS = [("cn", "China (PIPL)"), ("eu", "EU / EEA (GDPR)"), ("other", "Other")]
EEA_OUTSIDE_EU = frozenset({"IS", "LI", "NO"})
SOURCES = [
    ("web_form", "Web Form"),
    ("email_link", "Email Link"),
    ("import_batch", "Import Batch"),
    ("registry", "Registry"),
    ("manual", "Manual Entry"),
]
CLOCK_SKEW = datetime.timedelta(minutes=5)
"""How far in the future an event may say it occurred (clocks of web forms and workers drift)."""
MASK = "***"
MASK_FIELDS = frozenset({"ip_address", "user_agent", "submission_id", "masked_at"})
MASK_SENTINEL = object()
"""Context value of :meth:`_mask_for_erasure`, the only write events accept.

An object cannot travel through RPC, so no client can forge it."""
LINK_SENTINEL = object()
"""Context value (key ``ci_consent_link``) of the emailed consent links' own path,
``customer.consent.token._use``, which only the public confirm/withdraw controller calls (with a
token found by its raw value). It is the only way to record an ``email_link`` event or a
confirmation: an object cannot travel through RPC, so no client can claim that a person clicked."""
LINK_ONLY_SOURCES = frozenset({"email_link"})
LINK_ONLY_ACTIONS = frozenset({"confirm"})
WEB_FORM_PROOF_KEYS = frozenset(
    {
        "submission_id",
        "ip",
        "user_agent",
        "occurred_at",
        "notice_id",
        "notice_text_hash",
        "legal_basis",
        "jurisdiction",
        "expires_at",
        "note",
    }
)


class CustomerConsentEvent(models.Model):
    """The consent ledger: one row per thing a person said (or a source said for them).

    Rows are only ever added. A change of mind is a new row, and the current state of a
    (partner, purpose, channel) is *derived* from the rows by :meth:`_state_sql`, as of
    any moment:

    * the latest decisive event by ``occurred_at`` wins, whatever the order in which the
      events arrived; at the same instant a withdrawal or refusal beats a grant. So a
      withdrawal beats every older grant, and a grant that occurred before a withdrawal
      never revives it, even when it is recorded later;
    * a grant whose ``expires_at`` has passed counts as no consent (``none``);
    * a ``pending`` grant (double opt-in) decides nothing until a ``confirm`` event
      refers to it; until then, and until its confirmation deadline, the state is
      ``pending`` unless a valid grant stands;
    * a purchased list never grants a marketing purpose: such grants are refused at
      creation (see :meth:`_check_purchased_list`), and one recorded before the purpose
      became marketing decides nothing from then on (see :meth:`_state_sql`);
    * confirmations and ``email_link`` events are recorded only by the emailed links
      (``customer.consent.token._use``, see :data:`LINK_SENTINEL`): nobody can confirm a
      double opt-in for the person.

    :meth:`write` and :meth:`unlink` refuse everyone, superuser included. The only
    change ever made is the masking of the proof fields for an erasure request
    (:meth:`_mask_for_erasure`).
    """

    _name = "customer.consent.event"
    _inherit = ["customer.governed.mixin"]
    _description = "Consent Event"
    _order = "occurred_at desc, id desc"
    _rec_name = "action"

    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        index=True,
        ondelete="restrict",
        help="Consent history outlives a contact's archiving: "
        "a contact with consent events is never deleted.",
    )
    purpose_id = fields.Many2one("customer.consent.purpose", required=True, index=True, ondelete="restrict")
    channel_id = fields.Many2one("customer.consent.channel", required=True, index=True, ondelete="restrict")
    is_marketing = fields.Boolean(related="purpose_id.is_marketing", string="Marketing")
    action = fields.Selection(ACTIONS, required=True, index=True)
    legal_basis = fields.Selection(
        LEGAL_BASES,
        help="The ground on which the data is processed for this purpose. Required for grants.",
    )
    jurisdiction = fields.Selection(
        JURISDICTIONS,
        required=True,
        help="The privacy law the event is recorded under: from the contact's country when it is known; "
        "otherwise as given, else from the company's country.",
    )
    source = fields.Selection(SOURCES, required=True, default="manual", index=True)
    source_reference = fields.Char(help="Import batch, registry or form the event came from.")
    import_vendor = fields.Char(string="List Vendor", help="Who sold the list (import batches).")
    import_file_hash = fields.Char(string="Import File SHA-256", help="Fingerprint of the imported file.")
    purchased = fields.Boolean(
        string="Purchased List",
        help="The data comes from a purchased list. An import batch with a vendor counts as purchased. "
        "A purchased list never grants a marketing purpose.",
    )
    # proof
    submission_id = fields.Char(
        string="Submission ID", index="btree_not_null", help="The web form submission."
    )
    ip_address = fields.Char(string="IP Address")
    user_agent = fields.Char()
    notice_id = fields.Many2one(
        "customer.consent.notice",
        string="Notice Shown",
        ondelete="restrict",
        help="The version of the notice the person was shown.",
    )
    notice_text_hash = fields.Char(
        string="Notice SHA-256",
        help="The fingerprint of the notice text, copied when the event was recorded.",
    )
    note = fields.Text(help="What was said, by whom, and anything else worth keeping.")
    # time and author
    occurred_at = fields.Datetime(
        required=True,
        index=True,
        default=fields.Datetime.now,
        help="When the person gave, confirmed, refused or withdrew consent. The state follows this "
        "time, not the time the event was recorded.",
    )
    recorded_at = fields.Datetime(
        required=True,
        readonly=True,
        default=fields.Datetime.now,
        help="When the event entered the ledger.",
    )
    recorded_by_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    expires_at = fields.Datetime(
        help="When the consent lapses; from then on it counts as no consent. "
        "Grants get the purpose's validity when left empty.",
    )
    confirm_deadline = fields.Datetime(
        help="Pending grants: the confirmation link is valid until then, after which the request lapses.",
    )
    pending_event_id = fields.Many2one(
        "customer.consent.event",
        string="Confirms",
        index="btree_not_null",
        ondelete="restrict",
        help="Confirmations: the pending grant that was confirmed.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        readonly=True,
        help="The company (data controller) the event belongs to: the purpose's company; for a shared "
        "purpose the contact's company, else the company the event was recorded in. Never empty, so "
        "the multi-company rule keeps every event in its company.",
    )
    masked_at = fields.Datetime(
        readonly=True,
        help="When the proof (IP address, user agent, submission) was masked for an erasure request.",
    )

    _group_time_idx = models.Index("(partner_id, purpose_id, channel_id, occurred_at)")
    _group_id_idx = models.Index("(partner_id, purpose_id, channel_id, id)")
    """The latest event of a combination, found without reading its others (see :meth:`_state_sql`)."""
    _one_confirmation = models.UniqueIndex(
        "(pending_event_id) WHERE action = 'confirm'",
        "This pending grant is already confirmed.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("partner_id", "purpose_id", "channel_id", "action")
    def _compute_display_name(self):
        labels = dict(self._fields["action"]._description_selection(self.env))
        for event in self:
            event.display_name = " - ".join(
                filter(
                    None,
                    [
                        event.partner_id.name,
                        event.purpose_id.name,
                        event.channel_id.name,
                        labels.get(event.action),
                    ],
                )
            )

    # ------------------------------------------------------------
    # CONSTRAINTS (checked once, at creation: rows never change)
    # ------------------------------------------------------------

    def _check_purchased_list(self):
        """A purchased list never grants marketing consent: such a grant is refused, not recorded.

        Refusing (rather than storing a grant without effect) keeps the ledger a record of
        what people said: a vendor's claim is not the person's consent. Withdrawals and
        refusals from a purchased list are recorded: an objection counts whoever passes it on.
        """
        for event in self:
            if event.action in GRANTING and event.purpose_id.is_marketing and event._is_purchased_list():
                raise ValidationError(
                    self.env._(
                        "A purchased list cannot grant marketing consent (%(purpose)s for %(partner)s). "
                        "Ask the person to opt in instead.",
                        purpose=event.purpose_id.name,
                        partner=event.partner_id.display_name,
                    )
                )

    def _check_consistency(self):
        now = fields.Datetime.now()
        for event in self:
            if event.occurred_at > now + CLOCK_SKEW:
                raise ValidationError(self.env._("A consent event cannot occur in the future."))
            if event.action == "grant" and event.source == "web_form" and event.channel_id.double_opt_in:
                raise ValidationError(
                    self.env._(
                        "A web form grants %(channel)s consent only once the person confirms it: "
                        "record a pending grant (record_web_form does).",
                        channel=event.channel_id.name,
                    )
                )
            if event.action in GRANTING and not event.legal_basis:
                raise ValidationError(self.env._("A grant needs its legal basis."))
            if event.jurisdiction == "cn" and event.legal_basis == "legitimate_interest":
                raise ValidationError(
                    self.env._(
                        "PIPL has no legitimate-interest basis: record consent, contract or legal obligation."
                    )
                )
            if event.expires_at and event.expires_at <= event.occurred_at:
                raise ValidationError(self.env._("Consent cannot expire before it was given."))
            if event.notice_id:
                if event.notice_id.purpose_id != event.purpose_id:
                    raise ValidationError(self.env._("The notice belongs to another purpose."))
                if not event.notice_id.published_at:
                    raise ValidationError(self.env._("Only a published notice can be shown to people."))
            if (event.action == "confirm") != bool(event.pending_event_id):
                raise ValidationError(
                    self.env._("A confirmation, and only a confirmation, confirms a pending grant.")
                )
            pending = event.pending_event_id
            if pending and (
                pending.action != "pending"
                or (pending.partner_id, pending.purpose_id, pending.channel_id)
                != (event.partner_id, event.purpose_id, event.channel_id)
                or pending.occurred_at > event.occurred_at
            ):
                raise ValidationError(
                    self.env._("A confirmation must follow a pending grant of the same consent.")
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        by_link = self.env.context.get("ci_consent_link") is LINK_SENTINEL
        for vals in vals_list:
            if not by_link and (
                vals.get("source") in LINK_ONLY_SOURCES or vals.get("action") in LINK_ONLY_ACTIONS
            ):
                raise UserError(
                    self.env._(
                        "Confirmations and email-link events are recorded only when the person uses the "
                        "link emailed to them. Record what the person told you as a manual grant, "
                        "withdrawal or refusal instead."
                    )
                )
            # the ledger's own facts: nobody chooses when or by whom an event was recorded
            vals["recorded_at"] = now
            vals["recorded_by_id"] = self.env.uid
            vals.pop("masked_at", None)
            self._prepare_values(vals)
        events = super().create(vals_list)
        events._check_purchased_list()
        events._check_consistency()
        # the current state follows in the same transaction (a confirmation changes the state of
        # the pending grant's combination, which checks make its own)
        self.env["customer.consent.current"]._refresh(
            (event.partner_id.id, event.purpose_id.id, event.channel_id.id)
            for event in events | events.pending_event_id
        )
        events._sync_blacklists()
        return events

    def write(self, vals):
        if self.env.context.get("ci_consent_mask") is MASK_SENTINEL and MASK_FIELDS.issuperset(vals):
            return super().write(vals)
        raise UserError(
            self.env._(
                "The consent ledger cannot be changed: record a new event (a withdrawal, a refusal or "
                "a new grant) instead."
            )
        )

    def _write_multi(self, vals_list):
        """The low-level write (the ORM's flush, or server code calling ``_write``) holds the
        ledger too: only the proof fields may change, and only to the mask (an erasure)."""
        for vals in vals_list:
            changed = set(vals) - {"write_uid", "write_date"}
            masking = changed <= MASK_FIELDS and all(
                vals[name] in (MASK, False, None) for name in changed - {"masked_at"}
            )
            if not masking:
                raise UserError(
                    self.env._(
                        "The consent ledger cannot be changed: record a new event (a withdrawal, a "
                        "refusal or a new grant) instead."
                    )
                )
        return super()._write_multi(vals_list)

    @api.ondelete(at_uninstall=True)
    def _unlink_never(self):
        """Runs on every unlink, superuser included: the ledger is never deleted."""
        raise UserError(
            self.env._("The consent ledger cannot be deleted: it is the proof of what people said.")
        )

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise UserError(self.env._("Consent events cannot be duplicated: record what the person said."))

    def _prepare_values(self, vals):
        """Fill what the event copies at recording time: company, jurisdiction, notice hash, expiry.

        The company is the purpose's, else the contact's, else the current company
        (``self.env.company``), whatever the caller passed. The jurisdiction is the contact's
        country's whatever the caller passed; only for a contact without a country the given
        one counts, else the company's country's.
        """
        purpose = self.env["customer.consent.purpose"].browse(vals.get("purpose_id"))
        partner = self.env["res.partner"].browse(vals.get("partner_id"))
        # never the caller's choice, never empty: an event without a company is seen by every company
        vals["company_id"] = (
            purpose.company_id
            or partner.company_id
            or partner.commercial_partner_id.company_id
            or self.env.company
        ).id
        # the law follows where the person is: a caller cannot pass "other" for a contact in China
        # and so escape the PIPL rules (e.g. no legitimate interest); only without a known country
        # the caller's value, else the country of the event's company, decides
        country = partner.commercial_partner_id.country_id or partner.country_id
        if country:
            vals["jurisdiction"] = self._jurisdiction_of(country)
        elif not vals.get("jurisdiction"):
            company = self.env["res.company"].browse(vals["company_id"])
            vals["jurisdiction"] = self._jurisdiction_of(company.country_id)
        if not vals.get("legal_basis") and vals.get("action") in GRANTING:
            vals["legal_basis"] = purpose.default_legal_basis
        if vals.get("source") == "import_batch" and vals.get("import_vendor"):
            vals["purchased"] = True
        if vals.get("notice_id"):
            notice = self.env["customer.consent.notice"].browse(vals["notice_id"])
            if vals.get("notice_text_hash") and vals["notice_text_hash"] != notice.text_hash:
                raise ValidationError(
                    self.env._(
                        "The notice text the person was shown is not version %(version)s of the notice.",
                        version=notice.version,
                    )
                )
            vals["notice_text_hash"] = notice.text_hash
        # sudo: only counts confirmations of the given pending grant, whoever may see them
        if (
            vals.get("action") == "confirm"
            and vals.get("pending_event_id")
            and self.sudo().search_count(
                [("pending_event_id", "=", vals["pending_event_id"]), ("action", "=", "confirm")], limit=1
            )
        ):
            raise ValidationError(self.env._("This pending grant is already confirmed."))
        if (
            vals.get("action") in ("grant", "confirm")
            and not vals.get("expires_at")
            and purpose.validity_months
        ):
            occurred_at = fields.Datetime.to_datetime(vals.get("occurred_at")) or fields.Datetime.now()
            vals["expires_at"] = occurred_at + relativedelta(months=purpose.validity_months)
        return vals

    # ------------------------------------------------------------
    # STATE (derived from the ledger)
    # ------------------------------------------------------------

    @api.model
    def _state_sql(self, at=None, known_at=None, only=None):
        """SQL of the consent state per (partner, purpose, channel) as of ``at`` (default: now),
        derived from the ledger.

        ``at`` selects events by when they occurred; ``known_at`` additionally ignores events
        recorded after it ("what did we know then"); ``only``, an SQL condition on the alias
        ``last`` (an event of the combination), restricts the combinations. Columns: ``id``
        (latest event of the group), ``partner_id``, ``purpose_id``, ``channel_id``,
        ``company_id``, ``state``, ``decisive_event_id``, ``decided_at``, ``expires_at``,
        ``pending_event_id``, ``last_occurred_at``. The state *now* is read from the rows the
        ledger keeps by the same rules (``customer.consent.current._state_sql``, which falls back
        on this SQL where a row cannot say it alone); this SQL serves the states as of another
        moment. :meth:`_states`, the ``customer.consent.state`` model, *Receives Email / SMS* and
        the blacklists read the same SQL, so they always agree.

        A grant (or pending grant) from a purchased list decides nothing on a purpose that is
        marketing *now*: the rule "a purchased list never grants marketing" holds whatever an
        administrator changes later. :meth:`_check_purchased_list` refuses such grants at
        creation; one recorded while the purpose was not marketing (e.g. a contract basis for
        service messages) stays in the ledger, which is append-only and true to what was said,
        but stops counting when the purpose becomes marketing, and counts again if it stops
        being marketing. Refusing the purpose's change instead would leave it stuck forever,
        since those grants can never be removed from the ledger.
        """
        at = fields.Datetime.to_datetime(at) or fields.Datetime.now()
        known_at = fields.Datetime.to_datetime(known_at)
        # the state reads the purposes' marketing flag and company at query time
        self.env["customer.consent.purpose"].flush_model(["is_marketing", "company_id"])

        def known(alias):
            """Only the events recorded by ``known_at``, when asked."""
            return SQL("AND %s <= %s", SQL.identifier(alias, "recorded_at"), known_at) if known_at else SQL()

        def group_of(alias):
            """``alias`` is an event of the combination of the row ``last``."""
            return SQL(
                "%(a)s.partner_id = last.partner_id AND %(a)s.purpose_id = last.purpose_id "
                "AND %(a)s.channel_id = last.channel_id",
                a=SQL.identifier(alias),
            )

        # One row per combination: its latest event (by id) as of ``at``. Everything else is
        # looked up per row through the (partner, purpose, channel, ...) indexes, so a query on
        # some contacts (or on some rows by id: the ORM reads rows and checks the access rules
        # so) reads only their events, never the whole ledger. The deciding and the pending
        # event are aggregates (exactly one row each), so PostgreSQL leaves them out of a query
        # that uses none of their columns (a count of the rows).
        return SQL(
            """
            SELECT last.id AS id,
                   last.partner_id, last.purpose_id, last.channel_id,
                   purpose.company_id,
                   CASE
                       WHEN dec.action IN ('grant', 'confirm')
                            AND (dec.expires_at IS NULL OR dec.expires_at > %(at)s) THEN 'granted'
                       WHEN pend.id IS NOT NULL
                            AND (dec.id IS NULL OR pend.occurred_at >= dec.occurred_at) THEN 'pending'
                       WHEN dec.action = 'withdraw' THEN 'withdrawn'
                       WHEN dec.action = 'refuse' THEN 'refused'
                       ELSE 'none'
                   END AS state,
                   dec.id AS decisive_event_id,
                   dec.occurred_at AS decided_at,
                   CASE WHEN dec.action IN ('grant', 'confirm') THEN dec.expires_at END AS expires_at,
                   pend.id AS pending_event_id,
                   (SELECT MAX(o.occurred_at) FROM %(table)s AS o
                     WHERE %(group_o)s AND o.occurred_at <= %(at)s %(known_o)s) AS last_occurred_at
              FROM %(table)s AS last
              JOIN customer_consent_purpose AS purpose ON purpose.id = last.purpose_id
         LEFT JOIN LATERAL (
                    SELECT (ARRAY_AGG(d.id %(decisive_order)s))[1] AS id,
                           (ARRAY_AGG(d.action %(decisive_order)s))[1] AS action,
                           (ARRAY_AGG(d.occurred_at %(decisive_order)s))[1] AS occurred_at,
                           (ARRAY_AGG(d.expires_at %(decisive_order)s))[1] AS expires_at
                      FROM %(table)s AS d
                     WHERE %(group_d)s AND d.occurred_at <= %(at)s %(known_d)s AND d.action IN %(decisive)s
                       AND NOT (d.purchased IS TRUE AND purpose.is_marketing IS TRUE
                                AND d.action IN %(granting)s)
                   ) AS dec ON TRUE
         LEFT JOIN LATERAL (
                    SELECT (ARRAY_AGG(p.id ORDER BY p.occurred_at DESC, p.id DESC))[1] AS id,
                           MAX(p.occurred_at) AS occurred_at
                      FROM %(table)s AS p
                     WHERE %(group_p)s AND p.occurred_at <= %(at)s %(known_p)s AND p.action = 'pending'
                       AND NOT (p.purchased IS TRUE AND purpose.is_marketing IS TRUE)
                       AND (p.confirm_deadline IS NULL OR p.confirm_deadline > %(at)s)
                       AND NOT EXISTS (
                               SELECT 1 FROM %(table)s AS c
                                WHERE c.pending_event_id = p.id AND c.occurred_at <= %(at)s %(known_c)s
                           )
                   ) AS pend ON TRUE
             WHERE last.occurred_at <= %(at)s %(known_last)s %(only)s
               AND NOT EXISTS (
                       SELECT 1 FROM %(table)s AS n
                        WHERE %(group_n)s AND n.id > last.id AND n.occurred_at <= %(at)s %(known_n)s
                   )
            """,
            at=at,
            table=SQL.identifier(self._table),
            group_o=group_of("o"),
            group_d=group_of("d"),
            group_p=group_of("p"),
            group_n=group_of("n"),
            known_last=known("last"),
            known_o=known("o"),
            known_d=known("d"),
            known_p=known("p"),
            known_c=known("c"),
            known_n=known("n"),
            only=SQL("AND %s", only) if only is not None else SQL(),
            decisive=DECISIVE,
            decisive_order=SQL(
                "ORDER BY d.occurred_at DESC, (d.action IN ('withdraw', 'refuse')) DESC, d.id DESC"
            ),
            granting=tuple(sorted(GRANTING)),
        )

    @api.model
    def _states(self, partners, purposes=None, channels=None, at=None, known_at=None):
        """``{(partner_id, purpose_id, channel_id): state}`` for the combinations that have events.

        Combinations without any event are absent: their state is ``none``.
        """
        if not partners:
            return {}
        self.flush_model()
        conditions = [SQL("st.partner_id IN %s", tuple(partners.ids))]
        if purposes is not None:
            conditions.append(SQL("st.purpose_id IN %s", tuple(purposes.ids) or (None,)))
        if channels is not None:
            conditions.append(SQL("st.channel_id IN %s", tuple(channels.ids) or (None,)))
        rows = self.env.execute_query(
            SQL(
                "SELECT st.partner_id, st.purpose_id, st.channel_id, st.state FROM (%s) AS st WHERE %s",
                self._states_sql(at=at, known_at=known_at),
                SQL(" AND ").join(conditions),
            )
        )
        return {(partner, purpose, channel): state for partner, purpose, channel, state in rows}

    @api.model
    def _states_sql(self, at=None, known_at=None):
        """SQL of the states (columns of :meth:`_state_sql`): now, from the maintained rows
        (``customer.consent.current``); as of another moment, or as known then, from the ledger."""
        if at is None and known_at is None:
            return self.env["customer.consent.current"]._state_sql()
        return self._state_sql(at=at, known_at=known_at)

    @api.model
    def _state(self, partner, purpose, channel, at=None, known_at=None):
        """The consent state of ``partner`` for ``purpose`` on ``channel`` as of ``at`` (default now).

        One of ``granted``, ``pending``, ``withdrawn``, ``refused``, ``none``. ``at`` is a
        datetime (UTC, naive as Odoo stores them); events count from when they occurred.
        """
        partner.ensure_one()
        purpose.ensure_one()
        channel.ensure_one()
        states = self._states(partner, purpose, channel, at=at, known_at=known_at)
        return states.get((partner.id, purpose.id, channel.id), "none")

    @api.model
    def _granted_partners(self, partners, channel_code, at=None):
        """Ids of ``partners`` with a granted marketing purpose on the channel ``channel_code``."""
        granted = self._granted_channels(partners, [channel_code], at=at)
        return [partner_id for partner_id in partners.ids if partner_id in granted]

    @api.model
    def _granted_channels(self, partners, channel_codes, at=None):
        """``{partner_id: {channel code}}``: the channels among ``channel_codes`` on which a marketing
        purpose is granted to each of ``partners`` (one query, through the partners' events only)."""
        if not partners:
            return {}
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner_id, channel_code FROM (%s) AS granted",
                self._granted_sql(channel_codes, at=at, partners=partners),
            )
        )
        granted = defaultdict(set)
        for partner_id, code in rows:
            granted[partner_id].add(code)
        return granted

    @api.model
    def _granted_partner_sql(self, channel_code, at=None):
        """SQL of the partner ids with a granted marketing purpose on the channel ``channel_code``."""
        return SQL("SELECT granted.partner_id FROM (%s) AS granted", self._granted_sql([channel_code], at=at))

    @api.model
    def _granted_sql(self, channel_codes, at=None, partners=None):
        """SQL of the partners (``partner_id``, ``channel_code``) with a granted marketing purpose on
        the channels ``channel_codes``, among ``partners`` when given.

        Now: the states read from the maintained rows (:meth:`_states_sql`), so a page of contacts
        reads its rows only. As of another moment, from the ledger: a state is ``granted`` exactly
        when the deciding event of its combination is an unexpired grant or confirmation (the first
        case of :meth:`_state_sql`), so only the deciding events are looked for, picked by the same
        rule: latest by ``occurred_at``, a withdrawal or refusal first at the same instant, then the
        latest id; a purchased grant of a marketing purpose decides nothing.
        """
        self.flush_model()
        self.env["customer.consent.channel"].flush_model(["code"])
        self.env["customer.consent.purpose"].flush_model(["is_marketing"])
        if at is None:
            some = SQL()
            if partners is not None:
                some = SQL("AND st.partner_id IN %s", tuple(partners.ids) or (None,))
            return SQL(
                """SELECT st.partner_id, ch.code AS channel_code
                     FROM (%(states)s) AS st
                     JOIN customer_consent_channel AS ch ON ch.id = st.channel_id
                     JOIN customer_consent_purpose AS pu ON pu.id = st.purpose_id
                    WHERE ch.code IN %(codes)s AND pu.is_marketing IS TRUE %(some)s
                      AND st.state = 'granted'""",
                states=self._states_sql(),
                codes=tuple(channel_codes),
                some=some,
            )
        at = fields.Datetime.to_datetime(at)
        some = SQL()
        if partners is not None:
            some = SQL("AND d.partner_id IN %s", tuple(partners.ids) or (None,))
        return SQL(
            """SELECT dec.partner_id, dec.channel_code FROM (
                    SELECT DISTINCT ON (d.partner_id, d.purpose_id, d.channel_id)
                           d.partner_id, ch.code AS channel_code, d.action, d.expires_at
                      FROM %(table)s AS d
                      JOIN customer_consent_channel AS ch ON ch.id = d.channel_id
                      JOIN customer_consent_purpose AS pu ON pu.id = d.purpose_id
                     WHERE ch.code IN %(codes)s AND pu.is_marketing IS TRUE %(some)s
                       AND d.occurred_at <= %(at)s AND d.action IN %(decisive)s
                       AND NOT (d.purchased IS TRUE AND d.action IN %(granting)s)
                  ORDER BY d.partner_id, d.purpose_id, d.channel_id, d.occurred_at DESC,
                           (d.action IN ('withdraw', 'refuse')) DESC, d.id DESC
                   ) AS dec
              WHERE dec.action IN ('grant', 'confirm')
                AND (dec.expires_at IS NULL OR dec.expires_at > %(at)s)""",
            table=SQL.identifier(self._table),
            codes=tuple(channel_codes),
            some=some,
            at=at,
            decisive=DECISIVE,
            granting=tuple(sorted(GRANTING)),
        )

    # ------------------------------------------------------------
    # RECORDING (the entry points of forms, the wizard and the sync worker)
    # ------------------------------------------------------------

    @api.model
    def record_web_form(self, partner, purpose_code, channel_code, proof):
        """Record a consent given through a web form; returns the event.

        On a double opt-in channel (email), the event is a *pending* grant and the person
        gets an email with a single-use confirmation link (and a withdrawal link); the
        grant takes effect when they confirm. On other channels the grant is immediate.
        ``proof``: ``submission_id`` (required, makes the call idempotent), ``ip``,
        ``user_agent``, ``occurred_at``, ``notice_id``, ``notice_text_hash``,
        ``legal_basis``, ``jurisdiction``, ``expires_at``, ``note``. A repeated submission
        returns the event recorded the first time and sends nothing.
        """
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        partner.ensure_one()
        proof = dict(proof or {})
        unknown = sorted(set(proof) - WEB_FORM_PROOF_KEYS)
        if unknown:
            raise ValidationError(self.env._("Unknown proof fields: %s", ", ".join(unknown)))
        if not proof.get("submission_id"):
            raise ValidationError(self.env._("A web form consent needs the submission ID."))
        purpose = self.env["customer.consent.purpose"]._get_by_code(purpose_code)
        channel = self.env["customer.consent.channel"]._get_by_code(channel_code)
        if not purpose or not channel:
            raise ValidationError(
                self.env._(
                    "Unknown consent purpose or channel: %(purpose)s / %(channel)s",
                    purpose=purpose_code,
                    channel=channel_code,
                )
            )
        existing = self.search(
            [
                ("source", "=", "web_form"),
                ("submission_id", "=", proof["submission_id"]),
                ("partner_id", "=", partner.id),
                ("purpose_id", "=", purpose.id),
                ("channel_id", "=", channel.id),
                ("action", "in", ["grant", "pending"]),
            ],
            limit=1,
        )
        if existing:
            return existing
        vals = {
            "partner_id": partner.id,
            "purpose_id": purpose.id,
            "channel_id": channel.id,
            "action": "pending" if channel.double_opt_in else "grant",
            "source": "web_form",
            "submission_id": proof["submission_id"],
            "ip_address": proof.get("ip"),
            "user_agent": (proof.get("user_agent") or "")[:512] or False,
            "occurred_at": proof.get("occurred_at") or fields.Datetime.now(),
            "notice_id": proof.get("notice_id") or purpose._current_notice(partner.lang).id,
            "notice_text_hash": proof.get("notice_text_hash"),
            "legal_basis": proof.get("legal_basis") or purpose.default_legal_basis,
            "jurisdiction": proof.get("jurisdiction"),
            "expires_at": proof.get("expires_at"),
            "note": proof.get("note"),
        }
        if channel.double_opt_in:
            if not partner.email_normalized:
                raise ValidationError(
                    self.env._(
                        "%s has no valid email address to confirm the consent with.", partner.display_name
                    )
                )
            vals["confirm_deadline"] = fields.Datetime.now() + self.env["customer.consent.token"]._validity(
                "confirm"
            )
        event = self.create(vals)
        if event.action == "pending":
            event._send_confirmation()
        return event

    def _send_confirmation(self):
        """Queue the mail asking the person to confirm this pending grant (with a link to withdraw).

        The queued mail (``mail.mail`` and its ``mail.message``, which the chatter and the
        queue show) carries placeholder links only: the tokens are issued when the mail is
        sent, by :meth:`_consent_links_into`, so their raw value lives only in the outgoing
        message. The mail is deleted once sent.
        """
        self.ensure_one()
        Token = self.env["customer.consent.token"]
        template = self.env.ref("addon_customer_info.mail_template_consent_confirm")
        template.with_context(
            ci_confirm_url=Token._url("confirm", Token._PLACEHOLDER),
            ci_withdraw_url=Token._url("withdraw", Token._PLACEHOLDER),
            ci_confirm_deadline=self.confirm_deadline,
        ).send_mail(
            self.id,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={"ci_consent_event_id": self.id},
        )

    def _consent_links_into(self, body, mail):
        """``body`` (the outgoing body of ``mail``) with fresh confirm and withdraw links.

        Called while ``mail`` is being sent. Tokens are issued only for the mail this event
        queued, to this event's person alone, while the grant is still pending; any other
        mail keeps the placeholders (links that lead nowhere). Nothing here is stored but
        the tokens' hashes.
        """
        self.ensure_one()
        Token = self.env["customer.consent.token"]
        if not Token._has_placeholder_links(body):
            return body
        if (
            self.action != "pending"
            or mail.recipient_ids != self.partner_id
            or mail.email_to
            or mail.email_cc
            or self.search_count([("pending_event_id", "=", self.id), ("action", "=", "confirm")], limit=1)
        ):
            return body
        _confirm, confirm_raw = Token._issue(
            "confirm", self.partner_id, self.purpose_id, self.channel_id, self
        )
        _withdraw, withdraw_raw = Token._issue("withdraw", self.partner_id, self.purpose_id, self.channel_id)
        return Token._fill_placeholder_links(body, {"confirm": confirm_raw, "withdraw": withdraw_raw})

    @api.model
    def _record(self, partners, purposes, channels, action, **values):
        """Record ``action`` for every partner x purpose x channel; the shared path of the UI."""
        vals_list = [
            {
                "partner_id": partner.id,
                "purpose_id": purpose.id,
                "channel_id": channel.id,
                "action": action,
                **values,
            }
            for partner in partners
            for purpose in purposes
            for channel in channels
        ]
        return self.create(vals_list)

    # ------------------------------------------------------------
    # BLACKLISTS
    # ------------------------------------------------------------

    def _sync_blacklists(self):
        """Let the blacklists follow the marketing consent of these events' partners."""
        relevant = self.filtered(lambda e: e.purpose_id.is_marketing and e.channel_id.blacklist != "none")
        if relevant:
            self._sync_blacklists_for(relevant.partner_id)

    @api.model
    def _sync_blacklists_for(self, partners):
        """Make ``mail.blacklist`` and ``phone.blacklist`` follow the partners' current marketing consent.

        Per address (an email address, or a sanitized phone number for SMS), over every
        partner with that address and every marketing purpose on the channels that drive
        that blacklist:

        * some purpose is *granted* -> the address is taken off the blacklist;
        * otherwise, some purpose is *withdrawn* or *refused* -> the address is blacklisted;
        * otherwise (no event, pending, expired) the ledger has no say and the blacklist is
          left as it is, including entries people or unsubscribe links made.
        """
        if not partners:
            return
        # sudo: the blacklists follow the ledger whoever changes it (a consent, or a contact's
        # address, which users outside the addon's groups may edit too); only the configuration
        # and the addresses of ``partners`` (and of contacts sharing them) are read, and only
        # those addresses are (un)blacklisted, see _apply_blacklist.
        self_sudo = self.sudo().with_context(active_test=False)
        channels = self_sudo.env["customer.consent.channel"].search([("blacklist", "!=", "none")])
        purposes = self_sudo.env["customer.consent.purpose"].search([("is_marketing", "=", True)])
        if not channels or not purposes:
            return
        partners_sudo = partners.with_env(self_sudo.env)
        mail_channels = channels.filtered(lambda c: c.blacklist == "mail")
        if mail_channels:
            emails = {email for email in partners_sudo.mapped("email_normalized") if email}
            holders = (
                partners_sudo.search([("email_normalized", "in", list(emails))]) if emails else partners_sudo
            )
            self_sudo._apply_blacklist(
                "mail.blacklist",
                holders,
                purposes,
                mail_channels,
                lambda p: p.email_normalized,
            )
        phone_channels = channels.filtered(lambda c: c.blacklist == "phone")
        if phone_channels and "phone.blacklist" in self.env:
            numbers = {number for number in partners_sudo.mapped("phone_sanitized") if number}
            holders = (
                partners_sudo.search([("phone_sanitized", "in", list(numbers))]) if numbers else partners_sudo
            )
            self_sudo._apply_blacklist(
                "phone.blacklist",
                holders,
                purposes,
                phone_channels,
                lambda p: p.phone_sanitized,
            )

    def _apply_blacklist(self, model_name, holders, purposes, channels, address_of):
        states = self._states(holders, purposes, channels)
        by_address = defaultdict(set)
        for partner in holders:
            address = address_of(partner)
            if not address:
                continue
            for purpose in purposes:
                for channel in channels:
                    by_address[address].add(states.get((partner.id, purpose.id, channel.id), "none"))
        to_add = sorted(
            a
            for a, found in by_address.items()
            if "granted" not in found and not found.isdisjoint({"withdrawn", "refused"})
        )
        to_remove = sorted(a for a, found in by_address.items() if "granted" in found)
        Blacklist = self.env[model_name].with_context(active_test=True)
        key = "email" if model_name == "mail.blacklist" else "number"
        blacklisted = (
            set(Blacklist.search([(key, "in", to_add + to_remove)]).mapped(key))
            if to_add or to_remove
            else set()
        )
        message_add = self.env._("Blacklisted by the consent ledger: marketing consent withdrawn or refused.")
        message_remove = self.env._("Removed by the consent ledger: marketing consent granted.")
        if model_name == "mail.blacklist":
            for email in to_add:
                if email not in blacklisted:
                    Blacklist._add(email, message=message_add)
            for email in to_remove:
                if email in blacklisted:
                    Blacklist._remove(email, message=message_remove)
        else:
            new = [number for number in to_add if number not in blacklisted]
            if new:
                Blacklist._add(new, message=message_add)
            gone = [number for number in to_remove if number in blacklisted]
            if gone:
                Blacklist._remove(gone, message=message_remove)

    # ------------------------------------------------------------
    # ERASURE
    # ------------------------------------------------------------

    @api.model
    def _mask_for_erasure(self, partners):
        """Mask the personal proof of the partners' events for an erasure request; returns them.

        IP address, user agent and submission id are replaced by ``***``. What the person
        decided (action, purpose, channel, legal basis, dates, notice and its hash) stays:
        it is the proof that we honoured the decision. This is the only change the ledger
        accepts (see :meth:`write`); it is for the data-subject request code, which checks
        who may erase.
        """
        # sudo + sentinel: events are write-protected for everyone; only the proof fields are
        # overwritten, with a mask, and write() checks the sentinel and the fields.
        events_sudo = (
            self.sudo()
            .with_context(ci_consent_mask=MASK_SENTINEL)
            .search([("partner_id", "in", partners.ids)])
        )
        for field_name in ("ip_address", "user_agent", "submission_id"):
            events_sudo.filtered(lambda e, f=field_name: e[f] and e[f] != MASK).write({field_name: MASK})
        events_sudo.write({"masked_at": fields.Datetime.now()})
        return events_sudo.with_env(self.env)

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _is_purchased_list(self):
        self.ensure_one()
        return self.purchased or (self.source == "import_batch" and bool(self.import_vendor))

    @api.model
    def _jurisdiction_of(self, country):
        if not country:
            return "other"
        if country.code == "CN":
            return "cn"
        europe = self.env.ref("base.europe", raise_if_not_found=False)
        if country.code in EEA_OUTSIDE_EU or (europe and country in europe.country_ids):
            return "eu"
        return "other"
