"""Odoo 19's JSON-2 API: ``POST /json/2/<model>/<method>`` with a bearer API key."""

from __future__ import annotations

from typing import Any

import requests

from sync_worker.config import Settings
from sync_worker.errors import FatalError, RetriableError
from sync_worker.odoo_client.base import OdooHealth, check_with

#: HTTP statuses worth retrying besides 5xx: conflicts (LockError) and rate limits
RETRIABLE_STATUS = frozenset({408, 409, 425, 429})


class Json2Client:
    def __init__(self, settings: Settings, session: requests.Session | None = None):
        if not settings.odoo_api_key:
            raise FatalError("the json2 transport needs ODOO_API_KEY (an API key of the Odoo user)")
        self._url = settings.odoo_url
        self._db = settings.odoo_db
        self._timeout = settings.odoo_timeout
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {settings.odoo_api_key}",
                "X-Odoo-Database": settings.odoo_db,
                "User-Agent": "customer-sync-worker",
            }
        )

    def server_version(self) -> str:
        try:
            response = self._session.get(f"{self._url}/json/version", timeout=self._timeout)
        except requests.RequestException as exc:
            raise RetriableError(f"Odoo at {self._url} is unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise RetriableError(f"Odoo at {self._url} answered {response.status_code} to /json/version")
        return str(response.json()["version"])

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        body: dict[str, Any] = dict(kwargs)
        if ids:
            body["ids"] = ids
        url = f"{self._url}/json/2/{model}/{method}"
        try:
            response = self._session.post(url, json=body, timeout=self._timeout)
        except requests.ConnectionError as exc:  # refused, reset, DNS; also a connect timeout
            raise RetriableError(f"{model}.{method}: Odoo is unreachable ({exc.__class__.__name__})") from exc
        except requests.Timeout as exc:
            # connected, but no answer in time: Odoo is overloaded or waits on a database lock
            raise RetriableError(
                f"{model}.{method}: Odoo did not answer within {self._timeout:g} s (ODOO_TIMEOUT)"
            ) from exc
        except requests.RequestException as exc:
            raise RetriableError(f"{model}.{method}: Odoo is unreachable ({exc.__class__.__name__})") from exc
        if response.status_code == 200:
            return response.json()
        message = _error_message(response)
        status = response.status_code
        if status == 401:
            raise FatalError(f"{model}.{method}: Odoo refused the API key ({message})")
        if status in RETRIABLE_STATUS or status >= 500:
            # 409: a lock or serialisation conflict; 5xx: Odoo down, overloaded or failing
            raise RetriableError(f"{model}.{method}: Odoo answered {status}: {message}")
        # 403 AccessError, 404 MissingError, 422 UserError/ValidationError, 400 bad arguments
        raise FatalError(
            f"{model}.{method}: {message}" if status == 422 else f"{model}.{method}: {message} ({status})"
        )

    def check(self) -> OdooHealth:
        return check_with(self, self._db)


def _error_message(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or "no details"
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("name") or payload)[:500]
    return str(payload)[:500]
