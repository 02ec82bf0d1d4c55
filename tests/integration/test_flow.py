"""A signed webhook flows ingest -> SQS FIFO -> delivery -> Pushwoosh, and the local
Pushwoosh server receives exactly what the API reference specifies."""

from __future__ import annotations

import json

from tests.support.pushwoosh_server import Fault
from tests.support.samples import (
    APPLICATION,
    CLERK_SECRET,
    PUSHWOOSH_TOKEN,
    STRIPE_SECRET,
    payload,
    payload_bytes,
)
from tests.support.signing import standard_webhook_headers, stripe_headers

HWID = "8f65b16df378e7a6bece9614e1530fb2"
CLERK_USER = "567772"  # the sample's external_id: the app's own id wins over Clerk's


def test_stripe_invoice_paid_becomes_exactly_one_post_event(stack, pushwoosh):
    body = payload_bytes("stripe", "invoice.paid")
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))

    assert status == 202
    assert answer["status"] == "accepted"
    assert [c["method"] for c in answer["commands"]] == ["post_event"]
    assert stack.queued() == 1

    stack.drain()
    [call] = pushwoosh.calls()
    assert call.path == "/json/1.3/postEvent"
    assert call.headers["Authorization"] == f"Token {PUSHWOOSH_TOKEN}"
    assert call.headers["Content-Type"] == "application/json"
    assert call.json == {
        "request": {
            "hwid": HWID,
            "application": APPLICATION,
            "event": "InvoicePaid",
            "attributes": {"amount": 1999, "currency": "eur", "billing_reason": "subscription_cycle"},
            "timestampUTC": payload("stripe", "invoice.paid")["created"],
            "userId": "user_3078a",
        }
    }
    assert stack.queued() == 0
    assert stack.dead_letters() == []


def test_clerk_user_created_becomes_register_user_then_sign_up(stack, pushwoosh):
    body = payload_bytes("clerk", "user.created")
    status, _ = stack.post("clerk", body, standard_webhook_headers(body, CLERK_SECRET))
    assert status == 202

    stack.drain()
    register, sign_up = pushwoosh.calls()
    assert register.path == "/json/1.3/registerUser"
    assert register.headers["Authorization"] == f"Token {PUSHWOOSH_TOKEN}"
    assert register.json == {"request": {"userId": CLERK_USER, "application": APPLICATION, "hwid": HWID}}
    assert (sign_up.path, sign_up.json["request"]["event"]) == ("/json/1.3/postEvent", "SignUp")


def test_clerk_user_deleted_becomes_flat_delete_user(stack, pushwoosh):
    body = payload_bytes("clerk", "user.deleted")
    status, _ = stack.post("clerk", body, standard_webhook_headers(body, CLERK_SECRET, prefix="webhook"))
    assert status == 202

    stack.drain()
    [call] = pushwoosh.calls()
    assert call.path == "/api/v2/device-api/deleteUser"
    assert call.headers["Authorization"] == f"Token {PUSHWOOSH_TOKEN}"
    assert call.headers["Content-Type"] == "application/json"
    assert call.json == {"application": APPLICATION, "user_id": CLERK_USER}


def test_base64_encoded_body_is_verified_over_the_decoded_bytes(stack, pushwoosh):
    body = payload_bytes("stripe", "checkout.session.completed")
    status, _ = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET), base64_encoded=True)
    assert status == 202
    stack.drain()
    assert pushwoosh.calls()[0].json["request"]["event"] == "CheckoutCompleted"


def test_a_verified_event_no_rule_maps_is_ignored_with_200(stack, pushwoosh):
    body = json.dumps({"id": "evt_ignored_1", "object": "event", "type": "charge.refunded", "created": 1}).encode()
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))
    assert (status, answer["status"]) == (200, "ignored")
    assert stack.queued() == 0


def test_the_same_webhook_twice_at_once_is_one_call(stack, pushwoosh):
    body = payload_bytes("stripe", "invoice.payment_failed")
    for _ in range(2):  # the provider retries before we answered, say
        status, _ = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))
        assert status == 202
    assert stack.queued() == 1  # FIFO deduplication on the deterministic command id
    stack.drain()
    assert len(pushwoosh.calls()) == 1


def test_the_same_webhook_again_after_the_fifo_window_is_still_one_call(stack, pushwoosh):
    body = payload_bytes("stripe", "invoice.payment_failed")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    stack.drain()
    # Delivered and deleted: SQS no longer deduplicates it (as after the 5-minute window),
    # freshly signed as a provider's retry hours later would be.
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    assert stack.queued() == 1
    stack.drain()
    assert len(pushwoosh.calls()) == 1  # the idempotency record answered the second
    assert stack.queued() == 0


def test_register_then_delete_for_one_user_arrive_in_that_order(stack, pushwoosh):
    created, deleted = payload_bytes("clerk", "user.created"), payload_bytes("clerk", "user.deleted")
    assert stack.post("clerk", created, standard_webhook_headers(created, CLERK_SECRET))[0] == 202
    assert stack.post("clerk", deleted, standard_webhook_headers(deleted, CLERK_SECRET))[0] == 202

    # registerUser fails through all in-invocation retries, so it goes back to the queue:
    # deleteUser, in the same message group, must not overtake it.
    pushwoosh.script(*[Fault(503, {"status_code": 503, "status_message": "busy"})] * 3)
    stack.deliver_once()
    assert stack.batch_responses[0]["batchItemFailures"]
    assert [c.path for c in pushwoosh.calls()] == ["/json/1.3/registerUser"] * 3
    assert stack.queued() >= 2  # handed back: the failed one and those behind it in its group

    stack.drain()
    assert [c.path for c in pushwoosh.calls()] == ["/json/1.3/registerUser"] * 4 + [
        "/json/1.3/postEvent",
        "/api/v2/device-api/deleteUser",
    ]
