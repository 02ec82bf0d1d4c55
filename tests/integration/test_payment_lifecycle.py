"""Issue 10, payments: each "Why" bullet through the real ingest and delivery handlers (signed
here, fixed clock) to the local Pushwoosh. Each of these failed on the presets shipped before
the lifecycle vocabulary; the goldens show whole requests, these name the one thing that
was wrong.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.adapters.secrets import StaticJson
from pushbridge.config.loader import Config, parse_config
from pushbridge.domain.ingest import IngestService
from pushbridge.handlers import ingest
from pushbridge.providers.lifecycle import SUBSCRIPTION_ENDED
from pushbridge_dev.devtools.samples import signed_headers
from tests.support.samples import APPLICATION, SIGNING_SECRETS, payload
from tests.support.signing import paddle_headers, stripe_headers

CONFIG_FILE = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"
NOW = 1_800_000_000  # the instant every webhook here is signed and received at
PAYMENT_SOURCES = ("stripe", "paddle", "revenuecat", "lemonsqueezy", "apple", "googleplay")


def shipped(**per_source: dict[str, Any]) -> Config:
    """src/pushbridge.yaml as shipped, with the given keys set on the given sources."""
    raw = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    for name, keys in per_source.items():
        raw["sources"][name].update(keys)
    return parse_config(yaml.safe_dump(raw, sort_keys=False), origin=str(CONFIG_FILE), default_application=APPLICATION)


def send(stack, source: str, body: dict[str, Any], config: Config | None = None) -> tuple[int, dict[str, Any]]:
    """Sign `body` as the provider would, post it to the real ingest handler, deliver."""
    config = config or shipped()
    ingest.use(IngestService(config, StaticJson(SIGNING_SECRETS), SqsCommandQueue(stack.queue_url), clock=lambda: NOW))
    raw = json.dumps(body).encode()
    if source == "stripe":
        headers = stripe_headers(raw, SIGNING_SECRETS[source], timestamp=NOW)
    elif source == "paddle":
        headers = paddle_headers(raw, SIGNING_SECRETS[source], timestamp=NOW)
    else:
        headers = signed_headers(config.sources[source], raw, SIGNING_SECRETS[source], now=NOW)
    try:
        answer = stack.post(source, raw, headers)
    finally:
        ingest.use(None)
    stack.drain()
    return answer


def sent(pushwoosh) -> list[dict[str, Any]]:
    """The postEvent requests Pushwoosh received, in order."""
    return [call.json["request"] for call in pushwoosh.calls() if call.path == "/json/1.3/postEvent"]


# RevenueCat --------------------------------------------------------------------------------


def test_revenuecat_amount_is_what_was_paid_and_the_usd_price_is_apart(stack, pushwoosh):
    # 19.99 EUR paid; RevenueCat's `price` is its USD equivalent (21.75). It used to go out as
    # {"price": 21.75, "currency": "EUR"}.
    send(stack, "revenuecat", payload("revenuecat", "INITIAL_PURCHASE"))
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["amount"], event["attributes"]["currency"]) == (
        "SubscriptionStarted",
        19.99,
        "EUR",
    )
    assert event["attributes"]["price_usd"] == 21.75
    assert "price" not in event["attributes"]


def test_revenuecat_product_change_names_the_new_and_the_previous_product(stack, pushwoosh):
    body = payload("revenuecat", "PRODUCT_CHANGE")
    assert (body["event"]["product_id"], body["event"]["new_product_id"]) == ("premium_monthly", "premium_annual")
    send(stack, "revenuecat", body)
    [event] = sent(pushwoosh)
    assert event["event"] == "ProductChanged"
    assert (event["attributes"]["product"], event["attributes"]["previous_product"]) == (
        "premium_annual",
        "premium_monthly",
    )


def test_revenuecat_free_trial_start_is_trial_started_not_a_purchase(stack, pushwoosh):
    body = payload("revenuecat", "INITIAL_PURCHASE.trial")
    assert body["event"]["period_type"] == "TRIAL"
    send(stack, "revenuecat", body)
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["period_type"]) == ("TrialStarted", "trial")
    assert "amount" not in event["attributes"] and "price_usd" not in event["attributes"]


def test_revenuecat_alias_stands_in_for_an_anonymous_app_user_id(stack, pushwoosh):
    body = payload("revenuecat", "INITIAL_PURCHASE")
    body["event"]["app_user_id"] = body["event"]["original_app_user_id"] = body["event"]["aliases"][0]
    assert body["event"]["app_user_id"].startswith("$RCAnonymousID:")
    send(stack, "revenuecat", body)
    [event] = sent(pushwoosh)
    assert event["userId"] == "user_3078a"


def test_revenuecat_anonymous_only_ids_are_skipped_and_counted(stack, pushwoosh, capsys):
    status, answer = send(stack, "revenuecat", payload("revenuecat", "INITIAL_PURCHASE.anonymous"))
    assert (status, answer["status"]) == (200, "ignored")
    assert sent(pushwoosh) == []
    assert not any("$RCAnonymousID" in json.dumps(call.json) for call in pushwoosh.calls())
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("EventsSkipped") and m.get("reason") == "anonymous_user" for m in metrics)


def test_revenuecat_transfer_never_sends_the_other_users_id(stack, pushwoosh):
    body = payload("revenuecat", "TRANSFER")
    assert body["event"]["transferred_from"] == ["user_41c7e"]
    send(stack, "revenuecat", body)
    [event] = sent(pushwoosh)
    assert (event["event"], event["userId"]) == ("SubscriptionTransferred", "user_3078a")
    assert "user_41c7e" not in json.dumps(pushwoosh.calls()[0].json)
    assert "transferred_from" not in event["attributes"]


# Stripe ------------------------------------------------------------------------------------


def _subscription_updated(previous: dict[str, Any], **now: Any) -> dict[str, Any]:
    body = payload("stripe", "customer.subscription.updated")
    body["data"]["object"].update(now)
    body["data"]["previous_attributes"] = previous
    return body


def test_stripe_cancel_at_period_end_turning_on_is_cancellation_scheduled(stack, pushwoosh):
    body = payload("stripe", "customer.subscription.updated")
    assert body["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert body["data"]["object"]["cancel_at_period_end"] is True
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert event["event"] == "CancellationScheduled"
    assert event["attributes"]["expires_at"] == body["data"]["object"]["cancel_at"]


def test_stripe_cancel_at_period_end_turning_off_is_cancellation_revoked(stack, pushwoosh):
    body = _subscription_updated({"cancel_at_period_end": True}, cancel_at_period_end=False, cancel_at=None)
    send(stack, "stripe", body)
    assert [e["event"] for e in sent(pushwoosh)] == ["CancellationRevoked"]


def test_stripe_cancel_at_set_through_the_api_is_cancellation_scheduled(stack, pushwoosh):
    # Newer dashboards and `cancel_at` schedule a cancel without touching cancel_at_period_end.
    body = _subscription_updated({"cancel_at": None}, cancel_at_period_end=False, cancel_at=1_801_000_000)
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["expires_at"]) == ("CancellationScheduled", 1_801_000_000)


def test_stripe_metadata_only_update_maps_to_nothing(stack, pushwoosh):
    body = payload("stripe", "customer.subscription.updated.metadata_only")
    assert set(body["data"]["previous_attributes"]) == {"metadata"}
    status, answer = send(stack, "stripe", body)
    assert (status, answer["status"]) == (200, "ignored")
    assert pushwoosh.calls() == []


def test_stripe_renewal_period_roll_over_update_maps_to_nothing(stack, pushwoosh):
    # Every renewal sends customer.subscription.updated with the new period: not a step.
    period = {"current_period_start": 1_795_710_000, "current_period_end": 1_798_388_400, "latest_invoice": "in_old"}
    body = _subscription_updated(period, cancel_at_period_end=False, cancel_at=None)
    status, _ = send(stack, "stripe", body)
    assert status == 200 and pushwoosh.calls() == []


def test_stripe_deleted_is_subscription_ended_with_a_reason(stack, pushwoosh):
    body = payload("stripe", "customer.subscription.deleted")
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert event["event"] == SUBSCRIPTION_ENDED
    assert event["attributes"]["reason"] == body["data"]["object"]["cancellation_details"]["reason"]


def test_stripe_payment_failed_carries_the_page_where_the_card_is_fixed(stack, pushwoosh):
    body = payload("stripe", "invoice.payment_failed")
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert event["event"] == "PaymentFailed"
    assert event["attributes"]["invoice_url"] == body["data"]["object"]["hosted_invoice_url"]
    assert event["attributes"]["invoice_url"].startswith("https://invoice.stripe.com/")


def test_stripe_trial_will_end_is_trial_ending_soon(stack, pushwoosh):
    body = payload("stripe", "customer.subscription.trial_will_end")
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["expires_at"]) == (
        "TrialEndingSoon",
        body["data"]["object"]["trial_end"],
    )


# Amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "currency, minor, major",
    [("eur", 1999, 19.99), ("jpy", 1500, 1500), ("kwd", 1234, 1.234), ("bhd", 5, 0.005)],
    ids=["EUR two decimals", "JPY none", "KWD three", "BHD three, small"],
)
def test_stripe_amounts_are_major_units_of_an_upper_case_currency(stack, pushwoosh, currency, minor, major):
    body = payload("stripe", "invoice.payment_failed")
    body["data"]["object"].update(currency=currency, amount_due=minor)
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert (event["attributes"]["amount"], event["attributes"]["currency"]) == (major, currency.upper())
    assert type(event["attributes"]["amount"]) is type(major)


def test_jpy_and_kwd_samples_come_out_in_major_units(stack, pushwoosh):
    send(stack, "stripe", payload("stripe", "invoice.paid.jpy_after_retry"))
    send(stack, "stripe", payload("stripe", "invoice.payment_failed"))
    amounts = [(e["event"], e["attributes"]["amount"], e["attributes"]["currency"]) for e in sent(pushwoosh)]
    assert amounts == [
        ("SubscriptionRenewed", 1500, "JPY"),
        ("PaymentRecovered", 1500, "JPY"),
        ("PaymentFailed", 1.234, "KWD"),
    ]


def test_paddle_string_amounts_in_the_lowest_denomination_are_major_units(stack, pushwoosh):
    body = payload("paddle", "transaction.completed")
    body["data"].update(subscription_id=None, origin="web", currency_code="JPY")
    body["data"]["details"]["totals"]["grand_total"] = "1500"
    send(stack, "paddle", body)
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["amount"], event["attributes"]["currency"]) == (
        "PurchaseCompleted",
        1500,
        "JPY",
    )


# One name, one meaning -----------------------------------------------------------------------


def test_subscription_canceled_is_no_preset_event_any_more():
    # It meant "ended" for Stripe and Paddle and "scheduled to end" for Lemon Squeezy.
    config = shipped()
    names = {
        rule.post_event.event.literal
        for name in PAYMENT_SOURCES
        for _, rule in config.sources[name].rules
        if rule.post_event is not None
    }
    assert "SubscriptionCanceled" not in names
    assert {"SubscriptionEnded", "CancellationScheduled"} <= names


def test_ended_and_scheduled_to_end_have_one_name_each_across_providers(stack, pushwoosh):
    send(stack, "stripe", payload("stripe", "customer.subscription.deleted"))
    send(stack, "paddle", payload("paddle", "subscription.canceled"))
    send(stack, "lemonsqueezy", payload("lemonsqueezy", "subscription_cancelled"))
    send(stack, "stripe", payload("stripe", "customer.subscription.updated"))
    assert [e["event"] for e in sent(pushwoosh)] == [
        "SubscriptionEnded",  # Stripe: deleted = the subscription has ended
        "SubscriptionEnded",  # Paddle: canceled = ended (a scheduled cancel is scheduled_change)
        "CancellationScheduled",  # Lemon Squeezy: cancelled = grace period until ends_at
        "CancellationScheduled",  # Stripe: cancel_at_period_end turned on
    ]


# Sandbox -------------------------------------------------------------------------------------


def test_sandbox_events_are_skipped_by_default(stack, pushwoosh):
    body = payload("revenuecat", "RENEWAL.sandbox")
    assert body["event"]["environment"] == "SANDBOX"
    status, answer = send(stack, "revenuecat", body)
    assert (status, answer["status"]) == (200, "ignored")
    assert pushwoosh.calls() == []


def test_sandbox_events_are_accepted_with_sandbox_true_and_say_so(stack, pushwoosh):
    send(stack, "revenuecat", payload("revenuecat", "RENEWAL.sandbox"), shipped(revenuecat={"sandbox": True}))
    [event] = sent(pushwoosh)
    assert (event["event"], event["attributes"]["environment"]) == ("SubscriptionRenewed", "sandbox")


def test_lemon_squeezy_test_mode_is_sandbox(stack, pushwoosh):
    body = payload("lemonsqueezy", "order_created")
    body["meta"]["test_mode"] = True
    status, _ = send(stack, "lemonsqueezy", copy.deepcopy(body))
    assert status == 200 and pushwoosh.calls() == []
    send(stack, "lemonsqueezy", body, shipped(lemonsqueezy={"sandbox": True}))
    [event] = sent(pushwoosh)
    assert event["attributes"]["environment"] == "sandbox"


def test_production_payment_events_say_production(stack, pushwoosh):
    send(stack, "revenuecat", payload("revenuecat", "RENEWAL"))
    send(stack, "lemonsqueezy", payload("lemonsqueezy", "order_created"))
    send(stack, "stripe", payload("stripe", "invoice.paid"))
    assert [e["attributes"]["environment"] for e in sent(pushwoosh)] == ["production"] * 3
    # Paddle's notifications do not say: its sandbox is another account with its own
    # destination and secret (docs/events.md), so no environment is claimed for it.
    send(stack, "paddle", payload("paddle", "subscription.created"))
    assert "environment" not in sent(pushwoosh)[-1]["attributes"]


def test_stripe_test_mode_is_not_skipped_but_marked(stack, pushwoosh):
    # Stripe test mode has its own endpoint and secret: nothing to skip, journeys can filter.
    body = payload("stripe", "invoice.payment_failed")
    body["livemode"] = body["data"]["object"]["livemode"] = False
    send(stack, "stripe", body)
    [event] = sent(pushwoosh)
    assert event["attributes"]["environment"] == "sandbox"
