import json
from collections import defaultdict

import psycopg2
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.models import MAGIC_COLUMNS
from odoo.tools import SQL, mute_logger
from odoo.tools.sql import table_columns

from .res_partner import SYNC_CONTEXT_KEY, SYNC_SENTINEL

MANAGER_GROUP = "addon_customer_info.group_customer_info_manager"
STATES = [("done", "Merged"), ("undone", "Undone")]
JOURNAL_TABLES = frozenset(
    {"customer_merge_journal", "customer_merge_journal_line", "customer_merge_journal_res_partner_rel"}
)
"""The journal's own references to contacts never move: they are what undo reads."""
SKIPPED_PREFIXES = ("base_partner_merge_",)
"""Odoo's merge wizard's own transient rows (as Odoo's merge skips them)."""
SKIPPED_REFERENCE_TABLES = frozenset({"ir_model_data", "customer_consent_current"})
"""An XML id names the record it was loaded as; it is not data about the contact, and a module
update must not write another contact's data onto the survivor. The consent ledger's current state
(``customer.consent.current``) is derived from the events: it is recomputed for the contacts of the
merge (and of its undo) once their events have moved, never moved itself."""
DROPPABLE_TABLES = frozenset({"mail_followers"})
"""Tables whose rows clash with an identical row of the survivor (the same partner following the
same document): the survivor's row is kept and the duplicate set aside in the journal (undo puts it
back). In link tables without columns of their own (the many2many tables: the same tag twice) the
same rule applies; a clash anywhere else refuses the merge."""
OBJECTING = ("withdrawn", "refused")
BLACKLISTS = (
    ("mail.blacklist", "email", "email_normalized"),
    ("phone.blacklist", "number", "phone_sanitized"),
)
NOT_FILLED = frozenset(
    {"active", "is_company", "type", "parent_id", "company_id", "ci_salesperson_set_by_id"}
)
"""Fields the merge never fills on the survivor from a merged record (by default it fills the
survivor's empty fields, as Odoo's merge does): what the survivor is, where it belongs, and the
fields the system keeps."""
MAX_NAMED = 10
"""How many records a refusal names (and then says how many more)."""


def _wrap(value):
    """A value as the journal keeps it (a JSON column cannot tell ``false`` from nothing)."""
    return {"v": value}


class CustomerMergeJournal(models.Model):
    """What one merge of contacts did, and its undo.

    A merge (:meth:`_merge`, for any number of contacts) moves every row that points to a merged
    contact to the surviving one: many2one columns and many2many link rows of every installed
    module (found in the database's foreign keys, as Odoo's merge finds them), the documents'
    chatter, followers, activities and attachments (``res_model``/``res_id``) and reference
    fields. Where a move would break a unique constraint, it refuses and names the records and the
    constraint (nothing is deleted), except for exact duplicates of a row the survivor has (see
    :data:`DROPPABLE_TABLES`), set aside in the journal. The strictest consent wins per purpose
    and channel, the survivor's empty fields are filled (or the given values written), and the
    merged contacts are archived, never deleted. Each step is a journal line; :meth:`action_undo`
    reverses them exactly, unless a contact of the merge has been merged again since, or a moved
    row or a replaced value has been changed since (it says which).

    Managers read the journal and undo; nobody writes it but the merge (as the system). The
    values of sensitive fields are kept for the undo only and shown masked. Multi-company: the
    journal belongs to the company it was made in (customer_merge_journal_rule_company).
    """

    _name = "customer.merge.journal"
    _description = "Contact Merge"
    _order = "id desc"
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", string="Merge")
    survivor_id = fields.Many2one(
        "res.partner", string="Surviving Contact", required=True, readonly=True, index=True,
        ondelete="restrict",
    )
    partner_ids = fields.Many2many(
        "res.partner", "customer_merge_journal_res_partner_rel", "journal_id", "partner_id",
        string="Merged Contacts", readonly=True, context={"active_test": False},
        help="The contacts merged into the surviving one (archived by the merge).",
    )
    user_id = fields.Many2one(
        "res.users", string="Merged By", required=True, readonly=True, ondelete="restrict"
    )
    merged_at = fields.Datetime(string="Merged On", required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="done", readonly=True, index=True)
    undone_by_id = fields.Many2one("res.users", readonly=True, ondelete="restrict")
    undone_at = fields.Datetime(string="Undone On", readonly=True)
    line_ids = fields.One2many("customer.merge.journal.line", "journal_id", string="Journal", readonly=True)
    moved_count = fields.Integer(string="Rows Moved", readonly=True)
    summary = fields.Text(readonly=True, help="How many rows of each kind the merge moved.")
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    @api.depends("survivor_id", "partner_ids")
    def _compute_name(self):
        for journal in self:
            journal.name = self.env._(
                "%(merged)s → %(survivor)s",
                merged=", ".join(journal.partner_ids.mapped("display_name")),
                survivor=journal.survivor_id.display_name or "",
            )

    # ------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------

    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only customer information managers may merge contacts or undo a merge.")
            )

    # ------------------------------------------------------------
    # WHAT POINTS TO A CONTACT
    # ------------------------------------------------------------

    @api.model
    def _models_by_table(self):
        by_table = {}
        for model in self.env.registry.values():
            if not model._abstract and model._auto and model._table not in by_table:
                by_table[model._table] = model._name
        return by_table

    @api.model
    def _field_of(self, table, column, by_table):
        """``(model name, field name, owner column)`` of a column: a field of the table's model,
        or a many2many field whose link table it is (``owner column`` then names the owner)."""
        model_name = by_table.get(table)
        if model_name:
            model = self.env[model_name]
            field = model._fields.get(column)
            if field is not None and field.store:
                return model_name, column, None
            return model_name, None, None
        for model in self.env.registry.values():
            if model._abstract:
                continue
            for field in model._fields.values():
                if field.type == "many2many" and field.store and field.relation == table:
                    if column == field.column1:
                        return model._name, field.name, field.column1
                    if column == field.column2:
                        return model._name, field.name, field.column1
        return None, None, None

    @api.model
    def _references(self):
        """Every place that can point to a contact: ``[ref]``, each a dict with ``table``,
        ``column``, ``via`` (``fk``: a foreign key; ``res_id``: a model and id pair, whose model
        column is ``model_column``; ``reference``: a reference field), ``model``, ``field``,
        ``owner_column`` (many2many link tables) and ``has_id``."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT cl1.relname, att1.attname
              FROM pg_constraint AS con, pg_class AS cl1, pg_class AS cl2,
                   pg_attribute AS att1, pg_attribute AS att2
             WHERE con.conrelid = cl1.oid AND con.confrelid = cl2.oid
               AND array_lower(con.conkey, 1) = 1 AND con.conkey[1] = att1.attnum
               AND att1.attrelid = cl1.oid AND cl2.relname = 'res_partner'
               AND cl2.relnamespace = current_schema::regnamespace
               AND att2.attname = 'id' AND array_lower(con.confkey, 1) = 1
               AND con.confkey[1] = att2.attnum AND att2.attrelid = cl2.oid AND con.contype = 'f'
             ORDER BY cl1.relname, att1.attname
            """
        )
        by_table = self._models_by_table()
        refs = []
        seen = set()
        for table, column in cr.fetchall():
            if (
                table in JOURNAL_TABLES
                or table in SKIPPED_REFERENCE_TABLES
                or table.startswith(SKIPPED_PREFIXES)
                or (table, column) in seen
            ):
                continue
            seen.add((table, column))
            # stored computes move too (a contact person's commercial partner), as in Odoo's merge:
            # recomputing them would also recompute editable computes of rows the merge does not touch
            model_name, field_name, owner = self._field_of(table, column, by_table)
            refs.append({
                "table": table, "column": column, "via": "fk", "model": model_name, "field": field_name,
                "owner_column": owner, "model_column": None,
                "has_id": "id" in table_columns(cr, table), "extra": None,
            })
        for model in self.env.registry.values():
            if model._abstract or not model._auto or model._table in SKIPPED_REFERENCE_TABLES:
                continue
            for field in model._fields.values():
                if not field.store or field.compute or not field.column_type:
                    continue
                if field.type == "many2one_reference" and field.model_field:
                    via, model_column = "res_id", field.model_field
                elif field.type == "reference":
                    via, model_column = "reference", None
                else:
                    continue
                if (model._table, field.name) in seen:
                    continue
                seen.add((model._table, field.name))
                refs.append({
                    "table": model._table, "column": field.name, "via": via, "model": model._name,
                    "field": field.name, "owner_column": None, "model_column": model_column, "has_id": True,
                    # a binary field's attachment (the contact's own picture) is the contact's value,
                    # not a document attached to it (Odoo's merge leaves them too)
                    "extra": SQL("res_field IS NULL") if model._name == "ir.attachment" else None,
                })
        return refs

    @staticmethod
    def _points_to(ref, ids, alias=None):
        """SQL: the reference ``ref`` points to one of ``ids``."""
        column = SQL.identifier(alias, ref["column"]) if alias else SQL.identifier(ref["column"])
        if ref["via"] == "res_id":
            model_column = (
                SQL.identifier(alias, ref["model_column"]) if alias else SQL.identifier(ref["model_column"])
            )
            return SQL("(%s = 'res.partner' AND %s IN %s)", model_column, column, tuple(ids))
        if ref["via"] == "reference":
            return SQL("%s IN %s", column, tuple(f"res.partner,{i}" for i in ids))
        return SQL("%s IN %s", column, tuple(ids))

    @staticmethod
    def _mapped(ref, src_ids, survivor_id):
        """SQL: the value of the reference once the merge moved it."""
        column = SQL.identifier(ref["column"])
        target = f"res.partner,{survivor_id}" if ref["via"] == "reference" else survivor_id
        return SQL(
            "(CASE WHEN %s THEN %s ELSE %s END)",
            CustomerMergeJournal._points_to(ref, src_ids), target, column,
        )

    @staticmethod
    def _partner_of(ref, value):
        if ref["via"] == "reference":
            return int(value.split(",")[1])
        return value

    # ------------------------------------------------------------
    # UNIQUE CONSTRAINTS
    # ------------------------------------------------------------

    @api.model
    def _unique_indexes(self, table):
        """``[(name, columns, predicate)]`` of the table's unique indexes on plain columns."""
        self.env.cr.execute(
            """
            SELECT COALESCE(con.conname, i.relname),
                   ARRAY(SELECT a.attname
                           FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                           JOIN pg_attribute AS a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                   pg_get_expr(ix.indpred, ix.indrelid),
                   ix.indexprs IS NOT NULL
              FROM pg_index AS ix
              JOIN pg_class AS t ON t.oid = ix.indrelid
              JOIN pg_class AS i ON i.oid = ix.indexrelid
         LEFT JOIN pg_constraint AS con ON con.conindid = ix.indexrelid AND con.contype IN ('u', 'p')
             WHERE t.relname = %s AND t.relnamespace = current_schema::regnamespace AND ix.indisunique
            """,
            [table],
        )
        return [
            (name, columns, predicate)
            for name, columns, predicate, expressions in self.env.cr.fetchall()
            if not expressions and columns != ["id"]
        ]

    @api.model
    def _clashes(self, refs, partners, survivor):
        """The rows that would break a unique index once moved: ``(drops, refusals)``.

        ``drops``: ``{table: [row]}`` exact duplicates set aside (rows as ids, or as JSON for
        link tables without ids); ``refusals``: ``[(table, constraint, columns, rows)]``.
        """
        cr = self.env.cr
        src_ids = (partners - survivor).ids
        all_ids = partners.ids
        by_table = defaultdict(list)
        for ref in refs:
            by_table[ref["table"]].append(ref)
        drops = defaultdict(list)
        refusals = []
        for table, table_refs in by_table.items():
            moved = {ref["column"]: ref for ref in table_refs}
            all_columns = table_columns(cr, table)
            has_id = "id" in all_columns
            for name, columns, predicate in self._unique_indexes(table):
                mine = [moved[column] for column in columns if column in moved]
                if not mine:
                    continue
                keys = [
                    self._mapped(moved[column], src_ids, survivor.id) if column in moved
                    else SQL.identifier(column)
                    for column in columns
                ]
                involved = SQL(" OR ").join(self._points_to(ref, all_ids) for ref in mine)
                from_src = SQL(" OR ").join(self._points_to(ref, src_ids) for ref in mine)
                conditions = [SQL("(%s)", involved)]
                conditions += [SQL("%s IS NOT NULL", SQL.identifier(column)) for column in columns]
                conditions += [SQL("(%s)", ref["extra"]) for ref in mine if ref["extra"]]
                if predicate:
                    # the index's own predicate, as PostgreSQL prints it (catalog text, not input)
                    conditions.append(SQL("(%s)", SQL(predicate.replace("%", "%%"))))
                if table == "res_partner":
                    conditions.append(SQL("id NOT IN %s", tuple(all_ids)))
                row = SQL("id") if has_id else SQL("row_to_json(t)::text")
                survivor_row = SQL("NOT (%s)", from_src)
                cr.execute(SQL(
                    """
                    SELECT array_agg(%(row)s ORDER BY %(survivor_row)s DESC, %(order)s)
                      FROM %(table)s AS t
                     WHERE %(where)s
                  GROUP BY %(keys)s
                    HAVING COUNT(*) > 1 AND bool_or(%(from_src)s)
                    """,
                    row=row, survivor_row=survivor_row, order=SQL("id") if has_id else SQL("1"),
                    table=SQL.identifier(table), where=SQL(" AND ").join(conditions),
                    keys=SQL(", ").join(keys), from_src=from_src,
                ))
                groups = [rows for (rows,) in cr.fetchall()]
                if not groups:
                    continue
                link_table = set(all_columns) == set(columns)
                if table in DROPPABLE_TABLES or link_table:
                    for rows in groups:
                        # the first row is the survivor's when it has one: it stays
                        drops[table].extend(rows[1:])
                else:
                    refusals.append((table, name, columns, [r for rows in groups for r in rows]))
        return drops, refusals

    @api.model
    def _describe_rows(self, table, rows, by_table):
        model_name = by_table.get(table)
        if model_name and rows and isinstance(rows[0], int):
            # sudo: the names of the clashing rows go into the message that refuses the merge
            records = self.env[model_name].sudo().browse(rows[:MAX_NAMED]).exists()
            names = [f"{record.display_name} (#{record.id})" for record in records]
            label = self.env["ir.model"]._get(model_name).name
        else:
            names = [str(row) for row in rows[:MAX_NAMED]]
            label = table
        more = len(rows) - MAX_NAMED
        text = ", ".join(names)
        if more > 0:
            text += self.env._(" and %(count)s more", count=more)
        return label, text

    # ------------------------------------------------------------
    # VALUES OF THE CONTACTS
    # ------------------------------------------------------------

    @api.model
    def _value_fields(self):
        """The contact's own stored values (no computed field, no translation, no magic column)."""
        Partner = self.env["res.partner"]
        return [
            name
            for name, field in Partner._fields.items()
            if field.store and field.column_type and not field.compute and not field.translate
            and not field.company_dependent and name not in MAGIC_COLUMNS
            and field.type not in ("many2many", "one2many", "properties", "properties_definition")
        ]

    @api.model
    def _serialise(self, field, value):
        if field.type == "many2one":
            return value.id or False
        if field.type == "date":
            return fields.Date.to_string(value) if value else False
        if field.type == "datetime":
            return fields.Datetime.to_string(value) if value else False
        if field.type == "html":
            return str(value) if value else False
        return value

    @api.model
    def _snapshot(self, partners, names):
        """``{partner id: {field: value}}`` as written (many2one as ids, dates as text)."""
        Partner = self.env["res.partner"]
        # sudo: compares every field of the contacts of the merge, sensitive ones too, so that
        # what the merge changes is journaled whoever merges; values stay in the journal
        partners_sudo = partners.sudo().with_context(active_test=False)
        partners_sudo.invalidate_recordset()
        return {
            partner.id: {name: self._serialise(Partner._fields[name], partner[name]) for name in names}
            for partner in partners_sudo
        }

    @api.model
    def _display(self, partner, name, value):
        field = self.env["res.partner"]._fields[name]
        if name in self.env["res.partner"]._ci_sensitive_names():
            return self.env._("(sensitive)")
        if value in (False, None, ""):
            return ""
        if field.type == "many2one":
            # sudo: the name of the value the field pointed to, shown to the managers of the merge
            record = self.env[field.comodel_name].sudo().browse(value).exists()
            return record.display_name if record else str(value)
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, str(value))
        text = str(value)
        return text if len(text) <= 200 else text[:199] + "…"

    @api.model
    def _default_values(self, partners, survivor, names):
        """The survivor's empty fields, filled from the first merged contact that has them."""
        Partner = self.env["res.partner"]
        values = {}
        snapshot = self._snapshot(partners, names)
        for name in names:
            field = Partner._fields[name]
            if name in NOT_FILLED or field.type == "boolean" or snapshot[survivor.id][name]:
                continue
            for partner in partners - survivor:
                if snapshot[partner.id][name]:
                    values[name] = snapshot[partner.id][name]
                    break
        return values

    # ------------------------------------------------------------
    # MERGE
    # ------------------------------------------------------------

    @api.model
    def _check_mergeable(self, partners, survivor):
        if len(partners) < 2:
            raise UserError(self.env._("Select at least two contacts to merge."))
        if survivor not in partners:
            raise UserError(self.env._("The surviving contact must be one of the contacts merged."))
        partners.check_access("write")
        # sudo: the hierarchy and the users of the contacts of the merge, wherever they are
        partners_sudo = partners.sudo().with_context(active_test=False)
        for partner in partners_sudo:
            ancestor = partner.parent_id
            while ancestor:
                if ancestor in partners_sudo:
                    raise UserError(self.env._(
                        "%(partner)s is a contact of %(company)s, another contact of the merge: a contact "
                        "cannot be merged with its company.",
                        partner=partner.display_name, company=ancestor.display_name,
                    ))
                ancestor = ancestor.parent_id
        if len(partners_sudo.user_ids) > 1:
            raise UserError(
                self.env._("Contacts of more than one user cannot be merged (%(users)s).",
                           users=", ".join(partners_sudo.user_ids.mapped("login")))
            )
        merged_before = self.sudo().search([("state", "=", "done"), ("partner_ids", "in", partners.ids)])
        if merged_before:
            raise UserError(
                self.env._("%(partners)s was merged already (%(merge)s): undo that merge first.",
                           partners=", ".join((merged_before.partner_ids & partners).mapped("display_name")),
                           merge=merged_before[0].name)
            )

    @api.model
    def _merge(self, partners, survivor, values=None):
        """Merge ``partners`` into ``survivor`` (one of them); returns the journal.

        ``values``: the survivor's values to write (the manager's choice per field); by default
        the survivor's empty fields are filled from the merged contacts. Everything happens in one
        savepoint: a refusal leaves the database as it was.
        """
        self._check_manager()
        partners = partners.with_context(active_test=False).exists()
        survivor = survivor.with_context(active_test=False)
        self._check_mergeable(partners, survivor)
        self.env.flush_all()
        try:
            with self.env.cr.savepoint():
                journal = self._do_merge(partners, survivor, values)
                self.env.flush_all()
        except Exception:
            self.env.invalidate_all()
            raise
        return journal

    def _do_merge(self, partners, survivor, values):
        sources = partners - survivor
        src_ids = sources.ids
        by_table = self._models_by_table()
        refs = self._references()
        drops, refusals = self._clashes(refs, partners, survivor)
        if refusals:
            details = []
            for table, constraint, columns, rows in refusals:
                label, text = self._describe_rows(table, rows, by_table)
                details.append(self.env._(
                    "%(model)s %(records)s (unique constraint %(constraint)s on %(columns)s)",
                    model=label, records=text, constraint=constraint, columns=", ".join(columns),
                ))
            raise UserError(self.env._(
                "Nothing was merged: moving these records to %(survivor)s would break a unique constraint, "
                "and the merge never deletes them. %(details)s. Resolve the duplicates first (for example, "
                "remove one of each pair), then merge again.",
                survivor=survivor.display_name, details="; ".join(details),
            ))
        names = self._value_fields()
        before = self._snapshot(partners, names)
        Event_sudo = self.env["customer.consent.event"].sudo()
        consent_before = Event_sudo._states(partners)
        blacklists_before = self._blacklist_entries(partners)

        # sudo: the journal is written by the merge only (nobody has write access to it)
        journal = self.sudo().create({
            "survivor_id": survivor.id,
            "partner_ids": [(6, 0, src_ids)],
            "user_id": self.env.uid,
            "merged_at": fields.Datetime.now(),
            "company_id": self.env.company.id,
        })
        lines = []

        def line(**vals):
            lines.append({"journal_id": journal.id, "sequence": len(lines) + 1, **vals})

        # 1. exact duplicates set aside (with the rows that hang on them), so that the moves pass
        for table, rows in drops.items():
            self._drop_rows(table, rows, by_table, line)

        # 2. every reference to a merged contact now points to the survivor
        counts = defaultdict(int)
        moved_records = []
        for ref in refs:
            moved = self._move(ref, src_ids, survivor.id, by_table, line)
            if moved:
                counts[ref["model"] or ref["table"]] += len(moved)
                moved_records.append((ref, moved))
        self.env.invalidate_all()
        self._validate(moved_records, survivor)

        # 3. consent: the strictest state wins per purpose and channel
        self._merge_consent(consent_before, partners, survivor, Event_sudo, line)
        self.env["customer.consent.current"]._refresh_partners(partners)

        # 4. the survivor's values, then the merged contacts archived
        if values is None:
            values = self._default_values(partners, survivor, names)
        else:
            unknown = set(values) - set(names)
            if unknown:
                raise UserError(self.env._("These fields cannot be chosen in a merge: %(fields)s",
                                           fields=", ".join(sorted(unknown))))
        partner_env = self._partner_writer()
        if values:
            survivor.with_env(partner_env.env).write(values)
        sources.with_env(partner_env.env).write({"active": False})
        after = self._snapshot(partners, names)
        for partner in partners:
            for name in names:
                old, new = before[partner.id][name], after[partner.id][name]
                if old != new:
                    line(
                        kind="value", partner_id=partner.id, model="res.partner", table_name="res_partner",
                        row_id=partner.id, field_name=name,
                        field_description=self.env["res.partner"]._fields[name]._description_string(self.env),
                        old_value=_wrap(old), new_value=_wrap(new),
                        old_display=self._display(partner, name, old),
                        new_display=self._display(partner, name, new),
                    )

        # 5. the blacklists follow the survivor's consent and addresses
        Event_sudo._sync_blacklists_for(partners)
        for model_name, address, entry in self._blacklist_changes(blacklists_before, partners):
            line(kind="blacklist", model=model_name, row_data={"address": address, "entry": entry})

        self.env["customer.merge.journal.line"].sudo().create(lines)
        journal.write({
            "moved_count": sum(counts.values()),
            "summary": "\n".join(f"{name}: {count}" for name, count in sorted(counts.items())),
        })
        self.env["customer.audit.log"]._log(
            "merge", partners, partners=partners,
            note=self.env._("%(merged)s merged into %(survivor)s (merge %(id)s), %(count)s rows moved",
                            merged=", ".join(sources.mapped("display_name")),
                            survivor=survivor.display_name, id=journal.id, count=journal.moved_count),
        )
        survivor.sudo().message_post(
            body=Markup("%s") % self.env._(
                "Merged with %(partners)s (merge %(id)s); the merge can be undone from its journal.",
                partners=", ".join(f"{p.display_name} (#{p.id})" for p in sources), id=journal.id,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return journal

    @api.model
    def _partner_writer(self):
        """The contacts as the merge writes them: as the system (sensitive fields too, whoever
        merges; the audit log keeps the user), without the side effects of a person's edit
        (identifier rows and provenance move with the merge instead, so undo can restore them)."""
        # sudo: the merge is checked (a manager, write access to the contacts) before it writes
        return self.env["res.partner"].sudo().with_context(
            active_test=False, **{SYNC_CONTEXT_KEY: SYNC_SENTINEL}
        )

    def _drop_rows(self, table, rows, by_table, line):
        """Set aside duplicate rows (and what hangs on them), keeping each as it was."""
        cr = self.env.cr
        has_id = isinstance(rows[0], int)
        if has_id:
            cr.execute(SQL("SELECT row_to_json(t) FROM %s AS t WHERE id IN %s ORDER BY id",
                           SQL.identifier(table), tuple(rows)))
            saved = [row for (row,) in cr.fetchall()]
            children = self._cascading_children(table, rows)
            for row in saved:
                line(kind="drop", table_name=table, model=by_table.get(table), row_id=row["id"], row_data=row)
            for child_table, child_rows in children:
                for row in child_rows:
                    line(kind="drop", table_name=child_table, model=by_table.get(child_table), row_data=row)
            cr.execute(SQL("DELETE FROM %s WHERE id IN %s", SQL.identifier(table), tuple(rows)))
        else:
            for row in rows:
                data = json.loads(row)
                line(kind="drop", table_name=table, row_data=data)
                cr.execute(SQL("DELETE FROM %s AS t WHERE row_to_json(t)::jsonb = %s::jsonb",
                               SQL.identifier(table), row))

    def _cascading_children(self, table, ids):
        """The rows of other tables deleted with ``ids`` (foreign keys ON DELETE CASCADE)."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT cl.relname, att.attname
              FROM pg_constraint AS con
              JOIN pg_class AS cl ON cl.oid = con.conrelid
              JOIN pg_class AS ref ON ref.oid = con.confrelid
              JOIN pg_attribute AS att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
             WHERE con.contype = 'f' AND con.confdeltype = 'c' AND ref.relname = %s
               AND ref.relnamespace = current_schema::regnamespace
            """,
            [table],
        )
        found = []
        for child_table, column in cr.fetchall():
            cr.execute(SQL("SELECT row_to_json(t) FROM %s AS t WHERE %s IN %s",
                           SQL.identifier(child_table), SQL.identifier(column), tuple(ids)))
            rows = [row for (row,) in cr.fetchall()]
            if rows:
                found.append((child_table, rows))
        return found

    def _move(self, ref, src_ids, survivor_id, by_table, line):
        """Move one reference from the merged contacts to the survivor; returns the moved row ids
        (or JSON rows, for link tables)."""
        cr = self.env.cr
        table, column = SQL.identifier(ref["table"]), SQL.identifier(ref["column"])
        conditions = [self._points_to(ref, src_ids)]
        if ref["table"] == "res_partner":
            # the merged contacts' own rows (their own company, their own commercial partner)
            conditions.append(SQL("id NOT IN %s", (*src_ids, survivor_id)))
        if ref["extra"]:
            conditions.append(ref["extra"])
        where = SQL(" AND ").join(conditions)
        target = f"res.partner,{survivor_id}" if ref["via"] == "reference" else survivor_id
        model_description = (
            self.env["ir.model"]._get(ref["model"]).name if ref["model"] else ref["table"]
        )
        if ref["has_id"]:
            cr.execute(SQL("SELECT id, %s FROM %s WHERE %s ORDER BY id", column, table, where))
            rows = cr.fetchall()
            if not rows:
                return []
            for row_id, value in rows:
                line(kind="move", table_name=ref["table"], column_name=ref["column"], model=ref["model"],
                     model_description=model_description, row_id=row_id,
                     from_partner_id=self._partner_of(ref, value), to_partner_id=survivor_id)
            ids = [row_id for row_id, _value in rows]
            query = SQL("UPDATE %s SET %s = %s WHERE id IN %s", table, column, target, tuple(ids))
            self._execute_move(ref, query)
            return ids
        cr.execute(SQL("SELECT row_to_json(t) FROM %s AS t WHERE %s", table, where))
        rows = [row for (row,) in cr.fetchall()]
        if not rows:
            return []
        for row in rows:
            line(kind="move", table_name=ref["table"], column_name=ref["column"], model=ref["model"],
                 model_description=model_description, row_data=row,
                 from_partner_id=row[ref["column"]], to_partner_id=survivor_id)
        self._execute_move(ref, SQL("UPDATE %s SET %s = %s WHERE %s", table, column, target, where))
        return rows

    def _execute_move(self, ref, query):
        """Run a move; a constraint the clash check could not foresee refuses the merge."""
        self._execute_or_refuse(query, lambda constraint: self.env._(
            "Nothing was merged: moving the rows of %(table)s (%(column)s) would break the "
            "constraint %(constraint)s, and the merge never deletes them. Resolve it first, then "
            "merge again.",
            table=ref["model"] or ref["table"], column=ref["column"], constraint=constraint,
        ))

    def _execute_or_refuse(self, query, refusal):
        """Run ``query`` in a savepoint; a constraint it breaks raises ``refusal(constraint name)``
        as a UserError (the savepoint undone, nothing else)."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(query)
        except psycopg2.IntegrityError as error:
            raise UserError(refusal(getattr(error.diag, "constraint_name", None) or "")) from None

    def _validate(self, moved_records, survivor):
        """The moved rows' models' own rules hold (a relation cannot relate the survivor to itself,
        nor be recorded twice for the same period)."""
        for ref, moved in moved_records:
            if not ref["model"] or not ref["field"]:
                continue
            model = self.env[ref["model"]].sudo().with_context(active_test=False)
            if ref["owner_column"] is None:
                records = model.browse(moved) if ref["has_id"] else model.browse()
            elif ref["owner_column"] == ref["column"]:
                records = model.browse(survivor.id)
            else:
                records = model.browse({row[ref["owner_column"]] for row in moved})
            if not records:
                continue
            try:
                records._validate_fields([ref["field"]])
            except ValidationError as error:
                raise UserError(self.env._(
                    "Nothing was merged: once moved to %(survivor)s, %(records)s would break a rule: "
                    "%(error)s",
                    survivor=survivor.display_name,
                    records=", ".join(records[:MAX_NAMED].mapped("display_name")),
                    error=error.args[0],
                )) from None

    def _merge_consent(self, before, partners, survivor, Event_sudo, line):
        """Record on the survivor the withdrawals (refusals) either contact had, where the moved
        ledger would let a grant win: the strictest state wins per purpose and channel."""
        strictest = {}
        for (_partner_id, purpose_id, channel_id), state in before.items():
            if state in OBJECTING:
                key = (purpose_id, channel_id)
                strictest[key] = "withdrawn" if "withdrawn" in (state, strictest.get(key)) else "refused"
        if not strictest:
            return
        now_states = Event_sudo._states(survivor)
        vals_list = [
            {
                "partner_id": survivor.id,
                "purpose_id": purpose_id,
                "channel_id": channel_id,
                "action": "withdraw" if state == "withdrawn" else "refuse",
                "source": "manual",
                "note": self.env._(
                    "Recorded by the merge of %(partners)s: a merged record had %(state)s this consent, "
                    "and the strictest consent wins.",
                    partners=", ".join(partners.mapped("display_name")),
                    state=self.env._("withdrawn") if state == "withdrawn" else self.env._("refused"),
                ),
            }
            for (purpose_id, channel_id), state in sorted(strictest.items())
            if now_states.get((survivor.id, purpose_id, channel_id), "none") not in OBJECTING
        ]
        if vals_list:
            # the events are recorded in the manager's name (recorded_by), as the system: the
            # manager may merge contacts whose consent they could not record themselves
            events = Event_sudo.create(vals_list)
            for event in events:
                line(kind="create", table_name="customer_consent_event", model="customer.consent.event",
                     model_description=self.env["ir.model"]._get("customer.consent.event").name,
                     row_id=event.id, to_partner_id=survivor.id)

    @api.model
    def _blacklist_entries(self, partners):
        """``{(model, address): (id, active)}`` of the contacts' addresses on the blacklists."""
        found = {}
        # sudo: the blacklist entries of the addresses of the contacts of the merge, compared
        # before and after it so that undo restores them
        partners_sudo = partners.sudo().with_context(active_test=False)
        partners_sudo.invalidate_recordset()
        for model_name, key, partner_field in BLACKLISTS:
            if model_name not in self.env or partner_field not in partners_sudo._fields:
                continue
            addresses = [address for address in partners_sudo.mapped(partner_field) if address]
            if not addresses:
                continue
            Blacklist_sudo = self.env[model_name].sudo().with_context(active_test=False)
            entries = Blacklist_sudo.search([(key, "in", addresses)])
            for entry in entries:
                found[(model_name, entry[key])] = (entry.id, entry.active)
        return found

    @api.model
    def _blacklist_changes(self, before, partners):
        after = self._blacklist_entries(partners)
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                entry = before.get(key)
                yield key[0], key[1], list(entry) if entry else None

    # ------------------------------------------------------------
    # UNDO
    # ------------------------------------------------------------

    def action_undo(self):
        """Undo the merge: the rows it moved go back, the values it replaced are restored, the
        rows it set aside come back, what it recorded goes, the merged contacts are active again."""
        self.ensure_one()
        self._check_manager()
        journal = self.sudo()
        if journal.state != "done":
            raise UserError(self.env._("This merge has been undone already."))
        involved = journal.survivor_id | journal.partner_ids
        later = journal.search([
            ("id", ">", journal.id), ("state", "=", "done"),
            "|", ("survivor_id", "in", involved.ids), ("partner_ids", "in", involved.ids),
        ], order="id desc")
        if later:
            raise UserError(self.env._(
                "%(partners)s has been merged again since (%(merge)s): undo that merge first.",
                partners=", ".join((later[0].survivor_id | later[0].partner_ids).filtered(
                    lambda p: p in involved).mapped("display_name")),
                merge=later[0].name,
            ))
        self.env.flush_all()
        problems = journal._undo_problems()
        if problems:
            more = len(problems) - MAX_NAMED
            text = "; ".join(problems[:MAX_NAMED])
            if more > 0:
                text += self.env._(" and %(count)s more", count=more)
            raise UserError(self.env._(
                "This merge cannot be undone exactly: %(problems)s. Restore these as they were after the "
                "merge (or leave the merge as it is).",
                problems=text,
            ))
        try:
            with self.env.cr.savepoint():
                journal._do_undo()
                self.env.flush_all()
        except Exception:
            self.env.invalidate_all()
            raise
        return True

    def _row_pointing(self, line, partner_id):
        """SQL: the row of ``line`` as it is when its reference points to ``partner_id``."""
        table = SQL.identifier(line.table_name)
        if line.row_id:
            value = partner_id
            if self._line_via(line) == "reference":
                value = f"res.partner,{partner_id}"
            return SQL("SELECT 1 FROM %s WHERE id = %s AND %s = %s", table, line.row_id,
                       SQL.identifier(line.column_name), value)
        row = dict(line.row_data, **{line.column_name: partner_id})
        return SQL("SELECT 1 FROM %s AS t WHERE row_to_json(t)::jsonb = %s::jsonb", table, json.dumps(row))

    def _line_via(self, line):
        if not line.model:
            return "fk"
        field = self.env[line.model]._fields.get(line.column_name) if line.model in self.env else None
        if field is not None and field.type == "reference":
            return "reference"
        return "fk"

    def _undo_problems(self):
        """What has changed since the merge so that undo could not restore it exactly."""
        self.ensure_one()
        cr = self.env.cr
        problems = []
        names = self._value_fields()
        value_lines = self.line_ids.filtered(lambda line: line.kind == "value")
        current = self._snapshot(value_lines.partner_id | self.survivor_id, names)
        for line in self.line_ids:
            if line.kind == "move":
                cr.execute(self._row_pointing(line, line.to_partner_id.id))
                if not cr.fetchone():
                    problems.append(self.env._(
                        "%(model)s #%(id)s (%(column)s) no longer points to %(partner)s",
                        model=line.model_description or line.table_name, id=line.row_id or "-",
                        column=line.column_name, partner=line.to_partner_id.display_name,
                    ))
            elif line.kind == "value":
                if line.field_name not in names:
                    continue
                if current[line.partner_id.id][line.field_name] != line.new_value["v"]:
                    problems.append(self.env._(
                        "%(field)s of %(partner)s has been changed since the merge",
                        field=line.field_description, partner=line.partner_id.display_name,
                    ))
            elif line.kind == "create":
                table = SQL.identifier(line.table_name)
                cr.execute(SQL("SELECT 1 FROM %s WHERE id = %s", table, line.row_id))
                if not cr.fetchone():
                    problems.append(self.env._("%(model)s #%(id)s recorded by the merge no longer exists",
                                               model=line.model_description, id=line.row_id))
        return problems

    def _do_undo(self):
        cr = self.env.cr
        lines = self.line_ids.sorted("sequence")
        partners = self.survivor_id | self.partner_ids
        # 1. what the merge recorded goes (the withdrawals it added to the survivor's ledger)
        for line in lines.filtered(lambda line: line.kind == "create").sorted("sequence", reverse=True):
            cr.execute(SQL("SELECT row_to_json(t) FROM %s AS t WHERE id = %s",
                           SQL.identifier(line.table_name), line.row_id))
            # the ledger refuses deletions through the ORM; this row is not something a person
            # said but the merge's own consequence, and the journal keeps a copy of it
            line.sudo().write({"row_data": cr.fetchone()[0]})
            cr.execute(SQL("DELETE FROM %s WHERE id = %s", SQL.identifier(line.table_name), line.row_id))
        # 2. every moved row points to its contact again (in reverse order)
        for line in lines.filtered(lambda line: line.kind == "move").sorted("sequence", reverse=True):
            table, column = SQL.identifier(line.table_name), SQL.identifier(line.column_name)
            if line.row_id:
                value = line.from_partner_id.id
                if self._line_via(line) == "reference":
                    value = f"res.partner,{value}"
                query = SQL("UPDATE %s SET %s = %s WHERE id = %s", table, column, value, line.row_id)
            else:
                row = dict(line.row_data, **{line.column_name: line.to_partner_id.id})
                query = SQL("UPDATE %s AS t SET %s = %s WHERE row_to_json(t)::jsonb = %s::jsonb",
                            table, column, line.from_partner_id.id, json.dumps(row))
            self._execute_undo(line, query)
        # 3. the duplicates set aside come back as they were (parents before their children)
        for line in lines.filtered(lambda line: line.kind == "drop"):
            table = SQL.identifier(line.table_name)
            self._execute_undo(line, SQL(
                "INSERT INTO %s SELECT * FROM json_populate_record(NULL::%s, %s)",
                table, table, json.dumps(line.row_data),
            ))
        self.env.invalidate_all()
        # 4. the values the merge replaced, and the merged contacts active again
        writer = self._partner_writer()
        old_by_partner = defaultdict(dict)
        for line in lines.filtered(lambda line: line.kind == "value"):
            old_by_partner[line.partner_id.id][line.field_name] = line.old_value["v"]
        for partner_id, values in old_by_partner.items():
            writer.browse(partner_id).write(values)
        # what a write changes by itself (who set the salesperson, the region, the type rule)
        # is set back field by field
        names = self._value_fields()
        current = self._snapshot(writer.browse(list(old_by_partner)), names)
        for partner_id, values in old_by_partner.items():
            for name, value in values.items():
                if current[partner_id][name] != value:
                    writer.browse(partner_id).write({name: value})
        # 5. the blacklists: the ledger's, then each entry as it was before the merge
        Event_sudo = self.env["customer.consent.event"].sudo()
        self.env["customer.consent.current"]._refresh_partners(partners)
        Event_sudo._sync_blacklists_for(partners)
        for line in lines.filtered(lambda line: line.kind == "blacklist"):
            self._restore_blacklist(line)
        self.write({"state": "undone", "undone_by_id": self.env.uid, "undone_at": fields.Datetime.now()})
        self.env["customer.audit.log"]._log(
            "merge_undo", partners.with_env(self.env), partners=partners,
            note=self.env._("Merge %(id)s undone: %(merged)s separated from %(survivor)s",
                            id=self.id, merged=", ".join(self.partner_ids.mapped("display_name")),
                            survivor=self.survivor_id.display_name),
        )
        self.survivor_id.message_post(
            body=Markup("%s") % self.env._(
                "Merge %(id)s undone: %(partners)s restored.",
                id=self.id, partners=", ".join(self.partner_ids.mapped("display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _execute_undo(self, line, query):
        self._execute_or_refuse(query, lambda constraint: self.env._(
            "This merge cannot be undone exactly: %(model)s #%(id)s cannot be put back (constraint "
            "%(constraint)s); a row added since the merge takes its place.",
            model=line.model_description or line.table_name, id=line.row_id or "-", constraint=constraint,
        ))

    def _restore_blacklist(self, line):
        data = line.row_data
        model_name = line.model
        if model_name not in self.env:
            return
        key = "email" if model_name == "mail.blacklist" else "number"
        Blacklist = self.env[model_name].sudo().with_context(active_test=False)
        entry = Blacklist.search([(key, "=", data["address"])], limit=1)
        if data["entry"] is None:
            entry.unlink()
        elif entry and entry.active != data["entry"][1]:
            entry.write({"active": data["entry"][1]})

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_survivor(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.survivor_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
