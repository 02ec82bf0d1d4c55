"""The SQS message format: a webhook's commands for one user travel together, in order."""

from __future__ import annotations

import json

import pytest

from pushbridge.models.command import (
    DeleteUser,
    MalformedMessage,
    MessageTooLarge,
    Origin,
    PostEvent,
    RegisterUser,
    messages_for,
    parse_message,
)

ORIGIN = Origin(source="s", event_id="e", event_type="t", rule="r", received_at=0.0)


def _commands():
    return [
        RegisterUser(id="c1", application="A", user_id="u1", origin=ORIGIN, hwid="h"),
        DeleteUser(id="c2", application="A", user_id="u2", origin=ORIGIN),
        PostEvent(id="c3", application="A", user_id="u1", origin=ORIGIN, event="SignUp"),
    ]


def test_one_v3_envelope_per_user_in_order_even_for_a_lone_command():
    first, second = messages_for(_commands())
    assert [c.id for c in parse_message(first.body)] == ["c1", "c3"]  # u1's two, in order
    assert [c.id for c in parse_message(second.body)] == ["c2"]
    assert json.loads(second.body)["v"] == 3 and json.loads(first.body)["v"] == 3
    assert second.dedup_id == "c2"
    assert first.group_id == _commands()[0].group_id


@pytest.mark.parametrize(
    "command",
    [
        DeleteUser(id="c", application="A", user_id="commands", origin=ORIGIN),
        PostEvent(id="c", application="A", user_id="u", origin=ORIGIN, event="commands"),
        PostEvent(id="c", application="A", user_id="u", origin=ORIGIN, event="E", attributes={"commands": "commands"}),
        PostEvent(
            id="c", application="A", user_id="u", event="E",
            origin=Origin(source="s", event_id="commands", event_type="commands", rule="r", received_at=0.0),
        ),
    ],
    ids=["user_id", "event", "attribute", "event_type"],
)  # fmt: skip
def test_the_word_commands_anywhere_in_a_command_changes_nothing(command):
    [message] = messages_for([command])
    assert parse_message(message.body) == [command]
    assert parse_message(command.to_json()) == [command]  # a v1 body, queued before the upgrade


def test_messages_queued_before_the_upgrade_still_parse():
    c1, c2, c3 = _commands()
    v1 = c2.to_json()
    v1_without_version = json.dumps({k: v for k, v in json.loads(v1).items() if k != "v"})
    v2 = json.dumps({"v": 2, "commands": [json.loads(c1.to_json()), json.loads(c3.to_json())]})
    assert parse_message(v1) == [c2]
    assert parse_message(v1_without_version) == [c2]
    assert parse_message(v2) == [c1, c3]


def test_commands_for_one_user_larger_than_a_queue_message_are_refused_whole():
    big = PostEvent(id="c", application="A", user_id="u", origin=ORIGIN, event="E", attributes={"x": "a" * 300_000})
    with pytest.raises(MessageTooLarge) as refused:
        messages_for([big])
    assert refused.value.status == 413 and refused.value.reason == "commands_too_large"


def test_deduplication_ids_are_deterministic():
    assert [m.dedup_id for m in messages_for(_commands())] == [m.dedup_id for m in messages_for(_commands())]


@pytest.mark.parametrize(
    "body",
    ['{"v": 2, "commands": []}', '{"v": 3, "commands": []}', '{"v": 1}', "not json", '{"v": 2, "commands": [{}]}',
     '{"v": true, "commands": []}', '{"v": 4, "commands": []}', "[]"],
)  # fmt: skip
def test_malformed_messages_are_refused(body):
    with pytest.raises(MalformedMessage):
        parse_message(body)


def test_a_webhooks_large_messages_are_sent_in_batches_sqs_accepts():
    """SendMessageBatch takes 10 entries and 256 KiB in all (moto does not check the total)."""
    from pushbridge.adapters.command_queue import SqsCommandQueue
    from pushbridge.models.command import SQS_MAX_BYTES

    class Sqs:  # what SQS answers: BatchRequestTooLong over 256 KiB, else every entry lands
        def __init__(self):
            self.batches = []

        def send_message_batch(self, QueueUrl, Entries):  # noqa: N803 (boto3's names)
            assert sum(len(e["MessageBody"].encode()) for e in Entries) <= SQS_MAX_BYTES, "BatchRequestTooLong"
            assert len(Entries) <= 10
            self.batches.append(len(Entries))
            return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    big = [
        PostEvent(
            id=f"c{n}", application="A", user_id=f"u{n}", origin=ORIGIN, event="E", attributes={"x": "a" * 100_000}
        )
        for n in range(5)
    ] + [DeleteUser(id=f"d{n}", application="A", user_id=f"v{n}", origin=ORIGIN) for n in range(12)]
    sqs = Sqs()
    SqsCommandQueue("q", client=sqs).send(big)
    assert sum(sqs.batches) == 17 and len(sqs.batches) >= 3
