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

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
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


# Event names are what you create in Pushwoosh's Control Panel (case-sensitive).
PRESET = [
    {
        "name": "stripe-checkout-completed",
        "match": "checkout.session.completed",
        "post_event": {
            "event": "CheckoutCompleted",
            "attributes": {
                "amount": {"path": f"{_OBJECT}.amount_total"},
                "currency": {"path": f"{_OBJECT}.currency"},
                "mode": {"path": f"{_OBJECT}.mode"},
                "payment_status": {"path": f"{_OBJECT}.payment_status"},
            },
        },
    },
    *(
        {
            "name": f"stripe-subscription-{verb}",
            "match": f"customer.subscription.{verb}",
            "post_event": {
                "event": event,
                "attributes": {
                    "status": {"path": f"{_OBJECT}.status"},
                    "price": {"path": f"{_OBJECT}.items.data[0].price.id"},
                    "product": {"path": f"{_OBJECT}.items.data[0].price.product"},
                    "interval": {"path": f"{_OBJECT}.items.data[0].price.recurring.interval"},
                    "cancel_at_period_end": {"path": f"{_OBJECT}.cancel_at_period_end"},
                },
            },
        }
        for verb, event in (
            ("created", "SubscriptionCreated"),
            ("updated", "SubscriptionUpdated"),
            ("deleted", "SubscriptionCanceled"),
        )
    ),
    {
        "name": "stripe-invoice-paid",
        "match": "invoice.paid",
        "post_event": {
            "event": "InvoicePaid",
            "attributes": {
                "amount": {"path": f"{_OBJECT}.amount_paid"},
                "currency": {"path": f"{_OBJECT}.currency"},
                "billing_reason": {"path": f"{_OBJECT}.billing_reason"},
            },
        },
    },
    {
        "name": "stripe-invoice-payment-failed",
        "match": "invoice.payment_failed",
        "post_event": {
            "event": "PaymentFailed",
            "attributes": {
                "amount": {"path": f"{_OBJECT}.amount_due"},
                "currency": {"path": f"{_OBJECT}.currency"},
                "attempt_count": {"path": f"{_OBJECT}.attempt_count"},
                "billing_reason": {"path": f"{_OBJECT}.billing_reason"},
            },
        },
    },
]

PROVIDER = Provider(
    name="stripe",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # Your backend puts the app's user id in the Checkout Session's `client_reference_id`
    # or in `metadata.user_id` (copied to the subscription with `subscription_data.metadata`).
    user_id=f"{_first_of('user_id')} || {_OBJECT}.client_reference_id",
    hwid=_first_of("pushwoosh_hwid"),
    docs="https://docs.stripe.com/webhooks#verify-manually",
)
