"""19.0.1.1.0: the consent ledger keeps its current state in ``customer.consent.current``; fill
it from the events recorded before the upgrade."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    rows = env["customer.consent.current"]._rebuild()
    _logger.info("customer.consent.current: %s current consent rows computed from the ledger", rows)
