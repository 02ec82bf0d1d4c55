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
_SUBSCRIPTION_ATTRIBUTES = {
    "status": {"path": "data.status"},
    "price": {"path": f"{_ITEM}.id"},
    "product": {"path": f"{_ITEM}.product_id"},
    "interval": {"path": "data.billing_cycle.interval"},
    "currency": {"path": "data.currency_code"},
}
_TRANSACTION_ATTRIBUTES = {
    "status": {"path": "data.status"},
    "price": {"path": f"{_ITEM}.id"},
    "product": {"path": f"{_ITEM}.product_id"},
    # Paddle sends amounts as strings of the lowest denomination, e.g. "1999".
    "amount": {"path": "data.details.totals.grand_total"},
    "currency": {"path": "data.currency_code"},
    "origin": {"path": "data.origin"},
}

PRESET = [
    *(
        {"name": f"paddle-subscription-{verb}", "match": f"subscription.{verb}",
         "post_event": {"event": event, "attributes": _SUBSCRIPTION_ATTRIBUTES}}
        for verb, event in (
            ("created", "SubscriptionCreated"),
            ("activated", "SubscriptionActivated"),
            ("canceled", "SubscriptionCanceled"),
            ("past_due", "SubscriptionPastDue"),
        )
    ),
    {"name": "paddle-transaction-completed", "match": "transaction.completed",
     "post_event": {"event": "PurchaseCompleted", "attributes": _TRANSACTION_ATTRIBUTES}},
    {"name": "paddle-transaction-payment-failed", "match": "transaction.payment_failed",
     "post_event": {"event": "PaymentFailed", "attributes": _TRANSACTION_ATTRIBUTES}},
]  # fmt: skip

PROVIDER = Provider(
    name="paddle",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # Pass your app's ids in custom_data when you open the checkout (Paddle.js customData).
    user_id="data.custom_data.user_id",
    hwid="data.custom_data.pushwoosh_hwid",
    default_tolerance=5,
    docs="https://developer.paddle.com/webhooks/signature-verification",
)
