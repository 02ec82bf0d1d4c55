"""The engine behind the lifecycle presets, through the real ingest handler on moto with a
fixed clock: one event time in whole seconds, events about nobody skipped and counted,
sandbox traffic kept apart, previous event names on request, stored hwids used only when
the source opts in."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.adapters.secrets import SecretsManagerJson
from pushbridge.config.loader import Config, parse_config
from pushbridge.config.model import Expr
from pushbridge.domain.ingest import IngestService
from pushbridge.handlers import ingest
from pushbridge_dev.devtools.samples import signed_headers
from tests.support.samples import APPLICATION, BACKEND_SECRET, CLERK_SECRET, REVENUECAT_AUTH, payload
from tests.support.signing import standard_webhook_headers

NOW = 1_790_000_000  # the injected clock (2026-09-21T13:33:20Z)
EVENT_TIME = 1_789_990_000  # when the sample events "happened"
HWID = "8f65b16df378e7a6bece9614e1530fb2"

BACKEND = """
application: {application}
sources:
  backend:
    provider: hmac
    {source_options}
    options: {{signature_header: X-Signature, timestamp_header: X-Timestamp,
               signed_content: "{{timestamp}}.{{body}}", {event_time}}}
    hwid: {{path: hwid}}
    rules:
      - {{name: timed, match: order.timed, post_event: {{event: Timed, timestamp_utc: {{path: at}}}}}}
      - {{name: plain, match: order.plain, post_event: {{event: Plain}}}}
      - name: ended
        match: subscription.ended
        post_event: {{event: SubscriptionEnded, previous_event: SubscriptionCanceled}}
      - {{name: started, match: subscription.started, post_event: {{event: SubscriptionStarted}}}}
      - name: captured
        match: checkout.completed
        post_event: {{event: PurchaseCompleted, hwid: {{path: hwid}}}}
      - name: renewed
        match: invoice.paid
        post_event: {{event: SubscriptionRenewed, stored_hwid: {{path: hwid}}}}
      - name: renewed-register
        match: invoice.paid
        register_user: {{stored_hwid: {{path: hwid}}}}
"""


def backend(*, event_time: str = "event_time: occurred_at", source_options: str = "") -> Config:
    return parse_config(BACKEND.format(application=APPLICATION, event_time=event_time, source_options=source_options))


def use(stack: Any, config: Config) -> None:
    # A fraction of a second past NOW: times that fall back to receipt are whole seconds.
    ingest.use(
        IngestService(
            config,
            SecretsManagerJson(stack.signing_secret_id),
            SqsCommandQueue(stack.queue_url),
            clock=lambda: NOW + 0.75,
        )
    )


def post_backend(stack: Any, config: Config, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"id": "evt_1", "user_id": "user_3078a", **event}).encode()
    return stack.post("backend", body, signed_headers(config.sources["backend"], body, BACKEND_SECRET, now=NOW))


def emf(out: str, name: str) -> list[dict[str, Any]]:
    """The EMF records (printed to stdout, as in Lambda) that carry metric `name`."""
    records = []
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "_aws" in record and name in record:
            records.append(record)
    return records


def take(stack: Any) -> list[dict[str, Any]]:
    """The queued commands, removed from the queue."""
    from pushbridge.models.command import parse_message

    messages = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [c.to_dict() for m in messages for c in parse_message(m["Body"])]


# --- time -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, expected",
    [
        ("2026-09-21T10:00:00Z", 1_789_984_800),  # ISO 8601 in the rule's timestamp_utc (was: none)
        ("2026-09-21T12:00:00.500+02:00", 1_789_984_800),
        ("2026-09-21T10:00:00", 1_789_984_800),  # no offset: UTC, never the server's zone
        (1_789_984_800_000, 1_789_984_800),  # milliseconds
        ("1789984800", 1_789_984_800),  # seconds as text
        ("not a time", EVENT_TIME),  # unreadable: the event's own time (was: none)
        (None, EVENT_TIME),
    ],
)
def test_a_rule_time_in_any_form_is_whole_seconds_else_the_event_time(stack, at, expected):
    config = backend()
    use(stack, config)
    assert post_backend(stack, config, {"type": "order.timed", "occurred_at": EVENT_TIME, "at": at})[0] == 202
    assert [c["timestamp_utc"] for c in stack.peek()] == [expected]


@pytest.mark.parametrize(
    "occurred_at", [EVENT_TIME, EVENT_TIME * 1000 + 123, "2026-09-21T11:26:40Z", str(EVENT_TIME * 1000)]
)
def test_the_generic_hmac_event_time_in_seconds_milliseconds_or_iso(stack, occurred_at):
    config = backend()
    use(stack, config)
    assert post_backend(stack, config, {"type": "order.plain", "occurred_at": occurred_at})[0] == 202
    assert [c["timestamp_utc"] for c in stack.peek()] == [EVENT_TIME]


def test_without_any_event_time_the_receipt_time_in_whole_seconds(stack):
    config = backend(event_time="event_id: id")
    use(stack, config)
    assert post_backend(stack, config, {"type": "order.plain"})[0] == 202
    [command] = stack.peek()
    assert command["timestamp_utc"] == NOW and isinstance(command["timestamp_utc"], int)


@pytest.mark.parametrize("timestamp", [EVENT_TIME, EVENT_TIME * 1000, "2026-09-21T11:26:40.123456Z"])
def test_a_standard_webhooks_payload_timestamp_in_seconds_is_not_divided_by_1000(stack, timestamp):
    config = parse_config(f"""
application: {APPLICATION}
sources:
  clerk:
    provider: standard-webhooks
    rules: [{{name: signup, match: user.created, post_event: {{event: SignUp, user_id: {{path: data.id}}}}}}]
""")
    use(stack, config)
    body = json.dumps({"type": "user.created", "timestamp": timestamp, "data": {"id": "user_3078a"}}).encode()
    status, _ = stack.post("clerk", body, standard_webhook_headers(body, CLERK_SECRET, prefix="webhook", timestamp=NOW))
    assert status == 202
    assert [c["timestamp_utc"] for c in stack.peek()] == [EVENT_TIME]


# --- who the user is ------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["unknown", "Unknown", "ANONYMOUS", "null", "undefined"])
def test_a_placeholder_user_skips_the_event_counted_with_the_reason_in_the_answer(stack, capsys, user):
    config = backend()
    use(stack, config)
    status, answer = post_backend(stack, config, {"type": "order.plain", "user_id": user})
    assert (status, answer["status"], answer["reason"]) == (200, "ignored", "placeholder_user")
    assert stack.queued() == 0
    [record] = emf(capsys.readouterr().out, "EventsSkipped")
    assert record["reason"] == "placeholder_user"


def revenuecat(*, sandbox: bool = False) -> Config:
    """The RevenueCat preset with the engine's two provider fields set, as the payment presets
    set them (RevenueCat's anonymous ids; its `environment` field)."""
    config = parse_config(f"""
application: {APPLICATION}
sources:
  revenuecat: {{provider: revenuecat, sandbox: {str(sandbox).lower()}}}
""")
    source = config.sources["revenuecat"]
    provider = dataclasses.replace(
        source.provider, environment="event.environment", anonymous_user=("$RCAnonymousID:",)
    )
    source = dataclasses.replace(source, provider=provider, environment=Expr.of_path("event.environment"))
    return Config(sources={"revenuecat": source})


def post_revenuecat(stack: Any, **event: Any) -> tuple[int, dict[str, Any]]:
    sample = payload("revenuecat", "INITIAL_PURCHASE")
    sample["event"].update(event)
    return stack.post("revenuecat", json.dumps(sample).encode(), {"Authorization": REVENUECAT_AUTH})


def test_an_anonymous_user_skips_the_event(stack, capsys):
    use(stack, revenuecat())
    anonymous = "$RCAnonymousID:8069238d6049ce87cc529853916d624c"
    # Anonymous only: the preset falls back to a non-anonymous alias when RevenueCat has one.
    status, answer = post_revenuecat(stack, app_user_id=anonymous, original_app_user_id=anonymous, aliases=[anonymous])
    assert (status, answer["status"], answer["reason"]) == (200, "ignored", "anonymous_user")
    assert stack.queued() == 0
    assert [r["reason"] for r in emf(capsys.readouterr().out, "EventsSkipped")] == ["anonymous_user"]


# --- sandbox ----------------------------------------------------------------------------------


def test_sandbox_events_are_skipped_unless_the_source_accepts_them(stack, capsys):
    use(stack, revenuecat())
    status, answer = post_revenuecat(stack, environment="SANDBOX")
    assert (status, answer["status"], answer["reason"]) == (200, "ignored", "sandbox")
    assert stack.queued() == 0
    assert [r["reason"] for r in emf(capsys.readouterr().out, "EventsSkipped")] == ["sandbox"]

    use(stack, revenuecat(sandbox=True))
    assert post_revenuecat(stack, environment="SANDBOX")[0] == 202
    assert [c["attributes"]["environment"] for c in stack.peek()] == ["sandbox"]


def test_every_payment_event_says_its_environment_in_one_spelling(stack):
    use(stack, revenuecat())
    assert post_revenuecat(stack, environment="PRODUCTION")[0] == 202
    assert [c["attributes"]["environment"] for c in stack.peek()] == ["production"]


# --- options ----------------------------------------------------------------------------------


def test_event_names_previous_sends_the_name_a_rule_sent_before(stack):
    for option, expected in (("", "SubscriptionEnded"), ("event_names: previous", "SubscriptionCanceled")):
        take(stack)
        config = backend(source_options=option)
        use(stack, config)
        assert post_backend(stack, config, {"type": "subscription.ended", "occurred_at": EVENT_TIME})[0] == 202
        assert [c["event"] for c in stack.peek()] == [expected]
    # A rule without a previous name (a new event) sends its lifecycle name either way.
    assert post_backend(stack, config, {"id": "evt_2", "type": "subscription.started"})[0] == 202
    assert "SubscriptionStarted" in [c["event"] for c in stack.peek()]


def test_a_stored_hwid_is_used_only_when_the_source_opts_in(stack):
    config = backend()
    use(stack, config)
    # The event that captured the hwid uses it.
    assert post_backend(stack, config, {"type": "checkout.completed", "hwid": HWID})[0] == 202
    assert [(c["event"], c["hwid"]) for c in stack.peek()] == [("PurchaseCompleted", HWID)]
    take(stack)
    # Replayed on a renewal: not used (userId only; registerUser has nothing to tie), not even
    # through the source's default hwid path.
    status, answer = post_backend(stack, config, {"id": "evt_2", "type": "invoice.paid", "hwid": HWID})
    assert status == 202
    assert [(c["method"], c.get("hwid")) for c in stack.peek()] == [("post_event", None)]
    assert {"event_type": "invoice.paid", "rule": "renewed-register", "reason": "no_hwid"} in answer["skipped"]
    take(stack)

    config = backend(source_options="reuse_stored_hwid: true")
    use(stack, config)
    assert post_backend(stack, config, {"id": "evt_3", "type": "invoice.paid", "hwid": HWID})[0] == 202
    assert sorted((c["method"], c["hwid"]) for c in stack.peek()) == [("post_event", HWID), ("register_user", HWID)]


# --- placeholders at start-up -------------------------------------------------------------------


def test_a_source_with_placeholder_options_answers_503_the_others_keep_working(stack, capsys):
    """The deployed function as built from the environment (shipped configuration): Kinde's
    `your-business.kinde.com` makes that source 503 configuration_invalid; Stripe works."""
    from tests.support.samples import STRIPE_SECRET, payload_bytes
    from tests.support.signing import stripe_headers

    ingest.use(None)
    status, answer = stack.post("kinde", b"eyJ.x.y", {"Content-Type": "application/jwt"})
    assert (status, answer["reason"]) == (503, "configuration_invalid")
    assert "sources.kinde.options.domain" in answer["message"]
    assert [r["source"] for r in emf(capsys.readouterr().out, "ConfigurationInvalid")] == ["kinde"]
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202


def test_a_placeholder_application_answers_503_not_200_ignored(stack, monkeypatch):
    from tests.support.samples import STRIPE_SECRET, payload_bytes
    from tests.support.signing import stripe_headers

    monkeypatch.setenv("PUSHWOOSH_APPLICATION", "XXXXX-XXXXX")
    ingest.use(None)
    body = payload_bytes("stripe", "invoice.paid")
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))
    assert (status, answer["reason"]) == (503, "configuration_invalid")
    assert stack.queued() == 0
