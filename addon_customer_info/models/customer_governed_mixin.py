import re

from odoo import api, models, tools
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.models import MAGIC_COLUMNS
from odoo.tools import frozendict

MODULE = "addon_customer_info"
SENSITIVE_GROUP = f"{MODULE}.group_customer_info_sensitive"
"""Reads and writes sensitive fields at all (of their own customers, see below)."""
SENSITIVE_ALL_GROUP = f"{MODULE}.group_customer_info_sensitive_all"
"""Sees the sensitive details of every customer, not only of their own."""
EXPORT_GROUP = f"{MODULE}.group_customer_info_export"
EMPTY = frozenset()
NO_FIELDS = frozendict()

PARTNER_PROFILE_FIELDS = frozenset(
    {
        "name",
        "is_company",
        "parent_id",
        "type",
        "email",
        "phone",
        "mobile",
        "street",
        "street2",
        "zip",
        "city",
        "state_id",
        "country_id",
        "vat",
        "company_registry",
        "function",
        "title",
        "website",
        "user_id",
        "industry_id",
        "lang",
        "category_id",
        "ref",
        "comment",
        "active",
    }
)
"""Core contact fields whose changes are audited along with every customer information (``ci_``) field."""

SUBJECT_FIELDS = {
    "res.partner": ("id",),
    "customer.relation": ("left_partner_id", "right_partner_id"),
    "customer.activity": ("partner_id", "contact_id"),
}
"""Fields leading to the persons a record is about; other models use ``partner_id`` when they have one."""

SENSITIVE_RECORDS = {
    "customer.relation": [("type_id.is_sensitive", "=", True)],
}
"""Records that are sensitive as a whole (family relations): their reads are audited too."""

QUOTED_NAME = re.compile(r"""['"]([A-Za-z_][\w.]*)['"]""")
EXPRESSION_ATTRIBUTES = ("domain", "filter_domain", "context", "date")


GOVERNED_MIXIN = "customer.governed.mixin"
SENSITIVE_FIELD_MODEL = "customer.sensitive.field"

EXPORT_AUDITED = "ci_export_audited"
"""Context key set by a governed model's export: its own entry covers the records it reaches."""
UNGUARDED_EXPORT_PATHS = frozenset({"id", ".id", "display_name"})
"""Sub-paths an export of another application may take through governed records unaudited."""


UNGOVERNABLE_FIELDS = frozenset(
    {
        "id",
        "display_name",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "active",
        "company_id",
        "currency_id",
        "partner_id",
        "left_partner_id",
        "right_partner_id",
    }
)
"""Fields that identify a record or decide who may see it: hiding them would break access rules."""


def may_be_sensitive(model_name, field_name):
    """Whether an administrator may mark the field as sensitive (the rule of
    ``customer.sensitive.field``): not the fields of :data:`UNGOVERNABLE_FIELDS`, and of contacts
    only the customer information fields (``ci_``); Odoo's own contact fields (name, e-mail,
    phone, address) are used by every application and stay readable."""
    if field_name in UNGOVERNABLE_FIELDS:
        return False
    return model_name != "res.partner" or field_name.startswith("ci_")


def is_governed(model):
    """Whether ``model`` (a recordset or a model class) holds customer data: it inherits the
    governed mixin (contacts and this addon's models)."""
    return getattr(model, "_ci_governed", False)


class CustomerGovernedMixin(models.AbstractModel):
    """Governance of customer data, inherited by the models that hold it.

    Governed are ``res.partner`` and this addon's own models (configuration, customer
    details, consent, sync), save the audit trail itself and the sync's bookkeeping
    (identifiers, external keys, provenance, stored batch answers), whose every row mirrors
    a change that is audited already. Other models do not inherit it and pay nothing:

    * **field access** (:meth:`_has_field_access`, Odoo's per-model hook): a sensitive
      field is readable and writable only by the *Sensitive Personal Data* groups. The
      ORM then refuses it in ``read``/``search_read``/``web_read``, ``write``, domains,
      group-bys and exports, and leaves it out of ``fields_get``; :meth:`_get_view`
      removes it from the views of users outside the groups;
    * **own customers** (:meth:`_read_format`, :meth:`_search`, :meth:`_read_group`,
      :meth:`_export_rows`, :meth:`write`, :meth:`copy_data`): members of the *Own
      Customers* level see the sensitive values of the customers they are salesperson
      of (and of their contact persons) only; others' values read as empty and cannot
      be written, searched, grouped or exported;
    * **audit** (:meth:`_read_format`, :meth:`create`, :meth:`write`, :meth:`unlink`,
      :meth:`export_data`, :meth:`_export_rows`): every read of a sensitive value, every
      change and every export goes to ``customer.audit.log``, exports of other
      applications that reach customer data too; values of sensitive fields never do.
    """

    _name = GOVERNED_MIXIN
    _description = "Governed Customer Data"
    _ci_governed = True

    # ------------------------------------------------------------
    # WHAT IS GOVERNED (no query: these run on every field access)
    # ------------------------------------------------------------

    @api.model
    def _ci_sensitive_names(self):
        """The names of this model's sensitive fields (configured, cached per registry)."""
        # runs on every field access of every governed record (thousands for a page of contacts):
        # the map is taken from the registry's cache under the key ormcache keeps it at, without a
        # recordset and the cache's statistics per call; a miss (or a cleared cache) goes through
        # the cached method, which fills it
        key = (SENSITIVE_FIELD_MODEL, self.pool[SENSITIVE_FIELD_MODEL]._sensitive_map.__cache__.method)
        try:
            sensitive = self.pool._Registry__caches["default"][key]
        except KeyError:
            sensitive = self.env[SENSITIVE_FIELD_MODEL]._sensitive_map()
        return sensitive.get(self._name, EMPTY)

    @api.model
    def _ci_sensitive_restricted(self):
        """Whether the user sees sensitive details, but of their own customers only."""
        user = self.env.user
        return not self.env.su and user.has_group(SENSITIVE_GROUP) and not user.has_group(SENSITIVE_ALL_GROUP)

    @api.model
    def _ci_subject_fields(self):
        """Fields leading to the partners a record is about (``id``: the partner itself)."""
        if self._name in SUBJECT_FIELDS:
            return SUBJECT_FIELDS[self._name]
        field = self._fields.get("partner_id")
        if field is not None and field.type == "many2one" and field.comodel_name == "res.partner":
            return ("partner_id",)
        return ()

    @api.model
    def _ci_own_domain(self):
        """Records about the user's own customers, and the contact persons of those;
        ``None`` when records of the model are about nobody.

        Own customers are those whose salesperson the user is, unless they assigned themselves
        (``ci_salesperson_set_by_id``: a manager's, the system's or the sync's assignment counts),
        and those a manager granted them access to for a while (``customer.access.request``)."""
        paths = self._ci_subject_fields()
        if not paths:
            return None
        uid = self.env.uid
        granted = self._ci_granted_partner_ids()
        conditions = []
        for path in paths:
            prefix = "" if path == "id" else f"{path}."
            for partner in (prefix, f"{prefix}commercial_partner_id."):
                salesperson = Domain(f"{partner}user_id", "=", uid)
                conditions.append(salesperson & Domain(f"{partner}ci_salesperson_set_by_id", "!=", uid))
            if granted:
                conditions.append(Domain(f"{prefix}commercial_partner_id", "in", granted))
        return Domain.OR(conditions)

    @api.model
    def _ci_granted_partner_ids(self):
        """The customers (commercial partners) a manager granted the user access to, still valid."""
        # sudo: reads which of the user's own requests are approved and unexpired; only the
        # customers' ids leave, to limit what the user sees
        requests = (
            self.env["customer.access.request"]
            .sudo()
            .search_fetch(
                [
                    ("user_id", "=", self.env.uid),
                    ("state", "=", "approved"),
                    ("expires_at", ">", self.env.cr.now()),
                ],
                ["partner_id"],
            )
        )
        return sorted(set(requests.partner_id.ids))

    def _ci_foreign_records(self):
        """The records of ``self`` whose sensitive details the current user may not see."""
        ids = [record_id for record_id in self._ids if isinstance(record_id, int)]
        if not ids or not self._ci_sensitive_restricted():
            return self.browse()
        domain = self._ci_own_domain()
        if domain is None:
            return self.browse()
        # sudo: only decides which of the given records are about the user's own customers;
        # no value leaves this method.
        own = self.sudo().with_context(active_test=False).search(Domain("id", "in", ids) & domain)
        return self.browse(sorted(set(ids) - set(own.ids)))

    def _ci_subject_partners(self):
        """The partners the records of ``self`` are about (in sudo; only their ids are used)."""
        # sudo: follows the records to their partners to label audit entries; nothing is returned
        # to the user.
        records = (
            self.sudo()
            .with_context(active_test=False)
            .browse([record_id for record_id in self._ids if isinstance(record_id, int)])
        )
        partners = self.env["res.partner"].sudo()
        for path in self._ci_subject_fields():
            partners |= records if path == "id" else records.mapped(path)
        return partners

    def _ci_sensitive_record_ids(self):
        """Ids of the records of ``self`` that are sensitive as a whole (family relations)."""
        domain = SENSITIVE_RECORDS.get(self._name)
        ids = [record_id for record_id in self._ids if isinstance(record_id, int)]
        if not domain or not ids:
            return []
        # sudo: only selects which of the given records are sensitive; no value leaves.
        return (
            self.sudo().with_context(active_test=False).search(Domain("id", "in", ids) & Domain(domain)).ids
        )

    # ------------------------------------------------------------
    # FIELD ACCESS
    # ------------------------------------------------------------

    _ci_open_fields = EMPTY
    """The fields :meth:`_has_field_access` grants at once (set per model class at its setup)."""

    def _post_model_setup__(self):
        result = super()._post_model_setup__()
        # a registry class attribute, set again at every setup of the model (new fields, a new
        # registry): a field set up since is not in it and takes the full check
        type(self)._ci_open_fields = self._ci_compute_open_fields()
        return result

    def _ci_compute_open_fields(self):
        """The fields whose access is Odoo's check alone and would be granted by it to anyone:
        without groups, and never sensitive (:func:`may_be_sensitive`: contacts' own fields,
        ``id``, the magic columns). Empty when a module below this mixin overrides the check,
        whose answer must then be asked for every field."""
        mro = type(self).__mro__
        below = mro[mro.index(CustomerGovernedMixin) + 1 :]
        check = next(cls for cls in below if "_has_field_access" in vars(cls))
        if check is not models.BaseModel:
            return EMPTY
        return frozenset(
            field
            for name, field in self._fields.items()
            if not field.groups and not may_be_sensitive(self._name, name)
        )

    @api.model
    def _has_field_access(self, field, operation):
        # Field.__get__ calls this on every field access of every record: a field that is never
        # sensitive and that Odoo's check grants anyway (no groups) costs one set lookup
        if field in self._ci_open_fields:
            return True
        if not super()._has_field_access(field, operation):
            return False
        return self.env.su or field.name not in self._ci_denied_names()

    @api.model
    @tools.ormcache("self.env.uid")
    def _ci_denied_names(self):
        """The sensitive fields of this model the user may neither read nor write (all of them
        outside the *Sensitive Personal Data* groups, none inside), cached per model and user.

        The registry's cache, where it is kept, is cleared when a field is marked or unmarked
        sensitive (:meth:`customer.sensitive.field._clear_sensitive_caches`) and when groups
        or a user's groups change (Odoo's ``call_cache_clearing_methods``), in every worker."""
        if self.env.user.has_group(SENSITIVE_GROUP):
            return EMPTY
        return frozenset(
            name for name in self._ci_sensitive_names() if may_be_sensitive(self._name, name)
        )

    # ------------------------------------------------------------
    # DISPLAY NAMES: not made of values the user may not see
    # ------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_display_name(self):
        # the name is cached per user: it may hide sensitive values from one and not another
        return super()._compute_display_name()

    def _compute_field_value(self, field):
        if field.name != "display_name" or self.env.su:
            return super()._compute_field_value(field)
        hidden = self._ci_names_hiding()
        if hidden:
            # a name made of sensitive values (a career entry's title and employer) the user may
            # not see: the record is named by its kind and number instead
            kind = self.env["ir.model"]._get(self._name).name
            for record in hidden:
                record.display_name = self.env._("%(model)s #%(id)s", model=kind, id=record.id or "-")
            visible = self - hidden
            return super(CustomerGovernedMixin, visible)._compute_field_value(field) if visible else None
        return super()._compute_field_value(field)

    @api.model
    def _ci_display_name_sensitive(self):
        """The sensitive fields this model's display name is made of."""
        sensitive = self._ci_sensitive_names()
        if not sensitive:
            return EMPTY
        depends = self.pool.field_depends[self._fields["display_name"]]
        return sensitive.intersection(path.split(".", 1)[0] for path in depends)

    def _ci_names_hiding(self):
        """The records of ``self`` whose display name would show a sensitive value the user may
        not see (outside the sensitive groups, or a customer who is not theirs)."""
        if not self._ci_display_name_sensitive():
            return self.browse()
        if not self.env.user.has_group(SENSITIVE_GROUP):
            return self
        return self._ci_foreign_records()

    # ------------------------------------------------------------
    # VIEWS: users outside the groups do not get the fields at all
    # ------------------------------------------------------------

    @api.model
    def _ci_hidden_sensitive_map(self):
        """``{model: field names}`` the user may not see at all (empty for the sensitive groups)."""
        if self.env.su or self.env.user.has_group(SENSITIVE_GROUP):
            return NO_FIELDS
        return self.env["customer.sensitive.field"]._sensitive_map()

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self._ci_hidden_sensitive_map())

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        hidden = self._ci_hidden_sensitive_map()
        if hidden:
            self._ci_strip_sensitive_nodes(arch, self._name, hidden)
        return arch, view

    @api.model
    def _ci_strip_sensitive_nodes(self, node, model_name, hidden):
        """Remove the fields of ``hidden`` (and their labels and filters) from a view tree.

        Sub-views of relational fields are walked with the field's comodel.
        """
        names = hidden.get(model_name, EMPTY)
        model_fields = self.env[model_name]._fields if model_name in self.env else {}
        order = node.get("default_order")
        if names and order and any(part.split()[0] in names for part in order.split(",") if part.strip()):
            del node.attrib["default_order"]
        for child in list(node):
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments, processing instructions
            if names and (
                (tag == "field" and child.get("name") in names)
                or (tag == "label" and child.get("for") in names)
                or (tag in ("field", "filter") and self._ci_mentions(child, names))
            ):
                node.remove(child)
                continue
            field = model_fields.get(child.get("name")) if tag == "field" else None
            if field is not None and field.relational:
                for sub_view in child:
                    if isinstance(sub_view.tag, str):
                        self._ci_strip_sensitive_nodes(sub_view, field.comodel_name, hidden)
                continue
            self._ci_strip_sensitive_nodes(child, model_name, hidden)

    @api.model
    def _ci_mentions(self, node, names):
        """Whether a domain, context or date attribute of ``node`` refers to one of ``names``."""
        for attribute in EXPRESSION_ATTRIBUTES:
            expression = node.get(attribute)
            if not expression:
                continue
            if attribute == "date":
                if expression in names:
                    return True
                continue
            if any(found.split(".", 1)[0] in names for found in QUOTED_NAME.findall(expression)):
                return True
        return False

    # ------------------------------------------------------------
    # READ: own customers only, and every sensitive read is logged
    # ------------------------------------------------------------

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load)
        if self.env.su or not result:
            return result
        read_names = self._ci_sensitive_names().intersection(fnames)
        # a display name made of sensitive fields discloses them (it is hidden where they are)
        names = read_names | (self._ci_display_name_sensitive() if "display_name" in fnames else EMPTY)
        whole_ids = self._ci_sensitive_record_ids()
        if not names and not whole_ids:
            return result
        foreign = set(self._ci_foreign_records()._ids) if names else set()
        if foreign and read_names:
            empty = {
                name: [] if self._fields[name].type in ("one2many", "many2many") else False
                for name in read_names
            }
            for values in result:
                if values["id"] in foreign:
                    values.update(empty)
        disclosed = (
            {
                values["id"]
                for values in result
                if isinstance(values["id"], int) and values["id"] not in foreign
            }
            if names
            else set()
        )
        disclosed.update(whole_ids)
        if disclosed:
            logged = names or {name for name in fnames if name != "id"}
            self.env["customer.audit.log"]._log_read(self.browse(sorted(disclosed)), sorted(logged))
        return result

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        sensitive = EMPTY if self.env.su or bypass_access else self._ci_sensitive_names()
        used = EMPTY
        if sensitive:
            chosen_order = order
            if order and order == self._order:
                # the model's own order (important dates by next date), which search() passes:
                # not the user's choice, so not logged; for those who see their own customers'
                # values only it leaves the sensitive fields out (it would tell others' apart), and
                # for those who see none it leaves them out too (sorting by a field one may not read
                # is refused: a plain list of career rows would fail)
                chosen_order = None
                if not self.env.user.has_group(SENSITIVE_ALL_GROUP):
                    order = self._ci_order_without(sensitive)
            # filtering or sorting by a sensitive field discloses something of its values (which
            # records match, in which order): both are limited to one's own customers and logged
            used = sensitive & (
                {
                    condition.field_expr.split(".", 1)[0]
                    for condition in Domain(domain).iter_conditions()
                    if isinstance(condition.field_expr, str)
                }
                | self._ci_order_fields(chosen_order)
            )
        if used and not self.env.user.has_group(SENSITIVE_GROUP):
            # those who read no sensitive value may not filter or sort by one either
            raise AccessError(
                self.env._(
                    "Only the Sensitive Personal Data groups filter or sort by %(fields)s.",
                    fields=", ".join(sorted(self._fields[n]._description_string(self.env) for n in used)),
                )
            )
        if used:
            domain = self._ci_restrict_to_own(domain, lambda: used)
            self.env["customer.audit.log"]._log_read(self.browse(), sorted(used))
        return super()._search(
            domain,
            offset,
            limit,
            order,
            active_test=active_test,
            bypass_access=bypass_access,
        )

    @api.model
    def _ci_order_without(self, names):
        """The model's default order without the terms on ``names``."""
        if self._ci_order_fields(self._order).isdisjoint(names):
            return self._order
        terms = [term for term in self._order.split(",") if term.split()[0] not in names]
        return ",".join(terms) or "id"

    @api.model
    def _ci_order_fields(self, order):
        """The fields an ``order`` clause (``"name desc, ci_x:max"``) sorts by."""
        if not order:
            return set()
        return {
            term.split()[0].split(":", 1)[0].split(".", 1)[0] for term in order.split(",") if term.strip()
        }

    @api.model
    def _ci_group_uses(self, specs, having=(), order=None):
        """The sensitive fields of this model that grouping ``specs`` (groupby and aggregate
        specs), a ``having`` domain and an ``order`` use; refuses paths that reach a sensitive
        field through a relation for users who see their own customers' values only."""
        sensitive = self._ci_sensitive_names()
        paths = [spec.split(":", 1)[0] for spec in specs]
        paths += [
            condition.field_expr.split(":", 1)[0]
            for condition in Domain(having or []).iter_conditions()
            if isinstance(condition.field_expr, str)
        ]
        used = sensitive.intersection(path.split(".", 1)[0] for path in paths) | (
            sensitive & self._ci_order_fields(order)
        )
        if self._ci_sensitive_restricted():
            for path in paths:
                if "." in path and self._ci_path_ends_sensitive(path):
                    raise AccessError(
                        self.env._(
                            "Group by a sensitive detail of your own customers on their own records, "
                            "not through a related record (%(path)s).",
                            path=path,
                        )
                    )
        return used

    @api.model
    def _ci_path_ends_sensitive(self, path):
        model, *names = self, *path.split(".")
        for name in names:
            field = model._fields.get(name)
            if field is None:
                return False
            if is_governed(model) and name in model._ci_sensitive_names():
                return True
            if not field.relational:
                return False
            model = self.env[field.comodel_name]
        return False

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        domain, used = self._ci_guard_grouping(domain, (*groupby, *aggregates), having, order)
        result = super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        if used:
            self.env["customer.audit.log"]._log_read(self.browse(), sorted(used))
        return result

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """Odoo 19's pivot and grouped lists read several groupings in one query: the same rules."""
        specs = [spec for grouping in grouping_sets for spec in grouping]
        domain, used = self._ci_guard_grouping(domain, (*specs, *aggregates), (), order)
        result = super()._read_grouping_sets(domain, grouping_sets, aggregates, order)
        if used:
            self.env["customer.audit.log"]._log_read(self.browse(), sorted(used))
        return result

    @api.model
    def _ci_guard_grouping(self, domain, specs, having, order):
        """``(domain, sensitive fields used)`` for a grouping: the fields' access is checked (the
        ORM does not check every kind of field there) and the domain limited to one's own
        customers when the grouping uses a sensitive field, which it discloses (the web client
        lists each group's records)."""
        if self.env.su or not self._ci_sensitive_names():
            return domain, EMPTY
        used = self._ci_group_uses(specs, having, order)
        if not used:
            return domain, EMPTY
        for name in used:
            self._check_field_access(self._fields[name], "read")
        return self._ci_restrict_to_own(domain, lambda: used), used

    @api.model
    def _ci_restrict_to_own(self, domain, used_fields):
        """``domain``, limited to the user's own customers when it uses a sensitive field
        (``used_fields()`` gives the fields it uses) and the user sees those of their own
        customers only."""
        if not self._ci_sensitive_restricted() or used_fields().isdisjoint(self._ci_sensitive_names()):
            return domain
        own = self._ci_own_domain()
        return domain if own is None else Domain(domain) & own

    # ------------------------------------------------------------
    # CHANGES: own customers only, and every change is logged
    # ------------------------------------------------------------

    @api.model
    def _ci_audits_field(self, field):
        """Whether changes of ``field`` are audited (stored data people or sources enter)."""
        if not field.store or field.type == "one2many" or field.name in MAGIC_COLUMNS:
            return False
        if field.readonly and not field.compute:
            return False  # technical state written by the code (next reminder, links to activities)
        if self._name == "res.partner":
            return field.name.startswith("ci_") or field.name in PARTNER_PROFILE_FIELDS
        return True

    @api.model
    def _ci_audited_names(self, names):
        fields_by_name = self._fields
        return sorted(
            name
            for name in names
            if (field := fields_by_name.get(name)) is not None and self._ci_audits_field(field)
        )

    def _ci_audit_snapshot(self, names):
        """``{record id: {field: value as text}}``; values of sensitive fields are compared, never kept."""
        Log = self.env["customer.audit.log"]
        # sudo: the values go into the audit log only, which auditors alone read; the user's own
        # access to the fields was checked by the ORM before.
        records = (
            self.sudo()
            .with_context(active_test=False)
            .browse([record_id for record_id in self._ids if isinstance(record_id, int)])
        )
        return {record.id: {name: Log._format_value(record, name) for name in names} for record in records}

    def _ci_check_sensitive_write(self, names):
        """Refuse to change the sensitive details of customers who are not the user's own."""
        if (
            not self.env.su
            and not self._ci_sensitive_names().isdisjoint(names)
            and self._ci_foreign_records()
        ):
            raise AccessError(
                self.env._(
                    "You may change the sensitive details of your own customers only (%(model)s).",
                    model=self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if records and self.pool.ready:
            self._ci_log_create(records, vals_list)
        return records

    @api.model
    def _ci_log_create(self, records, vals_list):
        sensitive = self._ci_sensitive_names()
        names = self._ci_audited_names({name for vals in vals_list for name in vals})
        snapshot = records._ci_audit_snapshot([name for name in names if name not in sensitive])
        whole = set(records._ci_sensitive_record_ids())  # family relations: no value at all
        lines = []
        for record, vals in zip(records, vals_list, strict=True):
            for name in self._ci_audited_names(vals):
                if name in sensitive or record.id in whole:
                    lines.append({"res_id": record.id, "field_name": name, "sensitive": True})
                elif snapshot[record.id][name]:
                    lines.append(
                        {"res_id": record.id, "field_name": name, "new_value": snapshot[record.id][name]}
                    )
        self.env["customer.audit.log"]._log_change("create", records, names, lines)

    def write(self, vals):
        if not self or not self.pool.ready:
            return super().write(vals)
        self._ci_check_sensitive_write(vals)
        names = self._ci_audited_names(vals)
        if not names:
            return super().write(vals)
        before = self._ci_audit_snapshot(names)
        whole = set(self._ci_sensitive_record_ids())  # sensitive as a whole before or after
        result = super().write(vals)
        after = self._ci_audit_snapshot(names)
        whole.update(self._ci_sensitive_record_ids())
        sensitive = self._ci_sensitive_names()
        lines = []
        for record_id, old_values in before.items():
            new_values = after.get(record_id, {})
            for name in names:
                if old_values[name] == new_values.get(name):
                    continue
                if name in sensitive or record_id in whole:
                    lines.append({"res_id": record_id, "field_name": name, "sensitive": True})
                else:
                    lines.append(
                        {
                            "res_id": record_id,
                            "field_name": name,
                            "old_value": old_values[name],
                            "new_value": new_values.get(name),
                        }
                    )
        if lines:
            changed = self.browse(sorted({line["res_id"] for line in lines}))
            self.env["customer.audit.log"]._log_change(
                "write",
                changed,
                sorted({line["field_name"] for line in lines}),
                lines,
            )
        return result

    def unlink(self):
        if not self or not self.pool.ready:
            return super().unlink()
        # sudo: the names of deleted records go into the audit log only
        names = {record.id: record.display_name for record in self.sudo().with_context(active_test=False)}
        whole = set(self._ci_sensitive_record_ids())
        lines = [
            {"res_id": record_id, "field_name": "display_name", "sensitive": True}
            if record_id in whole
            else {"res_id": record_id, "field_name": "display_name", "old_value": name}
            for record_id, name in names.items()
            if isinstance(record_id, int)
        ]
        self.env["customer.audit.log"]._log_change("unlink", self, [], lines)
        return super().unlink()

    def copy_data(self, default=None):
        """Leave out of a copy the sensitive values the user may not see."""
        sensitive = EMPTY if self.env.su else self._ci_sensitive_names()
        if not sensitive or (self.env.user.has_group(SENSITIVE_GROUP) and not self._ci_foreign_records()):
            return super().copy_data(default)
        default = dict(default or {})
        skipped = [name for name in sensitive if name not in default and self._fields[name].copy]
        default.update(dict.fromkeys(skipped, False))
        vals_list = super().copy_data(default)
        for vals in vals_list:
            for name in skipped if vals else ():
                vals.pop(name, None)
        return vals_list

    # ------------------------------------------------------------
    # EXPORT: a group of its own, own customers only, logged
    # ------------------------------------------------------------

    def export_data(self, fields_to_export):
        if self.env.su:
            return super().export_data(fields_to_export)
        if not self.env.user.has_group(EXPORT_GROUP):
            raise AccessError(
                self.env._(
                    "Exporting customer data is reserved to the Customer Data Export group. "
                    "Ask an administrator for it; every export is logged."
                )
            )
        # the records reached through relations are covered by this export's own entry
        audited = self.with_context(**{EXPORT_AUDITED: True})
        result = super(CustomerGovernedMixin, audited).export_data(fields_to_export)
        self.env["customer.audit.log"]._log_export(self, fields_to_export)
        return result

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        if not self.env.su:
            if not _is_toplevel_call and not self.env.context.get(EXPORT_AUDITED):
                self._ci_check_foreign_export(fields)
            names = self._ci_sensitive_names()
            exported = {path[0] for path in fields if path}
            if not exported.isdisjoint(names) and self._ci_foreign_records():
                raise AccessError(
                    self.env._(
                        "You may export the sensitive details of your own customers only (%(model)s).",
                        model=self._description,
                    )
                )
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    def _ci_check_foreign_export(self, fields):
        """An export of another application reached these records (``partner_id/email`` of users).

        Their names and ids go out as before, unaudited; other core contact fields go out as
        before and are audited; the addon's data (``ci_`` fields, its own models, sensitive
        fields) needs the export group, as from the addon's own screens.
        """
        names = {path[0].split(".", 1)[0] for path in fields if path} - UNGUARDED_EXPORT_PATHS
        if not names:
            return
        addon_data = (
            self._original_module == MODULE
            or any(name.startswith("ci_") for name in names)
            or not names.isdisjoint(self._ci_sensitive_names())
        )
        if addon_data and not self.env.user.has_group(EXPORT_GROUP):
            raise AccessError(
                self.env._(
                    "This export reaches customer information (%(model)s), which is reserved to the "
                    "Customer Data Export group. Ask an administrator for it, or leave those columns out.",
                    model=self._description,
                )
            )
        self.env["customer.audit.log"]._log_foreign_export(self, ["/".join(path) for path in fields if path])
