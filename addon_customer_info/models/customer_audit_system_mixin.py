from odoo import api, models
from odoo.exceptions import UserError

#: context key and sentinel that open the audit trail to the system's own writes; an object
#: cannot travel through RPC, so no client can set it
AUDIT_CONTEXT_KEY = "ci_audit_write"
AUDIT_SENTINEL = object()


class CustomerAuditSystemMixin(models.AbstractModel):
    """Written by the system only: create, write and unlink need access rights (no group has
    them) and the audit sentinel in the context (see ``customer.audit.log._as_system``)."""

    _name = "customer.audit.system.mixin"
    _description = "Audit Trail Written by the System Only"

    def _check_system_write(self, operation):
        """Access rights first (no group has write rights), then the system's own path only."""
        self.check_access(operation)
        if self.env.context.get(AUDIT_CONTEXT_KEY) is not AUDIT_SENTINEL:
            raise UserError(
                self.env._(
                    "The audit log cannot be changed: the system records its entries and purges "
                    "them after the retention period."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.browse()._check_system_write("create")
        return super().create(vals_list)

    def write(self, vals):
        self._check_system_write("write")
        return super().write(vals)

    def unlink(self):
        self._check_system_write("unlink")
        return super().unlink()
