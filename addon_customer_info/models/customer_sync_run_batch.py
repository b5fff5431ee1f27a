import logging

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools import mute_logger
from psycopg2 import errors as pg_errors

from ..tools import identifiers, survivorship  # noqa: TID252 (pylint-odoo wants relative imports)
from .res_partner import SYNC_CONTEXT_KEY, SYNC_SENTINEL

_logger = logging.getLogger(__name__)

OUTCOMES = ("created", "linked", "review", "rejected", "unchanged")
MAX_BATCH_ROWS = 5000
"""Largest batch ``apply_batch`` takes (the worker sends 500 rows by default)."""
TEXT_FIELDS = ("name", "email", "website", "function", "street", "street2", "zip", "city", "comment")
"""Observation keys written to the partner field of the same name."""
TRUST_KEY = {"state_id": "state", "country_id": "country", "parent_id": "company", "company_name": "company"}
"""Partner field -> observation key, where they differ (the trust and the answer use the keys)."""
IDENTIFIER_FIELDS = frozenset({"email", "vat", "parent_id"})
CONSENT_REFERENCE = "customer.sync.source,%s"
"""``source_reference`` of the consent events of a source: one event per partner, purpose and channel."""


class _DryRun(Exception):
    """Raised inside the savepoint of a dry run to roll its writes back, carrying the answer."""

    def __init__(self, answer):
        super().__init__("dry run")
        self.answer = answer


class CustomerSyncRunBatch(models.Model):
    """One applied batch of a run, with the answer ``apply_batch`` gave.

    ``UNIQUE (run_id, batch_no)`` makes a re-sent batch (the worker lost the answer and
    sends the chunk again) find the stored answer and write nothing; a batch sent twice at
    the same moment waits on the first one's row and fails, and the worker's retry then
    finds the answer.

    :meth:`_apply` holds the server-side rules of ``customer.sync.api.apply_batch``
    (docs/rpc-contract.md): idempotency by ``(source, external key)`` and hash, strong
    identifiers that link whatever the decision says, survivorship per field with
    provenance, one partner per in-file cluster, review entries, consent events.
    """

    _name = "customer.sync.run.batch"
    _description = "Sync Run Batch"
    _order = "run_id, batch_no"

    run_id = fields.Many2one("customer.sync.run", required=True, index=True, ondelete="cascade")
    batch_no = fields.Integer(required=True)
    answer = fields.Json(help="The answer of apply_batch: results per row and the counts.")
    row_count = fields.Integer()
    notes = fields.Text(help="What the batch did not do and why, for the run's technical figures.")

    _run_batch_unique = models.Constraint(
        "UNIQUE (run_id, batch_no)",
        "This batch of the run was already applied.",
    )

    # ------------------------------------------------------------
    # APPLY
    # ------------------------------------------------------------

    @api.model
    def _find(self, run, batch_no):
        return self.search([("run_id", "=", run.id), ("batch_no", "=", batch_no)], limit=1)

    @api.model
    def _apply(self, run, batch_no, rows):
        """Apply one batch of observations of ``run``; returns ``{batch_no, results, counts, ...}``.

        A batch already applied answers its stored answer again and writes nothing. A run
        marked as a dry run computes the same answer inside a savepoint that is rolled back:
        only the answer and the rows' outcomes are kept (created partners have no id).
        """
        run.ensure_one()
        if isinstance(batch_no, bool) or not isinstance(batch_no, int) or batch_no < 0:
            raise UserError(self.env._("A batch number is a whole number from 0."))
        if not isinstance(rows, list) or any(not isinstance(row, dict) for row in rows):
            raise UserError(self.env._("The rows of a batch are a list of objects."))
        if len(rows) > MAX_BATCH_ROWS:
            raise UserError(
                self.env._(
                    "A batch has at most %(max)s rows, this one has %(count)s.",
                    max=MAX_BATCH_ROWS,
                    count=len(rows),
                )
            )
        done = self._find(run, batch_no)
        if done:
            return done.answer
        run._check_running()
        batch = self.create({"run_id": run.id, "batch_no": batch_no, "row_count": len(rows)})
        # the unique index now holds this (run, batch): a copy sent at the same moment waits here
        batch.flush_recordset()
        if run.dry_run:
            try:
                with self.env.cr.savepoint():
                    raise _DryRun(_Applier(batch, run, rows).apply())
            except _DryRun as dry:
                answer = dry.answer
            # partners created by the rolled-back writes do not exist (nor do rows linked to them)
            ids = {result["partner_id"] for result in answer["results"] if result["partner_id"]}
            kept = set(self.env["res.partner"].browse(sorted(ids)).exists().ids)
            for result in answer["results"]:
                if result["partner_id"] not in kept:
                    result["partner_id"] = None
                result["candidate_id"] = None
        else:
            answer = _Applier(batch, run, rows).apply()
        run._record_rows(answer["results"], rows)
        batch.write({"answer": answer, "notes": "\n".join(answer["notes"]) or False})
        return answer


class _Pending:
    """A partner the batch creates, until the batch's one ``create`` call gives it an id.

    ``projected`` holds the values that decide its identifiers (e-mail, tax id, company)
    as they will be once the rows linked to it in this batch have written theirs, so that
    a later row of the batch finds the identifiers it will hold, as it would one by one.
    """

    __slots__ = ("by_run", "is_company", "pairs", "partner", "projected", "source_pairs", "trust", "vals")

    def __init__(self, is_company, vals, trust):
        self.is_company = is_company
        self.vals = vals
        self.projected = dict(vals)
        self.trust = {name: trust(name) for name in vals}
        self.by_run = set(vals)
        self.pairs = []  # (kind, value) its own fields give it: inserted with it
        self.source_pairs = []  # (kind, value) only its source knows (an LEI): inserted with the source
        self.partner = None  # the res.partner once created

    @property
    def name(self):
        return self.partner.name if self.partner else self.projected.get("name")


def _real(partner):
    """The partner itself, or the one a :class:`_Pending` became."""
    return partner.partner if isinstance(partner, _Pending) else partner


class _Applier:
    """The state of one batch apply: caches, the partners each row and cluster produced.

    A plain object, not a model: it lives for one call of :meth:`CustomerSyncRunBatch._apply`.

    The rows are applied in order, companies first (so that the persons of the batch find
    their employer), as one by one, but the partners they create are created together: a
    row that creates a partner leaves a :class:`_Pending` in its place, and :meth:`_flush`
    creates the pending partners of the kind in one ``create`` call, with their identifiers,
    external keys and provenance in one insert each. A row that links to a pending partner
    (a later row of its cluster, or one with an identifier it takes) is updated after that
    call, in its order. Which strong identifiers each partner holds is followed in memory
    (``claimed``), from one lookup of the holders already in the database: a row whose
    identifier a partner of its kind holds, pending or not, links to it, as the unique index
    would make it do one row at a time.
    """

    def __init__(self, batch, run, rows):
        self.env = batch.env
        self.batch = batch
        self.run = run
        self.source = run.source_id
        self.rows = rows
        self.trust = self.source._trust_map()
        self.Partner = self.env["res.partner"].with_context(
            **{SYNC_CONTEXT_KEY: SYNC_SENTINEL}, tracking_disable=True, mail_create_nolog=True
        )
        self.Identifier = self.env["customer.partner.identifier"]
        self.Provenance = self.env["customer.field.provenance"]
        self.ExternalKey = self.env["customer.sync.external.key"]
        self.Candidate = self.env["customer.duplicate.candidate"]
        self.labels = {}  # "row:<n>" / cluster label -> partner (or _Pending)
        self.earlier = {}  # "row:<n>" label -> partner an earlier batch of the run gave that row
        self.companies = {}  # normalised company name -> company partner (or _Pending) of this batch
        self.provenance = []  # (partner or _Pending, vals without partner_id), created at the end
        self.touched = []  # partners (or _Pending) created or linked: they get consent events
        self.notes = []
        self.countries = {}
        self.states = {}
        self.now = fields.Datetime.now()
        self.by_run = set()  # (partner id, field) whose value this run wrote (survivorship's same_run)
        self.by_run_loaded = set()  # partners whose earlier batches' writes are in by_run
        self.claimed = {}  # (kind, value) -> the partner (or _Pending) holding it now
        self.claims_of = {}  # partner id (or _Pending) -> its (kind, value) in claimed
        self.pending = []  # _Pending partners of the current kind, not created yet
        self.deferred = []  # (row, vals, _Pending, result): links to pending partners, updated on flush
        self.new_keys = {}  # external key -> vals of the key rows to create or write on flush

    # -- the whole batch -------------------------------------------------------

    def apply(self):
        results = [None] * len(self.rows)
        keys = [row.get("external_key") for row in self.rows if isinstance(row.get("external_key"), str)]
        self.keys = self.ExternalKey._by_key(self.source, keys)
        self.holders = self.Identifier._holders(
            pair for row in self.rows for pair in self._lookup_identifiers(row)
        )
        for pair, holder in self.holders.items():
            self._hold(pair, holder)
        self._load_earlier_labels()
        link_ids = {
            (row.get("decision") or {}).get("partner_id")
            for row in self.rows
            if isinstance((row.get("decision") or {}).get("partner_id"), int)
        }
        link_ids |= {key.partner_id.id for key in self.keys.values() if key.partner_id}
        link_ids |= {holder.id for holder in self.holders.values()}
        linked = self.Partner.browse(sorted(link_ids)).exists()
        self.current_trust = self.Provenance._current_trust(linked)
        self.trust_loaded = set(linked.ids)
        # companies first, so that the persons of the batch find their employer; pairs last
        order = sorted(
            range(len(self.rows)),
            key=lambda i: {"company": 0, "person": 1}.get(self.rows[i].get("kind"), 2),
        )
        kind = None
        for index in order:
            row = self.rows[index]
            if row.get("kind") == "pair":
                continue
            if row.get("kind") != kind:
                self._flush()  # the companies exist before the first person names one
                kind = row.get("kind")
            results[index] = self._apply_row(row)
        self._flush()
        for index in order:
            if self.rows[index].get("kind") == "pair":
                results[index] = self._apply_pair(self.rows[index])
        for result in results:
            if isinstance(result["partner_id"], _Pending):
                result["partner_id"] = result["partner_id"].partner.id
        if self.provenance:
            self.Provenance.create(
                [{**vals, "partner_id": _real(partner).id} for partner, vals in self.provenance]
            )
        consent_events = self._record_consent()
        counts = dict.fromkeys(OUTCOMES, 0)
        pairs = 0
        for row, result in zip(self.rows, results, strict=True):
            if row.get("kind") == "pair":
                pairs += result["outcome"] == "review"
            else:
                counts[result["outcome"]] += 1
        counts["pairs"] = pairs
        return {
            "batch_no": self.batch.batch_no,
            "results": results,
            "counts": counts,
            "consent_events": consent_events,
            "notes": self.notes,
        }

    # -- one row ----------------------------------------------------------------

    def _apply_row(self, row):
        number = row.get("row") if isinstance(row.get("row"), int) else None
        key = row.get("external_key") if isinstance(row.get("external_key"), str) else None
        rejected = row.get("rejected")
        if rejected:
            code = rejected.get("code") if isinstance(rejected, dict) else None
            return self._result(number, "rejected", code=code)
        if row.get("kind") not in ("company", "person") or not key or not isinstance(row.get("values"), dict):
            return self._result(
                number,
                "rejected",
                code="row.malformed",
                message=self.env._("The row has no kind, external key or values the contract expects."),
            )
        if key in self.new_keys:
            self._flush()  # an external key twice in one batch: the second row reads what the first stored
        decision = row.get("decision") or {}
        existing = self.keys.get(key)
        if existing and existing.erased:
            return self._result(
                number,
                "rejected",
                code="subject.erased",
                message=self.env._(
                    "The person of this record asked to be forgotten: it is not imported again."
                ),
            )
        if (
            existing
            and existing.row_hash == row.get("hash")
            and (existing.partner_id or existing.candidate_id)
        ):
            self._remember(row, decision, existing.partner_id)
            return self._result(
                number, "unchanged", partner=existing.partner_id, candidate=existing.candidate_id
            )
        target, problem = self._target(row, decision, existing)
        if problem:
            return self._result(number, "rejected", **problem)
        if isinstance(target, str):  # "review"
            return self._review(row, decision, existing)
        vals = self._partner_values(row)
        if not target:
            target, holder = self._plan_create(row, vals)
            if holder is not None:
                # an identifier of the row is held by a partner of its kind: the row links to it
                if not isinstance(holder, _Pending) and not holder.has_access("write"):
                    return self._result(number, "rejected", **self._problem("partner.not_allowed", holder))
                target = holder
            else:
                result = self._result(
                    number,
                    "created",
                    partner=target,
                    written=sorted({TRUST_KEY.get(name, name) for name in vals}),
                )
                self._finish_row(key, row, decision, target)
                return result
        if isinstance(target, _Pending):
            result = self._result(number, "linked", partner=target)
            self.deferred.append((row, vals, target, result))
            self._finish_row(key, row, decision, target)
            if not self._project(target, row, vals):
                # the row takes an identifier away from the partner it links to: applied now, so
                # that a later row of the batch can take it, as one by one
                self._flush()
            return result
        if any(isinstance(self.claimed.get(pair), _Pending) for pair in self._value_identifiers(row, vals)):
            # the update would claim an identifier a pending partner holds: that partner first
            self._flush()
        written, kept = self._update(target, row, vals)
        self._claim_source_identifiers(target, row, written)
        result = self._result(number, "linked", partner=target, written=written, kept=kept)
        self._finish_row(key, row, decision, target)
        return result

    def _finish_row(self, key, row, decision, target):
        self._store_key(key, row, target)
        self._remember(row, decision, target)
        self.touched.append(target)

    def _target(self, row, decision, existing):
        """The partner the row goes to: a partner, ``None`` (create), ``"review"``; or a problem."""
        if existing and existing.partner_id:
            return existing.partner_id, None
        held = self.Partner.browse()
        for pair in self._row_identifiers(row):
            holder = self.holders.get(pair)
            if holder and _same_kind(holder, row["kind"]):
                held |= holder
        if len(held) > 1:
            decision.setdefault("reasons", [])
            decision["reasons"] = [
                *decision.get("reasons", []),
                self.env._("Its identifiers are held by different contacts."),
            ]
            decision["candidates"] = sorted(set(decision.get("candidates") or []) | set(held.ids))
            return "review", None
        if held:
            if not held.has_access("write"):
                return None, self._problem("partner.not_allowed", held)
            return held, None
        action = decision.get("action") or "new"
        if action == "review":
            return "review", None
        if action == "link":
            partner_id = decision.get("partner_id")
            partner = self.Partner.browse(partner_id if isinstance(partner_id, int) else []).exists()
            if not partner or not partner.active:
                return None, self._problem("partner.unavailable", partner_id)
            if not partner.has_access("write"):
                return None, self._problem("partner.not_allowed", partner)
            return partner, None
        cluster = decision.get("cluster")
        if cluster:
            partner = self._partner_of_label(cluster)
            if partner:
                return partner, None
        return None, None

    def _problem(self, code, partner):
        partner_id = partner.id if isinstance(partner, models.BaseModel) else partner
        messages = {
            "partner.unavailable": self.env._(
                "The contact %(partner)s to link to does not exist any more or is archived.",
                partner=partner_id,
            ),
            "partner.not_allowed": self.env._(
                "The contact %(partner)s to link to belongs to a company the sync user does not work for.",
                partner=partner_id,
            ),
        }
        return {"code": code, "message": messages[code], "field": "partner_id", "value": str(partner_id)}

    # -- strong identifiers, followed in memory ------------------------------------

    def _hold(self, pair, holder):
        """Record that ``holder`` (a partner or a :class:`_Pending`) now holds ``pair``."""
        self.claimed[pair] = holder
        self.claims_of.setdefault(_holder_key(holder), set()).add(pair)

    def _release(self, pair):
        holder = self.claimed.pop(pair, None)
        if holder is not None:
            self.claims_of.get(_holder_key(holder), set()).discard(pair)

    def _reload_claims(self, partner):
        """Follow what ``partner`` holds after a write or claim changed its identifier rows."""
        for pair in list(self.claims_of.get(partner.id, ())):
            self._release(pair)
        # sudo: as in _holders, the identifier rows of a partner the batch may write
        for rec in self.Identifier.sudo().search([("partner_id", "=", partner.id)]):
            self._hold((rec.kind, rec.value), partner)

    def _plan_create(self, row, vals):
        """The :class:`_Pending` partner of a row that creates one; or ``(None, holder)``.

        An identifier a partner of the same kind holds (in the database, or pending: an
        earlier row of this batch that the engine did not cluster with this one) names the
        holder the row links to instead. An identifier a partner of the other kind holds (a
        person's address that its company holds) stays with it. A holder this transaction
        cannot see (a concurrent batch committed it after this one began) makes the unique
        index refuse the insert in :meth:`_flush`.
        """
        is_company = row["kind"] == "company"
        pairs = identifiers.partner_identifiers(
            vals.get("email"), vals.get("vat"), commercial=not vals.get("parent_id")
        )
        own = []
        for pair in pairs:
            holder = self.claimed.get(pair)
            if holder is not None and _same_kind(holder, row["kind"]):
                return None, holder
            if holder is None:
                own.append(pair)
        pending = _Pending(is_company, vals, self._trust_for)
        for pair in own:
            self._hold(pair, pending)
        pending.pairs = own
        if not vals.get("parent_id"):
            for pair in self._source_identifiers(row):
                if pair not in self.claimed:
                    self._hold(pair, pending)
                    pending.source_pairs.append(pair)
        self.pending.append(pending)
        return pending, None

    def _project(self, pending, row, vals):
        """Reserve for ``pending`` the identifiers the row linked to it will give it.

        The row is applied to the partner after the batch's create call; survivorship is
        run here on the values that decide identifiers, so that a later row of the batch
        with the same e-mail or tax id links to the partner, as it would one by one. Returns
        ``False`` when the row would take from the partner an identifier it is created
        with (its e-mail changes): the caller then creates it and applies the row at once.
        """
        projected = pending.projected
        had_parent = projected.get("parent_id")
        moved = False
        for name, incoming in vals.items():
            if name not in IDENTIFIER_FIELDS:
                continue
            if name == "parent_id" and pending.is_company:
                continue
            if name == "vat" and had_parent:
                continue
            current = projected.get(name, False)
            trust = self._trust_for(name)
            verdict = survivorship.decide(name, current, pending.trust.get(name), incoming, trust)
            if verdict == survivorship.Verdict.APPLY and not survivorship.is_blank(current):
                verdict = survivorship.decide(
                    name, current, pending.trust.get(name), incoming, trust, same_run=name in pending.by_run
                )
            if verdict == survivorship.Verdict.APPLY:
                projected[name] = incoming
                pending.trust[name] = trust
                pending.by_run.add(name)
                moved = True
        commercial = not projected.get("parent_id")
        if moved:
            # as res.partner._ci_sync_identifiers: stale rows go, the free desired ones are taken
            desired = identifiers.partner_identifiers(
                projected.get("email"), projected.get("vat"), commercial=commercial
            )
            own_tax_kind = identifiers.vat_kind(projected["vat"]) if projected.get("vat") else None
            stale = [
                (kind, value)
                for kind, value in self.claims_of.get(pending, ())
                if (kind, value) not in desired
                and (
                    kind == "email"
                    or (kind == own_tax_kind and (kind, value) not in pending.source_pairs)
                    or (kind != "email" and not commercial)
                )
            ]
            if any(pair in pending.pairs or pair in pending.source_pairs for pair in stale):
                return False
            for pair in stale:
                self._release(pair)
            for pair in desired:
                if pair not in self.claimed:
                    self._hold(pair, pending)
        if commercial:
            for pair in self._source_identifiers(row):
                if pair not in self.claimed:
                    self._hold(pair, pending)
        return True

    def _flush(self):
        """Create the pending partners in one call, then apply the rows linked to them.

        Their identifier rows go in one insert. A holder this transaction cannot see (a
        concurrent batch committed it after this one began) makes the unique index refuse
        it: :class:`~odoo.exceptions.ConcurrencyError`, and Odoo retries the whole call,
        which then links to it.
        """
        pending, self.pending = self.pending, []
        if pending:
            partners = self.Partner.create([{**p.vals, "is_company": p.is_company} for p in pending])
            identifier_vals = []
            for item, partner in zip(pending, partners, strict=True):
                item.partner = partner
                identifier_vals += [
                    {"partner_id": partner.id, "kind": kind, "value": value} for kind, value in item.pairs
                ]
                identifier_vals += [
                    {"partner_id": partner.id, "kind": kind, "value": value, "source_id": self.source.id}
                    for kind, value in item.source_pairs
                ]
                for pair in self.claims_of.pop(item, set()):
                    self._hold(pair, partner)
                for name, value in item.vals.items():
                    self._provenance(partner, name, value, "applied")
                self.current_trust.update({(partner.id, name): self._trust_for(name) for name in item.vals})
                self.by_run.update((partner.id, name) for name in item.vals)
                self.by_run_loaded.add(partner.id)
                self.trust_loaded.add(partner.id)
            if identifier_vals:
                try:
                    # the unique index refusing an identifier is an expected answer, not an error to log
                    with mute_logger("odoo.sql_db"):
                        self.Identifier.create(identifier_vals)
                        self.Identifier.flush_model()
                except pg_errors.UniqueViolation as error:
                    if error.diag.table_name != self.Identifier._table:
                        raise
                    raise ConcurrencyError(
                        "a strong identifier of batch %s was claimed by a concurrent transaction"
                        % self.batch.batch_no
                    ) from None
        deferred, self.deferred = self.deferred, []
        for row, vals, target, result in deferred:
            partner = target.partner
            written, kept = self._update(partner, row, vals)
            self._claim_source_identifiers(partner, row, written)
            result["fields_written"], result["fields_kept"] = written, kept
            if row.get("kind") == "company" and _text(partner.name):
                self.companies.setdefault(survivorship.normalise("name", partner.name), partner)
        self._store_keys()

    def _load_earlier_labels(self):
        """The partners earlier batches of the run gave the rows the batch's labels name (one query)."""
        numbers = set()
        for row in self.rows:
            if row.get("kind") == "pair":
                labels = row.get("pair") if isinstance(row.get("pair"), list) else []
            else:
                labels = [(row.get("decision") or {}).get("cluster")]
            for label in labels:
                if isinstance(label, str) and label.startswith("row:") and label[4:].isdigit():
                    numbers.add(int(label[4:]))
        if not numbers:
            return
        previous = self.env["customer.sync.run.row"].search(
            [("run_id", "=", self.run.id), ("row_number", "in", sorted(numbers)), ("partner_id", "!=", False)]
        )
        for record in previous:
            self.earlier.setdefault(f"row:{record.row_number}", record.partner_id.with_env(self.Partner.env))

    # -- creating and updating partners -------------------------------------------

    def _written_by_run(self, partner, name):
        """Whether this run (this batch, or an earlier one of the run) wrote ``name`` of ``partner``."""
        if partner.id not in self.by_run_loaded:
            self.by_run_loaded.add(partner.id)
            self.by_run |= self.Provenance._set_by_run(partner, self.run)
        return (partner.id, name) in self.by_run

    def _update(self, partner, row, vals):
        """Survivorship per field; returns the observation keys written and kept."""
        to_write = {}
        written, kept = set(), set()
        if partner.id not in self.trust_loaded:
            # a partner this run created in an earlier batch (a later row of its cluster): the trust of
            # its values, not the manual edit's that a value of unknown origin counts as
            self.trust_loaded.add(partner.id)
            for key, trust in self.Provenance._current_trust(partner).items():
                self.current_trust.setdefault(key, trust)
        for name, incoming in vals.items():
            if name == "parent_id" and partner.is_company:
                continue
            if name in ("vat", "company_name") and partner.parent_id:
                continue  # a contact person's tax id and company follow its company
            current = partner[name]
            if isinstance(current, models.BaseModel):
                current = current.id or False
            trust = self._trust_for(name)
            held = self.current_trust.get((partner.id, name))
            verdict = survivorship.decide(name, current, held, incoming, trust)
            if verdict == survivorship.Verdict.APPLY and not survivorship.is_blank(current):
                # another row of this file wrote it: the more complete value stays, not the later one
                verdict = survivorship.decide(
                    name, current, held, incoming, trust, same_run=self._written_by_run(partner, name)
                )
            key = TRUST_KEY.get(name, name)
            if verdict == survivorship.Verdict.APPLY:
                to_write[name] = incoming
                written.add(key)
                self._provenance(partner, name, incoming, "applied")
                self.current_trust[(partner.id, name)] = trust
                self.by_run.add((partner.id, name))
            elif verdict == survivorship.Verdict.KEEP_AS_OBSERVATION:
                kept.add(key)
                self._provenance(partner, name, incoming, "observation")
            elif verdict == survivorship.Verdict.UNCHANGED:
                self._provenance(partner, name, incoming, "confirmed")
        if to_write.get("parent_id") and "company_name" in to_write:
            del to_write["company_name"]
        if to_write:
            partner.write(to_write)
            if IDENTIFIER_FIELDS.intersection(to_write):
                partner._ci_sync_identifiers()
        return sorted(written), sorted(kept - written)

    def _claim_source_identifiers(self, partner, row, written):
        """The identifiers only a source knows (an LEI, a USCC next to a VAT number), for a
        partner the row linked to; ``written``: the fields the row wrote on it."""
        pairs = [] if partner.parent_id else self._source_identifiers(row)
        if pairs:
            self.Identifier._claim(partner, pairs, source=self.source)
        if pairs or not {"email", "vat", "company"}.isdisjoint(written):
            self._reload_claims(partner)

    def _source_identifiers(self, row):
        ids = row.get("identifiers") or {}
        pairs = []
        for kind in ("uscc", "lei", "vat"):
            value = identifiers.normalise(kind, ids.get(kind) or (row.get("values") or {}).get(kind))
            if value:
                pairs.append((kind, value))
        return pairs

    def _value_identifiers(self, row, vals):
        """The identifiers applying the row's values could claim (its e-mail, tax id, source's)."""
        return [
            *identifiers.partner_identifiers(vals.get("email"), vals.get("vat"), commercial=True),
            *self._source_identifiers(row),
        ]

    def _lookup_identifiers(self, row):
        """Every identifier the row names or may claim: their holders are looked up once.

        None for a row the batch answers unchanged or rejects as erased (its key is known).
        """
        key = row.get("external_key")
        existing = self.keys.get(key) if isinstance(key, str) else None
        if existing and (
            existing.erased
            or (existing.row_hash == row.get("hash") and (existing.partner_id or existing.candidate_id))
        ):
            return []
        pairs = self._row_identifiers(row)
        if (
            not row.get("rejected")
            and row.get("kind") in ("company", "person")
            and isinstance(row.get("values"), dict)
            and isinstance(row.get("identifiers") or {}, dict)
        ):
            pairs += self._value_identifiers(row, self._partner_values(row))
        return pairs

    def _partner_values(self, row):
        """The res.partner values of an observation (blank values included: survivorship skips them)."""
        values = row["values"]
        ids = row.get("identifiers") or {}
        vals = {name: _text(values.get(name)) for name in TEXT_FIELDS if name in values}
        emails = ids.get("email") or []
        if not vals.get("email") and emails and isinstance(emails[0], str):
            vals["email"] = emails[0]
        phone = _text(values.get("phone")) or _text(values.get("mobile"))
        if phone:
            vals["phone"] = phone
        vat = (
            _text(values.get("vat"))
            or _text(ids.get("vat"))
            or _text(values.get("uscc"))
            or _text(ids.get("uscc"))
        )
        if vat:
            vals["vat"] = vat
        if not vals.get("street") and _text(values.get("address")):
            vals["street"] = _text(values["address"])
        if not vals.get("street2") and _text(values.get("district")):
            vals["street2"] = _text(values["district"])
        country = self._country(values.get("country"))
        if country:
            vals["country_id"] = country.id
        state = self._state(values.get("state"), country)
        if state:
            vals["state_id"] = state.id
        if row["kind"] == "person" and _text(values.get("company")):
            employer = _real(self.companies.get(survivorship.normalise("name", values["company"])))
            if employer:
                vals["parent_id"] = employer.id
            else:
                vals["company_name"] = _text(values["company"])
        if row["kind"] == "company":
            vals.pop("function", None)
        return {name: value for name, value in vals.items() if not survivorship.is_blank(value)}

    def _country(self, code):
        code = _text(code)
        if not code:
            return None
        code = code.upper()
        if code not in self.countries:
            self.countries[code] = self.env["res.country"].search([("code", "=", code)], limit=1)
        return self.countries[code] or None

    def _state(self, name, country):
        name = _text(name)
        if not name or not country:
            return None
        cache_key = (country.id, name)
        if cache_key not in self.states:
            State = self.env["res.country.state"]
            state = State.search([("country_id", "=", country.id), ("name", "=ilike", name)], limit=1)
            if not state:
                state = State.search([("country_id", "=", country.id), ("code", "=ilike", name)], limit=1)
            if not state:
                # "广东" for "广东省", "Bavaria" for "Bavaria (Bayern)": a unique prefix match
                found = State.search(
                    [("country_id", "=", country.id), ("name", "=ilike", f"{name}%")], limit=2
                )
                state = found if len(found) == 1 else State
            self.states[cache_key] = state
        return self.states[cache_key] or None

    # -- review entries ----------------------------------------------------------

    def _review(self, row, decision, existing):
        number = row.get("row") if isinstance(row.get("row"), int) else None
        candidate_ids = [pid for pid in decision.get("candidates") or [] if isinstance(pid, int)]
        candidates = self.Partner.browse(candidate_ids).exists()
        evidence = decision.get("evidence") or []
        reasons = decision.get("reasons") or []
        candidate = self.Candidate.create(
            {
                "kind": "incoming",
                "run_id": self.run.id,
                "source_id": self.source.id,
                "row_no": number or 0,
                "external_key": row.get("external_key"),
                "incoming_values": row.get("values") or {},
                "partner_ids": [fields.Command.set(candidates.ids)],
                "score": _number(decision.get("score")),
                "probability": _number(decision.get("probability")),
                "evidence": evidence,
                "reasons": reasons,
                "explanation": self.Candidate._explain(evidence, reasons),
                "company_id": self.source.company_id.id,
            }
        )
        self._store_key(row["external_key"], row, self.Partner.browse(), candidate=candidate)
        return self._result(number, "review", candidate=candidate)

    def _apply_pair(self, row):
        labels = row.get("pair") or []
        partners = self.Partner.browse()
        for label in labels[:2]:
            partners |= _real(self._partner_of_label(label)) or self.Partner.browse()
        if len(labels) != 2 or len(partners) != 2:
            return self._result(None, "unchanged")
        existing = self.Candidate.search(
            [("kind", "=", "pair"), ("partner_ids", "in", partners[:1].ids)],
        ).filtered(lambda c: set(c.partner_ids.ids) == set(partners.ids))
        if existing:
            return self._result(None, "unchanged", candidate=existing[:1])
        evidence = row.get("evidence") or []
        candidate = self.Candidate.create(
            {
                "kind": "pair",
                "run_id": self.run.id,
                "source_id": self.source.id,
                "partner_ids": [fields.Command.set(partners.ids)],
                "score": _number(row.get("score")),
                "probability": _number(row.get("probability")),
                "evidence": evidence,
                "reasons": row.get("reasons") or [],
                "explanation": self.Candidate._explain(evidence, row.get("reasons")),
                "company_id": self.source.company_id.id,
            }
        )
        return self._result(None, "review", candidate=candidate)

    # -- bookkeeping --------------------------------------------------------------

    def _remember(self, row, decision, partner):
        """Let later rows of the cluster, pairs and the persons of the batch find ``partner``."""
        if not partner:
            return
        if isinstance(row.get("row"), int):
            self.labels[f"row:{row['row']}"] = partner
        if decision.get("cluster"):
            self.labels.setdefault(decision["cluster"], partner)
        if row.get("kind") == "company":
            for name in {(row.get("values") or {}).get("name"), partner.name}:
                if _text(name):
                    self.companies.setdefault(survivorship.normalise("name", name), partner)

    def _partner_of_label(self, label):
        """The partner a cluster or row label (``row:<n>``) produced, in this batch or an earlier one."""
        if label not in self.labels and label in self.earlier:
            self.labels[label] = self.earlier[label]
        partner = self.labels.get(label)
        if isinstance(partner, _Pending) and partner.partner:
            return partner.partner
        return partner

    def _store_key(self, key, row, partner, candidate=None):
        """Note the row's external key; written with the batch's others by :meth:`_store_keys`."""
        self.new_keys[key] = (row, partner, candidate)

    def _store_keys(self):
        """Write the noted external keys: the new ones in one insert."""
        new_keys, self.new_keys = self.new_keys, {}
        creates = []
        for key, (row, partner, candidate) in new_keys.items():
            vals = {
                "partner_id": _real(partner).id or False,
                "candidate_id": candidate.id if candidate else False,
                "row_hash": row.get("hash") or False,
                "run_id": self.run.id,
                "last_seen": self.now,
            }
            existing = self.keys.get(key)
            if existing:
                existing.write(vals)
            else:
                creates.append(
                    (key, {**vals, "source_id": self.source.id, "external_key": key, "first_seen": self.now})
                )
        if creates:
            records = self.ExternalKey.create([vals for _key, vals in creates])
            self.keys.update(zip([key for key, _vals in creates], records, strict=True))

    def _provenance(self, partner, name, value, state):
        """Note a provenance row of ``partner`` (or a :class:`_Pending`); created at the batch's end."""
        field = self.Partner._fields[name]
        if field.type == "many2one":
            value = self.env[field.comodel_name].browse(value).display_name
        vals = {
            "field_name": name,
            "value": self.Provenance._excerpt(value),
            "source_id": self.source.id,
            "run_id": self.run.id,
            "trust": self._trust_for(name),
            "observed_at": self.now,
            "state": state,
        }
        self.provenance.append((partner, vals))

    def _trust_for(self, name):
        key = TRUST_KEY.get(name, name)
        return survivorship.check_trust(int(self.trust.get(key, self.trust.get("default", 0))))

    def _row_identifiers(self, row):
        ids = row.get("identifiers") or {}
        if not isinstance(ids, dict):
            return []
        pairs = []
        for kind in ("uscc", "vat", "lei"):
            value = ids.get(kind)
            if kind == "vat" and value and identifiers.is_uscc(value):
                kind = "uscc"
            value = identifiers.normalise(kind, value) if isinstance(value, str) else None
            if value:
                pairs.append((kind, value))
        for email in ids.get("email") or []:
            value = identifiers.normalise("email", email) if isinstance(email, str) else None
            if value:
                pairs.append(("email", value))
        return pairs

    def _result(self, number, outcome, partner=None, candidate=None, written=(), kept=(), **reason):
        result = {
            "row": number,
            "outcome": outcome,
            "partner_id": partner if isinstance(partner, _Pending) else (partner.id if partner else None),
            "candidate_id": candidate.id if candidate else None,
            "fields_written": list(written),
            "fields_kept": list(kept),
        }
        result.update({k: v for k, v in reason.items() if v})
        return result

    # -- consent ------------------------------------------------------------------

    def _record_consent(self):
        """Consent events of the source's purposes for the partners created or linked.

        One event per (partner, purpose, channel) and source, ever: a re-run records none. A
        purchased list never grants a marketing purpose (the ledger refuses it): those
        purposes are skipped, and the batch says so.
        """
        partners = self.Partner.browse(list(dict.fromkeys(_real(p).id for p in self.touched))).exists()
        purposes = self.source.purpose_ids
        if not partners or not purposes:
            return 0
        purchased = self.source.type == "purchased_list"
        if purchased and purposes.filtered("is_marketing"):
            self.notes.append(
                self.env._(
                    "A purchased list never grants marketing consent: %(purposes)s not recorded.",
                    purposes=", ".join(purposes.filtered("is_marketing").mapped("name")),
                )
            )
            purposes = purposes.filtered(lambda p: not p.is_marketing)
        if not purposes:
            return 0
        Event = self.env["customer.consent.event"]
        reference = CONSENT_REFERENCE % self.source.id
        recorded = {
            (event.partner_id.id, event.purpose_id.id, event.channel_id.id)
            for event in Event.search(
                [
                    ("partner_id", "in", partners.ids),
                    ("source", "=", "import_batch"),
                    ("source_reference", "=", reference),
                ]
            )
        }
        Channel = self.env["customer.consent.channel"]
        channels = {}  # code -> channel: one lookup per channel, not per partner
        vals_list = []
        for partner in partners:
            channel = self.source.consent_channel_id
            if not channel:
                code = _channel_code(partner)
                if code and code not in channels:
                    channels[code] = Channel._get_by_code(code)
                channel = channels.get(code)
            if not channel:
                continue
            for purpose in purposes:
                if (partner.id, purpose.id, channel.id) in recorded:
                    continue
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "purpose_id": purpose.id,
                        "channel_id": channel.id,
                        "action": "grant",
                        "legal_basis": self.source.legal_basis or purpose.default_legal_basis,
                        "source": "import_batch",
                        "source_reference": reference,
                        "import_vendor": self.source.vendor or False,
                        "import_file_hash": self.run.file_sha256 or False,
                        "purchased": purchased,
                        "note": self.env._(
                            "Recorded by run %(run)s of the source %(source_name)s.",
                            run=self.run.name,
                            source_name=self.source.name,
                        ),
                    }
                )
        if not vals_list:
            return 0
        try:
            with self.env.cr.savepoint():
                Event.create(vals_list)
            return len(vals_list)
        except ValidationError as error:
            # the ledger refused one of them: one by one, to keep the others and say which
            _logger.debug("consent events of batch %s one by one: %s", self.batch.batch_no, error)
        count = 0
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    Event.create(vals)
                count += 1
            except ValidationError as error:
                self.notes.append(str(error.args[0] if error.args else error))
        return count


def _same_kind(holder, kind):
    """Whether ``holder`` is an active partner of ``kind`` (a company's e-mail does not make a person it)."""
    if isinstance(holder, _Pending):
        return holder.is_company == (kind == "company")
    # sudo: reads whether the holder is archived and a company, to decide whether the row is
    # the same entity; the caller then checks its access to the holder before linking to it
    holder_sudo = holder.sudo()
    return holder_sudo.active and holder_sudo.is_company == (kind == "company")


def _holder_key(holder):
    return holder if isinstance(holder, _Pending) else holder.id


def _channel_code(partner):
    """The code of the channel a source's consent is recorded for when the source names none."""
    if partner.email:
        return "email"
    if partner.phone:
        return "phone"
    if partner.street or partner.city:
        return "post"
    return None


def _text(value):
    if value is None or value is False:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
