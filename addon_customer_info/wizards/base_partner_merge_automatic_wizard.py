from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge goes through the addon's safe merge, so that there is no way around it.

    Every path of Odoo's wizard (the contacts' *Merge* action, the deduplication screens, the
    automatic merge) calls :meth:`_merge`; here it hands the contacts to
    ``customer.merge.journal._merge``, which moves every linked row instead of deleting the ones
    that clash, archives the merged contacts instead of deleting them, journals everything for an
    undo, and is for customer information managers only. Odoo's limit of three contacts does not
    apply; the destination is the one chosen in the wizard, else Odoo's own choice (the oldest active
    contact).
    """

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        Journal = self.env["customer.merge.journal"]
        Journal._check_manager()
        partners = self.env["res.partner"].with_context(active_test=False).browse(partner_ids).exists()
        if len(partners) < 2:
            return
        if not dst_partner or dst_partner not in partners:
            dst_partner = self._get_ordered_partner(partners.ids)[-1]
        Journal._merge(partners, dst_partner)
