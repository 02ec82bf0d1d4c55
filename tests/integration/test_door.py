"""Validate at the door (issue 11, items 2-4), through the real ingest and delivery handlers:
whatever delivery would refuse is sanitised or refused before the 202, one bad event of a
batch costs only itself, and a queue message never holds itself hostage."""

from __future__ import annotations

import copy
import json

import pytest

from pushbridge.domain.values import MAX_VALUE_DEPTH
from tests.support.samples import AUTH0_AUTH, payload

HEADERS = {"Authorization": AUTH0_AUTH, "Content-Type": "application/json"}


def _login(n: int, *, connection: object = "Username-Password-Authentication", user: str | None = None) -> dict:
    record = copy.deepcopy(payload("auth0", "s"))
    record["log_id"] = record["data"]["log_id"] = f"9002026112614351200400000000000000122337203748791{n:04d}"
    record["data"]["user_id"] = user or f"auth0|user-{n}"
    record["data"]["connection"] = connection
    return record


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def _body(*records: dict) -> bytes:
    return json.dumps(list(records) if len(records) > 1 else records[0]).encode()


def _emf(out: str, name: str) -> list[dict]:
    # EMF documents printed on their own and those riding in the webhook's one log line.
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [
        d for d in documents if any(m["Name"] == name for x in d["_aws"]["CloudWatchMetrics"] for m in x["Metrics"])
    ]


def test_a_lone_surrogate_becomes_u_fffd_and_a_too_deep_event_of_a_batch_is_skipped(stack, pushwoosh, capsys_and_logs):
    lone = _body(_login(1, connection="X"), _login(2, connection=_nested(MAX_VALUE_DEPTH + 5)), _login(3))
    lone = lone.replace(b'"connection": "X"', b'"connection": "db-\\ud800-x"')  # as JSON.stringify emits it

    status, answer = stack.post("auth0", lone, HEADERS)

    assert status == 202, answer
    assert len(answer["commands"]) == 2 and len(answer["events"]) == 2
    stack.drain()
    sent = sorted((json.loads(call.body)["request"] for call in pushwoosh.calls()), key=lambda r: r["userId"])
    assert [r["userId"] for r in sent] == ["auth0|user-1", "auth0|user-3"]
    assert sent[0]["attributes"]["connection"] == "db-\ufffd-x"
    assert stack.dead_letters() == [] and stack.queued() == 0
    out = capsys_and_logs.readouterr().out
    assert [m["reason"] for m in _emf(out, "EventsSkipped")] == ["invalid_event"]
    assert [m["ValuesSanitised"] for m in _emf(out, "ValuesSanitised")] == [[1.0]]


def test_a_lone_surrogate_in_the_user_id_of_a_single_event_is_delivered_too(stack, pushwoosh):
    body = _body(_login(1, user="auth0|X")).replace(b"auth0|X", b"auth0|\\udfff")
    assert stack.post("auth0", body, HEADERS)[0] == 202
    stack.drain()
    [call] = pushwoosh.calls()
    assert json.loads(call.body)["request"]["userId"] == "auth0|\ufffd"


def test_a_single_event_nested_too_deep_is_a_400_before_anything_is_queued(stack):
    status, answer = stack.post("auth0", _body(_login(1, connection=_nested(MAX_VALUE_DEPTH + 1))), HEADERS)
    assert (status, answer["reason"]) == (400, "value_too_deep")
    assert stack.queued() == 0


@pytest.mark.parametrize("depth", [MAX_VALUE_DEPTH - 1, MAX_VALUE_DEPTH])
def test_anything_accepted_at_the_limit_is_delivered_not_parked(stack, pushwoosh, depth):
    assert stack.post("auth0", _body(_login(1, connection=_nested(depth))), HEADERS)[0] == 202
    stack.drain()
    assert len(pushwoosh.calls()) == 1 and stack.dead_letters() == []


def test_every_event_of_a_batch_invalid_is_a_400(stack):
    body = _body(_login(1, connection=_nested(100)), _login(2, connection=_nested(100)))
    assert stack.post("auth0", body, HEADERS)[0] == 400
    assert stack.queued() == 0


def test_commands_larger_than_a_queue_message_are_a_413_with_a_reason_not_a_503(stack, capsys_and_logs):
    status, answer = stack.post("auth0", _body(_login(1, connection="x" * 300_000)), HEADERS)
    assert (status, answer["reason"]) == (413, "commands_too_large")
    assert stack.queued() == 0
    out = capsys_and_logs.readouterr().out
    assert [m["reason"] for m in _emf(out, "WebhooksRejected")] == ["commands_too_large"]


def test_two_users_large_messages_in_one_webhook_are_queued_in_separate_batches(stack, pushwoosh):
    body = _body(_login(1, connection="x" * 200_000), _login(2, connection="y" * 200_000))
    assert stack.post("auth0", body, HEADERS)[0] == 202
    assert stack.queued() == 2
    stack.drain()
    assert len(pushwoosh.calls()) == 2


@pytest.mark.parametrize("where", ["user", "connection"])
def test_a_one_command_message_whose_values_say_commands_is_delivered_not_parked(stack, pushwoosh, where):
    record = _login(1, user="commands") if where == "user" else _login(1, connection={"commands": "commands"})
    assert stack.post("auth0", _body(record), HEADERS)[0] == 202
    stack.drain()
    assert len(pushwoosh.calls()) == 1 and stack.dead_letters() == []


def test_an_event_nested_near_the_parsers_limit_is_a_400_never_a_500(stack):
    """Wherever json.loads still parses the body, the depth check answers, not a RecursionError
    of a later JSON encoding (plainly_carried's json.dumps runs deeper in the stack: on Python
    3.11 the two depths below the parser's limit were a 500)."""
    body = json.dumps(_login(1, connection="DEEP"))

    def post(depth: int) -> tuple[int, dict]:
        deep = body.replace('"DEEP"', '{"k": ' * depth + '"leaf"' + "}" * depth).encode()
        return stack.post("auth0", deep, HEADERS)

    low, high = MAX_VALUE_DEPTH + 1, 200_000  # the first depth the parser refuses
    while low < high:
        middle = (low + high) // 2
        if post(middle)[1]["reason"] == "malformed_payload":
            high = middle
        else:
            low = middle + 1
    for depth in range(low - 40, low + 2):
        status, answer = post(depth)
        assert status == 400, (depth, low, status, answer)
