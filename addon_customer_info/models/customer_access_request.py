import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .customer_governed_mixin import MODULE, SENSITIVE_ALL_GROUP, SENSITIVE_GROUP

MANAGER_GROUP = f"{MODULE}.group_customer_info_manager"
GRANT_DAYS_PARAM = f"{MODULE}.access_grant_days"
DEFAULT_GRANT_DAYS = 7

STATES = [
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("expired", "Expired"),
    ("revoked", "Revoked"),
    ("withdrawn", "Withdrawn"),
]
OPEN_STATES = ("requested", "approved")
"""A request in these states is open: pending, or granting access (until it ends)."""

USER_FIELDS = frozenset({"partner_id", "reason"})
"""What the requester fills in; everything else is set by the request's own steps."""
MANAGER_FIELDS = frozenset({"expires_at"})
"""What a manager may change directly, before approving (or to shorten a grant)."""


class CustomerAccessRequest(models.Model):
    """A request to see the sensitive details of one customer who is not one's own, and a
    manager's decision on it.

    Who may ask: the *Sensitive Personal Data / Own Customers* level sees the sensitive details
    of its own customers only (``customer.governed.mixin._ci_own_domain``). One of its members
    asks for one more customer (the commercial partner: its contact persons come with it) and
    says why; a manager of the customer information (*Manager*) approves or refuses, never their
    own request. An approved request counts the customer as the requester's own until
    ``expires_at``; a daily job marks it expired, and a manager may revoke it before. The
    requester may withdraw a request while it waits for the decision. One person has at most one
    open request (pending or approved) per customer: asking again opens the one they have.

    Users outside the sensitive groups cannot ask: Odoo's field access, which keeps the sensitive
    fields from them, holds for every record alike, so a grant for one customer could not open
    them. Such a user is given the Own Customers level by an administrator first.

    Every step is in the audit log (the model is governed): the request, the decision, who
    decided and when, and the expiry.
    """

    _name = "customer.access.request"
    _inherit = ["customer.governed.mixin"]
    _description = "Sensitive Data Access Request"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        help="The customer whose sensitive details are asked for (its contact persons come with it).",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
    reason = fields.Text(required=True, help="Why you need these details; the manager decides on it.")
    state = fields.Selection(STATES, required=True, default="requested", index=True)
    approver_id = fields.Many2one("res.users", string="Decided By", ondelete="set null")
    decided_at = fields.Datetime(string="Decided On")
    expires_at = fields.Datetime(
        string="Access Until",
        help="The approved access ends then. Empty until a manager approves (default: the number of "
        "days of the system parameter addon_customer_info.access_grant_days, 7 if unset).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    # the database's guard against two open requests made at the same moment (create() says why
    # in words before it comes to this)
    _one_open_request = models.UniqueIndex(
        "(user_id, partner_id) WHERE state IN ('requested', 'approved')",
        "You have an open access request for this customer already.",
    )

    @api.depends("partner_id", "user_id")
    def _compute_display_name(self):
        for request in self:
            request.display_name = self.env._(
                "%(user)s: %(customer)s",
                user=request.user_id.name or "",
                customer=request.partner_id.name or "",
            )

    # ------------------------------------------------------------
    # CRUD: the requester asks for themselves; the steps set the rest
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._ci_check_request_vals(vals)
        for vals in vals_list:
            if vals.get("partner_id"):
                # sudo: finds the customer a contact person belongs to, by id only
                partner = self.env["res.partner"].sudo().browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        self._ci_check_no_open_request(vals_list)
        return super().create(vals_list)

    @api.model
    def _ci_open_request(self, partner, user=None):
        """The open request of ``user`` (default: the current user) for ``partner``'s customer,
        if any. Approved requests whose time is over are marked expired first: they are not open
        any more, whether the daily job ran or not."""
        user = user or self.env.user
        customer = partner.commercial_partner_id
        # sudo: the requester's own requests for one customer, whatever the company they were
        # made in (one open request per person and customer); only the record is returned, and
        # the callers show it to its requester only
        requests = self.sudo().search(
            [("user_id", "=", user.id), ("partner_id", "=", customer.id), ("state", "in", OPEN_STATES)]
        )
        ended = requests.filtered(
            lambda request: request.state == "approved"
            and request.expires_at
            and request.expires_at <= self.env.cr.now()
        )
        ended.write({"state": "expired"})
        # the database's index must see them closed before a new request is inserted
        ended.flush_recordset(["state"])
        return (requests - ended)[:1]

    @api.model
    def _ci_check_no_open_request(self, vals_list):
        seen = set()
        for vals in vals_list:
            partner = self.env["res.partner"].browse(vals.get("partner_id"))
            user = self.env["res.users"].browse(vals.get("user_id", self.env.uid))
            if not partner or vals.get("state", "requested") not in OPEN_STATES:
                continue
            pair = (user.id, partner.id)
            existing = self._ci_open_request(partner, user)
            if existing or pair in seen:
                raise UserError(
                    self.env._(
                        "You have an open access request for %(customer)s already (%(state)s, asked on "
                        "%(date)s): open it from Customer Information > Privacy > Access Requests "
                        "instead of asking again.",
                        customer=partner.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env)).get(
                            existing.state or "requested"
                        ),
                        date=format_date(self.env, existing.create_date or self.env.cr.now()),
                    )
                )
            seen.add(pair)

    @api.model
    def _ci_check_request_vals(self, vals):
        user = self.env.user
        if vals.get("user_id", user.id) != user.id:
            raise AccessError(
                self.env._("You may ask for access for yourself only; leave “Requested By” as it is.")
            )
        decided = {
            name: value
            for name, value in vals.items()
            if name not in USER_FIELDS | {"user_id", "company_id"} and value and value != "requested"
        }
        if decided:
            raise AccessError(
                self.env._("A new request has a customer and a reason only; a manager decides on the rest.")
            )
        if not user.has_group(SENSITIVE_GROUP):
            raise UserError(
                self.env._(
                    "Access requests widen the Sensitive Personal Data / Own Customers level to one more "
                    "customer. Ask an administrator to give you that level first."
                )
            )
        if user.has_group(SENSITIVE_ALL_GROUP):
            raise UserError(self.env._("You see the sensitive details of every customer already."))
        partner = self.env["res.partner"].browse(vals.get("partner_id"))
        if partner and not partner._ci_foreign_records():
            raise UserError(
                self.env._(
                    "%(customer)s is your customer already: you see its sensitive details.",
                    customer=partner.display_name,
                )
            )

    def write(self, vals):
        if not self.env.su and vals:
            allowed = MANAGER_FIELDS if self.env.user.has_group(MANAGER_GROUP) else frozenset()
            if not allowed.issuperset(vals):
                raise AccessError(
                    self.env._(
                        "A request changes through its buttons (approve, refuse, revoke, withdraw); "
                        "a manager may set when the access ends."
                    )
                )
            if self.filtered(lambda request: request.user_id == self.env.user):
                raise AccessError(self.env._("You cannot change your own request; another manager decides."))
            if self.filtered(lambda request: request.state not in ("requested", "approved")):
                raise UserError(self.env._("This request is closed; ask for access again instead."))
        return super().write(vals)

    # ------------------------------------------------------------
    # STEPS
    # ------------------------------------------------------------

    def _ci_check_decider(self, states):
        # whether a contact's details are hidden is cached per user: the decision changes it
        self.env["res.partner"].invalidate_model(["ci_sensitive_hidden"])
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a Customer Information manager decides on access requests."))
        if self.filtered(lambda request: request.user_id == self.env.user):
            raise AccessError(self.env._("You cannot decide on your own request; another manager does."))
        if self.filtered(lambda request: request.state not in states):
            raise UserError(self.env._("This request was decided already; refresh the page to see how."))

    def _ci_grant_until(self):
        # sudo: reads one configuration value (the default length of a grant), not customer data
        value = self.env["ir.config_parameter"].sudo().get_param(GRANT_DAYS_PARAM)
        try:
            days = int(value) if value else DEFAULT_GRANT_DAYS
        except ValueError:
            days = DEFAULT_GRANT_DAYS
        return self.env.cr.now() + datetime.timedelta(days=max(days, 1))

    def action_approve(self):
        self._ci_check_decider(("requested",))
        now = self.env.cr.now()
        for request in self:
            expires_at = request.expires_at or self._ci_grant_until()
            if expires_at <= now:
                raise UserError(self.env._("“Access Until” is in the past; set a later date, then approve."))
            # sudo: the state, decider and dates are set by this step only (checked above: a
            # manager, not the requester); the audit log records the manager as the one acting
            request.sudo().write(
                {
                    "state": "approved",
                    "approver_id": self.env.uid,
                    "decided_at": now,
                    "expires_at": expires_at,
                }
            )
        return True

    def action_refuse(self):
        self._ci_check_decider(("requested",))
        # sudo: see action_approve
        self.sudo().write({"state": "refused", "approver_id": self.env.uid, "decided_at": self.env.cr.now()})
        return True

    def action_revoke(self):
        self._ci_check_decider(("approved",))
        # sudo: see action_approve; the access ends now
        self.sudo().write({"state": "revoked", "approver_id": self.env.uid, "expires_at": self.env.cr.now()})
        return True

    def action_withdraw(self):
        """The requester takes back a request that waits for the decision."""
        if self.filtered(lambda request: request.user_id != self.env.user):
            raise AccessError(self.env._("Only the person who asked may withdraw a request."))
        if self.filtered(lambda request: request.state != "requested"):
            raise UserError(
                self.env._(
                    "Only a request that waits for the decision can be withdrawn; a manager revokes "
                    "approved access."
                )
            )
        # sudo: the requester may not write the state (see write()); this step sets it, for their
        # own pending requests only (checked above), and the audit log records them as acting
        self.sudo().write({"state": "withdrawn", "decided_at": self.env.cr.now()})
        return True

    @api.model
    def _cron_expire(self):
        """Mark the approved requests whose time is over as expired (their access ended already:
        ``_ci_own_domain`` compares ``expires_at`` with the time of each read)."""
        # sudo: the daily job closes every company's ended grants
        ended = self.sudo().search([("state", "=", "approved"), ("expires_at", "<=", self.env.cr.now())])
        ended.write({"state": "expired"})
        return len(ended)
