"""Redrive safety (issue 11, item 7), through the real delivery handler on moto SQS/DynamoDB
and the local Pushwoosh server: the GDPR fence, parking that FIFO deduplication cannot
swallow, and a refusal that follows an unanswered attempt."""

from __future__ import annotations

import json

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.models.command import parse_message
from tests.support.commands import delete as _delete
from tests.support.commands import post as _post
from tests.support.commands import register as _register
from tests.support.pushwoosh_server import Fault

REFUSED = Fault(200, {"status_code": 210, "status_message": "Event not found"})


def _deliver(stack, *commands) -> None:
    for command in commands:  # one webhook each, as separate provider deliveries would be
        SqsCommandQueue(stack.queue_url, client=stack.sqs).send([command])
        stack.drain()


def _redrive(stack) -> None:
    """What SQS's message move task does (moto has none): every dead letter back to the
    command queue as a new message."""
    for letter in stack.dead_letters():
        attributes = letter["Attributes"]
        stack.sqs.send_message(
            QueueUrl=stack.queue_url, MessageBody=letter["Body"], MessageGroupId=attributes["MessageGroupId"],
            MessageDeduplicationId="redrive-" + letter["MessageId"],
        )  # fmt: skip
        stack.sqs.delete_message(QueueUrl=stack.dlq_url, ReceiptHandle=letter["ReceiptHandle"])


def _paths(pushwoosh) -> list[str]:
    return [call.path.rsplit("/", 1)[-1] for call in pushwoosh.calls()]


def test_an_event_from_before_a_deletion_never_reaches_pushwoosh_after_it(stack, pushwoosh, capsys):
    # A Login parked (Pushwoosh refused it), then the user deletes their account.
    pushwoosh.script(REFUSED)
    _deliver(stack, _post("evt_login", at=100.0), _delete("evt_deleted", at=200.0))
    assert _paths(pushwoosh) == ["postEvent", "deleteUser"]

    _redrive(stack)  # the old Login comes back
    stack.drain()
    _deliver(stack, _post("evt_late_retry", at=150.0))  # and a provider's late retry of an old event

    assert _paths(pushwoosh) == ["postEvent", "deleteUser"]  # nothing more reached Pushwoosh
    assert stack.queued() == 0 and stack.dead_letters() == []  # acknowledged, not parked
    assert '"CommandsFenced":[1.0]' in capsys.readouterr().out.replace(" ", "")


def test_a_user_who_signs_up_again_after_the_deletion_still_gets_events(stack, pushwoosh):
    _deliver(stack, _delete("evt_deleted", at=200.0), _register("evt_again", at=300.0), _post("evt_login", at=301.0))
    assert _paths(pushwoosh) == ["deleteUser", "registerUser", "postEvent"]


def test_a_stale_delete_redriven_after_the_user_signed_up_again_is_fenced(stack, pushwoosh):
    pushwoosh.script(REFUSED)  # the deleteUser is refused and parked
    _deliver(stack, _delete("evt_deleted", at=200.0), _register("evt_again", at=300.0))
    _redrive(stack)
    stack.drain()
    _deliver(stack, _post("evt_login", at=301.0))

    assert _paths(pushwoosh) == ["deleteUser", "registerUser", "postEvent"]  # the stale delete was not re-sent
    assert stack.dead_letters() == []


def test_fences_are_per_user_and_messages_queued_before_event_time_existed_use_their_receipt_time(stack, pushwoosh):
    _deliver(stack, _delete("evt_deleted", at=2_000.0, user="user_1"))
    # received_at (1 000) stands in for a missing event_time: before the fence
    _deliver(stack, _post("evt_old_message", at=None, user="user_1"), _post("evt_other", at=100.0, user="user_2"))
    assert _paths(pushwoosh) == ["deleteUser", "postEvent"]
    assert json.loads(pushwoosh.calls()[-1].body)["request"]["userId"] == "user_2"


def test_a_command_parked_redriven_and_parked_again_within_five_minutes_is_parked_again(stack, pushwoosh):
    pushwoosh.script(REFUSED, REFUSED)
    _deliver(stack, _post("evt_refused", at=100.0))
    [first] = stack.dead_letters()
    _redrive(stack)
    stack.drain()

    [second] = stack.dead_letters()  # not swallowed by the DLQ's FIFO deduplication
    assert len(pushwoosh.calls()) == 2
    assert parse_message(second["Body"]) == parse_message(first["Body"])
    assert second["Attributes"]["MessageDeduplicationId"] != first["Attributes"]["MessageDeduplicationId"]
    assert json.loads(second["Body"])["v"] == 3


def test_a_refusal_after_an_unanswered_attempt_says_the_first_may_have_applied(stack, pushwoosh):
    # Three attempts get no answer (the invocation gives up: transient), the next is refused.
    pushwoosh.script(Fault(drop=True), Fault(drop=True), Fault(drop=True), REFUSED)
    _deliver(stack, _post("evt_unanswered", at=100.0))

    [parked] = stack.dead_letters()
    assert parked["MessageAttributes"]["pushbridge-reason"]["StringValue"] == (
        "pushwoosh_rejected_after_unanswered_attempt"
    )


def test_a_plain_refusal_keeps_its_plain_reason(stack, pushwoosh):
    pushwoosh.script(Fault(500, {"status_code": 500}), REFUSED)  # answered, just not successfully
    _deliver(stack, _post("evt_answered", at=100.0))
    [parked] = stack.dead_letters()
    assert parked["MessageAttributes"]["pushbridge-reason"]["StringValue"] == "pushwoosh_rejected"
