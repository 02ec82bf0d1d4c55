"""Delivery runs message groups at the same time and keeps each group strictly in order, with
Powertools' FIFO partial-failure semantics: the real delivery handler, the local Pushwoosh
server, in-memory idempotency records."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from pushbridge.adapters.pushwoosh import PushwooshClient
from pushbridge.handlers import delivery
from pushbridge.models.command import Origin, PostEvent, messages_for, user_ref
from pushbridge_dev.devtools.events import LambdaContext, sqs_record
from pushbridge_dev.devtools.memory_idempotency import InMemoryPersistenceLayer
from tests.support.pushwoosh_server import FakePushwoosh, Fault
from tests.support.samples import APPLICATION


class Parked:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def park(self, body: str, **_: Any) -> None:
        self.bodies.append(body)


@pytest.fixture
def server():
    fake = FakePushwoosh().start()
    yield fake
    fake.stop()


def _use(server: FakePushwoosh, *, workers: int) -> None:
    client = PushwooshClient(
        lambda force=False: "token", base_url=server.url, connect_timeout=1, read_timeout=3, base_backoff=0.01
    )
    delivery.use(delivery.build(client, Parked(), InMemoryPersistenceLayer(), ttl_seconds=3600, workers=workers))


@pytest.fixture(autouse=True)
def _reset_handler():
    yield
    delivery.use(None)


def _command(user: str, event: str) -> PostEvent:
    origin = Origin(source="backend", event_id=f"evt-{user}-{event}", event_type="x", rule="r", received_at=time.time())
    return PostEvent(id=f"{user}-{event}", application=APPLICATION, user_id=user, origin=origin, event=event)


def _batch(*commands: PostEvent) -> dict[str, Any]:
    """One SQS record per command, in this order (as SQS hands a FIFO batch over)."""
    records = []
    for command in commands:
        [message] = messages_for([command])
        records.append(sqs_record(message.body, group_id=message.group_id, dedup_id=message.dedup_id))
    return {"Records": records}


def _events(server: FakePushwoosh, user: str | None = None) -> list[str]:
    calls = [c.json["request"] for c in server.calls()]
    return [c["event"] for c in calls if user is None or c["userId"] == user]


def _ids(event: dict[str, Any], answer: dict[str, Any]) -> list[int]:
    positions = {r["messageId"]: i for i, r in enumerate(event["Records"])}
    return [positions[item["itemIdentifier"]] for item in answer["batchItemFailures"]]


def test_ten_users_are_called_at_the_same_time(server):
    server.latency = 0.3
    _use(server, workers=10)
    event = _batch(*(_command(f"user-{n}", "Purchase") for n in range(10)))
    answer = delivery.lambda_handler(event, LambdaContext())
    assert answer == {"batchItemFailures": []}
    assert len(server.calls()) == 10
    assert server.max_in_flight >= 5  # one after another would never exceed 1


def test_the_worker_count_bounds_calls_in_flight(server):
    server.latency = 0.1
    _use(server, workers=3)
    event = _batch(*(_command(f"user-{n}", "Purchase") for n in range(9)))
    assert delivery.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert 1 < server.max_in_flight <= 3


def test_one_workers_is_strictly_sequential(server):
    server.latency = 0.05
    _use(server, workers=1)
    event = _batch(*(_command(f"user-{n}", "Purchase") for n in range(4)))
    assert delivery.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert server.max_in_flight == 1


def test_a_users_commands_stay_in_order_and_never_overlap(server):
    server.latency = 0.05
    _use(server, workers=10)
    ordered = [_command("alice", f"Step{n}") for n in range(5)]
    others = [_command(f"user-{n}", "Purchase") for n in range(5)]
    interleaved = [c for pair in zip(ordered, others, strict=True) for c in pair]
    assert delivery.lambda_handler(_batch(*interleaved), LambdaContext()) == {"batchItemFailures": []}

    alice = [c for c in server.calls() if c.json["request"]["userId"] == "alice"]
    assert [c.json["request"]["event"] for c in alice] == [f"Step{n}" for n in range(5)]
    for earlier, later in zip(alice, alice[1:], strict=False):
        assert earlier.answered_at is not None and later.at >= earlier.answered_at
    assert server.max_in_flight > 1  # the other users ran alongside


@pytest.mark.parametrize("workers", [1, 10])
def test_a_failure_hands_back_the_rest_of_its_group_and_only_that(server, workers):
    server.fail_when(lambda body: body["request"]["event"] == "Step1", Fault(500, {"status_code": 500}))
    _use(server, workers=workers)
    commands = [
        _command("alice", "Step0"),
        _command("bob", "Purchase"),
        _command("alice", "Step1"),  # fails on every attempt
        _command("carol", "Purchase"),
        _command("alice", "Step2"),  # behind it: handed back without being called
        _command("bob", "Renewal"),
    ]
    event = _batch(*commands)
    answer = delivery.lambda_handler(event, LambdaContext())

    assert _ids(event, answer) == [2, 4]
    assert "Step2" not in _events(server)
    assert _events(server, "bob") == ["Purchase", "Renewal"]
    assert _events(server, "carol") == ["Purchase"]
    assert _events(server, "alice")[0] == "Step0"


def test_each_thread_logs_its_own_command(server, log_lines):
    server.latency = 0.1
    _use(server, workers=10)
    commands = [_command(f"user-{n}", f"Event{n}") for n in range(8)]
    assert delivery.lambda_handler(_batch(*commands), LambdaContext()) == {"batchItemFailures": []}

    lines = [json.loads(line) for line in dict.fromkeys(log_lines) if line.startswith("{")]  # seen twice: root too
    delivered = [line for line in lines if line.get("message") == "Pushwoosh call delivered"]
    assert len(delivered) == 8
    users = {c.id: user_ref(c.user_id) for c in commands}
    for line in delivered:  # keys set by another thread at the same time would mismatch
        assert line["correlation_id"] == f"evt-{line['command_id']}"
        assert line["user"] == users[line["command_id"]]
    assert {line["command_id"] for line in delivered} == {c.id for c in commands}
