"""The webhook function validates each source's options with the source's first use, not at
cold start (issue 12): an invalid block makes only that source answer 503
configuration_invalid, on POST and on Okta's GET challenge alike; the others keep working."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pushbridge.handlers import ingest
from tests.integration.conftest import CONFIG
from tests.integration.test_lifecycle_engine import emf
from tests.support.apigw import LambdaContext, http_api_event
from tests.support.samples import OKTA_AUTH, STRIPE_SECRET, payload_bytes
from tests.support.signing import stripe_headers


def _config_with(tmp_path: Path, **options: dict[str, Any]) -> str:
    """The shipped configuration, with the given sources' options replaced."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    for source, block in options.items():
        data["sources"][source]["options"] = block
    path = tmp_path / "pushbridge.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_invalid_apple_options_make_only_apple_answer_503(stack, tmp_path, monkeypatch, capsys):
    bad = {"bundle_id": "com.acme.app", "app_apple_id": 42, "bundle": "com.acme.app"}
    path = _config_with(tmp_path, apple=bad)
    monkeypatch.setenv("PUSHBRIDGE_CONFIG", path)
    ingest.use(None)

    for _ in range(2):  # the failure is remembered: the same answer, no stack trace, no 500
        status, answer = stack.post("apple", b'{"signedPayload": "x.y.z"}', {"Content-Type": "application/json"})
        assert (status, answer["reason"]) == (503, "configuration_invalid")
        # The keys to fix, as for placeholders; not the function's file path.
        assert answer["message"] == (
            "source 'apple' has invalid options: fix sources.apple.options.bundle (`pushbridge check` says why)"
        )
    assert [r["source"] for r in emf(capsys.readouterr().out, "ConfigurationInvalid")] == ["apple", "apple"]

    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    assert stack.queued() > 0


def test_invalid_okta_options_answer_the_get_challenge_503(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("PUSHBRIDGE_CONFIG", _config_with(tmp_path, okta={"auth_heder": "X-Okta-Auth"}))
    ingest.use(None)
    event = http_api_event("okta", b"", {"Authorization": OKTA_AUTH, "X-Okta-Verification-Challenge": "abc123"})
    event["requestContext"]["http"]["method"] = "GET"
    response = ingest.lambda_handler(event, LambdaContext("ingest"))
    answer = json.loads(response["body"])
    assert (response["statusCode"], answer["reason"]) == (503, "configuration_invalid")
    assert "fix sources.okta.options.auth_heder" in answer["message"]


def test_the_shipped_configuration_validates_no_options_before_a_webhook_needs_them(stack):
    ingest.use(None)
    sources = ingest.service()._config.sources
    assert not any("options" in vars(source) for source in sources.values())  # none validated yet
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    assert [name for name, source in sources.items() if "options" in vars(source)] == ["stripe"]
