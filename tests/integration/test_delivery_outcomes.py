"""What delivery does with each kind of Pushwoosh answer: retry what is transient, park
what is permanent (with the reason), re-read the token on 401."""

from __future__ import annotations

import json

from tests.support.pushwoosh_server import SUCCESS, Fault
from tests.support.samples import PUSHWOOSH_TOKEN, STRIPE_SECRET, payload_bytes
from tests.support.signing import stripe_headers


def _post_invoice_paid(stack) -> None:
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202


def test_500_then_200_is_delivered_once(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(500, {"status_code": 500, "status_message": "Internal error"}))
    stack.drain()
    calls = pushwoosh.calls()
    assert len(calls) == 2  # the failed attempt and the one that succeeded
    assert calls[0].body == calls[1].body
    assert stack.queued() == 0 and stack.dead_letters() == []
    assert all(r["batchItemFailures"] == [] for r in stack.batch_responses)


def test_500_through_every_retry_goes_back_to_the_queue_then_delivers(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(*[Fault(500, {"status_code": 500})] * 3)
    first = stack.deliver_once()
    assert len(first["batchItemFailures"]) == 1
    assert stack.queued() == 1
    stack.drain()
    assert len(pushwoosh.calls()) == 4
    assert stack.queued() == 0 and stack.dead_letters() == []


def test_status_code_210_is_parked_in_the_dlq_with_the_reason_and_not_retried(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(200, {"status_code": 210, "status_message": "Event not found"}))
    stack.drain()

    assert len(pushwoosh.calls()) == 1
    assert stack.queued() == 0
    [parked] = stack.dead_letters()
    attributes = {k: v["StringValue"] for k, v in parked["MessageAttributes"].items()}
    assert attributes["pushbridge-reason"] == "pushwoosh_rejected"
    assert attributes["pushbridge-status"] == "210"
    assert "Event not found" in attributes["pushbridge-detail"]
    [command] = json.loads(parked["Body"])["commands"]  # a v3 envelope, like every new message
    assert command["method"] == "post_event" and command["event"] == "SubscriptionRenewed"


def test_http_400_and_403_are_permanent(stack, pushwoosh):
    for status in (400, 403):
        pushwoosh.reset()
        body = payload_bytes("stripe", "invoice.paid").replace(b"invPaid01", f"invPaid{status}".encode())
        assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
        pushwoosh.script(Fault(status, {"message": "nope"}))
        stack.drain()
        assert len(pushwoosh.calls()) == 1
    assert len(stack.dead_letters()) == 2


def test_401_re_reads_the_token_and_retries_with_the_new_one(stack, pushwoosh):
    _post_invoice_paid(stack)
    # The warm container cached the old token; the operator has since rotated it.
    stack.deliver_once()  # nothing queued yet besides our command: delivers with the old token
    pushwoosh.reset()
    body = payload_bytes("stripe", "invoice.payment_failed")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    stack.set_pushwoosh_token("pw-token-ROTATED")
    pushwoosh.script(Fault(401, {"message": "Unauthorized"}))
    stack.drain()

    calls = pushwoosh.calls()
    assert [c.headers["Authorization"] for c in calls] == [f"Token {PUSHWOOSH_TOKEN}", "Token pw-token-ROTATED"]
    assert stack.queued() == 0 and stack.dead_letters() == []


def test_401_after_the_refresh_is_transient_so_fixing_the_secret_recovers(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(401, {"message": "Unauthorized"}), Fault(401, {"message": "Unauthorized"}))
    first = stack.deliver_once()
    assert len(first["batchItemFailures"]) == 1  # not parked: still in the queue
    assert stack.dead_letters() == []
    stack.drain()
    assert stack.queued() == 0
    assert len(pushwoosh.calls()) == 3


def test_429_with_retry_after_is_honoured(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(429, {"message": "Too many requests"}, headers={"Retry-After": "1"}))
    stack.drain()
    first, second = pushwoosh.calls()
    assert second.at - first.at >= 1.0  # waited as told, not the sub-second jittered backoff
    assert second.json == first.json


def test_a_dropped_connection_is_retried(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(drop=True))
    stack.drain()
    assert len(pushwoosh.calls()) == 2
    assert stack.queued() == 0 and stack.dead_letters() == []


def test_an_answer_slower_than_the_read_timeout_is_retried(stack, pushwoosh):
    _post_invoice_paid(stack)
    pushwoosh.script(Fault(200, SUCCESS, delay=2.5))  # read timeout is 2 s in these tests
    stack.drain()
    assert len(pushwoosh.calls()) == 2
    assert stack.queued() == 0


def test_no_time_left_hands_the_command_back_without_calling(stack, pushwoosh):
    _post_invoice_paid(stack)
    messages = stack.sqs.receive_message(QueueUrl=stack.queue_url, AttributeNames=["All"])["Messages"]
    from pushbridge.handlers import delivery
    from tests.support.apigw import LambdaContext, sqs_fifo_event

    response = delivery.lambda_handler(sqs_fifo_event(messages, stack.queue_arn), LambdaContext("delivery", 2.0))
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [messages[0]["MessageId"]]
    assert pushwoosh.calls() == []


def test_deleteuser_answered_202_is_delivered_not_parked(stack, pushwoosh):
    """Pushwoosh's deleteUser is asynchronous: a 202 (accepted, maybe with no body) is success."""
    from tests.support.samples import CLERK_SECRET
    from tests.support.signing import standard_webhook_headers

    body = payload_bytes("clerk", "user.deleted")
    assert stack.post("clerk", body, standard_webhook_headers(body, CLERK_SECRET))[0] == 202
    pushwoosh.script(Fault(202, None))
    stack.drain()
    assert [(c.path, c.fault.status if c.fault else 200) for c in pushwoosh.calls()] == [
        ("/api/v2/device-api/deleteUser", 202)
    ]
    assert stack.queued() == 0 and stack.dead_letters() == []
