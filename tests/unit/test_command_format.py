"""The queue message format without pydantic: byte for byte the JSON pydantic's models wrote,
and a parser that accepts exactly what they accepted (tests/support/pydantic_commands.py is
the old models, kept as the reference), raising only MalformedMessage on anything else."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pushbridge.models.command import (
    DeleteUser,
    Envelope,
    MalformedMessage,
    Origin,
    PostEvent,
    RegisterUser,
    command_from_dict,
    parse_message,
)
from tests.support import pydantic_commands as reference

ORIGIN = Origin(source="stripe", event_id="evt_1", event_type="invoice.paid", rule="paid",
                received_at=1700000000.123456, event_time=1699999999)  # fmt: skip
ODD = Origin(source="s", event_id='é\u2028\x01"\\/', event_type="t", rule="r", received_at=0.0)
COMMANDS = [
    RegisterUser(id="c1", application="ABCDE-12345", user_id="u@example.com", origin=ORIGIN, hwid="h1",
                 tz_offset=3600, device_type=3),
    RegisterUser(id="c2", application="A", user_id="u", origin=ODD, hwid="h"),
    DeleteUser(id="c3", application="A", user_id="u", origin=ORIGIN),
    PostEvent(id="c4", application="A", user_id="u", origin=ORIGIN, event="Purchase",
              attributes={"amount": 19.99, "currency": "USD", "n": 3, "ok": True, "none": None,
                          "list": [1, "x", {"y": 1e-5}], "tiny": 1.5e-7, "big": 1e16, "nan": float("nan"),
                          "\u00fc": "\U0001f600"},
              hwid="h", device_type=1, timestamp_utc=1700000000, timestamp_current=1700000001),
    PostEvent(id="c5", application="A", user_id="u", origin=ODD, event="E"),
]  # fmt: skip

# model_dump_json() of the same commands (and an envelope of the first two) by the pydantic
# models, before they were replaced: what is in queues and DLQs at upgrade.
PYDANTIC_JSON = [
    '{"v":1,"id":"c1","application":"ABCDE-12345","user_id":"u@example.com","origin":{"source":"stripe","event_id":"evt_1","event_type":"invoice.paid","rule":"paid","received_at":1700000000.123456,"event_time":1699999999.0},"method":"register_user","hwid":"h1","tz_offset":3600,"device_type":3}',
    '{"v":1,"id":"c2","application":"A","user_id":"u","origin":{"source":"s","event_id":"é\u2028\\u0001\\"\\\\/","event_type":"t","rule":"r","received_at":0.0,"event_time":null},"method":"register_user","hwid":"h","tz_offset":null,"device_type":null}',
    '{"v":1,"id":"c3","application":"A","user_id":"u","origin":{"source":"stripe","event_id":"evt_1","event_type":"invoice.paid","rule":"paid","received_at":1700000000.123456,"event_time":1699999999.0},"method":"delete_user"}',
    '{"v":1,"id":"c4","application":"A","user_id":"u","origin":{"source":"stripe","event_id":"evt_1","event_type":"invoice.paid","rule":"paid","received_at":1700000000.123456,"event_time":1699999999.0},"method":"post_event","event":"Purchase","attributes":{"amount":19.99,"currency":"USD","n":3,"ok":true,"none":null,"list":[1,"x",{"y":0.00001}],"tiny":1.5e-7,"big":1e+16,"nan":null,"ü":"😀"},"hwid":"h","device_type":1,"timestamp_utc":1700000000,"timestamp_current":1700000001}',
    '{"v":1,"id":"c5","application":"A","user_id":"u","origin":{"source":"s","event_id":"é\u2028\\u0001\\"\\\\/","event_type":"t","rule":"r","received_at":0.0,"event_time":null},"method":"post_event","event":"E","attributes":{},"hwid":null,"device_type":null,"timestamp_utc":null,"timestamp_current":null}',
    '{"v":3,"commands":[{"v":1,"id":"c1","application":"ABCDE-12345","user_id":"u@example.com","origin":{"source":"stripe","event_id":"evt_1","event_type":"invoice.paid","rule":"paid","received_at":1700000000.123456,"event_time":1699999999.0},"method":"register_user","hwid":"h1","tz_offset":3600,"device_type":3},{"v":1,"id":"c2","application":"A","user_id":"u","origin":{"source":"s","event_id":"é\u2028\\u0001\\"\\\\/","event_type":"t","rule":"r","received_at":0.0,"event_time":null},"method":"register_user","hwid":"h","tz_offset":null,"device_type":null}]}',
]


def test_commands_serialise_exactly_as_pydantic_did():
    assert [c.to_json() for c in COMMANDS] == PYDANTIC_JSON[:-1]
    assert Envelope(commands=COMMANDS[:2]).to_json() == PYDANTIC_JSON[-1]


def test_what_pydantic_wrote_parses_back_to_the_same_commands():
    parsed = [c for body in PYDANTIC_JSON[:-1] for c in parse_message(body)]
    assert [c.to_json() for c in parsed] == PYDANTIC_JSON[:-1]
    assert parse_message(PYDANTIC_JSON[-1]) == COMMANDS[:2]
    assert parsed[2] == COMMANDS[2] and parsed[1] == COMMANDS[1]


def test_an_int_time_is_a_float_on_the_wire_as_before():
    assert ORIGIN.event_time == 1699999999.0 and type(ORIGIN.event_time) is float
    assert '"event_time":1699999999.0' in COMMANDS[0].to_json()


@pytest.mark.parametrize(
    "value", [1e15, 1e16, 1.5e16, 123456789012345.6, 1e-4, 1.5e-4, 1e-5, 1.5e-5, -1.2345e-5, 1e-6, 1.234e-10,
              5e-324, 1.7976931348623157e308, 0.1, 100.0, 1e21, 3.0e-5, -1e-7, -0.0, float("inf"), float("-inf")],
)  # fmt: skip
def test_floats_are_written_as_pydantic_wrote_them(value):
    mine = PostEvent(id="i", application="a", user_id="u", origin=ODD, event="e", attributes={"a": value})
    theirs = reference.PostEvent(id="i", application="a", user_id="u", origin=ODD.to_dict(), event="e",
                                 attributes={"a": value})  # fmt: skip
    assert mine.to_json() == theirs.model_dump_json()


def _body(**changes):
    command = {
        "v": 1,
        "id": "i",
        "application": "a",
        "user_id": "u",
        "method": "post_event",
        "event": "e",
        "origin": {"source": "s", "event_id": "e", "event_type": "t", "rule": "r", "received_at": 1.5},
    }
    command.update(changes)
    return command


DEEP = '{"id":"i","application":"a","user_id":"u","origin":{"source":"s","event_id":"e","event_type":"t","rule":"r","received_at":1},"method":"post_event","event":"x","attributes":{"a":%s}}'  # noqa: E501
ODD_BODIES = [
    "", "{", "[]", '"x"', "null", "1", "{} x", " \n" + json.dumps(_body()) + " \n", "\ufeff" + json.dumps(_body()),
    json.dumps(_body()).replace('"i"', '"\\ud800"'), json.dumps(_body()).replace('"e"', '"\\ud83d\\ude00"'),
    json.dumps(_body()).replace('"event":"e"', '"attributes":{"\\udc00":1},"event":"e"'),
    json.dumps(_body()).replace('"i"', '"\\\\ud800"'),
    json.dumps(_body()).replace("1.5", "NaN"), json.dumps(_body()).replace("1.5", "-Infinity"),
    json.dumps(_body()).replace('"id":"i"', '"id":"i","id":"j"'),
    *(DEEP % ("[" * n + "]" * n) for n in (5, 100, 198, 199, 200, 201, 5000)),
    '{"v":3,"commands":[' + "[" * 300 + "]" * 300 + "]}", "[" * 100000,
    '{"v":3,"commands":[{"method":"delete_user"},{"method":"x"},5,null,{}]}',
]  # fmt: skip
ODD_VALUES = [
    {}, _body(), _body(v="1"), _body(v=True), _body(v=1.0), _body(v=None), _body(v=4), _body(v=2), _body(v=-1),
    {"v": 3, "commands": []}, {"v": 2, "commands": [_body()]}, {"v": 2, "commands": [_body(), _body()]},
    {"v": 3, "commands": [_body()], "x": 1}, {"v": 3, "commands": {}}, {"v": 3, "commands": None}, {"v": 3},
    {"v": 3, "commands": "ab"}, {"v": 2, "commands": [{"method": "delete_user"}]}, {"v": 3, "commands": [_body(), 1]},
    {"v": 3, "commands": [_body(v=True)]}, {"v": 3, "commands": [_body(v=1.0)]}, {"v": 3, "commands": [_body(v="1")]},
    {"v": 3, "commands": [_body(v=None)]}, {"v": 3, "commands": [_body(v=2)]}, {"v": True, "commands": [_body()]},
    _body(method="nope"), _body(method=None), _body(method=1), _body(method=["post_event"]), _body(x=1),
    {k: v for k, v in _body().items() if k != "method"}, {"method": "post_event", "z": 1, "y": 2},
    _body(id=1, application=True, user_id=None, origin={}, x=1), _body(origin="x"), _body(origin=[]),
    _body(origin={**_body()["origin"], "x": 1}), _body(origin={**_body()["origin"], "event_time": None}),
    *(_body(origin={**_body()["origin"], "received_at": value})
      for value in (2, True, False, None, "2.5", " 2.5 ", "1_0", "nan", "inf", "-Infinity", "1e3", "+1", ".5", "5.",
                    "0x1", "", "x", "٣", 10**400, [], {})),
    *(_body(method="register_user", hwid="h", event=None, tz_offset=value) | {"event": "e"}
      for value in (True, False, 1.0, 1.5, -0.0, "7", "+7", " 7 ", "7.0", "1_000", "0x10", "-0", "07", "1e3", "٣",
                    "7.5", "", 10**30, 1e18, 9.2e18, 1e19, -1e18, 1e30, None, [], {}, "9" * 5000)),
    *({**_body(method="register_user", hwid=value, tz_offset=1), "event": None} for value in (None, 1, "h")),
    _body(hwid=None), _body(hwid=1), _body(attributes=[]), _body(attributes=None), _body(attributes={"1": [1.5e-5]}),
    _body(timestamp_utc="1700000000", timestamp_current=1.7e9, device_type=False), _body(event=""), _body(event=3),
    {**_body(method="delete_user"), "event": None}, _body(method="delete_user"),
]  # fmt: skip


def _outcome(parse, body):
    """What a parser makes of a body: the commands' JSON, or how many errors."""
    try:
        commands = parse(body)
    except (MalformedMessage, ValidationError) as exc:
        return ("malformed", exc.error_count())
    return ("ok", [c.to_json() if hasattr(c, "to_json") else c.model_dump_json() for c in commands])


def _json(value):
    if isinstance(value, dict) and value.get("event", "") is None:
        value = {k: v for k, v in value.items() if k != "event"}
    return json.dumps(value, allow_nan=True)


@pytest.mark.parametrize("body", ODD_BODIES + [_json(v) for v in ODD_VALUES])
def test_the_parser_accepts_and_refuses_what_pydantic_did(body):
    assert _outcome(parse_message, body) == _outcome(reference.parse_message, body)


def test_bytes_and_not_utf8():
    assert parse_message(json.dumps(_body()).encode()) == parse_message(json.dumps(_body()))
    for body in (b"\xff", b"\xfe\xff\x00{", "{}".encode("utf-16")):
        with pytest.raises(MalformedMessage):
            parse_message(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
FIELDS = ["v", "id", "application", "user_id", "origin", "method", "event", "attributes", "hwid", "tz_offset",
          "device_type", "timestamp_utc", "timestamp_current", "extra"]  # fmt: skip
ORIGIN_FIELDS = ["source", "event_id", "event_type", "rule", "received_at", "event_time", "extra"]
VALUES = json_values | st.sampled_from(["1", " 2 ", "1.5", "nan", "register_user", "delete_user", "post_event", 1.0,
                                        1e-5, -0.0, 2**63, 1, 2, 3])  # fmt: skip


@st.composite
def mutated_commands(draw):
    command = draw(st.sampled_from([_body(), _body(method="delete_user"), _body(method="register_user", hwid="h")]))
    command = dict(command)
    if command["method"] != "post_event":
        command.pop("event")
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        if draw(st.booleans()):
            command.pop(name, None)
        else:
            command[name] = draw(VALUES)
    if isinstance(command.get("origin"), dict):
        origin = dict(command["origin"])
        for name in draw(st.lists(st.sampled_from(ORIGIN_FIELDS), max_size=2)):
            if draw(st.booleans()):
                origin.pop(name, None)
            else:
                origin[name] = draw(VALUES)
        command["origin"] = origin
    return command


@st.composite
def messages(draw):
    commands = draw(st.lists(mutated_commands(), min_size=0, max_size=3))
    shape = draw(st.sampled_from(["v1", "v2", "v3", "other"]))
    if shape == "v1":
        return commands[0] if commands else {}
    envelope = {"v": 2 if shape == "v2" else 3, "commands": commands}
    if shape == "other":
        envelope[draw(st.sampled_from(["v", "commands", "x"]))] = draw(VALUES)
    return envelope


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages())
def test_fuzzed_messages_parse_as_pydantic_parsed_them(message):
    body = json.dumps(message, allow_nan=True)
    assert _outcome(parse_message, body) == _outcome(reference.parse_message, body)


@settings(max_examples=300, deadline=None)
@given(body=st.text(max_size=200) | st.binary(max_size=200) | json_values.map(json.dumps))
def test_the_parser_raises_nothing_but_malformed_message(body):
    try:
        parse_message(body)
    except MalformedMessage:
        pass


def test_mapping_round_trip_through_a_dict():
    for command in COMMANDS:
        assert command_from_dict(command.to_dict()) == command or command.method == "post_event"
    assert command_from_dict(COMMANDS[4].to_dict()) == COMMANDS[4]
    with pytest.raises(MalformedMessage):
        command_from_dict({**COMMANDS[2].to_dict(), "extra": 1})
