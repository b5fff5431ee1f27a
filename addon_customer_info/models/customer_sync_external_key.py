import hashlib

from odoo import api, fields, models

ERASED_PREFIX = "sha256:"


class CustomerSyncExternalKey(models.Model):
    """What a source's record was last time: its hash and the partner (or review entry) it became.

    One row per ``(source, external key)``. The batch apply looks the key up first: the
    same hash means the source says nothing new, and the row is *unchanged* with no write
    at all (which is why :attr:`last_seen` is the last time the record brought a change);
    a new hash means the record changed at the source and goes to the partner it became.
    """

    _name = "customer.sync.external.key"
    _description = "Sync External Key"
    _order = "source_id, external_key"
    _rec_name = "external_key"

    source_id = fields.Many2one("customer.sync.source", required=True, index=True, ondelete="cascade")
    external_key = fields.Char(required=True, help="The source's stable key of the record.")
    partner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="cascade",
        help="The contact the record became or was linked to.",
    )
    candidate_id = fields.Many2one(
        "customer.duplicate.candidate",
        string="Review Entry",
        index="btree_not_null",
        ondelete="set null",
        help="The review entry of a record the matching was unsure of.",
    )
    row_hash = fields.Char(help="Fingerprint of the record's normalised values as last applied.")
    run_id = fields.Many2one(
        "customer.sync.run", string="Last Run", ondelete="set null", help="The run that last changed it."
    )
    erased = fields.Boolean(
        readonly=True,
        help="The person asked to be forgotten: the key is kept as a fingerprint only, so that the "
        "source's record is not imported again.",
    )
    first_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_seen = fields.Datetime(
        default=fields.Datetime.now,
        help="The last time the record brought a change (an unchanged record writes nothing).",
    )

    _source_key_unique = models.Constraint(
        "UNIQUE (source_id, external_key)",
        "A source's external key is recorded once.",
    )

    @api.model
    def _fingerprint(self, key):
        return ERASED_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()

    @api.model
    def _by_key(self, source, keys):
        """``{external_key: record}`` of ``source`` for ``keys`` (erased ones by their fingerprint)."""
        keys = sorted({key for key in keys if key})
        if not keys:
            return {}
        fingerprints = {self._fingerprint(key): key for key in keys}
        found = self.search(
            [("source_id", "=", source.id), ("external_key", "in", keys + sorted(fingerprints))]
        )
        return {fingerprints.get(rec.external_key, rec.external_key): rec for rec in found}

    @api.model
    def _unchanged(self, source, rows):
        """``{external_key: record}`` of the ``rows`` (``{external_key, hash}``) that ``source``
        holds unchanged: the same hash as last applied, and a partner or review entry it became.

        The same rule as the batch apply's *unchanged* (``customer.sync.run.batch``), read
        without the rest of the apply, so that ``check_unchanged`` can answer a re-run before
        the worker matches anything. A key whose person asked to be forgotten is never
        confirmed (its fingerprint is looked up too): such a row goes on to the batch apply,
        which rejects it. Reads only; the caller's access rules apply.
        """
        hashes = {}
        for row in rows:
            key, digest = row.get("external_key"), row.get("hash")
            if isinstance(key, str) and key and isinstance(digest, str) and digest:
                hashes[key] = digest
        if not hashes:
            return {}
        fingerprints = {self._fingerprint(key): key for key in hashes}
        found = self.search_fetch(
            [("source_id", "=", source.id), ("external_key", "in", sorted(hashes) + sorted(fingerprints))],
            ["external_key", "row_hash", "erased", "partner_id", "candidate_id"],
        )
        erased = {fingerprints.get(rec.external_key, rec.external_key) for rec in found if rec.erased}
        erased |= {fingerprints[rec.external_key] for rec in found if rec.external_key in fingerprints}
        return {
            rec.external_key: rec
            for rec in found
            if rec.external_key in hashes
            and rec.external_key not in erased
            and not rec.erased
            and rec.row_hash == hashes[rec.external_key]
            and (rec.partner_id or rec.candidate_id)
        }

    @api.model
    def _erase_for(self, partners):
        """Keep only a fingerprint of the keys of ``partners`` (an erasure request).

        The key often is personal data (an e-mail address); its fingerprint still tells the
        batch apply that the source's record belongs to somebody who asked to be forgotten.
        """
        # sudo: called by the erasure of a data-subject request, which checks who may erase
        keys_sudo = self.sudo().search([("partner_id", "in", partners.ids)])
        for key in keys_sudo:
            key.write(
                {
                    "external_key": self._fingerprint(key.external_key)
                    if not key.erased
                    else key.external_key,
                    "erased": True,
                    "partner_id": False,
                    "candidate_id": False,
                    "row_hash": False,
                }
            )
