"""Every way a webhook can be turned away: the right status, a JSON reason, nothing enqueued."""

from __future__ import annotations

import base64
import json

import boto3
import pytest

from pushbridge.handlers import ingest
from tests.support.samples import CLERK_SECRET, STRIPE_SECRET, payload_bytes
from tests.support.signing import standard_webhook_headers, stripe_headers

STRIPE_BODY = payload_bytes("stripe", "invoice.paid")
CLERK_BODY = payload_bytes("clerk", "user.deleted")
NOW = 1_750_000_000  # the ingest clock, frozen: "stale" and "future" hold however slow the run
OTHER_CLERK_SECRET = "whsec_" + base64.b64encode(b"not-the-right-key-000000000000").decode()


def _tampered(body: bytes) -> bytes:
    return body.replace(b"1999", b"1")


REJECTED = {
    "stripe tampered body": ("stripe", _tampered(STRIPE_BODY), stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW), 401),
    "stripe wrong secret": ("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, "whsec_wrong", timestamp=NOW), 401),
    "stripe stale": ("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW - 900), 401),
    "stripe future": ("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW + 900), 401),
    "stripe no header": ("stripe", STRIPE_BODY, {"Content-Type": "application/json"}, 401),
    "stripe garbage header": ("stripe", STRIPE_BODY, {"Stripe-Signature": "garbage"}, 401),
    "stripe header without v1": ("stripe", STRIPE_BODY, {"Stripe-Signature": f"t={NOW},v0=abc"}, 401),
    "stripe non-numeric t": ("stripe", STRIPE_BODY, {"Stripe-Signature": "t=soon,v1=00"}, 401),
    "clerk tampered body": ("clerk", _tampered(CLERK_BODY) + b" ", standard_webhook_headers(CLERK_BODY, CLERK_SECRET, timestamp=NOW), 401),
    "clerk wrong secret": ("clerk", CLERK_BODY, standard_webhook_headers(CLERK_BODY, OTHER_CLERK_SECRET, timestamp=NOW), 401),
    "clerk stale": ("clerk", CLERK_BODY, standard_webhook_headers(CLERK_BODY, CLERK_SECRET, timestamp=NOW - 900), 401),
    "clerk future": ("clerk", CLERK_BODY, standard_webhook_headers(CLERK_BODY, CLERK_SECRET, timestamp=NOW + 900), 401),
    "clerk no headers": ("clerk", CLERK_BODY, {}, 401),
    "clerk signature not base64": (
        "clerk", CLERK_BODY, {**standard_webhook_headers(CLERK_BODY, CLERK_SECRET, timestamp=NOW), "svix-signature": "v1,%%%not-base64%%%"}, 401,
    ),
    "clerk garbage timestamp": (
        "clerk", CLERK_BODY, {**standard_webhook_headers(CLERK_BODY, CLERK_SECRET, timestamp=NOW), "svix-timestamp": "yesterday"}, 401,
    ),
    "unknown source": ("nosuchsource", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW), 404),
}  # fmt: skip


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_rejected_with_the_right_status_and_nothing_enqueued(stack, case):
    source, body, headers, expected = case
    stack.freeze_ingest_clock(NOW)
    status, answer = stack.post(source, body, headers)
    assert status == expected
    assert answer["status"] == "rejected"
    assert answer["reason"] and answer["message"]
    assert stack.queued() == 0


def test_body_marked_base64_that_is_not_is_a_400(stack):
    stack.freeze_ingest_clock(NOW)
    event_body = "!!! not base64 !!!"
    from tests.support.apigw import LambdaContext, http_api_event

    event = http_api_event("stripe", b"", stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW))
    event["body"], event["isBase64Encoded"] = event_body, True
    response = ingest.lambda_handler(event, LambdaContext())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["reason"] == "malformed_payload"
    assert stack.queued() == 0


def test_validly_signed_garbage_is_a_400(stack):
    stack.freeze_ingest_clock(NOW)
    body = b"this is not json"
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))
    assert (status, answer["reason"]) == (400, "malformed_payload")
    assert stack.queued() == 0


def test_validly_signed_event_without_type_is_a_400(stack):
    stack.freeze_ingest_clock(NOW)
    body = json.dumps({"id": "evt_1", "object": "event"}).encode()
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))
    assert status == 400
    assert stack.queued() == 0


def test_body_over_the_limit_is_a_413_before_anything_else(stack, monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    ingest.use(None)  # a fresh container reading MAX_BODY_BYTES; 413 comes before the signature
    body = json.dumps({"id": "evt_big", "type": "invoice.paid", "pad": "x" * 4096}).encode()
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))
    assert (status, answer["reason"]) == (413, "payload_too_large")
    status, _ = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW), base64_encoded=True)
    assert status == 413
    assert stack.queued() == 0


def test_several_v1_signatures_and_rotated_secrets_are_accepted(stack):
    stack.freeze_ingest_clock(NOW)
    # Rotation: the secret holds the old and the new secret; Stripe signs with both.
    new_secret = "whsec_test_NEW_after_rotation"
    stack.secrets.put_secret_value(
        SecretId=stack.signing_secret_id,
        SecretString=json.dumps({"stripe": [new_secret, STRIPE_SECRET], "clerk": CLERK_SECRET}),
    )
    stack.freeze_ingest_clock(NOW)  # a fresh container: nothing cached
    old = stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW)["Stripe-Signature"]
    new = stripe_headers(STRIPE_BODY, new_secret, timestamp=NOW)["Stripe-Signature"]
    both = f"{old},{new.split(',')[1]}"
    for header in (old, new, both):
        status, _ = stack.post("stripe", STRIPE_BODY, {"Stripe-Signature": header})
        assert status == 202
    # Once the old secret is retired, what it signs is refused.
    stack.secrets.put_secret_value(SecretId=stack.signing_secret_id, SecretString=json.dumps({"stripe": new_secret}))
    stack.freeze_ingest_clock(NOW)  # a fresh container: nothing cached
    body = payload_bytes("stripe", "invoice.payment_failed")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))[0] == 401


def test_a_secret_rotated_while_warm_is_picked_up_on_the_first_mismatch(stack):
    stack.freeze_ingest_clock(NOW)
    assert (
        stack.post("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW))[0] == 202
    )  # warm cache
    stack.secrets.put_secret_value(
        SecretId=stack.signing_secret_id, SecretString=json.dumps({"stripe": "whsec_rotated", "clerk": CLERK_SECRET})
    )
    body = payload_bytes("stripe", "invoice.payment_failed")
    assert stack.post("stripe", body, stripe_headers(body, "whsec_rotated", timestamp=NOW))[0] == 202


def test_sqs_failing_is_a_503_and_nothing_half_lands(stack, monkeypatch):
    stack.freeze_ingest_clock(NOW)
    boto3.client("sqs").delete_queue(QueueUrl=stack.queue_url)
    status, answer = stack.post("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW))
    assert (status, answer["reason"]) == (503, "queue_unavailable")
    assert "Traceback" not in json.dumps(answer)


def test_secrets_manager_failing_is_a_503_then_recovers(stack):
    stack.secrets.delete_secret(SecretId=stack.signing_secret_id, ForceDeleteWithoutRecovery=True)
    ingest.use(None)  # a cold start while Secrets Manager cannot answer
    status, answer = stack.post("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW))
    assert (status, answer["reason"]) == (503, "secrets_unavailable")

    from tests.support.samples import SIGNING_SECRETS

    stack.secrets.create_secret(Name="pushbridge/signing", SecretString=json.dumps(SIGNING_SECRETS))
    arn = stack.secrets.describe_secret(SecretId="pushbridge/signing")["ARN"]
    import os

    os.environ["SIGNING_SECRET_ID"] = arn
    ingest.use(None)  # a fresh container reading the new secret's id
    # The handler's own wiring, so the wall clock: signed here, in the test, a moment before.
    status, _ = stack.post("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET))
    assert status == 202


def test_a_source_missing_from_the_signing_secret_is_a_503(stack):
    stack.secrets.put_secret_value(SecretId=stack.signing_secret_id, SecretString=json.dumps({"clerk": CLERK_SECRET}))
    stack.freeze_ingest_clock(NOW)  # a fresh container: nothing cached
    status, answer = stack.post("stripe", STRIPE_BODY, stripe_headers(STRIPE_BODY, STRIPE_SECRET, timestamp=NOW))
    assert (status, answer["reason"]) == (503, "signing_secret_missing")
    assert stack.queued() == 0


def test_a_route_other_than_post_webhooks_is_404(stack):
    stack.freeze_ingest_clock(NOW)
    from tests.support.apigw import LambdaContext, http_api_event

    event = http_api_event("stripe", STRIPE_BODY, {})
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/admin"
    response = ingest.lambda_handler(event, LambdaContext())
    assert response["statusCode"] == 404
