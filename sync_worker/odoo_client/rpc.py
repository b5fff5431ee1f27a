"""The odoorpc transport (JSON-RPC): deprecated by Odoo 19 and removed in Odoo 20.

Kept so that installations still on it keep working; the JSON-2 transport is the default.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import odoorpc

from sync_worker.config import Settings
from sync_worker.errors import FatalError, RetriableError
from sync_worker.odoo_client.base import OdooHealth, check_with

#: Odoo errors (by class name) that a later attempt may not meet: locks and serialisation
#: conflicts (PostgreSQL 40001 after Odoo's own retries), lost connections to PostgreSQL
RETRIABLE_ERRORS = frozenset(
    {"LockError", "ConcurrencyError", "SerializationFailure", "TransactionRollbackError", "OperationalError"}
)


def _error_name(exc: odoorpc.error.RPCError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    data = info.get("data")
    return str(data.get("name") or "") if isinstance(data, dict) else ""


class OdoorpcClient:
    def __init__(self, settings: Settings):
        secret = settings.odoo_secret
        if not secret:
            raise FatalError("the odoorpc transport needs ODOO_API_KEY or ODOO_PASSWORD")
        parts = urlsplit(settings.odoo_url)
        ssl = parts.scheme == "https"
        self._base = settings.odoo_url
        self._db = settings.odoo_db
        self._login = settings.odoo_login
        self._secret = secret
        self._odoo: odoorpc.ODOO | None = None
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if ssl else 80)
        self._protocol = "jsonrpc+ssl" if ssl else "jsonrpc"
        self._timeout = settings.odoo_timeout

    def _connect(self) -> odoorpc.ODOO:
        if self._odoo is None:
            try:
                odoo = odoorpc.ODOO(
                    self._host, protocol=self._protocol, port=self._port, timeout=self._timeout
                )
                odoo.login(self._db, self._login, self._secret)
            except (urllib.error.URLError, OSError) as exc:
                raise RetriableError(f"Odoo at {self._host}:{self._port} is unreachable: {exc}") from exc
            except odoorpc.error.RPCError as exc:
                raise FatalError(f"Odoo refused the login of {self._login!r} on {self._db!r}") from exc
            self._odoo = odoo
        return self._odoo

    def server_version(self) -> str:
        try:
            with urllib.request.urlopen(  # noqa: S310 - ODOO_URL is checked to be http(s)
                f"{self._base}/json/version", timeout=self._timeout
            ) as response:
                return str(json.load(response)["version"])
        except (urllib.error.URLError, OSError) as exc:
            raise RetriableError(f"Odoo at {self._host}:{self._port} is unreachable: {exc}") from exc

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        odoo = self._connect()
        args: list[Any] = [ids] if ids else []
        try:
            return odoo.execute_kw(model, method, args, kwargs)
        except odoorpc.error.RPCError as exc:
            name = _error_name(exc)
            if name.rsplit(".", 1)[-1] in RETRIABLE_ERRORS:
                raise RetriableError(f"{model}.{method}: {exc} ({name})") from exc
            raise FatalError(f"{model}.{method}: {exc}") from exc
        except (urllib.error.URLError, OSError) as exc:
            self._odoo = None
            raise RetriableError(f"{model}.{method}: Odoo is unreachable ({exc})") from exc

    def check(self) -> OdooHealth:
        return check_with(self, self._db)
