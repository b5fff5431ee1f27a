"""docker-compose.yml: valid by the Compose Specification, and in agreement with the worker.

There is no Docker engine on the machines that run these tests, so the file is checked
statically: against the Compose Specification JSON schema (as vendored by check-jsonschema)
and against the worker's own configuration.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from sync_worker.cli import main as cli
from sync_worker.config import ENV_VARS, SECRETS

ROOT = Path(__file__).resolve().parents[2]
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?:[:?-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_valid_by_the_compose_specification(compose: dict) -> None:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    jsonschema.validate(compose, schema)
    broken = {**compose, "services": {"odoo": {"image": "odoo:19.0", "ports": {"bad": True}}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_services_healthchecks_and_volumes(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "odoo", "worker-key", "worker", "beat"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["odoo"]["image"] == "odoo:19.0"
    for name in ("worker", "beat"):
        assert services[name]["build"] == "."
    used = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }
    assert used == set(compose["volumes"]), "named volumes declared and used must agree"


def test_the_addon_is_mounted_and_installed_on_first_start(compose: dict) -> None:
    odoo = compose["services"]["odoo"]
    assert any(
        v.startswith("./addon_customer_info:/mnt/extra-addons/addon_customer_info") for v in odoo["volumes"]
    )
    assert "--init=addon_customer_info" in odoo["command"]
    assert (ROOT / "addon_customer_info" / "__manifest__.py").is_file()


def test_odoo_runs_the_scheduled_jobs(compose: dict) -> None:
    """The addon's reminders, consent-link clean-up and audit retention are ir.cron jobs: the
    served Odoo needs cron threads, for the one database it serves."""
    command = compose["services"]["odoo"]["command"]
    threads = [int(arg.split("=", 1)[1]) for arg in command if arg.startswith("--max-cron-threads=")]
    assert threads and threads[-1] > 0, command
    assert any(arg.startswith("--database=") for arg in command), "cron threads serve --database"


def test_worker_configuration_agrees_with_the_worker(compose: dict) -> None:
    services = compose["services"]
    for name in ("worker", "beat"):
        env = services[name]["environment"]
        known = set(ENV_VARS) | {f"{secret}_FILE" for secret in SECRETS}
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables the worker does not read: {unknown}"
        broker = urlsplit(env["CUSTOMER_SYNC_BROKER_URL"])
        assert broker.hostname in services and broker.port == 6379
        odoo = urlsplit(env["ODOO_URL"])
        assert odoo.hostname == "odoo"
        assert any(str(p).endswith(f":{odoo.port}") for p in services["odoo"]["ports"])
        assert env["ODOO_DB"] == "${ODOO_DB:-customer_info}"
        # the integration user, with the key that worker-key made: no secret in .env
        assert env["ODOO_LOGIN"] == "customer_sync_worker"
        assert "ODOO_API_KEY" not in env
        assert env["ODOO_API_KEY_FILE"].startswith("/run/customer-sync/")
        assert services[name]["depends_on"]["worker-key"]["condition"] == "service_completed_successfully"
        assert "--database=${ODOO_DB:-customer_info}" in services["odoo"]["command"]
    subcommands = set(cli.commands)
    assert services["worker"]["command"][0] in subcommands
    assert services["beat"]["command"][0] in subcommands
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["customer-sync"]' in dockerfile


def test_env_example_covers_every_interpolated_variable_and_holds_no_secret(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(INTERPOLATION.findall(text))
    example = _env_example()
    assert interpolated <= set(example), f"missing from .env.example: {interpolated - set(example)}"
    for name in example:
        assert name in ENV_VARS or name in interpolated, f".env.example sets unused {name}"
    for secret in ("POSTGRES_PASSWORD", "ODOO_API_KEY", "ODOO_PASSWORD"):
        assert not example.get(secret), f".env.example must not carry a value for {secret}"
    assert "${POSTGRES_PASSWORD:?" in text, "compose must refuse to start without a password"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_integration_key_is_made_once_on_a_private_volume(compose: dict) -> None:
    key = compose["services"]["worker-key"]
    assert key["image"] == "odoo:19.0"
    mounted = {v.split(":")[0]: v.split(":")[1] for v in key["volumes"]}
    script = ROOT / mounted["./deploy/integration_api_key.py"].replace("/opt/customer-sync", "deploy")
    assert script.is_file()
    assert "customer_sync_worker" in script.read_text()
    body = key["command"][0]
    assert 'if [ ! -s "$$key" ]' in body, "a key that exists is kept, not replaced on every start"
    assert "chmod 600" in body and "chown 10001" in body
    assert "--uid 10001" in (ROOT / "Dockerfile").read_text()
    for name in ("worker", "beat"):
        assert "worker-secrets:/run/customer-sync:ro" in compose["services"][name]["volumes"]
