"""Each function loads only what it uses: a fresh process per function, in Lambda's
environment with AWS on a moto server, imports the handler, handles one event, and lists the
modules it loaded. The webhook function never loads the delivery machinery (idempotency,
batch processing, the Pushwoosh client), delivery never loads the configuration, the providers
or the HTTP event handler, and at import neither loads boto3, pydantic or the configuration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_stack import moto_stack

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys

handler = __import__(sys.argv[1], fromlist=["lambda_handler"])
at_import = sorted(sys.modules)
from pushbridge_dev.devtools.events import LambdaContext  # noqa: E402 (after the measurement)
answer = handler.lambda_handler(json.loads(sys.argv[2]), LambdaContext())
print(json.dumps({"at_import": at_import, "loaded": sorted(sys.modules), "answer": answer}))
"""


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """AWS on a moto server in this process: the function's process loads nothing of moto."""
    with moto_stack() as (endpoint, stack):
        yield {"AWS_ENDPOINT_URL": endpoint, **stack}


def _run(module: str, event: dict, env: dict[str, str]) -> dict:
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "LAMBDA_TASK_ROOT": str(ROOT / "src"),
        "AWS_LAMBDA_FUNCTION_NAME": "pushbridge-test", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "POWERTOOLS_TRACE_DISABLED": "true",
        "PUSHWOOSH_APPLICATION": "ABCDE-12345", **env,
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, module, json.dumps(event)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded(modules: list[str], prefix: str) -> list[str]:
    return [m for m in modules if m == prefix or m.startswith(prefix + ".")]


@pytest.fixture(scope="module")
def ingest(aws) -> dict:
    return _first_webhook(aws)


def _first_webhook(env: dict[str, str]) -> dict:
    from pushbridge.providers import PROVIDERS
    from pushbridge_dev.devtools.events import http_api_event
    from pushbridge_dev.devtools.local_secrets import load_signing_secrets
    from tests.support.samples import payload_bytes

    body = payload_bytes("stripe", "invoice.paid")
    secret = load_signing_secrets()[0]["stripe"]
    import time

    event = http_api_event("stripe", body, PROVIDERS["stripe"].sign(body, secret, now=int(time.time())))
    return _run("pushbridge.handlers.ingest", event, env)


@pytest.fixture(scope="module")
def delivery(aws, pushwoosh_server) -> dict:
    from pushbridge.domain.mapping import map_event
    from pushbridge_dev.devtools.events import sqs_event_for
    from pushbridge_dev.devtools.samples import parse_sample
    from tests.support.presets import CONFIG
    from tests.support.samples import payload_bytes

    source = CONFIG.sources["stripe"]
    [event] = parse_sample(source, payload_bytes("stripe", "invoice.paid"), now=1)
    commands = map_event(source, event, received_at=1.0).commands
    return _run(
        "pushbridge.handlers.delivery", sqs_event_for(commands), aws | {"PUSHWOOSH_API_URL": pushwoosh_server.url}
    )


# Powertools' user-agent module imports botocore's (tiny) package; its sessions and clients are the weight.
HEAVY = ["boto3", "botocore.session", "botocore.client", "pydantic", "yaml", "pushbridge.config", "pushbridge.domain"]


@pytest.mark.parametrize("heavy", HEAVY)
@pytest.mark.parametrize("function", ["ingest", "delivery"])
def test_nothing_heavy_at_import(function, heavy, request):
    result = request.getfixturevalue(function)
    assert _loaded(result["at_import"], heavy) == []


def test_the_webhook_function_never_loads_the_delivery_machinery(ingest):
    assert ingest["answer"]["statusCode"] == 202
    for module in (
        "aws_lambda_powertools.utilities.idempotency", "aws_lambda_powertools.utilities.batch",
        "pushbridge.domain.delivery", "pushbridge.adapters.pushwoosh", "pushbridge.handlers.delivery",
    ):  # fmt: skip
        assert _loaded(ingest["loaded"], module) == [], module
    # Only the providers the configuration names... all of them, in the shipped file; but never
    # Apple's or Google's SDKs before one of their webhooks arrives.
    for sdk in ("appstoreserverlibrary", "google.auth", "jwt"):
        assert _loaded(ingest["loaded"], sdk) == [], sdk


def test_with_the_builds_json_beside_the_yaml_the_first_webhook_never_loads_pyyaml(aws, ingest, tmp_path):
    """An artifact carries pushbridge.yaml.json (scripts/build_function.py): PyYAML is a cold
    start cost the first webhook no longer pays. Without it (the dev tree) the YAML is parsed."""
    from pushbridge.config import built

    config = tmp_path / "pushbridge.yaml"
    shutil.copy2(ROOT / "src" / "pushbridge.yaml", config)
    assert built.write_beside(config)
    result = _first_webhook(aws | {"PUSHBRIDGE_CONFIG": str(config)})
    assert result["answer"]["statusCode"] == 202
    assert _loaded(result["loaded"], "yaml") == []
    assert _loaded(ingest["loaded"], "yaml") != []  # the same webhook, the dev tree's YAML


def test_delivery_never_loads_the_configuration_or_the_providers(delivery):
    assert delivery["answer"] == {"batchItemFailures": []}
    for module in (
        "pushbridge.config", "pushbridge.providers", "pushbridge.domain.ingest", "pushbridge.domain.mapping",
        "aws_lambda_powertools.event_handler", "yaml", "pushbridge.handlers.ingest",
    ):  # fmt: skip
        assert _loaded(delivery["loaded"], module) == [], module


def test_delivery_never_loads_pydantic(delivery):
    """Its queue messages are plain dataclasses and its environment is read without pydantic:
    pydantic and its core were a third of delivery's cold start over the baseline (issue 12)."""
    assert delivery["answer"] == {"batchItemFailures": []}
    assert _loaded(delivery["loaded"], "pydantic") == []
    assert _loaded(delivery["loaded"], "pydantic_core") == []


def test_the_first_webhook_validates_no_provider_options(ingest):
    """Options are validated with their source's first use (issue 12): a Stripe webhook on the
    shipped configuration (apple, googleplay, okta, kinde, hmac have options) loads none."""
    assert ingest["answer"]["statusCode"] == 202
    assert _loaded(ingest["loaded"], "pushbridge.providers.options") == []


def test_the_first_webhook_never_loads_pydantic(ingest):
    """The shipped configuration is plainly valid, so config/quick.py reads it and the pydantic
    schema is never imported; nor are the options models, the settings or the placeholder check
    (pydantic and the schema's models were ~0.35 of ingest's cold-start baseline, issue 12)."""
    assert ingest["answer"]["statusCode"] == 202
    assert _loaded(ingest["loaded"], "pydantic") == []
    assert _loaded(ingest["loaded"], "pydantic_core") == []
    assert _loaded(ingest["loaded"], "pushbridge.config.schema") == []


def test_the_first_webhook_never_loads_pyopenssl(ingest):
    """pyOpenSSL is installed for Apple's library; botocore would import it (and cryptography's
    X.509) on every cold start to build the standard SSLContext (handlers/__init__.py)."""
    assert ingest["answer"]["statusCode"] == 202
    for module in ("OpenSSL", "cryptography"):
        assert _loaded(ingest["loaded"], module) == [], module


# Every provider module, the intakes' settings, then the configuration as the intakes load it
# and the placeholder check: none loads pydantic, and nothing validates options.
PYDANTIC_FREE_INTAKE = r"""
import json, sys
from importlib import import_module
from pushbridge.providers import _WHERE
for where in _WHERE.values():
    import_module("pushbridge.providers." + where.partition(":")[0])
from pushbridge.settings import IngestSettings, TriggerSettings
settings = IngestSettings.from_env(); TriggerSettings.from_env()
before_config = sorted(sys.modules)
from pushbridge.config.loader import load_config
from pushbridge.config.placeholders import unusable_sources
config = load_config(sys.argv[1], default_application=settings.pushwoosh_application, options="on_first_use")
unusable = unusable_sources(config)
print(json.dumps({"before_config": before_config, "loaded": sorted(sys.modules), "unusable": sorted(unusable)}))
"""


def test_the_intakes_load_no_pydantic_for_the_shipped_configuration():
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "QUEUE_URL": "q", "SIGNING_SECRET_ID": "s",
        "PUSHWOOSH_APPLICATION": "ABCDE-12345",
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", PYDANTIC_FREE_INTAKE, str(ROOT / "src" / "pushbridge.yaml")],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert _loaded(result["before_config"], "pushbridge.providers.apple") != []  # it did import them
    assert _loaded(result["before_config"], "pydantic") == []
    assert _loaded(result["before_config"], "pydantic_core") == []
    assert _loaded(result["loaded"], "pydantic") == []
    assert result["unusable"] == ["apple", "googleplay", "kinde"]
    assert _loaded(result["loaded"], "pushbridge.providers.options") == []
