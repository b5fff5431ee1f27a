"""Configuration of the sync worker, read once from environment variables.

Every variable has a sane default for a developer machine except the Odoo credential.
:meth:`Settings.from_env` reports every problem at once, and secrets never appear in
``repr()``, logs or error messages. A secret can also be given as a file (Docker secrets):
``ODOO_API_KEY_FILE=/run/secrets/odoo_api_key``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sync_worker.errors import ConfigError

TRANSPORTS = ("json2", "odoorpc")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_BATCH_ROWS = 5000  # the largest batch Odoo's apply_batch takes
SECRETS = ("ODOO_API_KEY", "ODOO_PASSWORD")

#: Every environment variable the worker reads, with its default and meaning.
#: docs/operations.md, .env.example and docker-compose.yml are checked against it.
ENV_VARS: dict[str, tuple[str, str]] = {
    "CUSTOMER_SYNC_BROKER_URL": ("redis://localhost:6379/0", "Celery broker (Redis or RabbitMQ amqp://)"),
    "CUSTOMER_SYNC_RESULT_BACKEND": ("", "Celery result backend; empty: results are not stored"),
    "CUSTOMER_SYNC_QUEUE": ("customer_sync", "queue the worker consumes"),
    "CUSTOMER_SYNC_CHECK_INTERVAL": ("300", "seconds between beat's Odoo health checks; 0 disables"),
    "CUSTOMER_SYNC_DEFAULT_REGION": ("CN", "region for phone numbers without a country code"),
    "CUSTOMER_SYNC_LOG_LEVEL": ("INFO", "log level of the worker"),
    "CUSTOMER_SYNC_CACHE_DIR": (
        "~/.cache/customer-sync",
        "folder of the cached match index (one sub-folder per Odoo database); safe to delete",
    ),
    "CUSTOMER_SYNC_BATCH_ROWS": (
        "500",
        "rows per apply_batch call (1 to 5000): a run checkpoints, cancels and resumes per batch",
    ),
    "CUSTOMER_SYNC_RETRY_MAX": (
        "8",
        "retries of a run that keeps failing at the same batch (Odoo or network errors) before it fails",
    ),
    "CUSTOMER_SYNC_RETRY_BACKOFF": ("5", "seconds before the first retry; doubled for each further one"),
    "CUSTOMER_SYNC_RETRY_BACKOFF_MAX": ("600", "longest wait between two retries, in seconds"),
    "ODOO_URL": ("http://localhost:8069", "base URL of Odoo"),
    "ODOO_DB": ("customer_info", "Odoo database"),
    "ODOO_LOGIN": ("admin", "Odoo user the worker acts as (odoorpc transport)"),
    "ODOO_API_KEY": ("", "API key of that user (secret); preferred over ODOO_PASSWORD"),
    "ODOO_PASSWORD": ("", "password of that user (secret; odoorpc transport only)"),
    "ODOO_TRANSPORT": ("json2", "json2 (Odoo 19 JSON-2 API) or odoorpc (JSON-RPC, removed in Odoo 20)"),
    "ODOO_TIMEOUT": ("60", "seconds before an Odoo call times out"),
}


def redact_url(url: str) -> str:
    """``amqp://guest:secret@host//`` -> ``amqp://guest:***@host//``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Settings:
    broker_url: str
    result_backend: str | None
    queue: str
    check_interval: int
    default_region: str
    log_level: str
    odoo_url: str
    odoo_db: str
    odoo_login: str
    odoo_transport: str
    odoo_timeout: float
    cache_dir: Path = field(default_factory=lambda: Path("~/.cache/customer-sync").expanduser())
    batch_rows: int = 500
    retry_max: int = 8
    retry_backoff: float = 5.0
    retry_backoff_max: float = 600.0
    odoo_api_key: str | None = field(default=None, repr=False)
    odoo_password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("odoo_api_key", "odoo_password"):
                value = "***" if value else None
            elif f.name in ("broker_url", "result_backend") and value:
                value = redact_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    @property
    def odoo_secret(self) -> str | None:
        return self.odoo_api_key or self.odoo_password

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def get(name: str) -> str:
            file_var = f"{name}_FILE"
            if name in SECRETS and env.get(file_var):
                try:
                    return Path(env[file_var]).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    problems.append(f"{file_var}: cannot read the file ({exc.strerror})")
                    return ""
            return env.get(name, ENV_VARS[name][0]).strip()

        def integer(name: str, minimum: int) -> int:
            raw = get(name)
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{name}={raw!r} is not a whole number")
                return int(ENV_VARS[name][0])
            if value < minimum:
                problems.append(f"{name}={value} must be at least {minimum}")
            return value

        def seconds(name: str) -> float:
            raw = get(name)
            try:
                value = float(raw)
                if not value > 0 or value == float("inf"):
                    raise ValueError
            except ValueError:
                problems.append(f"{name}={raw!r} must be a positive number of seconds")
                return float(ENV_VARS[name][0])
            return value

        broker_url = get("CUSTOMER_SYNC_BROKER_URL")
        if urlsplit(broker_url).scheme not in ("redis", "rediss", "amqp", "amqps", "pyamqp"):
            problems.append(
                f"CUSTOMER_SYNC_BROKER_URL={redact_url(broker_url)!r} must be a redis:// or amqp:// URL"
            )
        odoo_url = get("ODOO_URL").rstrip("/")
        if urlsplit(odoo_url).scheme not in ("http", "https") or not urlsplit(odoo_url).hostname:
            problems.append(f"ODOO_URL={odoo_url!r} must be an http(s):// URL")
        transport = get("ODOO_TRANSPORT").lower()
        if transport not in TRANSPORTS:
            problems.append(f"ODOO_TRANSPORT={transport!r} must be one of {', '.join(TRANSPORTS)}")
        log_level = get("CUSTOMER_SYNC_LOG_LEVEL").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"CUSTOMER_SYNC_LOG_LEVEL={log_level!r} must be one of {', '.join(LOG_LEVELS)}")
        region = get("CUSTOMER_SYNC_DEFAULT_REGION").upper()
        if len(region) != 2 or not region.isalpha():
            problems.append(f"CUSTOMER_SYNC_DEFAULT_REGION={region!r} must be a two-letter country code")
        api_key, password = get("ODOO_API_KEY"), get("ODOO_PASSWORD")
        if transport == "json2" and password and not api_key:
            problems.append("ODOO_TRANSPORT=json2 authenticates with ODOO_API_KEY, not ODOO_PASSWORD")
        try:
            timeout = float(get("ODOO_TIMEOUT"))
            if timeout <= 0:
                raise ValueError
        except ValueError:
            problems.append(f"ODOO_TIMEOUT={get('ODOO_TIMEOUT')!r} must be a positive number of seconds")
            timeout = float(ENV_VARS["ODOO_TIMEOUT"][0])
        batch_rows = integer("CUSTOMER_SYNC_BATCH_ROWS", 1)
        if batch_rows > MAX_BATCH_ROWS:
            problems.append(f"CUSTOMER_SYNC_BATCH_ROWS={batch_rows} must be at most {MAX_BATCH_ROWS}")
        backoff, backoff_max = (
            seconds("CUSTOMER_SYNC_RETRY_BACKOFF"),
            seconds("CUSTOMER_SYNC_RETRY_BACKOFF_MAX"),
        )
        if backoff > backoff_max:
            problems.append(
                f"CUSTOMER_SYNC_RETRY_BACKOFF={backoff:g} must not exceed "
                f"CUSTOMER_SYNC_RETRY_BACKOFF_MAX={backoff_max:g}"
            )
        settings = cls(
            broker_url=broker_url,
            result_backend=get("CUSTOMER_SYNC_RESULT_BACKEND") or None,
            queue=get("CUSTOMER_SYNC_QUEUE") or "customer_sync",
            check_interval=integer("CUSTOMER_SYNC_CHECK_INTERVAL", 0),
            default_region=region,
            log_level=log_level,
            odoo_url=odoo_url,
            odoo_db=get("ODOO_DB"),
            odoo_login=get("ODOO_LOGIN"),
            odoo_transport=transport,
            odoo_timeout=timeout,
            cache_dir=Path(
                get("CUSTOMER_SYNC_CACHE_DIR") or ENV_VARS["CUSTOMER_SYNC_CACHE_DIR"][0]
            ).expanduser(),
            batch_rows=batch_rows,
            retry_max=integer("CUSTOMER_SYNC_RETRY_MAX", 0),
            retry_backoff=backoff,
            retry_backoff_max=backoff_max,
            odoo_api_key=api_key or None,
            odoo_password=password or None,
        )
        if problems:
            raise ConfigError(problems)
        return settings
