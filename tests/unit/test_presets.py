"""Every sample payload in events/payloads maps, through the shipped presets, to the exact
Pushwoosh request the reference specifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from pushbridge.adapters.pushwoosh import request_for
from pushbridge.config.loader import load_config, parse_config
from pushbridge.domain.mapping import map_event
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.samples import APPLICATION, CLERK_SECRET, PAYLOADS, payload, payload_bytes
from tests.support.signing import standard_webhook_headers

CONFIG = load_config(Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml", default_application=APPLICATION)
HWID = "8f65b16df378e7a6bece9614e1530fb2"
SUBSCRIPTION_ATTRIBUTES = {
    "price": "price_1QCsKxJqVb3uS0kRmonthly",
    "product": "prod_R5nTpremium",
    "interval": "month",
    "cancel_at_period_end": False,
}


def _post_event(event, attributes, created, user="user_3078a", hwid=HWID):
    request = {"hwid": hwid, "application": APPLICATION, "event": event, "attributes": attributes,
               "timestampUTC": created, "userId": user}  # fmt: skip
    return ("/json/1.3/postEvent", {"request": {k: v for k, v in request.items() if v is not None}})


EXPECTED = {
    ("stripe", "checkout.session.completed"): [
        _post_event("CheckoutCompleted", {"amount": 1999, "currency": "eur", "mode": "subscription", "payment_status": "paid"}, 1795710540)
    ],
    ("stripe", "customer.subscription.created"): [
        _post_event("SubscriptionCreated", {"status": "active", **SUBSCRIPTION_ATTRIBUTES}, 1795710560)
    ],
    ("stripe", "customer.subscription.updated"): [
        _post_event("SubscriptionUpdated", {"status": "active", **SUBSCRIPTION_ATTRIBUTES}, 1795710560)
    ],
    ("stripe", "customer.subscription.deleted"): [
        _post_event("SubscriptionCanceled", {"status": "canceled", **SUBSCRIPTION_ATTRIBUTES}, 1795710560)
    ],
    ("stripe", "invoice.paid"): [
        _post_event("InvoicePaid", {"amount": 1999, "currency": "eur", "billing_reason": "subscription_cycle"}, 1795710580)
    ],
    ("stripe", "invoice.payment_failed"): [
        _post_event("PaymentFailed", {"amount": 1999, "currency": "eur", "attempt_count": 2, "billing_reason": "subscription_cycle"}, 1795710580)
    ],
    # The app's own id (external_id) wherever Clerk carries it; the hwid from public/private metadata.
    ("clerk", "user.created"): [
        ("/json/1.3/registerUser", {"request": {"userId": "567772", "application": APPLICATION, "hwid": HWID}}),
        _post_event("SignUp", {"provider": "clerk"}, 1795710500, user="567772"),
    ],
    # Only unsafe_metadata (the browser writes it) holds an hwid: SignUp without one, no registerUser.
    ("clerk", "user.created.unsafe_metadata"): [
        _post_event("SignUp", {"provider": "clerk"}, 1795710510, user="user_2pLqRsTuVwXyZaBcDeFgHiJkLmN", hwid=None)
    ],
    ("clerk", "user.updated"): [
        ("/json/1.3/registerUser", {"request": {"userId": "567772", "application": APPLICATION, "hwid": "3c1f0d9e2b7a48c6a5e4d3c2b1a09f8e"}})
    ],
    ("clerk", "user.deleted"): [
        ("/api/v2/device-api/deleteUser", {"application": APPLICATION, "user_id": "567772"})
    ],
    ("clerk", "session.created"): [
        _post_event("Login", {"provider": "clerk"}, 1795710560, user="567772", hwid=None)
    ],
    ("clerk", "session.created.impersonated"): [],
}  # fmt: skip


def _events(provider: str, name: str):
    body = payload_bytes(provider, name)
    headers = (
        Headers(standard_webhook_headers(body, CLERK_SECRET, msg_id="msg_sample")) if provider == "clerk" else Headers()
    )
    return PROVIDERS[provider].parse(body, headers)


def test_every_sample_payload_has_an_exact_expectation_somewhere():
    import importlib
    import pkgutil

    from tests.unit import providers

    covered = set(EXPECTED)
    for module in pkgutil.iter_modules(providers.__path__):
        covered |= set(getattr(importlib.import_module(f"tests.unit.providers.{module.name}"), "EXPECTED", {}))
    assert {(p.parent.name, p.stem) for p in PAYLOADS.glob("*/*.json")} == covered


@pytest.mark.parametrize("provider, name", sorted(EXPECTED), ids=[f"{p}:{n}" for p, n in sorted(EXPECTED)])
def test_sample_maps_to_the_exact_pushwoosh_request(provider, name):
    [event] = _events(provider, name)
    mapped = map_event(CONFIG.sources[provider], event, received_at=0.0)
    assert [request_for(command) for command in mapped.commands] == EXPECTED[(provider, name)]
    # Only unsafe_metadata holds an hwid there: the registration is skipped (and counted).
    assert mapped.skipped == [] or name == "user.created.unsafe_metadata"


def test_session_created_is_sent_without_hwid_and_flagged():
    [event] = _events("clerk", "session.created")
    mapped = map_event(CONFIG.sources["clerk"], event, received_at=0.0)
    assert mapped.without_hwid == ["clerk-session-created"]


def test_user_created_without_a_hwid_still_signs_up_and_counts_the_skipped_registration():
    body = payload("clerk", "user.created")
    body["data"]["public_metadata"] = {}
    [event] = PROVIDERS["clerk"].parse(
        __import__("json").dumps(body).encode(), Headers({"svix-id": "msg_1", "svix-timestamp": "1"})
    )
    mapped = map_event(CONFIG.sources["clerk"], event, received_at=0.0)
    assert [(c.origin.rule, c.event, c.hwid) for c in mapped.commands] == [
        ("clerk-user-created-signup", "SignUp", None)
    ]
    assert [(s.rule, s.reason) for s in mapped.skipped] == [("clerk-user-created", "no_hwid")]


def test_a_stripe_event_without_a_user_id_is_skipped_and_counted():
    body = payload("stripe", "checkout.session.completed")
    body["data"]["object"]["metadata"] = {}
    body["data"]["object"]["client_reference_id"] = None
    [event] = PROVIDERS["stripe"].parse(__import__("json").dumps(body).encode(), Headers())
    mapped = map_event(CONFIG.sources["stripe"], event, received_at=0.0)
    assert mapped.commands == [] and mapped.skipped[0].reason == "no_user_id"


def test_client_reference_id_stands_in_when_metadata_has_no_user_id():
    body = payload("stripe", "checkout.session.completed")
    del body["data"]["object"]["metadata"]["user_id"]
    body["data"]["object"]["client_reference_id"] = "user_from_client_ref"
    [event] = PROVIDERS["stripe"].parse(__import__("json").dumps(body).encode(), Headers())
    [command] = map_event(CONFIG.sources["stripe"], event, received_at=0.0).commands
    assert command.user_id == "user_from_client_ref"


def test_the_user_id_path_is_configurable_per_source():
    config = parse_config(
        "application: A\nsources:\n  stripe:\n    provider: stripe\n    user_id: {path: data.object.customer}\n"
    )
    [event] = PROVIDERS["stripe"].parse(payload_bytes("stripe", "invoice.paid"), Headers())
    [command] = map_event(config.sources["stripe"], event, received_at=0.0).commands
    assert command.user_id == "cus_R5nUqJ8vXyZa1b"


def test_globs_conditions_literals_and_millisecond_timestamps():
    config = parse_config(
        """
application: A
sources:
  clerk:
    provider: clerk
    preset: false
    rules:
      - name: any-user-event
        match: ["user.*"]
        when: {path: "data.object == 'user'"}
        post_event:
          event: {path: type}
          timestamp_utc: {path: timestamp}
          device_type: "3"
          attributes: {source: clerk, external: {path: data.external_id}, missing: {path: data.nope}}
"""
    )
    [event] = PROVIDERS["clerk"].parse(
        payload_bytes("clerk", "user.created"), Headers({"svix-id": "m", "svix-timestamp": "1"})
    )
    [command] = map_event(config.sources["clerk"], event, received_at=0.0).commands
    assert command.event == "user.created"
    assert command.timestamp_utc == 1795710500  # milliseconds in the payload, seconds to Pushwoosh
    assert command.device_type == 3
    assert command.attributes == {"source": "clerk", "external": "567772"}
    [session] = PROVIDERS["clerk"].parse(
        payload_bytes("clerk", "session.created"), Headers({"svix-id": "m", "svix-timestamp": "1"})
    )
    assert map_event(config.sources["clerk"], session, received_at=0.0).commands == []


def test_command_ids_are_deterministic_per_source_event_and_rule():
    [event] = _events("stripe", "invoice.paid")
    first = map_event(CONFIG.sources["stripe"], event, received_at=1.0).commands
    again = map_event(CONFIG.sources["stripe"], event, received_at=2.0).commands
    assert [c.id for c in first] == [c.id for c in again]
    assert len(first[0].id) <= 128  # SQS deduplication id limit
