from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge, with the maintained consent state following the events it moves."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """The merge moves the merged contacts' consent events (and their current-state rows) to the
        kept contact by SQL, dropping rows that collide with the kept contact's: its current state
        is recomputed from the ledger afterwards."""
        result = super()._update_foreign_keys(src_partners, dst_partner)
        self.env["customer.consent.current"]._refresh_partners(src_partners | dst_partner)
        return result
