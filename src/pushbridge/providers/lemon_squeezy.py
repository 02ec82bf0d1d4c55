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


_ATTRIBUTES = {
    "status": {"path": "data.attributes.status"},
    "product": {"path": "data.attributes.product_name || data.attributes.first_order_item.product_name"},
    "variant": {"path": "data.attributes.variant_id || data.attributes.first_order_item.variant_id"},
    "amount": {"path": "data.attributes.total"},
    "currency": {"path": "data.attributes.currency"},
}

PRESET = [
    {
        "name": f"lemonsqueezy-{name.replace('_', '-')}",
        "match": name,
        "post_event": {"event": event, "attributes": _ATTRIBUTES},
    }
    for name, event in (
        ("order_created", "PurchaseCompleted"),
        ("subscription_created", "SubscriptionCreated"),
        ("subscription_updated", "SubscriptionUpdated"),
        ("subscription_cancelled", "SubscriptionCanceled"),
        ("subscription_payment_success", "PaymentSucceeded"),
        ("subscription_payment_failed", "PaymentFailed"),
    )
]

PROVIDER = Provider(
    name="lemonsqueezy",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # Pass checkout[custom][user_id] (and pushwoosh_hwid) when you create the checkout.
    user_id="meta.custom_data.user_id",
    hwid="meta.custom_data.pushwoosh_hwid",
    docs="https://docs.lemonsqueezy.com/help/webhooks/signing-requests",
)
