"""One log line per delivery attempt, carrying that attempt's metrics as EMF (DECISIONS "Log
lines"): what CloudWatch extracts from it, and that nothing else is printed for them."""

from __future__ import annotations

import json

from pushbridge.adapters.command_queue import SqsCommandQueue
from tests.support.cloudwatch import parse_emf
from tests.support.commands import post
from tests.support.pushwoosh_server import Fault


def _lines(out: str, logged: list[str]) -> list[dict]:
    """What the function printed: its log lines (the fixture sees each twice: the logger's own
    handler and the root logger's) and the EMF documents printed on their own."""
    return [json.loads(line) for line in [*dict.fromkeys(logged), *out.splitlines()] if line.startswith("{")]


def test_a_delivered_command_is_one_line_with_its_call_and_latency_metrics(stack, pushwoosh, capsys, log_lines):
    SqsCommandQueue(stack.queue_url, client=stack.sqs).send([post("evt_1", at=100.0)])
    stack.drain()
    lines = _lines(capsys.readouterr().out, log_lines)

    [line] = [x for x in lines if x.get("message") == "Pushwoosh call delivered"]
    points = {(p.name, p.dimensions): p.value for p in parse_emf(json.dumps(line))}
    assert (
        points[("PushwooshCalls", (("method", "post_event"), ("outcome", "delivered"), ("service", "pushbridge")))] == 1
    )
    assert ("PushwooshLatency", (("method", "post_event"), ("service", "pushbridge"))) in points
    # No other document carries them: counted once, in the line.
    others = [p for x in lines if x is not line for p in parse_emf(json.dumps(x))]
    assert not [p for p in others if p.name in ("PushwooshCalls", "PushwooshLatency")], others


def test_a_failed_attempt_carries_its_outcome_and_a_parked_one_its_reason(stack, pushwoosh, log_lines):
    pushwoosh.script(
        Fault(503, {"status_code": 503}), Fault(503, {"status_code": 503}), Fault(503, {"status_code": 503})
    )
    SqsCommandQueue(stack.queue_url, client=stack.sqs).send([post("evt_2", at=100.0)])
    stack.deliver_once()
    [warning] = [x for x in _lines("", log_lines) if x.get("message") == "Pushwoosh call failed; will retry"]
    assert {p.name: p.dims["outcome"] for p in parse_emf(json.dumps(warning)) if p.name == "PushwooshCalls"} == {
        "PushwooshCalls": "transient"
    }

    pushwoosh.script(Fault(200, {"status_code": 210, "status_message": "Event not found"}))
    stack.drain()
    [parked] = [x for x in _lines("", log_lines) if x.get("message", "").startswith("Pushwoosh refused")]
    names = {(p.name, p.dims.get("outcome"), p.dims.get("reason")) for p in parse_emf(json.dumps(parked))}
    assert ("PushwooshCalls", "permanent", None) in names
    assert ("CommandsParked", None, "pushwoosh_rejected") in names
