"""Every HTTP provider through the real ingest handler: accepted when genuine; rejected with
nothing enqueued when tampered, stale, from the future, unsigned, garbled, or signed with a
secret that was rotated out."""

from __future__ import annotations

import json
import time

import pytest

from pushbridge.devtools.samples import signed_headers
from pushbridge.handlers import ingest
from tests.support.apigw import LambdaContext, http_api_event
from tests.support.presets import CONFIG
from tests.support.samples import OKTA_AUTH, PAYLOADS, SIGNING_SECRETS
from tests.support.signing import paddle_headers, standard_webhook_headers, stripe_headers

# One realistic sample per source; the provider's official SDK signs where one exists.
SAMPLES = {
    "stripe": "invoice.paid",
    "clerk": "user.created",
    "paddle": "transaction.completed",
    "revenuecat": "RENEWAL",
    "lemonsqueezy": "order_created",
    "auth0": "s",
    "okta": "user.session.start",
    "workos": "session.created",
    "backend": "user.signed_up",
}
# Sources whose proof carries a timestamp.
TIMESTAMPED = {"stripe", "clerk", "paddle", "workos", "backend"}
# RevenueCat, Auth0 log streams and Okta prove the sender with a shared header value and sign
# nothing: a changed body cannot be told apart (HTTPS is what protects it in transit).
BODY_SIGNED = set(SAMPLES) - {"revenuecat", "auth0", "okta"}


def sign(source: str, body: bytes, secret: str, now: int) -> dict[str, str]:
    if source == "stripe":
        return stripe_headers(body, secret, timestamp=now)
    if source == "clerk":
        return standard_webhook_headers(body, secret, timestamp=now)
    if source == "paddle":
        return paddle_headers(body, secret, timestamp=now)
    return signed_headers(CONFIG.sources[source], body, secret, now=now)


def body_of(source: str) -> bytes:
    return (PAYLOADS / source / f"{SAMPLES[source]}.json").read_bytes()


@pytest.mark.parametrize("source", SAMPLES)
def test_genuine_is_accepted(stack, source):
    body = body_of(source)
    status, answer = stack.post(source, body, sign(source, body, SIGNING_SECRETS[source], int(time.time())))
    assert (status, answer["status"]) == (202, "accepted")
    assert stack.queued() >= 1


def _cases(source: str):
    body = body_of(source)
    secret = SIGNING_SECRETS[source]
    now = int(time.time())
    good = sign(source, body, secret, now)
    if source in BODY_SIGNED:
        yield "tampered", body.replace(b"user", b"usex", 1), good
    yield "rotated-out-secret", body, sign(source, body, secret + "-old", now)
    yield "no-headers", body, {"Content-Type": "application/json"}
    yield "garbage-headers", body, {k: "\x7fgarbage;=,v1,==" for k in good if k.lower() != "content-type"}
    if source in TIMESTAMPED:
        tolerance = CONFIG.sources[source].tolerance_seconds
        # Signed when the test runs, not when it is collected: the whole suite takes minutes.
        yield "stale", body, lambda: sign(source, body, secret, int(time.time()) - tolerance - 60)
        yield "future", body, lambda: sign(source, body, secret, int(time.time()) + tolerance + 60)


CASES = [(source, name, body, headers) for source in SAMPLES for name, body, headers in _cases(source)]


@pytest.mark.parametrize("source, name, body, headers", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_rejected_with_nothing_enqueued(stack, source, name, body, headers):
    status, answer = stack.post(source, body, headers() if callable(headers) else headers)
    assert status == 401, answer
    assert answer["status"] == "rejected" and answer["reason"]
    assert stack.queued() == 0


def test_okta_verification_challenge_through_the_handler(stack):
    def challenge(headers):
        event = http_api_event("okta", b"", headers)
        event["requestContext"]["http"]["method"] = "GET"
        event["routeKey"] = "GET /webhooks/{source}"
        response = ingest.lambda_handler(event, LambdaContext("ingest"))
        return response["statusCode"], json.loads(response["body"])

    assert challenge({"Authorization": OKTA_AUTH, "X-Okta-Verification-Challenge": "abc123"}) == (
        200,
        {"verification": "abc123"},
    )
    assert challenge({"X-Okta-Verification-Challenge": "abc123"})[0] == 401
    # Other providers answer POST only.
    event = http_api_event("stripe", b"", {})
    event["requestContext"]["http"]["method"] = "GET"
    assert ingest.lambda_handler(event, LambdaContext("ingest"))["statusCode"] == 404
