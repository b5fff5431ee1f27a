from __future__ import annotations

from pathlib import Path

import pytest

from sync_worker.config import ENV_VARS, Settings, redact_url
from sync_worker.errors import ConfigError


def test_defaults_work_without_any_variable() -> None:
    settings = Settings.from_env({})
    assert settings.broker_url == "redis://localhost:6379/0"
    assert settings.odoo_transport == "json2"
    assert settings.default_region == "CN"
    assert settings.result_backend is None
    assert settings.odoo_secret is None


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as excinfo:
        Settings.from_env(
            {
                "CUSTOMER_SYNC_BROKER_URL": "http://nope",
                "ODOO_TRANSPORT": "xmlrpc",
                "CUSTOMER_SYNC_CHECK_INTERVAL": "often",
                "CUSTOMER_SYNC_DEFAULT_REGION": "China",
                "ODOO_TIMEOUT": "-1",
            }
        )
    names = " ".join(excinfo.value.problems)
    for name in (
        "CUSTOMER_SYNC_BROKER_URL",
        "ODOO_TRANSPORT",
        "CUSTOMER_SYNC_CHECK_INTERVAL",
        "CUSTOMER_SYNC_DEFAULT_REGION",
        "ODOO_TIMEOUT",
    ):
        assert name in names
    assert len(excinfo.value.problems) == 5


def test_secrets_never_appear_in_repr_or_errors() -> None:
    settings = Settings.from_env(
        {
            "ODOO_API_KEY": "k3y-s3cr3t",
            "CUSTOMER_SYNC_BROKER_URL": "amqp://user:pa55word@rabbit:5672//",
        }
    )
    shown = repr(settings) + str(settings)
    assert "k3y-s3cr3t" not in shown
    assert "pa55word" not in shown
    assert "amqp://user:***@rabbit:5672//" in shown
    assert settings.odoo_secret == "k3y-s3cr3t"
    with pytest.raises(ConfigError) as excinfo:
        Settings.from_env({"CUSTOMER_SYNC_BROKER_URL": "ftp://user:pa55word@host"})
    assert "pa55word" not in str(excinfo.value)


def test_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    assert Settings.from_env({"ODOO_API_KEY_FILE": str(secret)}).odoo_api_key == "from-file"
    with pytest.raises(ConfigError, match="ODOO_API_KEY_FILE: cannot read"):
        Settings.from_env({"ODOO_API_KEY_FILE": str(tmp_path / "missing")})


def test_json2_needs_an_api_key_not_a_password() -> None:
    with pytest.raises(ConfigError, match="ODOO_API_KEY"):
        Settings.from_env({"ODOO_TRANSPORT": "json2", "ODOO_PASSWORD": "x"})
    assert Settings.from_env({"ODOO_TRANSPORT": "odoorpc", "ODOO_PASSWORD": "x"}).odoo_secret == "x"


def test_redact_url() -> None:
    assert redact_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
    assert redact_url("redis://:pw@localhost:6379/0") == "redis://:***@localhost:6379/0"


def test_every_documented_variable_has_a_meaning() -> None:
    assert all(meaning for _default, meaning in ENV_VARS.values())
    readme = Path(__file__).parents[2].joinpath("README.md").read_text()
    missing = [name for name in ENV_VARS if f"| `{name}` |" not in readme]
    assert not missing, f"the README's configuration table does not describe {missing}"


def test_cache_dir_defaults_to_the_users_cache_and_expands_home(tmp_path: Path) -> None:
    assert Settings.from_env({}).cache_dir == Path("~/.cache/customer-sync").expanduser()
    assert Settings.from_env({"CUSTOMER_SYNC_CACHE_DIR": str(tmp_path)}).cache_dir == tmp_path
    assert "~" not in str(Settings.from_env({"CUSTOMER_SYNC_CACHE_DIR": "~/x"}).cache_dir)


def test_batch_size_and_retry_policy_have_production_defaults_and_are_checked() -> None:
    settings = Settings.from_env({})
    assert (settings.batch_rows, settings.retry_max) == (500, 8)
    assert (settings.retry_backoff, settings.retry_backoff_max) == (5.0, 600.0)
    small = Settings.from_env(
        {
            "CUSTOMER_SYNC_BATCH_ROWS": "50",
            "CUSTOMER_SYNC_RETRY_MAX": "0",
            "CUSTOMER_SYNC_RETRY_BACKOFF": "0.5",
            "CUSTOMER_SYNC_RETRY_BACKOFF_MAX": "2",
        }
    )
    assert (small.batch_rows, small.retry_max, small.retry_backoff, small.retry_backoff_max) == (
        50,
        0,
        0.5,
        2.0,
    )
    with pytest.raises(ConfigError) as error:
        Settings.from_env(
            {
                "CUSTOMER_SYNC_BATCH_ROWS": "5001",
                "CUSTOMER_SYNC_RETRY_MAX": "-1",
                "CUSTOMER_SYNC_RETRY_BACKOFF": "0",
                "CUSTOMER_SYNC_RETRY_BACKOFF_MAX": "soon",
            }
        )
    assert len(error.value.problems) == 4, error.value.problems
    assert "CUSTOMER_SYNC_BATCH_ROWS=5001 must be at most 5000" in error.value.problems
    with pytest.raises(ConfigError, match="must not exceed CUSTOMER_SYNC_RETRY_BACKOFF_MAX"):
        Settings.from_env({"CUSTOMER_SYNC_RETRY_BACKOFF": "700"})
