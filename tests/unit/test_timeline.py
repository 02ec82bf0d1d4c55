"""`pushbridge trace`'s reading of log lines, on recorded Logs Insights results shaped as the
functions log them (PLAN.md's one-line shapes), and on the older messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from pushbridge.models.command import user_ref
from pushbridge_dev.cli.log_search import InsightsSearch, insights_query
from pushbridge_dev.cli.timeline import needles_for, render, timelines

EVENT = "evt_1QCsMDJqVb3uS0kRinvFail1"
USER = "user_3078a"
COMMANDS = ["a1" * 32, "b2" * 32]
GROUPS = {"/aws/lambda/pushbridge-IngestFunction": "ingest", "/aws/lambda/pushbridge-DeliveryFunction": "delivery"}


def _row(ms: int, group: str, fields: dict) -> list[dict[str, str]]:
    """One row of GetQueryResults, as Logs Insights answers it."""
    return [
        {"field": "@timestamp", "value": datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]},
        {"field": "@log", "value": f"123456789012:{group}"},
        {"field": "@message", "value": json.dumps(fields)},
        {"field": "@ptr", "value": "CmAKJgoi"},
    ]  # fmt: skip


INGEST, DELIVERY = list(GROUPS)
RECORDED = [
    _row(1_795_710_580_100, INGEST, {
        "message": "webhook", "source": "stripe", "provider": "stripe", "status": 202, "outcome": "accepted",
        "event_ids": [EVENT], "event_types": ["invoice.payment_failed"], "correlation_id": EVENT,
        "commands": [{"id": COMMANDS[0], "method": "post_event", "rule": "stripe-payment-failed", "user": user_ref(USER)},
                     {"id": COMMANDS[1], "method": "register_user", "rule": "stripe-register", "user": user_ref(USER)}],
    }),
    _row(1_795_710_580_400, DELIVERY, {
        "message": "delivery", "command_id": COMMANDS[0], "method": "post_event", "user": user_ref(USER),
        "correlation_id": EVENT, "source": "stripe", "event_type": "invoice.payment_failed",
        "outcome": "transient", "status": 503, "latency_ms": 120, "reason": "pushwoosh_unavailable",
    }),
    _row(1_795_710_940_400, DELIVERY, {
        "message": "delivery", "command_id": COMMANDS[0], "method": "post_event", "user": user_ref(USER),
        "correlation_id": EVENT, "source": "stripe", "event_type": "invoice.payment_failed",
        "outcome": "parked", "status": 210, "latency_ms": 98, "reason": "pushwoosh_rejected",
    }),
    _row(1_795_710_940_500, DELIVERY, {
        "message": "delivery", "command_id": COMMANDS[1], "method": "register_user", "user": user_ref(USER),
        "correlation_id": EVENT, "source": "stripe", "event_type": "invoice.payment_failed",
        "outcome": "delivered", "status": 200, "latency_ms": 87,
    }),
    _row(1_795_710_999_000, INGEST, {
        "message": "webhook", "source": "clerk", "status": 202, "outcome": "accepted", "correlation_id": "msg_other",
        "event_ids": ["msg_other"], "event_types": ["user.created"],
        "commands": [{"id": "c3" * 32, "method": "register_user", "rule": "clerk-register", "user": user_ref("someone")}],
    }),
]  # fmt: skip


def _entries():
    return InsightsSearch(logs=None, log_groups=GROUPS).entries_from_results(RECORDED)


def test_an_event_id_gives_the_webhook_and_every_delivery_attempt_in_order():
    (webhook,) = timelines(_entries(), EVENT)
    text = "\n".join(render(webhook, EVENT))
    assert text.splitlines()[0] == f"{EVENT}  stripe  invoice.payment_failed"
    assert "ingest    received, verified -> 202 accepted; 2 command(s) queued" in text
    assert (
        f"delivery  post_event  command {COMMANDS[0][:12]} -> transient (Pushwoosh 503, 120 ms, pushwoosh_unavailable)"
        in text
    )
    assert f"post_event  command {COMMANDS[0][:12]} -> parked (Pushwoosh 210, 98 ms, pushwoosh_rejected)" in text
    assert text.splitlines()[-1] == "  => 1 delivered, 1 parked, 0 still being retried"
    assert [e.function for e in webhook.entries] == ["ingest", "delivery", "delivery", "delivery"]


def test_a_user_id_is_found_through_the_same_hash_the_logs_use_never_logged_raw():
    assert USER not in json.dumps(RECORDED)
    assert needles_for(USER) == {USER, user_ref(USER)}
    (webhook,) = timelines(_entries(), USER)
    assert webhook.correlation_id == EVENT
    assert any(line.endswith("<-") for line in render(webhook, USER))


def test_a_command_id_finds_its_webhook_and_nothing_else():
    assert [w.correlation_id for w in timelines(_entries(), COMMANDS[1])] == [EVENT]
    assert timelines(_entries(), "evt_unknown") == []


def test_older_log_messages_are_read_too():
    old = [
        {"message": "webhook accepted", "timestamp": "2026-11-28 07:43:13,154+0000", "function_name": "ingest",
         "source": "stripe", "correlation_id": EVENT, "event_types": ["invoice.paid"],
         "commands": [{"id": COMMANDS[0], "method": "post_event", "rule": "stripe-invoice-paid"}]},
        {"message": "Pushwoosh call failed; will retry", "timestamp": "2026-11-28 07:43:14,000+0000",
         "function_name": "delivery", "correlation_id": EVENT, "command_id": COMMANDS[0], "method": "post_event",
         "user": user_ref(USER), "status": 503},
    ]  # fmt: skip
    from pushbridge_dev.cli.timeline import entry_from_json

    (webhook,) = timelines([entry_from_json(json.dumps(line)) for line in old], USER)
    text = "\n".join(render(webhook, USER))
    assert "received, verified -> accepted; 1 command(s) queued" in text
    assert "-> transient (Pushwoosh 503)" in text and "0 delivered, 0 parked, 1 still being retried" in text


def test_the_insights_query_matches_the_id_and_its_hash_and_quotes_them():
    query = insights_query(needles_for(USER))
    assert query == (
        f'fields @timestamp, @log, @message | filter @message like "{user_ref(USER)}" or @message like "{USER}" '
        "| sort @timestamp asc | limit 10000"
    )
    assert '@message like "a\\"b"' in insights_query({'a"b'})
