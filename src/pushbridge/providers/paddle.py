"""Paddle Billing webhooks (notifications).

Sources checked:
- https://developer.paddle.com/webhooks/signature-verification : ``Paddle-Signature:
  ts=<unix>;h1=<hex>`` (several ``h1`` while a secret rotates), HMAC-SHA256 over
  ``"{ts}:{raw body}"`` (a colon) keyed with the whole endpoint secret key (``pdl_ntfset_...``).
- paddle-python-sdk ``paddle_billing/Notifications/Verifier.py`` and ``PaddleSignature.py``:
  the same, with a default allowed drift of **5 seconds** (hence our default tolerance), and
  its unit test vector, which our tests replay.
- https://developer.paddle.com/webhooks/overview : the payload has ``event_id`` (``evt_...``),
  ``event_type``, ``occurred_at`` (RFC 3339), ``notification_id`` and ``data``; your own ids
  travel in ``data.custom_data``.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    iso_time,
    keys_from_secrets,
    parse_int,
    parse_json_object,
    require_header,
    signature_fields,
    utf8_key,
)


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    fields = signature_fields(require_header(headers, "Paddle-Signature"), ";", "Paddle-Signature")
    timestamps, signatures = fields.get("ts", []), hex_candidates(fields.get("h1", []))
    if len(timestamps) != 1 or not signatures:
        raise SignatureInvalid("Paddle-Signature needs one ts= and an h1=", reason="malformed_signature_header")
    timestamp = parse_int(timestamps[0], "Paddle-Signature timestamp")
    check_timestamp(timestamp, now=now, tolerance=tolerance)
    signed = f"{timestamp}:".encode() + body
    expected = (hmac_hex(key, signed) for key in keys_from_secrets(secrets, utf8_key, "paddle"))
    if not any_signature_matches(expected, signatures):
        raise SignatureInvalid("no Paddle-Signature h1 matches the secret key")


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    return {"Paddle-Signature": f"ts={now};h1={hmac_hex(utf8_key(secret), f'{now}:'.encode() + body).decode()}"}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    event_id, event_type = payload.get("event_id"), payload.get("event_type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise MalformedPayload("a Paddle notification needs string `event_id` and `event_type`")
    return [ProviderEvent(id=event_id, type=event_type, time=iso_time(payload.get("occurred_at")), payload=payload)]


_ITEM = "data.items[0].price"
_COMMON = {"provider": "paddle", "store": "paddle"}
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path(f"{_ITEM}.id"),
    "period_type": L.path("data.status == 'trialing' && 'trial' || 'normal'"),
    "expires_at": L.path("unix_seconds(data.current_billing_period.ends_at || data.next_billed_at)"),
}
# Paddle sends amounts as strings of the lowest denomination ("1999").
_TRANSACTION = {
    **_COMMON,
    "product": L.path(f"{_ITEM}.id"),
    "amount": L.path("minor_to_major(data.details.totals.grand_total, data.currency_code)"),
    "currency": L.path("upper(data.currency_code)"),
}
# subscription.updated says what the subscription is now, not what changed: a scheduled
# change is told by `scheduled_change`, and is seen again on later updates while it stands.
_SCHEDULED = "data.scheduled_change.action == '{}'"

# Not mapped: subscription.updated otherwise (no previous values to tell a plan change from
# noise), transaction.payment_failed (each declined attempt, checkout included: the
# subscription's past_due is the lifecycle step), subscription.imported.
PRESET = [
    L.rule("paddle-subscription-created", "subscription.created", L.SUBSCRIPTION_STARTED, _SUBSCRIPTION,
           when="data.status == 'active'", previous="SubscriptionCreated"),
    L.rule("paddle-subscription-trialing", "subscription.trialing", L.TRIAL_STARTED,
           {**_SUBSCRIPTION, "expires_at": L.path("unix_seconds(data.items[0].trial_dates.ends_at || data.next_billed_at)")}),
    # "any trial period has elapsed": the first paid period starts.
    L.rule("paddle-subscription-activated", "subscription.activated", L.TRIAL_CONVERTED, _SUBSCRIPTION,
           previous="SubscriptionActivated"),
    L.rule("paddle-cancellation-scheduled", "subscription.updated", L.CANCELLATION_SCHEDULED,
           {**_SUBSCRIPTION, "expires_at": L.path("unix_seconds(data.scheduled_change.effective_at)")},
           when=_SCHEDULED.format("cancel")),
    L.rule("paddle-subscription-canceled", "subscription.canceled", L.SUBSCRIPTION_ENDED,
           {**_SUBSCRIPTION, "expires_at": L.path("unix_seconds(data.canceled_at)")}, previous="SubscriptionCanceled"),
    L.rule("paddle-subscription-past_due", "subscription.past_due", L.PAYMENT_FAILED,
           {**_SUBSCRIPTION, "invoice_url": L.path("data.management_urls.update_payment_method")},
           previous="SubscriptionPastDue"),
    L.rule("paddle-subscription-paused", "subscription.paused", L.SUBSCRIPTION_PAUSED, _SUBSCRIPTION),
    L.rule("paddle-subscription-resumed", "subscription.resumed", L.SUBSCRIPTION_RESUMED, _SUBSCRIPTION),
    L.rule("paddle-transaction-completed", "transaction.completed", L.PURCHASE_COMPLETED, _TRANSACTION,
           when="data.subscription_id == null"),
    L.rule("paddle-transaction-renewed", "transaction.completed", L.SUBSCRIPTION_RENEWED, _TRANSACTION,
           when="data.origin == 'subscription_recurring'"),
    # A refund is an adjustment, approved on creation or later (pending_approval first).
    L.rule("paddle-refund", ["adjustment.created", "adjustment.updated"], L.REFUNDED,
           {**_COMMON, "amount": L.path("minor_to_major(data.totals.total, data.currency_code)"),
            "currency": L.path("upper(data.currency_code)"), "reason": L.path("data.reason")},
           when="data.action == 'refund' && data.status == 'approved'"),
]  # fmt: skip

PROVIDER = Provider(
    name="paddle",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # custom_data.user_id. Passed by Paddle.js (customData) it is set in the buyer's browser and
    # can be edited; set it from your backend when you create the transaction (POST /transactions
    # with custom_data, then open the checkout with its id). Adjustments carry no custom_data.
    # No default hwid: custom data the buyer can edit is no device proof (docs/events.md).
    user_id="data.custom_data.user_id",
    default_tolerance=5,
    docs="https://developer.paddle.com/webhooks/signature-verification",
)
