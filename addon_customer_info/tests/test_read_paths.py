"""Every public way Odoo 19 reads data, with every kind of sensitive field, for every group.

Each cell (path x field x user) must either refuse (``AccessError``; an export without
Odoo's export right is refused with ``UserError``) or disclose the value and leave exactly
one audit entry naming the field. A new public read method of ``base`` in a later Odoo
19.x makes :meth:`TestReadPaths.test_every_public_read_method_is_in_the_table` fail until it
is added to the table.
"""

import datetime
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.customer_governed_mixin import SENSITIVE_GROUP  # noqa: TID252
from .test_sensitive_fields import MODULE, MUTED, SensitiveDataCase

D = datetime.date
LATE = datetime.date(1977, 7, 31)


def _value_read(Model, record, field):
    return Model.browse(record.id).read([field])


def _value_web_read(Model, record, field):
    spec = {field: {"fields": {"display_name": {}}}} if Model._fields[field].relational else {field: {}}
    return Model.browse(record.id).web_read(spec)


def _value_search_read(Model, record, field):
    return Model.search_read([("id", "=", record.id)], [field])


def _value_web_search_read(Model, record, field):
    spec = {field: {"fields": {"display_name": {}}}} if Model._fields[field].relational else {field: {}}
    return Model.web_search_read([("id", "=", record.id)], spec)


def _groupby(Model, field):
    return f"{field}:day" if Model._fields[field].type in ("date", "datetime") else field


def _value_formatted_read_group(Model, record, field):
    return Model.formatted_read_group([("id", "=", record.id)], [_groupby(Model, field)], ["__count"])


def _value_web_read_group(Model, record, field):
    return Model.web_read_group([("id", "=", record.id)], [_groupby(Model, field)], ["__count"])


def _value_grouping_sets(Model, record, field):
    return Model.formatted_read_grouping_sets(
        [("id", "=", record.id)], [[_groupby(Model, field)], []], ["__count"]
    )


def _value_aggregate(Model, record, field):
    return Model.formatted_read_group([("id", "=", record.id)], [], [f"{field}:array_agg"])


def _value_export(Model, record, field):
    path = f"{field}/display_name" if Model._fields[field].relational else field
    return Model.browse(record.id).export_data([path])


def _value_display_name(Model, record, field):
    return Model.browse(record.id).read(["display_name"])


def _oracle_search(Model, record, field):
    return Model.search([("id", "=", record.id), (field, "!=", False)]).ids


def _oracle_order(Model, record, field):
    return Model.search([("id", "=", record.id)], order=f"{field} desc").ids


def _oracle_having(Model, record, field):
    groups = Model.formatted_read_group(
        [("id", "=", record.id)], ["id"], ["__count"], having=[(f"{field}:count_distinct", ">", 0)]
    )
    return [group["id"][0] if isinstance(group["id"], (list, tuple)) else group["id"] for group in groups]


def _oracle_search_panel(Model, record, field):
    """The search panel's counters per value of a many2many: which values the record has."""
    answer = Model.search_panel_select_multi_range(
        field, search_domain=[("id", "=", record.id)], enable_counters=True
    )
    counted = [value for value in answer["values"] if value.get("__count")]
    return [record.id] if counted else []


PATHS = {
    # path: (how, whether it discloses the value itself or only its existence/order)
    "read": (_value_read, "value"),
    "web_read": (_value_web_read, "value"),
    "search_read": (_value_search_read, "value"),
    "web_search_read": (_value_web_search_read, "value"),
    "formatted_read_group": (_value_formatted_read_group, "value"),
    "web_read_group": (_value_web_read_group, "value"),
    "formatted_read_grouping_sets": (_value_grouping_sets, "value"),
    "aggregate": (_value_aggregate, "value"),
    "export_data": (_value_export, "value"),
    "display_name": (_value_display_name, "value"),
    "search": (_oracle_search, "oracle"),
    "search order": (_oracle_order, "oracle"),
    "having": (_oracle_having, "oracle"),
    "search_panel_select_multi_range": (_oracle_search_panel, "oracle"),
}
NOT_APPLICABLE = {
    # the search panel shows many2one, many2many and selection fields only
    *(
        ("search_panel_select_multi_range", name)
        for name in ("ci_preferences", "date", "job_title", "ip_address", "ci_last_verified_on")
    ),
    # Odoo cannot aggregate or order by these kinds of fields at all (ValueError, not a leak)
    ("aggregate", "ci_hobby_ids"),
    ("having", "ci_hobby_ids"),
    ("search order", "ci_hobby_ids"),
    # the display name is made of these fields only for careers (it is for them that it hides)
    *(
        ("display_name", name)
        for name in ("ci_preferences", "ci_hobby_ids", "date", "ip_address", "ci_last_verified_on")
    ),
}
PUBLIC_READ_METHODS = {
    "read",
    "web_read",
    "search_read",
    "web_search_read",
    "formatted_read_group",
    "web_read_group",
    "formatted_read_grouping_sets",
    "read_group",  # Odoo 19 keeps it for compatibility: it calls _read_group as the others do
    "search",
    "search_fetch",
    "search_count",
    "export_data",
    "fetch",
    "name_search",
    "web_name_search",
    "read_progress_bar",
    "web_search_read_count",
    "fields_get",
    "get_views",
    "get_view",
    "default_get",
    "name_create",
    "web_save",
    "web_save_multi",
    "web_override_translations",
    "get_base_url",
    "get_field_translations",
    "get_property_definition",
    "check_field_access_rights",
    "has_access",
    "check_access",
    "browse",
    "exists",
    "ensure_one",
    "mapped",
    "filtered",
    "filtered_domain",
    "grouped",
    "sorted",
    "with_context",
    "with_user",
    "with_company",
    "with_env",
    "sudo",
    "union",
    "concat",
    "with_prefetch",
    "get_external_id",
    "get_metadata",
    "search_panel_select_range",  # single-value panels: many2one and selection fields, as above
    "get_formview_id",
    "get_formview_action",
    "get_import_templates",
    "get_empty_list_help",
    "view_header_get",
    "mail_get_partner_fields",
}
"""Public methods of ``BaseModel`` whose name says they read: those of the table, and the others
checked to go through the ORM's field access and the hooks of the table (``search_fetch``,
``fetch`` and ``read_progress_bar`` through ``_search``/``_read_format``/``_read_group``)."""


@tagged("post_install", "-at_install", "security")
class TestReadPaths(SensitiveDataCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = f"{MODULE}.group_customer_info"
        cls.event = cls.manual_grant(cls.person_own, ip_address="198.51.100.77")
        # a field an administrator marks sensitive once data exists (and was tracked)
        cls.person_own.with_context(tracking_disable=False).ci_last_verified_on = LATE
        cls.env.flush_all()
        cls.env.cr.flush()  # the tracking is written by the precommit hooks
        cls.env["customer.sensitive.field"].create(
            {"field_id": cls.env["ir.model.fields"]._get("res.partner", "ci_last_verified_on").id}
        )
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(cls.env, login="ci_paths_portal", groups="base.group_portal"),
            "salesperson": cls.user_sales,
            "sensitive own": cls.user_sens,
            "sensitive all": cls.user_sens_all,
            "auditor": cls.user_auditor,
            "officer": cls.user_privacy,
            "exporter": cls.user_exporter,
            "admin": new_test_user(cls.env, login="ci_paths_admin", groups=f"{group}_admin"),
            "integration": cls.env["res.users"].search([("login", "=", "customer_sync_worker")]),
        }
        cls.cases = {
            # field: (record, marker of its value in any answer)
            "ci_preferences": (cls.person_own, "Longjing tea"),
            "ci_hobby_ids": (cls.person_own, ("Test Golf", f'"ci_hobby_ids": [{cls.golf.id}]')),
            "date": (cls.birthday_own, "1980-05-17"),
            "job_title": (cls.career_own, "Buyer"),
            "ip_address": (cls.event, "198.51.100.77"),
            "ci_last_verified_on": (cls.person_own, "1977-07-31"),
        }

    @mute_logger(*MUTED)
    def test_the_own_customers_level_learns_nothing_of_others_customers(self):
        """Whatever the path: no value, no order, no existence of another's customer's details."""
        event_de = self.manual_grant(self.person_de, ip_address="198.51.100.99")
        self.person_de.ci_last_verified_on = D(1976, 6, 30)
        others = {
            "ci_preferences": (self.person_de, "Riesling"),
            "ci_hobby_ids": (self.person_de, ("Test Hiking", f'"ci_hobby_ids": [{self.hiking.id}]')),
            "date": (self.birthday_de, "1975-04-02"),
            "employer_name": (self.career_de, "Siemens"),
            "ip_address": (event_de, "198.51.100.99"),
            "ci_last_verified_on": (self.person_de, "1976-06-30"),
        }
        for field, (record, marker) in others.items():
            for path, (how, kind) in PATHS.items():
                # the career is checked through another field of its name: the employer
                if (path, field.replace("employer_name", "job_title")) in NOT_APPLICABLE:
                    continue
                with self.subTest(field=f"{record._name}.{field}", path=path):
                    Model = self.env[record._name].with_user(self.user_sens)
                    try:
                        with self.env.cr.savepoint():
                            answer = how(Model, record, field)
                    except (AccessError, UserError):
                        continue
                    if kind == "value":
                        dump = json.dumps(answer, default=str, ensure_ascii=False)
                        texts = (marker,) if isinstance(marker, str) else marker
                        self.assertFalse([text for text in texts if text in dump], answer)
                    else:
                        self.assertNotIn(record.id, answer)

    def last_log(self):
        return self.env["customer.audit.log"].search([], limit=1, order="id desc").id or 0

    def read_entries(self, start, record, field, event="read"):
        self.env.cr.flush()  # what the commit runs: the collected reads are written
        logs = self.env["customer.audit.log"].search(
            [("id", ">", start), ("event", "=", event), ("model", "=", record._name)]
        )
        return logs.filtered(
            lambda log: field in {path.split("/", 1)[0] for path in log.field_names.split(",")}
        )

    def test_every_public_read_method_is_in_the_table(self):
        base = type(self.env["base"])  # BaseModel with the web client's methods
        public = {
            name
            for name in dir(base)
            if not name.startswith("_")
            and callable(getattr(base, name))
            and any(word in name for word in ("read", "search", "export", "fetch", "get", "name"))
        }
        self.assertLessEqual(
            public, PUBLIC_READ_METHODS | set(PATHS), "a new read method: add it to the table"
        )

    @mute_logger(*MUTED)
    def test_every_path_field_and_group(self):
        self.assertTrue(self.users["integration"], "the sync worker's user is installed with the addon")
        for user_label, user in self.users.items():
            for field, (record, marker) in self.cases.items():
                for path, (how, kind) in PATHS.items():
                    if (path, field) in NOT_APPLICABLE:
                        continue
                    with self.subTest(user=user_label, field=f"{record._name}.{field}", path=path):
                        self._check_cell(user, record, field, marker, path, how, kind)

    def _check_cell(self, user, record, field, marker, path, how, kind):
        Model = self.env[record._name].with_user(user)
        start = self.last_log()
        try:
            with self.env.cr.savepoint():
                answer = how(Model, record, field)
        except AccessError:
            self.assertFalse(self.read_entries(start, record, field), "a refusal logs no read")
            return
        except UserError:
            self.assertEqual(path, "export_data", "only an export is refused with a UserError")
            self.assertFalse(user.has_group("base.group_allow_export"))
            return
        if kind == "value":
            dump = json.dumps(answer, default=str, ensure_ascii=False)
            disclosed = any(text in dump for text in ((marker,) if isinstance(marker, str) else marker))
        else:
            disclosed = record.id in answer
        self.assertTrue(disclosed, f"neither refused nor disclosed: {answer!r}")
        self.assertTrue(user.has_group(SENSITIVE_GROUP), "disclosed to a user outside the sensitive groups")
        event = "export" if path == "export_data" else "read"
        self.assertEqual(
            len(self.read_entries(start, record, field, event)), 1, "a disclosure is logged once"
        )

    def test_no_value_of_a_sensitive_field_in_the_audit_trail_or_the_chatter(self):
        """Not even of a field marked sensitive after its values were recorded and tracked."""
        lines = self.env["customer.audit.log.line"].search([("field_name", "in", list(self.cases))])
        self.assertTrue(lines)
        markers = [
            text
            for _record, marker in self.cases.values()
            for text in ([marker] if isinstance(marker, str) else marker)
        ]
        for line in lines:
            for marker in markers:
                self.assertNotIn(marker, f"{line.old_value} {line.new_value}", line.field_name)
        field = self.env["ir.model.fields"]._get("res.partner", "ci_last_verified_on")
        trackings = self.env["mail.tracking.value"].search([("field_id", "=", field.id)])
        self.assertTrue(trackings, "the change before it was marked was tracked")
        for tracking in trackings:
            self.assertFalse(tracking.old_value_datetime or tracking.new_value_datetime, "masked")
        self.person_own.with_context(tracking_disable=False).ci_last_verified_on = D(1978, 8, 1)
        self.env.flush_all()
        self.env.cr.flush()
        self.assertEqual(
            self.env["mail.tracking.value"].search([("field_id", "=", field.id)]),
            trackings,
            "a sensitive field is no longer tracked in the chatter",
        )
