"""The files in events/ are what the handlers really receive, and stay in step with the
payloads and presets (the same files `sam local invoke -e` uses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model, SqsModel

from pushbridge.adapters.pushwoosh import request_for
from pushbridge.config.loader import load_config
from pushbridge.domain.mapping import map_event
from pushbridge.handlers import delivery
from pushbridge.models.command import parse_message
from pushbridge_dev.devtools.sample_events import SAMPLE_APPLICATION
from pushbridge_dev.devtools.samples import parse_sample, signed_headers
from tests.support.apigw import LambdaContext
from tests.support.samples import SIGNING_SECRETS

EVENTS = Path(__file__).resolve().parents[2] / "events"
CONFIG = load_config(EVENTS.parent / "src" / "pushbridge.yaml", default_application=SAMPLE_APPLICATION)
APIGW = sorted((EVENTS / "apigw").glob("*.json"))
SQS = sorted((EVENTS / "sqs").glob("*.json"))
PAYLOADS = sorted((EVENTS / "payloads").glob("*/*.json"))
NOW = 1_750_000_000  # the ingest clock, frozen


def test_every_payload_has_its_apigw_and_sqs_event():
    expected = {f"{p.parent.name}-{p.stem.replace('.', '-')}.json" for p in PAYLOADS}
    # Token-based providers (Kinde, Apple, Google) sign with their own private keys.
    signable = {n for n in expected if CONFIG.sources[n.split("-")[0]].provider.sign is not None}
    assert {p.name for p in APIGW} == signable
    assert {p.name for p in SQS} == expected - IGNORED_ON_PURPOSE


# Test pings, failed or unknown-user sign-ins, impersonations...: nothing to deliver, on purpose.
IGNORED_ON_PURPOSE = {
    "revenuecat-TEST.json", "googleplay-TEST.json",
    "auth0-f.json", "auth0-fu.json", "auth0-ssa.json",
    "okta-user-session-start-failure.json", "okta-user-session-start-unknown_user.json",
    "okta-user-lifecycle-deactivate.json", "clerk-session-created-impersonated.json",
    "workos-session-created-impersonated.json", "workos-authentication-password_failed.json",
    "cognito-PostConfirmation_ConfirmForgotPassword.json",
}  # fmt: skip


@pytest.mark.parametrize("path", APIGW, ids=[p.stem for p in APIGW])
def test_apigw_event_is_a_valid_http_api_event_the_ingest_handler_accepts(path, stack):
    event = json.loads(path.read_text())
    APIGatewayProxyEventV2Model.model_validate(event)
    source = event["pathParameters"]["source"]
    assert event["rawPath"] == f"/webhooks/{source}" and source in CONFIG.sources
    # Its signature has expired by now, as it would for `sam local invoke`: re-sign the same
    # body with the test secrets, as `make events` does with the sample ones, for a frozen clock.
    stack.freeze_ingest_clock(NOW)
    body = event["body"].encode()
    signed = signed_headers(CONFIG.sources[source], body, SIGNING_SECRETS[source], now=NOW)
    event["headers"].update({k.lower(): v for k, v in signed.items()})
    from pushbridge.handlers import ingest

    response = ingest.lambda_handler(event, LambdaContext("ingest"))
    expected = (200, "ignored") if path.name in IGNORED_ON_PURPOSE else (202, "accepted")
    assert (response["statusCode"], json.loads(response["body"])["status"]) == expected, response["body"]


@pytest.mark.parametrize("path", SQS, ids=[p.stem for p in SQS])
def test_sqs_event_carries_what_its_payload_maps_to_and_delivers(path, stack, pushwoosh):
    event = json.loads(path.read_text())
    SqsModel.model_validate(event)
    commands = [c for record in event["Records"] for c in parse_message(record["body"])]
    for record in event["Records"]:
        in_message = parse_message(record["body"])
        assert {c.group_id for c in in_message} == {record["attributes"]["MessageGroupId"]}
        if len(in_message) == 1:
            assert record["attributes"]["MessageDeduplicationId"] == in_message[0].id

    # In step with today's payload and presets.
    payload = next(p for p in PAYLOADS if f"{p.parent.name}-{p.stem.replace('.', '-')}.json" == path.name)
    source = CONFIG.sources[commands[0].origin.source]
    expected = [
        c
        for e in parse_sample(source, payload.read_bytes(), now=1)
        for c in map_event(source, e, received_at=commands[0].origin.received_at).commands
    ]
    assert [request_for(c) for c in commands] == [request_for(c) for c in expected]

    response = delivery.lambda_handler(event, LambdaContext("delivery"))
    assert response == {"batchItemFailures": []}
    assert [(c.path, c.json) for c in pushwoosh.calls()] == [request_for(c) for c in commands]


def test_make_events_is_deterministic_the_committed_files_are_what_it_writes(tmp_path):
    from pushbridge_dev.devtools.sample_events import write_sample_events

    written = write_sample_events(EVENTS, EVENTS.parent / "src" / "pushbridge.yaml", out_dir=tmp_path)
    assert {p.relative_to(tmp_path) for p in written} == {p.relative_to(EVENTS) for p in APIGW + SQS}
    for path in written:
        assert path.read_text() == (EVENTS / path.relative_to(tmp_path)).read_text(), path.name
