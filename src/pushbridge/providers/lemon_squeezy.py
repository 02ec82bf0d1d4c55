"""Lemon Squeezy webhooks.

Sources checked:
- https://docs.lemonsqueezy.com/help/webhooks/signing-requests : ``X-Signature`` is the
  lower-case hex HMAC-SHA256 of the raw body, keyed with the webhook's signing secret. There
  is no timestamp, so no replay window: deduplication is what stops a replayed request from
  doing anything twice.
- https://docs.lemonsqueezy.com/help/webhooks/webhook-requests : the event name is in
  ``meta.event_name`` (also the ``X-Event-Name`` header), checkout custom data in
  ``meta.custom_data``; the object is ``data`` (``type``, ``id``, ``attributes``). No event id
  is sent, so we derive a stable one from what identifies the event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers import lifecycle as L
from pushbridge.providers.base import (
    Headers,
    Provider,
    any_signature_matches,
    hmac_hex,
    iso_time,
    keys_from_secrets,
    parse_json_object,
    require_header,
    utf8_key,
)


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    signature = require_header(headers, "X-Signature").lower().encode("ascii", "replace")
    expected = (hmac_hex(key, body) for key in keys_from_secrets(secrets, utf8_key, "lemon squeezy"))
    if not any_signature_matches(expected, [signature]):
        raise SignatureInvalid("X-Signature does not match the signing secret")


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    return {"X-Signature": hmac_hex(utf8_key(secret), body).decode()}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    event_name = meta.get("event_name")
    if not isinstance(event_name, str) or not event_name:
        raise MalformedPayload("a Lemon Squeezy webhook needs `meta.event_name`")
    attributes = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
    changed_at = attributes.get("updated_at") or attributes.get("created_at")
    # Event name + object + its last change identify the event; a redelivery carries the same.
    identity = [event_name, data.get("type"), data.get("id"), changed_at]
    if all(isinstance(part, str | int) and part != "" for part in identity):
        seed = "\x1f".join(str(part) for part in identity).encode()
    else:
        seed = body
    event_id = "ls_" + hashlib.sha256(seed).hexdigest()[:40]
    return [ProviderEvent(id=event_id, type=event_name, time=iso_time(changed_at), payload=payload)]


_A = "data.attributes"
_COMMON = {"provider": "lemonsqueezy", "store": "lemonsqueezy"}
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path(f"to_string({_A}.variant_id)"),
    "product_name": L.path(f"{_A}.product_name"),
    "period_type": L.path(f"{_A}.status == 'on_trial' && 'trial' || 'normal'"),
    "expires_at": L.path(f"unix_seconds({_A}.ends_at || {_A}.trial_ends_at || {_A}.renews_at)"),
}
# Orders and subscription invoices: integer cents of `currency`.
_PAYMENT = {
    **_COMMON,
    "amount": L.path(f"minor_to_major({_A}.total, {_A}.currency)"),
    "currency": L.path(f"upper({_A}.currency)"),
}
_REFUND = {**_PAYMENT, "amount": L.path(f"minor_to_major({_A}.refunded_amount || {_A}.total, {_A}.currency)")}

# subscription_updated (a catch-all sent with every other subscription event) is not mapped.
PRESET = [
    # Sent for every order, a subscription's first one too (with subscription_created).
    L.rule("lemonsqueezy-order-created", "order_created", L.PURCHASE_COMPLETED,
           {**_PAYMENT, "product": L.path(f"to_string({_A}.first_order_item.variant_id)"),
            "product_name": L.path(f"{_A}.first_order_item.product_name")}),
    L.rule("lemonsqueezy-subscription-created", "subscription_created", L.SUBSCRIPTION_STARTED, _SUBSCRIPTION,
           when=f"{_A}.status != 'on_trial'", previous="SubscriptionCreated"),
    L.rule("lemonsqueezy-trial-started", "subscription_created", L.TRIAL_STARTED, _SUBSCRIPTION,
           when=f"{_A}.status == 'on_trial'"),
    # Lemon Squeezy's "cancelled" is scheduled: a grace period until ends_at, resumable.
    L.rule("lemonsqueezy-subscription-cancelled", "subscription_cancelled", L.CANCELLATION_SCHEDULED,
           _SUBSCRIPTION, previous="SubscriptionCanceled"),
    L.rule("lemonsqueezy-subscription-resumed", "subscription_resumed", L.CANCELLATION_REVOKED, _SUBSCRIPTION),
    L.rule("lemonsqueezy-subscription-expired", "subscription_expired", L.SUBSCRIPTION_ENDED, _SUBSCRIPTION),
    L.rule("lemonsqueezy-subscription-paused", "subscription_paused", L.SUBSCRIPTION_PAUSED, _SUBSCRIPTION),
    L.rule("lemonsqueezy-subscription-unpaused", "subscription_unpaused", L.SUBSCRIPTION_RESUMED, _SUBSCRIPTION),
    L.rule("lemonsqueezy-subscription-payment-success", "subscription_payment_success", L.SUBSCRIPTION_RENEWED,
           _PAYMENT, when=f"{_A}.billing_reason == 'renewal'", previous="PaymentSucceeded"),
    L.rule("lemonsqueezy-subscription-payment-failed", "subscription_payment_failed", L.PAYMENT_FAILED,
           {**_PAYMENT, "invoice_url": L.path(f"{_A}.urls.invoice_url")}),
    L.rule("lemonsqueezy-subscription-payment-recovered", "subscription_payment_recovered", L.PAYMENT_RECOVERED,
           _PAYMENT),
    L.rule("lemonsqueezy-refunded", ["order_refunded", "subscription_payment_refunded"], L.REFUNDED, _REFUND),
]  # fmt: skip

PROVIDER = Provider(
    name="lemonsqueezy",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # meta.custom_data.user_id: checkout[custom][user_id]. In a checkout URL the buyer can edit
    # it; create the checkout from your backend (POST /v1/checkouts, checkout_data.custom).
    # No default hwid: custom data the buyer can edit is no device proof (docs/events.md).
    user_id="meta.custom_data.user_id",
    environment="meta.test_mode",  # true in test mode: skipped unless the source sets sandbox: true
    docs="https://docs.lemonsqueezy.com/help/webhooks/signing-requests",
)
