import base64
import secrets

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools import column_mapping  # noqa: TID252 (pylint-odoo wants relative imports)
from .customer_consent_event import LEGAL_BASES

SOURCE_TYPES = [
    ("purchased_list", "Purchased List"),
    ("web_form", "Web Form"),
    ("registry", "Company Registry"),
]
SCHEDULE_UNITS = [
    ("none", "Not Scheduled"),
    ("minutes", "Minutes"),
    ("hours", "Hours"),
    ("days", "Days"),
    ("weeks", "Weeks"),
]
ADMIN_GROUP = "addon_customer_info.group_customer_info_admin"
INTEGRATION_GROUP = "addon_customer_info.group_customer_info_integration"
SECRET_FIELDS = frozenset({"credentials", "webform_secrets"})
"""Fields never exported, copied, tracked or logged with their value."""


class CustomerSyncSource(models.Model):
    """Where outside customer data comes from: a purchased list, a web form or a registry.

    Admins configure it: the column mapping of its files, how far each field is trusted, the
    legal basis and purposes its records are processed for, its schedule. The worker reads it
    through the sync API (``customer.sync.api``); its ``credentials`` are readable by admins and
    the integration group only and never leave through an export, a copy or the audit log.
    """

    _name = "customer.sync.source"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Sync Source"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    type = fields.Selection(SOURCE_TYPES, required=True, default="purchased_list")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    vendor = fields.Char(help="Who sold or provides the data (purchased lists).")
    purchase_ref = fields.Char(string="Purchase Reference", help="Order or contract of the purchase.")
    description = fields.Text()

    # schedule ------------------------------------------------------------
    schedule_unit = fields.Selection(
        SCHEDULE_UNITS,
        string="Schedule",
        required=True,
        default="none",
        help="How often the worker runs this source by itself. Not Scheduled: only on request.",
    )
    schedule_interval = fields.Integer(string="Every", default=1)
    next_run_at = fields.Datetime(
        string="Next Run",
        help="When the worker's scheduler starts the next run. Empty: as soon as it is scheduled.",
    )
    inbox = fields.Char(
        help="A folder on the worker's host. Each scheduled run of a purchased list imports the new "
        "files found there (the worker moves a file away once imported). Empty: scheduled runs of "
        "this source have no files to read.",
    )

    # mapping and trust -----------------------------------------------------
    mapping_line_ids = fields.One2many(
        "customer.sync.source.mapping", "source_id", string="Column Mapping", copy=True
    )
    mapping = fields.Json(
        compute="_compute_mapping",
        help="The column mapping as {header: field}, as the worker receives it.",
    )
    default_trust = fields.Integer(
        default=40,
        help="How far the values of this source are trusted, from 0 to 100, for the fields without "
        "a trust of their own. A manual edit counts as 80: a source below it never overwrites one.",
    )
    trust_line_ids = fields.One2many(
        "customer.sync.source.trust", "source_id", string="Trust per Field", copy=True
    )
    default_region = fields.Char(
        default="CN", help="Country code for phone numbers written without a country code."
    )

    # consent -----------------------------------------------------------
    legal_basis = fields.Selection(
        LEGAL_BASES,
        string="Default Legal Basis",
        help="The ground on which the records of this source are processed; recorded in the "
        "consent ledger for the purposes below.",
    )
    purpose_ids = fields.Many2many("customer.consent.purpose", string="Consent Purposes")
    skipped_purpose_ids = fields.Many2many(
        "customer.consent.purpose",
        string="Purposes Not Recorded",
        compute="_compute_skipped_purpose_ids",
        help="Marketing purposes of a purchased list: a purchased list never grants marketing consent, "
        "so its runs record no consent for them.",
    )
    consent_channel_id = fields.Many2one(
        "customer.consent.channel",
        help="The channel the consent events of this source are recorded for, where a purpose needs one.",
    )

    # secrets -----------------------------------------------------------
    credentials = fields.Text(
        groups=f"{ADMIN_GROUP},{INTEGRATION_GROUP}",
        copy=False,
        exportable=False,
        help="API keys or passwords the worker needs for this source (registries). Readable by "
        "administrators and the integration user only; never exported, copied or logged.",
    )
    has_credentials = fields.Boolean(compute="_compute_has_credentials")

    # web forms -----------------------------------------------------------
    webform_scheme = fields.Selection(
        [("standard_webhooks", "Standard Webhooks"), ("typeform", "Typeform")],
        string="Signature Format",
        default="standard_webhooks",
        help="How the form's sender signs its submissions. Standard Webhooks: webhook-id, "
        "webhook-timestamp and webhook-signature headers. Typeform: the Typeform-Signature header.",
    )
    webform_secrets = fields.Text(
        string="Signing Secrets",
        groups=f"{ADMIN_GROUP},{INTEGRATION_GROUP}",
        copy=False,
        exportable=False,
        help="One secret per line. A submission signed with any of them is accepted, so that a "
        "sender can move to a new secret without losing submissions; remove the old line afterwards. "
        "Readable by administrators and the integration user only; never exported, copied or logged.",
    )
    webform_max_bytes = fields.Integer(
        string="Largest Submission (bytes)",
        default=65536,
        help="A larger submission is refused (413) before it is read.",
    )
    webform_rate_limit = fields.Integer(
        string="Submissions per Minute",
        default=120,
        help="Beyond this many submissions in one minute the form's sender is asked to retry later (429).",
    )
    webform_url = fields.Char(string="Endpoint URL", compute="_compute_webform_url")
    submission_ids = fields.One2many(
        "customer.webform.submission", "source_id", string="Submissions", groups=ADMIN_GROUP
    )
    submission_count = fields.Integer(compute="_compute_submission_count", groups=ADMIN_GROUP)

    # runs ----------------------------------------------------------------
    run_ids = fields.One2many("customer.sync.run", "source_id", string="Runs")
    run_count = fields.Integer(compute="_compute_run_stats")
    last_run_id = fields.Many2one("customer.sync.run", compute="_compute_run_stats")

    _default_trust_range = models.Constraint(
        "CHECK (default_trust BETWEEN 0 AND 100)",
        "The default trust of a source is a number from 0 to 100.",
    )
    _webform_limits_positive = models.Constraint(
        "CHECK (webform_max_bytes > 0 AND webform_rate_limit > 0)",
        "A web form's size and rate limits are positive numbers.",
    )
    _schedule_interval_positive = models.Constraint(
        "CHECK (schedule_interval > 0)",
        "A schedule repeats every 1 or more units.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("mapping_line_ids.header", "mapping_line_ids.field")
    def _compute_mapping(self):
        for source in self:
            source.mapping = {line.header: line.field for line in source.mapping_line_ids if line.field}

    @api.depends("type", "purpose_ids.is_marketing")
    def _compute_skipped_purpose_ids(self):
        for source in self:
            source.skipped_purpose_ids = (
                source.purpose_ids.filtered("is_marketing") if source.type == "purchased_list" else False
            )

    def _compute_has_credentials(self):
        # sudo: only whether a secret is set is shown, never the secret itself
        for source, source_sudo in zip(self, self.sudo(), strict=True):
            source.has_credentials = bool(source_sudo.credentials)

    def _compute_webform_url(self):
        base = self.get_base_url()
        for source in self:
            is_form = source.type == "web_form" and source.id
            source.webform_url = f"{base}/customer_info/webform/{source.id}" if is_form else False

    def _compute_submission_count(self):
        counts = dict(
            self.env["customer.webform.submission"]._read_group(
                [("source_id", "in", self.ids)], ["source_id"], ["__count"]
            )
        )
        for source in self:
            source.submission_count = counts.get(source, 0)

    def _compute_run_stats(self):
        Run = self.env["customer.sync.run"]
        counts = dict(Run._read_group([("source_id", "in", self.ids)], ["source_id"], ["__count"]))
        for source in self:
            source.run_count = counts.get(source, 0)
            source.last_run_id = (
                Run.search([("source_id", "=", source.id)], order="queued_at desc, id desc", limit=1)
                if source.id
                else Run
            )

    # ------------------------------------------------------------
    # CRUD: the secret never leaves
    # ------------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        if SECRET_FIELDS.intersection(vals):
            # the audit log says that the secret changed, never its value
            self.env["customer.audit.log"]._log_change(
                "write",
                self,
                sorted(SECRET_FIELDS.intersection(vals)),
                [
                    {"res_id": source.id, "field_name": name, "sensitive": True}
                    for source in self
                    for name in sorted(SECRET_FIELDS.intersection(vals))
                ],
            )
        return result

    @api.model
    def _ci_audits_field(self, field):
        return field.name not in SECRET_FIELDS and super()._ci_audits_field(field)

    def export_data(self, fields_to_export):
        if any(path.replace(":", "/").split("/", 1)[0] in SECRET_FIELDS for path in fields_to_export):
            raise AccessError(self.env._("The credentials of a sync source cannot be exported."))
        return super().export_data(fields_to_export)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_upload(self):
        self.ensure_one()
        if self.type != "purchased_list":
            raise UserError(self.env._("Only purchased-list sources take uploaded files."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Upload a File"),
            "res_model": "customer.sync.upload",
            "view_mode": "form",
            "target": "new",
            "context": {"default_source_id": self.id},
        }

    def action_run_now(self):
        """Queue a run without a file (registries, web forms, inbox of a list): the worker claims it."""
        self.ensure_one()
        if self.type == "purchased_list" and not self.inbox:
            raise UserError(
                self.env._(
                    "A purchased list without an inbox folder has nothing to read: upload a file instead."
                )
            )
        run = self.env["customer.sync.run"]._create_queued(self, trigger="button")
        return run._action_open()

    def action_new_webform_secret(self):
        """Add a new signing secret in front of the others (the sender moves to it, then the old one
        is removed)."""
        self.ensure_one()
        if self.type != "web_form":
            raise UserError(self.env._("Only web-form sources have signing secrets."))
        key = secrets.token_bytes(32)
        new = (
            "whsec_" + base64.b64encode(key).decode()
            if self.webform_scheme == "standard_webhooks"
            else secrets.token_urlsafe(32)
        )
        self.webform_secrets = "\n".join([new, *(self.webform_secrets or "").splitlines()])
        return True

    def action_view_submissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "addon_customer_info.customer_webform_submission_action"
        )
        action["domain"] = [("source_id", "=", self.id)]
        return action

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("addon_customer_info.customer_sync_run_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = {"default_source_id": self.id}
        return action

    # ------------------------------------------------------------
    # TOOLS (used by the sync API, the wizard and the runs)
    # ------------------------------------------------------------

    @api.model
    def _find_for_api(self, source):
        """The active source named or numbered ``source`` of the user's companies, or a UserError."""
        domain = Domain("company_id", "in", self.env.companies.ids)
        if isinstance(source, int) and not isinstance(source, bool):
            domain &= Domain("id", "=", source)
        elif isinstance(source, str) and source.strip():
            domain &= Domain("name", "=", source.strip())
        else:
            raise UserError(self.env._("Give a source by its name or id."))
        found = self.search(domain, limit=2)
        if len(found) != 1:
            raise UserError(
                self.env._("There is no active sync source %(name)s.", name=repr(source))
                if not found
                else self.env._("Several active sync sources are named %(name)s.", name=repr(source))
            )
        return found

    def _trust_map(self):
        """``{"default": n, field: n, ...}`` as the contract's ``source.trust``."""
        self.ensure_one()
        trust = {"default": self.default_trust}
        trust.update({line.field: line.trust for line in self.trust_line_ids})
        return trust

    def _save_mapping(self, mapping):
        """Store ``{header: field}`` as the mapping lines (replacing them)."""
        self.ensure_one()
        commands = [fields.Command.clear()]
        commands += [
            fields.Command.create({"sequence": index, "header": header, "field": field})
            for index, (header, field) in enumerate(mapping.items())
            if header and field in column_mapping.FIELD_NAMES
        ]
        self.mapping_line_ids = commands

    def _propose_mapping(self, headers):
        """``(mapping, unmapped)`` for ``headers``: the saved mapping first, then the synonyms."""
        saved = dict(self.mapping or {}) if self else {}
        return column_mapping.propose(headers, saved)

    def _contract_values(self, dry_run=False):
        """The source as the contract's ``Run.source``."""
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "vendor": self.vendor or None,
            "purchase_ref": self.purchase_ref or None,
            "mapping": dict(self.mapping or {}),
            "trust": self._trust_map(),
            "default_region": self.default_region or None,
            "legal_basis": self.legal_basis or None,
            "purposes": self.purpose_ids.mapped("code"),
            "channel": self.consent_channel_id.code or None,
            "inbox": self.inbox or None,
            "dry_run": bool(dry_run),
        }

    def _schedule_delta(self):
        self.ensure_one()
        if self.schedule_unit == "none":
            return None
        return relativedelta(**{self.schedule_unit: max(self.schedule_interval, 1)})

    def _schedule_next(self, now=None):
        """Move ``next_run_at`` one period past ``now`` (a scheduled run just started)."""
        now = now or fields.Datetime.now()
        # sudo: the worker (integration group, which may not edit sources) starts scheduled runs;
        # only the next run time is written, computed from the source's own schedule
        for source_sudo in self.sudo():
            delta = source_sudo._schedule_delta()
            source_sudo.next_run_at = now + delta if delta else False

    @api.model
    def _due(self, now=None):
        """Active scheduled sources whose time has come and that have no run queued or running."""
        now = now or fields.Datetime.now()
        domain = (
            Domain("company_id", "in", self.env.companies.ids)
            & Domain("schedule_unit", "!=", "none")
            & (Domain("next_run_at", "=", False) | Domain("next_run_at", "<=", now))
        )
        sources = self.search(domain)
        busy = self.env["customer.sync.run"].search(
            [("source_id", "in", sources.ids), ("state", "in", ("queued", "running"))]
        )
        return sources - busy.source_id
