"""The only place that talks to Odoo.

One small :class:`OdooClient` protocol with two transports: Odoo 19's JSON-2 API
(``/json/2/<model>/<method>`` with an API key; the default) and odoorpc (JSON-RPC, which
Odoo 19 deprecates and Odoo 20 removes). Tasks and the CLI receive a client from
:func:`make_client` and never import a transport themselves.
"""

from __future__ import annotations

from sync_worker.config import Settings
from sync_worker.odoo_client.base import ADDON, OdooClient, OdooHealth
from sync_worker.odoo_client.json2 import Json2Client
from sync_worker.odoo_client.rpc import OdoorpcClient
from sync_worker.odoo_client.sync_api import SyncApi

__all__ = ["ADDON", "Json2Client", "OdooClient", "OdooHealth", "OdoorpcClient", "SyncApi", "make_client"]


def make_client(settings: Settings) -> OdooClient:
    """The client for the configured transport (ODOO_TRANSPORT)."""
    if settings.odoo_transport == "odoorpc":
        return OdoorpcClient(settings)
    return Json2Client(settings)
