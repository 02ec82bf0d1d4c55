"""Stripe webhooks.

Sources checked:
- https://docs.stripe.com/webhooks#verify-manually : ``Stripe-Signature: t=<unix>,v1=<hex>``
  (several ``v1`` while a secret rolls), HMAC-SHA256 over ``"{t}.{raw body}"`` keyed with the
  endpoint secret, default tolerance 300 s.
- stripe-python ``stripe/_webhook.py`` (``WebhookSignature``): the whole ``whsec_...`` string
  is the key (UTF-8), the digest is lower-case hex, other schemes (``v0``) are ignored.
- Event object: ``id`` (``evt_...``, stable across retries), ``type``, ``created`` (unix s),
  ``data.object``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers import lifecycle as L
from pushbridge.providers.base import (
    Headers,
    Provider,
    any_signature_matches,
    check_timestamp,
    hex_candidates,
    hmac_hex,
    keys_from_secrets,
    parse_int,
    parse_json_object,
    require_header,
    signature_fields,
    utf8_key,
)


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    fields = signature_fields(require_header(headers, "Stripe-Signature"), ",", "Stripe-Signature")
    timestamps, signatures = fields.get("t", []), hex_candidates(fields.get("v1", []))  # v0 and others ignored
    if len(timestamps) != 1:
        raise SignatureInvalid("Stripe-Signature needs exactly one t=", reason="malformed_signature_header")
    if not signatures:
        raise SignatureInvalid("Stripe-Signature has no v1 signature", reason="malformed_signature_header")
    timestamp = parse_int(timestamps[0], "Stripe-Signature timestamp")
    check_timestamp(timestamp, now=now, tolerance=tolerance)

    signed = str(timestamp).encode() + b"." + body
    keys = keys_from_secrets(secrets, utf8_key, "stripe")
    expected = (hmac_hex(key, signed) for key in keys)
    if not any_signature_matches(expected, signatures):
        raise SignatureInvalid("no Stripe-Signature v1 matches the endpoint secret")


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    digest = hmac_hex(utf8_key(secret), str(now).encode() + b"." + body).decode()
    return {"Stripe-Signature": f"t={now},v1={digest}"}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    event_id, event_type, created = payload.get("id"), payload.get("type"), payload.get("created")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise MalformedPayload("a Stripe event needs string `id` and `type`")
    return [
        ProviderEvent(
            id=event_id,
            type=event_type,
            time=created if isinstance(created, int) and not isinstance(created, bool) else None,
            payload=payload,
        )
    ]


_OBJECT = "data.object"
_SUBSCRIPTION_META = [
    f"{_OBJECT}.metadata",
    f"{_OBJECT}.subscription_details.metadata",  # invoices, API versions before 2025-03
    f"{_OBJECT}.parent.subscription_details.metadata",  # invoices, API versions from 2025-03
]


def _first_of(field: str) -> str:
    return " || ".join(f"{meta}.{field}" for meta in _SUBSCRIPTION_META)


# Event names are the lifecycle vocabulary (providers/lifecycle.py, docs/events.md).
_COMMON = {
    "provider": "stripe",
    "store": "stripe",
    # Test mode has its own endpoint and secret, so it is not skipped; journeys can filter on it.
    "environment": L.path("livemode && 'production' || 'sandbox'"),
}
_PRICE = f"{_OBJECT}.items.data[0].price"
# Metadata your backend wrote with the secret key; captured at checkout / subscription start.
_HWID = _first_of("pushwoosh_hwid")
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path(f"{_PRICE}.id"),
    "period_type": L.path(f"{_OBJECT}.status == 'trialing' && 'trial' || 'normal'"),
    # API versions from 2025-03 keep the period on the item, earlier ones on the subscription.
    "expires_at": L.path(f"{_OBJECT}.items.data[0].current_period_end || {_OBJECT}.current_period_end"),
}


def _money(amount: str) -> dict[str, Any]:
    return {
        "amount": L.path(f"minor_to_major({_OBJECT}.{amount}, {_OBJECT}.currency)"),
        "currency": L.path(f"upper({_OBJECT}.currency)"),
    }


_INVOICE = {
    **_COMMON,
    # The invoice line's price: `pricing.price_details.price` from 2025-03, `price.id` before.
    "product": L.path(f"{_OBJECT}.lines.data[0].pricing.price_details.price || {_OBJECT}.lines.data[0].price.id"),
}

# `customer.subscription.updated` fires for renewals, metadata edits and everything else;
# `data.previous_attributes` holds the old values of what changed, and tells the steps apart.
_WAS = "data.previous_attributes"
_CHANGED_CANCEL_AT = f"contains(keys({_WAS} || `{{}}`), 'cancel_at')"
_SCHEDULED = (
    f"{_WAS}.cancel_at_period_end == `false` && {_OBJECT}.cancel_at_period_end == `true`"
    f" || {_CHANGED_CANCEL_AT} && {_WAS}.cancel_at == null && {_OBJECT}.cancel_at != null"
)
_REVOKED = (
    f"{_WAS}.cancel_at_period_end == `true` && {_OBJECT}.cancel_at_period_end == `false`"
    f" || {_CHANGED_CANCEL_AT} && {_WAS}.cancel_at != null && {_OBJECT}.cancel_at == null"
)
_PRICE_CHANGED = f"{_WAS}.items.data[0].price.id && {_WAS}.items.data[0].price.id != {_PRICE}.id"

# The hwid is read on the events that capture it; on later ones only with reuse_stored_hwid.
_CAPTURED_ON = {"stripe-checkout-completed", "stripe-subscription-created", "stripe-trial-started"}
PRESET = L.read_hwid(_HWID, _CAPTURED_ON, [
    # A one-time Checkout payment; subscription checkouts are told by customer.subscription.*.
    L.rule("stripe-checkout-completed", "checkout.session.completed", L.PURCHASE_COMPLETED,
           {**_COMMON, **_money("amount_total")}, when=f"{_OBJECT}.mode == 'payment'",
           previous="CheckoutCompleted"),
    L.rule("stripe-subscription-created", "customer.subscription.created", L.SUBSCRIPTION_STARTED,
           _SUBSCRIPTION, when=f"{_OBJECT}.status == 'active'", previous="SubscriptionCreated"),
    L.rule("stripe-trial-started", "customer.subscription.created", L.TRIAL_STARTED,
           {**_SUBSCRIPTION, "expires_at": L.path(f"{_OBJECT}.trial_end")},
           when=f"{_OBJECT}.status == 'trialing'"),
    # Created `incomplete` (payment_behavior=default_incomplete), active once the first payment clears.
    L.rule("stripe-subscription-activated", "customer.subscription.updated", L.SUBSCRIPTION_STARTED,
           _SUBSCRIPTION, when=f"{_WAS}.status == 'incomplete' && {_OBJECT}.status == 'active'"),
    L.rule("stripe-trial-converted", "customer.subscription.updated", L.TRIAL_CONVERTED,
           _SUBSCRIPTION, when=f"{_WAS}.status == 'trialing' && {_OBJECT}.status == 'active'"),
    L.rule("stripe-subscription-updated", "customer.subscription.updated", L.PRODUCT_CHANGED,
           {**_SUBSCRIPTION, "previous_product": L.path(f"{_WAS}.items.data[0].price.id")},
           when=_PRICE_CHANGED, previous="SubscriptionUpdated"),
    L.rule("stripe-cancellation-scheduled", "customer.subscription.updated", L.CANCELLATION_SCHEDULED,
           {**_SUBSCRIPTION, "expires_at": L.path(f"{_OBJECT}.cancel_at || {_SUBSCRIPTION['expires_at']['path']}"),
            "reason": L.path(f"{_OBJECT}.cancellation_details.reason")}, when=_SCHEDULED),
    L.rule("stripe-cancellation-revoked", "customer.subscription.updated", L.CANCELLATION_REVOKED,
           _SUBSCRIPTION, when=_REVOKED),
    L.rule("stripe-subscription-deleted", "customer.subscription.deleted", L.SUBSCRIPTION_ENDED,
           {**_SUBSCRIPTION, "expires_at": L.path(f"{_OBJECT}.ended_at"),
            "reason": L.path(f"{_OBJECT}.cancellation_details.reason")}, previous="SubscriptionCanceled"),
    L.rule("stripe-trial-will-end", "customer.subscription.trial_will_end", L.TRIAL_ENDING_SOON,
           {**_SUBSCRIPTION, "expires_at": L.path(f"{_OBJECT}.trial_end")}),
    L.rule("stripe-subscription-paused", "customer.subscription.paused", L.SUBSCRIPTION_PAUSED, _SUBSCRIPTION),
    L.rule("stripe-subscription-resumed", "customer.subscription.resumed", L.SUBSCRIPTION_RESUMED, _SUBSCRIPTION),
    L.rule("stripe-invoice-paid", "invoice.paid", L.SUBSCRIPTION_RENEWED, {**_INVOICE, **_money("amount_paid")},
           when=f"{_OBJECT}.billing_reason == 'subscription_cycle'", previous="InvoicePaid"),
    # Paid after a failed attempt (Smart Retries or the customer fixing the card).
    L.rule("stripe-payment-recovered", "invoice.paid", L.PAYMENT_RECOVERED, {**_INVOICE, **_money("amount_paid")},
           when=f"{_OBJECT}.attempt_count > `1`"),
    L.rule("stripe-invoice-payment-failed", "invoice.payment_failed", L.PAYMENT_FAILED,
           {**_INVOICE, **_money("amount_due"), "attempt_count": L.path(f"{_OBJECT}.attempt_count"),
            "invoice_url": L.path(f"{_OBJECT}.hosted_invoice_url")}),
    L.rule("stripe-charge-refunded", "charge.refunded", L.REFUNDED, {**_COMMON, **_money("amount_refunded")}),
])  # fmt: skip

PROVIDER = Provider(
    name="stripe",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # Your backend puts the app's user id in the Checkout Session's `client_reference_id`
    # or in `metadata.user_id` (copied to the subscription with `subscription_data.metadata`,
    # to a one-time payment's charge with `payment_intent_data.metadata`). Metadata is written
    # only with your secret key: backend-controlled, the hwid too.
    user_id=f"{_first_of('user_id')} || {_OBJECT}.client_reference_id",
    # No default hwid: each rule reads it (see _HWID and SourceConfig.reuse_stored_hwid).
    docs="https://docs.stripe.com/webhooks#verify-manually",
)
