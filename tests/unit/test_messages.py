"""The SQS message format: a webhook's commands for one user travel together, in order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pushbridge.models.command import DeleteUser, Origin, PostEvent, RegisterUser, messages_for, parse_message

ORIGIN = Origin(source="s", event_id="e", event_type="t", rule="r", received_at=0.0)


def _commands():
    return [
        RegisterUser(id="c1", application="A", user_id="u1", origin=ORIGIN, hwid="h"),
        DeleteUser(id="c2", application="A", user_id="u2", origin=ORIGIN),
        PostEvent(id="c3", application="A", user_id="u1", origin=ORIGIN, event="SignUp"),
    ]


def test_one_message_per_user_in_order_and_a_lone_command_as_itself():
    first, second = messages_for(_commands())
    assert [c.id for c in parse_message(first.body)] == ["c1", "c3"]  # u1's two, in order
    assert [c.id for c in parse_message(second.body)] == ["c2"]
    assert second.body == _commands()[1].model_dump_json() and second.dedup_id == "c2"
    assert first.group_id == _commands()[0].group_id


def test_deduplication_ids_are_deterministic():
    assert [m.dedup_id for m in messages_for(_commands())] == [m.dedup_id for m in messages_for(_commands())]


@pytest.mark.parametrize("body", ['{"v": 2, "commands": []}', '{"v": 1}', "not json", '{"v": 2, "commands": [{}]}'])
def test_malformed_messages_are_validation_errors(body):
    with pytest.raises(ValidationError):
        parse_message(body)
