"""The intakes that are not webhooks: Cognito triggers and an EventBridge partner bus, on moto,
with the real handlers and the same rules and queue."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pushbridge.errors import UnknownSource
from pushbridge.handlers import cognito, eventbridge
from tests.support.apigw import LambdaContext
from tests.support.presets import HWID
from tests.support.samples import STRIPE_SECRET, payload, payload_bytes
from tests.support.signing import stripe_headers

EVENTS = Path(__file__).resolve().parents[2] / "events"
SUB = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


@pytest.fixture
def intakes(stack):
    cognito.use(None)
    eventbridge.use(None)
    yield stack
    cognito.use(None)
    eventbridge.use(None)


def test_post_confirmation_returns_the_event_unchanged_and_enqueues_signup(intakes, pushwoosh):
    event = payload("cognito", "PostConfirmation_ConfirmSignUp")
    assert cognito.lambda_handler(copy.deepcopy(event), LambdaContext("cognito", 5)) == event
    # custom:pushwoosh_hwid is client-writable by default: no registerUser until the source opts in.
    assert [c["method"] for c in intakes.peek()] == ["post_event"]
    intakes.drain()
    [sign_up] = pushwoosh.calls()
    assert sign_up.json["request"]["event"] == "SignUp" and HWID not in str(sign_up.json)


def test_post_authentication_is_a_login_each_time_and_cognitos_retry_is_not_a_second(intakes, pushwoosh):
    event = payload("cognito", "PostAuthentication_Authentication")
    # A sign-in, Cognito's retry of it 4 s later (same event, new Lambda request id), and a
    # second sign-in two minutes later.
    for at in (1_800_000_010.0, 1_800_000_014.0, 1_800_000_130.0):
        cognito.use(None, clock=lambda at=at: at)
        assert cognito.lambda_handler(copy.deepcopy(event), LambdaContext("cognito", 5)) == event
    intakes.drain()
    assert [c.json["request"]["event"] for c in pushwoosh.calls("/json/1.3/postEvent")] == ["Login", "Login"]


def test_a_failing_queue_never_blocks_the_user(intakes, log_lines):
    intakes.sqs.delete_queue(QueueUrl=intakes.queue_url)
    event = payload("cognito", "PostConfirmation_ConfirmSignUp")
    assert cognito.lambda_handler(copy.deepcopy(event), LambdaContext("cognito", 5)) == event
    failed = {json.loads(line)["command_id"] for line in log_lines if '"could not queue"' in line}
    assert failed and all(len(command_id) == 64 for command_id in failed)  # one line per command


def test_cognito_is_not_reachable_over_http(intakes):
    status, answer = intakes.post("cognito", payload_bytes("cognito", "PostAuthentication_Authentication"), {})
    assert (status, answer["reason"]) == (404, "unknown_source")


def test_a_stripe_partner_event_maps_with_the_stripe_rules(intakes, pushwoosh):
    event = json.loads((EVENTS / "eventbridge" / "stripe-invoice-paid.json").read_text())
    assert eventbridge.lambda_handler(event, LambdaContext("eventbridge")) == {"status": "accepted", "commands": 1}
    intakes.drain()
    [call] = pushwoosh.calls()
    assert call.json["request"]["event"] == "SubscriptionRenewed" and call.json["request"]["userId"] == "user_3078a"


def test_the_same_stripe_event_by_webhook_and_by_eventbridge_is_one_call(intakes, pushwoosh):
    body = payload_bytes("stripe", "invoice.paid")
    assert intakes.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    intakes.drain()
    eventbridge.lambda_handler(
        json.loads((EVENTS / "eventbridge" / "stripe-invoice-paid.json").read_text()), LambdaContext()
    )
    intakes.drain()
    assert len(pushwoosh.calls()) == 1  # same source, event id and rule: the same command id


def test_an_auth0_partner_event_maps_with_the_auth0_rules(intakes):
    event = json.loads((EVENTS / "eventbridge" / "auth0-login.json").read_text())
    assert eventbridge.lambda_handler(event, LambdaContext())["commands"] == 1
    [command] = intakes.peek()
    assert command["event"] == "Login" and command["user_id"] == "auth0|650c1f2e8a1b2c3d4e5f6a7b"


def test_an_unrouted_partner_fails_loudly_so_lambda_retries_and_keeps_it(intakes):
    event = json.loads((EVENTS / "eventbridge" / "stripe-invoice-paid.json").read_text())
    event["source"] = "aws.partner/unknown.example/abc"
    with pytest.raises(UnknownSource):
        eventbridge.lambda_handler(event, LambdaContext())
    assert intakes.queued() == 0


def test_routes_are_configurable(intakes, monkeypatch):
    monkeypatch.setenv("EVENTBRIDGE_SOURCES", json.dumps({"stripe.com": "nosuch"}))
    with pytest.raises(UnknownSource):
        eventbridge.lambda_handler(
            json.loads((EVENTS / "eventbridge" / "stripe-invoice-paid.json").read_text()), LambdaContext()
        )
