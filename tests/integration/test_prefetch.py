"""One BatchGetItem per delivery batch (adapters/prefetch.py), through the real delivery handler
on moto DynamoDB/SQS and the local Pushwoosh: the calls it saves, and that what it reads is
never staler than what the single reads would have seen."""

from __future__ import annotations

from collections import Counter

import pytest

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.handlers import delivery
from tests.support.apigw import LambdaContext, sqs_fifo_event
from tests.support.commands import delete as _delete
from tests.support.commands import post as _post
from tests.support.commands import register as _register


def _delivery_dynamodb():
    """The delivery function's own DynamoDB client (the bare one among its adapters)."""
    return next(a.client for a in delivery.delivery().adapters if type(a).__name__ == "_Closing")


def _dynamodb_calls() -> Counter:
    """Counts the delivery function's own DynamoDB calls, by operation."""
    calls: Counter = Counter()
    _delivery_dynamodb().meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    return calls


def _queue(stack, *webhooks) -> None:
    """Each argument is one webhook's commands (for one user: one message)."""
    for commands in webhooks:
        SqsCommandQueue(stack.queue_url, client=stack.sqs).send(list(commands))


def _one_batch(stack) -> tuple[list[dict], dict]:
    messages = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    messages = messages.get("Messages", [])
    answer = delivery.lambda_handler(sqs_fifo_event(messages, stack.queue_arn), LambdaContext("delivery", 60))
    return messages, answer


def test_a_batch_reads_every_record_and_fence_in_one_call(stack, pushwoosh):
    calls = _dynamodb_calls()
    # Ten users, each one webhook with two commands (sign-up: registerUser, then an event).
    _queue(stack, *[(_register(f"evt_signup_{n}", at=100.0, user=f"user_{n}"),
                     _post(f"evt_login_{n}", at=101.0, user=f"user_{n}")) for n in range(10)])  # fmt: skip
    messages, answer = _one_batch(stack)

    assert len(messages) == 10 and answer == {"batchItemFailures": []}
    assert len(pushwoosh.calls()) == 20
    # 40 reads (20 records, 20 fence reads of 10 users) in one call; the second command of each
    # user sees the fence its registerUser advanced without reading it again.
    assert calls == Counter({"BatchGetItem": 1, "PutItem": 20, "UpdateItem": 10}), calls


def test_a_batch_delivered_again_replays_from_the_records_it_prefetched(stack, pushwoosh):
    _queue(stack, *[(_post(f"evt_{n}", at=100.0, user=f"user_{n}"),) for n in range(5)])
    messages, _ = _one_batch(stack)
    assert len(pushwoosh.calls()) == 5
    calls = _dynamodb_calls()

    # The same messages again (a crash before SQS deleted them): answered by their records.
    answer = delivery.lambda_handler(sqs_fifo_event(messages, stack.queue_arn), LambdaContext("delivery", 60))

    assert answer == {"batchItemFailures": []} and len(pushwoosh.calls()) == 5
    assert calls == Counter({"BatchGetItem": 1}), calls


def test_a_fence_this_batch_moved_holds_for_the_users_next_commands(stack, pushwoosh):
    calls = _dynamodb_calls()
    # One user: deleted at 200, then a late event from 150 (fenced), then a sign-up again at 300
    # and an event at 301 (delivered): four webhooks of one message group, in one batch.
    _queue(stack, (_delete("evt_deleted", at=200.0),), (_post("evt_late", at=150.0),),
           (_register("evt_back", at=300.0),), (_post("evt_after", at=301.0),))  # fmt: skip
    messages, answer = _one_batch(stack)

    assert len(messages) == 4 and answer == {"batchItemFailures": []}
    assert [c.path.rsplit("/", 1)[-1] for c in pushwoosh.calls()] == ["deleteUser", "registerUser", "postEvent"]
    assert calls["GetItem"] == 0 and calls["BatchGetItem"] == 1, calls


def test_the_same_command_twice_in_one_batch_is_called_once(stack, pushwoosh):
    command = _post("evt_twice", at=100.0)
    queue = SqsCommandQueue(stack.queue_url, client=stack.sqs)
    queue.send([command])
    first = stack.sqs.receive_message(QueueUrl=stack.queue_url, AttributeNames=["All"])["Messages"]
    # A provider's retry after FIFO's five-minute window: a second message, same command id.
    twice = first + [dict(first[0], MessageId="retry-message", ReceiptHandle="retry")]
    answer = delivery.lambda_handler(sqs_fifo_event(twice, stack.queue_arn), LambdaContext("delivery", 60))

    assert answer == {"batchItemFailures": []}
    assert len(pushwoosh.calls()) == 1  # the second read went to DynamoDB and saw the record


def _unreliable_batch_reads(mode: str) -> None:
    """The delivery's DynamoDB client answers BatchGetItem with an error, or with every key
    unprocessed (what DynamoDB does when it throttles part of a batch)."""
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ClientError

    def answer(params, **_):
        if mode == "error":
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, "BatchGetItem")
        ((table, request),) = params["RequestItems"].items()
        return AWSResponse("", 200, {}, None), {"Responses": {table: []}, "UnprocessedKeys": {table: request}}

    _delivery_dynamodb().meta.events.register_first("before-call.dynamodb.BatchGetItem", answer)


@pytest.mark.parametrize("mode", ["error", "unprocessed"])
def test_what_the_prefetch_could_not_read_is_read_singly(stack, pushwoosh, mode):
    _queue(stack, *[(_post(f"evt_{n}", at=100.0, user=f"user_{n}"),) for n in range(4)])
    messages, _ = _one_batch(stack)  # delivered once
    _unreliable_batch_reads(mode)
    calls = _dynamodb_calls()

    answer = delivery.lambda_handler(sqs_fifo_event(messages, stack.queue_arn), LambdaContext("delivery", 60))

    assert answer == {"batchItemFailures": []} and len(pushwoosh.calls()) == 4  # replayed, not called again
    assert calls["GetItem"] == 8, calls  # the record and the fence of each of the 4 commands, singly
