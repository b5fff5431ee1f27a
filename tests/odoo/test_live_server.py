"""End-to-end: the worker's Odoo client and CLI against a live Odoo 19 over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest

from sync_worker.config import Settings
from sync_worker.errors import FatalError
from sync_worker.odoo_client import Json2Client, OdoorpcClient, make_client
from tests import harness


def _settings(server: harness.LiveOdoo, **env: str) -> Settings:
    return Settings.from_env(
        {"ODOO_URL": server.url, "ODOO_DB": server.db, "ODOO_LOGIN": server.login, **env}
    )


@pytest.fixture(params=["odoorpc", "json2"])
def client_settings(request, odoo_server: harness.LiveOdoo) -> Settings:
    """The same tests run on both transports."""
    if request.param == "json2":
        key = request.getfixturevalue("odoo_api_key")
        return _settings(odoo_server, ODOO_TRANSPORT="json2", ODOO_API_KEY=key)
    return _settings(odoo_server, ODOO_TRANSPORT="odoorpc", ODOO_PASSWORD=odoo_server.password)


def test_login_page_is_served(odoo_server: harness.LiveOdoo) -> None:
    with urllib.request.urlopen(f"{odoo_server.url}/web/login", timeout=30) as response:  # noqa: S310
        body = response.read().decode()
    assert response.status == 200
    assert 'name="login"' in body


def test_client_sees_odoo_19_with_the_addon_installed(client_settings: Settings) -> None:
    client = make_client(client_settings)
    expected = Json2Client if client_settings.odoo_transport == "json2" else OdoorpcClient
    assert isinstance(client, expected)
    health = client.check()
    assert health.server_version.startswith("19.0")
    assert health.addon_state == "installed"
    assert health.ok


def test_wrong_credentials_are_a_fatal_error(odoo_server: harness.LiveOdoo) -> None:
    for env in (
        {"ODOO_TRANSPORT": "json2", "ODOO_API_KEY": "0" * 40},
        {"ODOO_TRANSPORT": "odoorpc", "ODOO_PASSWORD": "not-the-password"},
    ):
        with pytest.raises(FatalError) as excinfo:
            make_client(_settings(odoo_server, **env)).check()
        assert "not-the-password" not in str(excinfo.value)
        assert "0" * 40 not in str(excinfo.value)


def test_cli_check_reports_broker_and_odoo(
    odoo_server: harness.LiveOdoo, odoo_api_key: str, redis_url: str
) -> None:
    env = {
        **os.environ,
        "ODOO_URL": odoo_server.url,
        "ODOO_DB": odoo_server.db,
        "ODOO_API_KEY": odoo_api_key,
        "CUSTOMER_SYNC_BROKER_URL": redis_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "sync_worker.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broker  ok" in done.stdout
    assert "addon_customer_info installed" in done.stdout
    assert odoo_api_key not in done.stdout + done.stderr
