"""`pushbridge check` and `pushbridge sign` on every shipped sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import standardwebhooks
import stripe

from pushbridge_dev.cli import main
from pushbridge_dev.devtools.local_secrets import load_signing_secrets
from tests.support.presets import CONFIG
from tests.support.signing import official_verify

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = sorted((ROOT / "events" / "payloads").glob("*/*.json"))
# Samples that show what must NOT reach Pushwoosh (events/payloads/README.md says why).
IGNORED_ON_PURPOSE = {
    ("revenuecat", "TEST"), ("googleplay", "TEST"),
    ("auth0", "f"), ("auth0", "fu"), ("auth0", "ssa"),
    ("okta", "user.session.start.failure"), ("okta", "user.session.start.unknown_user"),
    ("okta", "user.lifecycle.deactivate"),
    ("clerk", "session.created.impersonated"),
    ("workos", "session.created.impersonated"), ("workos", "authentication.password_failed"),
    ("cognito", "PostConfirmation_ConfirmForgotPassword"),
}  # fmt: skip
SIGNABLE = [p for p in PAYLOADS if CONFIG.sources[p.parent.name].provider.sign is not None]


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PUSHBRIDGE_SIGNING_SECRETS", raising=False)
    monkeypatch.delenv("PUSHWOOSH_APPLICATION", raising=False)


def test_check_validates_the_shipped_config_and_lists_every_rule(capsys):
    assert main(["check"]) == 1  # valid, but not ready to deploy: placeholders (next test)
    out = capsys.readouterr().out
    assert f"src/pushbridge.yaml: valid, {len(CONFIG.sources)} source(s)" in out
    for rule in (
        "stripe-invoice-paid: invoice.paid -> post_event 'InvoicePaid'",
        "clerk-user-deleted: user.deleted -> delete_user",
        "-> post_event 'Login'",
    ):
        assert rule in out


def test_check_on_the_shipped_config_fails_naming_each_placeholder_key(capsys):
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    for key in (
        "application (top level), PUSHWOOSH_APPLICATION or PushwooshApplication in samconfig.toml",
        "sources.apple.options.bundle_id",
        "sources.apple.options.app_apple_id",
        "sources.googleplay.options.audience",
        "sources.kinde.options.domain",
    ):
        assert f"  {key}\n" in err


READY = """
sources:
  stripe: {provider: stripe}
  kinde: {provider: kinde, options: {domain: acme.kinde.com}}
"""


@pytest.mark.parametrize("application", ["", "XXXXX-XXXXX"])
def test_check_fails_on_an_empty_or_placeholder_application_and_passes_once_set(
    tmp_path, capsys, monkeypatch, application
):
    config = tmp_path / "src" / "pushbridge.yaml"
    config.parent.mkdir()
    config.write_text(READY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PUSHWOOSH_APPLICATION", application)
    assert main(["check", str(config)]) == 1
    assert "application (top level)" in capsys.readouterr().err
    # What `sam deploy --guided` saved is read too.
    monkeypatch.delenv("PUSHWOOSH_APPLICATION")
    (tmp_path / "samconfig.toml").write_text(
        '[default.deploy.parameters]\nparameter_overrides = "PushwooshApplication=\\"ABCDE-12345\\" Other=x"\n'
    )
    assert main(["check", str(config)]) == 0
    monkeypatch.setenv("PUSHWOOSH_APPLICATION", "ABCDE-12345")
    assert main(["check", str(config)]) == 0


def test_check_fails_naming_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  s:\n    provider: stripe\n    rules: [{match: x, post_event: {}}]\n")
    assert main(["check", str(bad)]) == 2
    assert "sources.s.rules.0.post_event.event: Field required" in capsys.readouterr().err


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"{p.parent.name}:{p.stem}" for p in PAYLOADS])
def test_check_event_shows_the_exact_request(payload, capsys):
    assert main(["check", "--event", str(payload)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{payload.parent.name}: event '")
    event_type = out.split("'")[1]  # a variant sample is named <event type>.<variant>
    assert payload.stem == event_type or payload.stem.startswith(event_type + ".")
    if "no rule matches" in out:
        assert (payload.parent.name, payload.stem) in IGNORED_ON_PURPOSE
        return
    assert "POST /json/1.3/" in out or "POST /api/v2/device-api/deleteUser" in out
    request, _ = json.JSONDecoder().raw_decode(out[out.index("{") :])  # the first of the requests
    assert request.get("application", request.get("request", {}).get("application")) == "XXXXX-XXXXX"


def test_check_event_that_no_rule_maps(tmp_path, capsys):
    event = tmp_path / "x.json"
    event.write_text(json.dumps({"id": "evt_1", "type": "charge.refunded", "created": 1}))
    assert main(["check", "--source", "stripe", "--event", str(event)]) == 0
    assert "no rule matches" in capsys.readouterr().out


@pytest.mark.parametrize("payload", SIGNABLE, ids=[f"{p.parent.name}:{p.stem}" for p in SIGNABLE])
def test_sign_prints_headers_the_official_sdks_accept(payload, capsys):
    source = payload.parent.name
    assert main(["sign", source, str(payload)]) == 0
    headers = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert official_verify(source, payload.read_bytes(), headers, load_signing_secrets()[0][source])


def test_sign_apigw_prints_a_signed_http_api_event(capsys):
    payload = ROOT / "events" / "payloads" / "stripe" / "invoice.paid.json"
    assert main(["sign", "stripe", str(payload), "--apigw"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["version"] == "2.0" and event["rawPath"] == "/webhooks/stripe"
    assert event["body"].encode() == payload.read_bytes()
    stripe.WebhookSignature.verify_header(
        event["body"], event["headers"]["stripe-signature"], load_signing_secrets()[0]["stripe"]
    )


def test_sign_uses_the_secrets_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("PUSHBRIDGE_SIGNING_SECRETS", json.dumps({"stripe": ["whsec_from_env", "whsec_old"]}))
    payload = ROOT / "events" / "payloads" / "stripe" / "invoice.paid.json"
    assert main(["sign", "stripe", str(payload)]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(": ", 1)[1]
    stripe.WebhookSignature.verify_header(payload.read_text(), header, "whsec_from_env")


def test_sign_send_posts_the_signed_payload(pushwoosh, capsys):
    payload = ROOT / "events" / "payloads" / "clerk" / "user.deleted.json"
    assert main(["sign", "clerk", str(payload), "--send", f"{pushwoosh.url}/webhooks/clerk"]) == 0
    [request] = pushwoosh.calls()
    assert request.path == "/webhooks/clerk" and request.body == payload.read_bytes()
    secret = load_signing_secrets()[0]["clerk"]
    headers = {k.lower().replace("svix-", "webhook-"): v for k, v in request.headers.items()}
    assert standardwebhooks.Webhook(secret).verify(request.body, headers)["type"] == "user.deleted"
    assert capsys.readouterr().out.startswith("HTTP 200")


def test_sign_explains_why_it_cannot_sign_for_token_based_providers(capsys):
    assert main(["sign", "kinde", str(ROOT / "events" / "payloads" / "kinde" / "user.created.json")]) == 2
    assert "kinde signs with its own private key" in capsys.readouterr().err


def test_sign_unknown_source_fails(capsys):
    assert main(["sign", "nosuch", str(PAYLOADS[0])]) == 2
    assert "no source named 'nosuch'" in capsys.readouterr().err


def test_check_lists_no_http_route_for_the_cognito_trigger(capsys):
    assert main(["check"]) == 1  # lists every source; 1: the shipped file still has placeholders
    out = capsys.readouterr().out
    assert "POST /webhooks/cognito" not in out
    assert "cognito: Cognito trigger (CognitoTriggerFunction, no HTTP route)" in out
    assert "POST /webhooks/stripe" in out


def test_printed_commands_name_the_pushbridge_that_ran_when_it_is_not_on_path(monkeypatch, tmp_path):
    from pushbridge_dev.cli.common import command_name

    script = tmp_path / ".venv" / "bin" / "pushbridge"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr("sys.argv", [str(script), "dev"])
    assert command_name() == ".venv/bin/pushbridge"
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    script.chmod(0o755)
    assert command_name() == "pushbridge"
