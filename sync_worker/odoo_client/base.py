"""What every Odoo transport offers, and what they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sync_worker.errors import FatalError

ADDON = "addon_customer_info"


@dataclass(frozen=True)
class OdooHealth:
    server_version: str
    database: str
    addon_state: str  # "installed", "uninstalled", "to upgrade", … or "missing"

    @property
    def ok(self) -> bool:
        return self.addon_state == "installed"


class OdooClient(Protocol):
    """A connection to one Odoo database as one user."""

    def server_version(self) -> str:
        """Odoo's version string (no authentication needed)."""
        ...

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call a public model method with keyword arguments."""
        ...

    def check(self) -> OdooHealth:
        """Authenticate and report whether the addon is installed."""
        ...


def check_with(client: OdooClient, database: str) -> OdooHealth:
    """The shared body of ``check()``: version, then the addon's state as the user sees it."""
    version = client.server_version()
    if not version.startswith("19."):
        raise FatalError(f"Odoo at this URL is version {version}; the worker needs Odoo 19")
    rows = client.call("ir.module.module", "search_read", domain=[("name", "=", ADDON)], fields=["state"])
    state = rows[0]["state"] if rows else "missing"
    return OdooHealth(server_version=version, database=database, addon_state=state)
