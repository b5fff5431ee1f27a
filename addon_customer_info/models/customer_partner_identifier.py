import logging

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import mute_logger
from psycopg2 import errors as pg_errors

from ..tools import identifiers  # noqa: TID252 (pylint-odoo wants relative imports)

_logger = logging.getLogger(__name__)

KINDS = [
    ("uscc", "Unified Social Credit Code"),
    ("vat", "Tax ID"),
    ("lei", "LEI"),
    ("email", "Email"),
]


class CustomerPartnerIdentifier(models.Model):
    """A strong identifier (USCC, VAT, LEI, e-mail) and the one partner holding it.

    ``UNIQUE (kind, value)`` on the normalised value is what keeps two partners from
    sharing an identifier, even when two sync batches race: the database refuses the
    second insert, and the batch apply links the row to the holder instead
    (:meth:`_claim`). The rows follow the partners' own fields (see
    ``res.partner._ci_sync_identifiers``): a person editing an e-mail or tax id on the
    contact form moves the identifier along; LEIs, and USCCs next to a VAT number, come
    from sources only.
    """

    _name = "customer.partner.identifier"
    _description = "Partner Identifier"
    _order = "kind, value"
    _rec_name = "value"

    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    kind = fields.Selection(KINDS, required=True)
    value = fields.Char(
        required=True, help="The normalised identifier (compact upper case; e-mails lower case)."
    )
    source_id = fields.Many2one(
        "customer.sync.source",
        ondelete="set null",
        help="The source that reported it; empty when it comes from the contact's own fields.",
    )

    origin_source_id = fields.Many2one(
        "customer.sync.source",
        compute="_compute_origin",
        help="The source that reported the identifier, or that wrote the contact's field it mirrors; "
        "empty when a person entered it.",
    )
    origin_run_id = fields.Many2one(
        "customer.sync.run",
        compute="_compute_origin",
        help="The sync run that wrote the contact's field the identifier mirrors.",
    )

    _value_unique = models.Constraint(
        "UNIQUE (kind, value)",
        "Another contact already holds this identifier.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("source_id", "partner_id", "kind")
    def _compute_origin(self):
        """The source (and run) behind an identifier: the one that reported it, else the latest
        applied provenance of the contact's field it mirrors (its e-mail, its tax id), when a
        source wrote that field rather than a person."""
        fields_by_kind = {"email": "email", "vat": "vat", "uscc": "vat"}
        # sudo: only the source and run of the provenance of contacts the reader already sees are
        # shown; the provenance rows themselves stay behind their own rules
        provenance_sudo = (
            self.env["customer.field.provenance"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.partner_id.ids),
                    ("field_name", "in", sorted(set(fields_by_kind.values()))),
                    ("state", "=", "applied"),
                ],
                order="observed_at desc, id desc",
            )
        )
        latest = {}
        for record in provenance_sudo:
            latest.setdefault((record.partner_id.id, record.field_name), record)
        for identifier in self:
            applied = latest.get((identifier.partner_id.id, fields_by_kind.get(identifier.kind)))
            if identifier.source_id:
                identifier.origin_source_id = identifier.source_id
                same = applied and applied.source_id == identifier.source_id
                identifier.origin_run_id = applied.run_id.id if same else False
            elif applied and applied.source_id:
                identifier.origin_source_id = applied.source_id.id
                identifier.origin_run_id = applied.run_id.id
            else:
                identifier.origin_source_id = False
                identifier.origin_run_id = False

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("kind") and vals.get("value"):
                vals["value"] = identifiers.normalise(vals["kind"], vals["value"]) or vals["value"]
        return super().create(vals_list)

    def write(self, vals):
        if "value" in vals or "kind" in vals:
            for record in self:
                kind = vals.get("kind", record.kind)
                value = vals.get("value", record.value)
                normalised = identifiers.normalise(kind, value) or value
                super(CustomerPartnerIdentifier, record).write({**vals, "value": normalised})
            return True
        return super().write(vals)

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    @api.model
    def _holders(self, pairs):
        """``{(kind, value): partner}`` for the normalised ``(kind, value)`` pairs already held.

        Holders of every company are found (the caller checks its access to them).
        """
        pairs = {(kind, value) for kind, value in pairs if value}
        if not pairs:
            return {}
        # sudo: the unique index spans every company, so the holder must be found wherever it
        # is; only its id is returned, in the caller's environment, whose access rules then
        # decide whether the caller may link to it
        found_sudo = self.sudo().search([("value", "in", sorted({value for _kind, value in pairs}))])
        return {
            (rec.kind, rec.value): rec.partner_id.with_env(self.env)
            for rec in found_sudo
            if (rec.kind, rec.value) in pairs
        }

    @api.model
    def _claim(self, partner, pairs, source=None):
        """Give ``partner`` the ``(kind, value)`` identifiers nobody holds; returns the others' holders.

        Each identifier is inserted in its own savepoint: when the unique index refuses it,
        another partner holds it and is returned in ``{(kind, value): holder}``. A holder
        the transaction cannot see yet (a concurrent batch committed it after this one
        started) raises :class:`~odoo.exceptions.ConcurrencyError`, so that Odoo retries the
        whole call and the retry links to it.
        """
        taken = {}
        mine = self.search([("partner_id", "=", partner.id)])
        have = {(rec.kind, rec.value) for rec in mine}
        for kind, value in pairs:
            value = identifiers.normalise(kind, value)
            if not value or (kind, value) in have:
                continue
            try:
                # the unique index refusing the insert is the expected answer, not an error to log
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    self.create(
                        {
                            "partner_id": partner.id,
                            "kind": kind,
                            "value": value,
                            "source_id": source.id if source else False,
                        }
                    )
                have.add((kind, value))
            except pg_errors.UniqueViolation:
                taken[(kind, value)] = self._holder_or_retry(kind, value)
        return taken

    @api.model
    def _claim_many(self, claims, held=None):
        """:meth:`_claim` for many partners at once: ``claims`` is ``[(partner, pairs)]``.

        One lookup finds what the partners hold (unless the caller gives their rows as
        ``held``) and one what others hold; the free identifiers are inserted together, the
        first partner of ``claims`` taking one that several want (as one by one, in order).
        Only when the insert is refused (a concurrent transaction took one meanwhile) does it
        fall back to :meth:`_claim`, partner by partner.
        """
        if held is None:
            held = self.search([("partner_id", "in", [partner.id for partner, _pairs in claims])])
        held = {(rec.partner_id.id, rec.kind, rec.value) for rec in held}
        wanted = {}
        for partner, pairs in claims:
            for kind, value in pairs:
                value = identifiers.normalise(kind, value)
                if value and (partner.id, kind, value) not in held:
                    wanted.setdefault((kind, value), partner)
        holders = self._holders(wanted)
        vals_list = [
            {"partner_id": partner.id, "kind": kind, "value": value}
            for (kind, value), partner in wanted.items()
            if (kind, value) not in holders
        ]
        if not vals_list:
            return
        try:
            # the unique index refusing the insert means a concurrent claim: retried one by one
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.create(vals_list)
        except pg_errors.UniqueViolation:
            for partner, pairs in claims:
                self._claim(partner, pairs)

    @api.model
    def _holder_or_retry(self, kind, value):
        """The holder of an identifier the unique index just refused to give to another partner.

        When this transaction cannot see the holder, a concurrent one committed it after this
        one began: :class:`~odoo.exceptions.ConcurrencyError` makes Odoo retry the whole call.
        """
        holder = self._holders([(kind, value)]).get((kind, value))
        if not holder:
            raise ConcurrencyError(f"identifier {kind} {value} was claimed by a concurrent transaction")
        return holder
