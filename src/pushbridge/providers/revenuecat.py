"""RevenueCat webhooks.

Sources checked:
- https://www.revenuecat.com/docs/integrations/webhooks : no signature; you set an
  Authorization header value in the dashboard and RevenueCat sends it with every request
  (compared here in constant time). The body is ``{"api_version": "1.0", "event": {...}}``;
  ``event.id`` is unique per event and kept across retries; ``event.type`` names it;
  ``event.app_user_id`` is your app's user id.
- https://www.revenuecat.com/docs/integrations/webhooks/event-types-and-fields : ``TEST`` is
  sent by the dashboard's test button; ``TRANSFER`` carries ``transferred_from`` /
  ``transferred_to`` instead of an ``app_user_id``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pushbridge.errors import MalformedPayload
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers, Provider, check_authorization, parse_json_object


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    check_authorization(headers, secrets)


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    return {"Authorization": secret}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    event = payload.get("event")
    if not isinstance(event, dict):
        raise MalformedPayload("a RevenueCat webhook needs an `event` object")
    event_id, event_type, stamp = event.get("id"), event.get("type"), event.get("event_timestamp_ms")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise MalformedPayload("a RevenueCat event needs string `id` and `type`")
    time = stamp // 1000 if isinstance(stamp, int) and not isinstance(stamp, bool) else None
    return [ProviderEvent(id=event_id, type=event_type, time=time, payload=payload)]


_ATTRIBUTES = {
    "product": {"path": "event.product_id"},
    "price": {"path": "event.price"},
    "currency": {"path": "event.currency"},
    "store": {"path": "event.store"},
    "environment": {"path": "event.environment"},
}

# TEST has no rule on purpose: it is answered 200 {"status": "ignored"}.
PRESET = [
    *(
        {"name": f"revenuecat-{kind.lower().replace('_', '-')}", "match": kind,
         "post_event": {"event": event, "attributes": _ATTRIBUTES}}
        for kind, event in (
            ("INITIAL_PURCHASE", "InitialPurchase"),
            ("RENEWAL", "Renewal"),
            ("CANCELLATION", "Cancellation"),
            ("UNCANCELLATION", "Uncancellation"),
            ("EXPIRATION", "Expiration"),
            ("BILLING_ISSUE", "BillingIssue"),
            ("PRODUCT_CHANGE", "ProductChange"),
            ("NON_RENEWING_PURCHASE", "NonRenewingPurchase"),
            ("SUBSCRIPTION_PAUSED", "SubscriptionPaused"),
        )
    ),
    {
        # No app_user_id: the subscription moved to another app user. Tell the user it moved
        # to (the first of transferred_to), naming the one it came from.
        "name": "revenuecat-transfer",
        "match": "TRANSFER",
        "post_event": {
            "event": "SubscriptionTransferred",
            "user_id": {"path": "event.transferred_to[0]"},
            "attributes": {
                "transferred_from": {"path": "event.transferred_from[0]"},
                "store": {"path": "event.store"},
                "environment": {"path": "event.environment"},
            },
        },
    },
]  # fmt: skip

PROVIDER = Provider(
    name="revenuecat",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    user_id="event.app_user_id",
    # Set it from the app with Purchases.setAttributes({"pushwoosh_hwid": hwid}).
    hwid="event.subscriber_attributes.pushwoosh_hwid.value",
    docs="https://www.revenuecat.com/docs/integrations/webhooks",
)
