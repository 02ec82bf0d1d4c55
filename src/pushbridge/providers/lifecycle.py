"""The payment lifecycle vocabulary the payment presets share (docs/events.md).

One event name means one step of a subscription's life whichever provider sent it, so a team
billing on the web (Stripe, Paddle, Lemon Squeezy) and in the stores (App Store, Google Play,
RevenueCat) builds one journey per step. Attributes with the same name have the same unit:
``amount`` in major units of ``currency`` (what the customer paid), ``currency`` upper-case
ISO 4217, ``expires_at`` unix seconds, ``period_type`` trial|intro|normal, ``store``,
``environment`` production|sandbox, ``reason`` lower-case snake_case, ``provider``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUBSCRIPTION_STARTED = "SubscriptionStarted"
TRIAL_STARTED = "TrialStarted"
TRIAL_CONVERTED = "TrialConverted"
SUBSCRIPTION_RENEWED = "SubscriptionRenewed"
CANCELLATION_SCHEDULED = "CancellationScheduled"
CANCELLATION_REVOKED = "CancellationRevoked"
SUBSCRIPTION_ENDED = "SubscriptionEnded"
PAYMENT_FAILED = "PaymentFailed"
PAYMENT_RECOVERED = "PaymentRecovered"
REFUNDED = "Refunded"
REFUND_REVERSED = "RefundReversed"
PRODUCT_CHANGED = "ProductChanged"
SUBSCRIPTION_PAUSED = "SubscriptionPaused"
SUBSCRIPTION_RESUMED = "SubscriptionResumed"
TRIAL_ENDING_SOON = "TrialEndingSoon"
PURCHASE_COMPLETED = "PurchaseCompleted"
OFFER_REDEEMED = "OfferRedeemed"
SUBSCRIPTION_TRANSFERRED = "SubscriptionTransferred"

Attributes = Mapping[str, Any]


def path(expression: str) -> dict[str, str]:
    return {"path": expression}


def rule(
    name: str,
    match: str | list[str],
    event: str,
    attributes: Attributes,
    *,
    when: str | None = None,
    previous: str | None = None,
    **post_event: Any,
) -> dict[str, Any]:
    """One preset rule. ``previous``: the name this rule's event had before the lifecycle
    vocabulary (sent instead with ``event_names: previous``)."""
    if previous is not None:
        post_event["previous_event"] = previous
    built: dict[str, Any] = {
        "name": name,
        "match": match,
        "post_event": {"event": event, "attributes": dict(attributes), **post_event},
    }
    if when is not None:
        built["when"] = path(when)
    return built


def read_hwid(hwid: str, captured_on: set[str], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``hwid``: where the customer's backend stored the device's hwid. The rules named in
    ``captured_on`` (checkout, first purchase) read it as the device; every later one reads it
    as ``stored_hwid``, used only when the source sets ``reuse_stored_hwid`` (by then the
    phone may have been reinstalled or handed down)."""
    unknown = captured_on - {r["name"] for r in rules}
    if unknown:
        raise ValueError(f"read_hwid: no rule named {sorted(unknown)}")
    for r in rules:
        r["post_event"]["hwid" if r["name"] in captured_on else "stored_hwid"] = path(hwid)
    return rules
