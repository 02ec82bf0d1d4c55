"""RevenueCat webhooks.

Sources checked:
- https://www.revenuecat.com/docs/integrations/webhooks : no signature; you set an
  Authorization header value in the dashboard and RevenueCat sends it with every request
  (compared here in constant time). The body is ``{"api_version": "1.0", "event": {...}}``;
  ``event.id`` is unique per event and kept across retries; ``event.type`` names it;
  ``event.app_user_id`` is your app's user id.
- https://www.revenuecat.com/docs/integrations/webhooks/event-types-and-fields : ``price`` is
  the USD equivalent, ``price_in_purchased_currency`` what was paid in ``currency``;
  ``period_type`` TRIAL/INTRO/NORMAL/PROMOTIONAL/PREPAID; RENEWAL has ``is_trial_conversion``;
  PRODUCT_CHANGE has ``new_product_id``; CANCELLATION with ``cancel_reason`` CUSTOMER_SUPPORT is
  a refund; ids starting ``$RCAnonymousID:`` are anonymous. ``TEST`` is
  sent by the dashboard's test button; ``TRANSFER`` carries ``transferred_from`` /
  ``transferred_to`` instead of an ``app_user_id``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pushbridge.errors import MalformedPayload
from pushbridge.models.event import ProviderEvent
from pushbridge.providers import lifecycle as L
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


_ANONYMOUS = "$RCAnonymousID:"
_COMMON = {
    "provider": "revenuecat",
    "store": L.path("lower(event.store)"),
}
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path("event.product_id"),
    "period_type": L.path(
        "event.period_type == 'TRIAL' && 'trial' || event.period_type == 'INTRO' && 'intro' || 'normal'"
    ),
    "expires_at": L.path("unix_seconds(event.expiration_at_ms)"),
}
# `price` is RevenueCat's USD equivalent; what the customer paid is price_in_purchased_currency.
_MONEY = {
    **_SUBSCRIPTION,
    "amount": L.path("event.price_in_purchased_currency"),
    "currency": L.path("upper(event.currency)"),
    "price_usd": L.path("event.price"),
}
_TRIAL = "event.period_type == 'TRIAL'"
# A refund arrives as CANCELLATION with cancel_reason CUSTOMER_SUPPORT.
_REFUND = "event.cancel_reason == 'CUSTOMER_SUPPORT'"

# TEST has no rule on purpose: it is answered 200 {"status": "ignored"}. Nor have
# SUBSCRIPTION_EXTENDED, TEMPORARY_ENTITLEMENT_GRANT, INVOICE_ISSUANCE and
# VIRTUAL_CURRENCY_TRANSACTION: no lifecycle step a journey starts from.
PRESET = [
    L.rule("revenuecat-initial-purchase", "INITIAL_PURCHASE", L.SUBSCRIPTION_STARTED, _MONEY,
           when=f"!({_TRIAL})", previous="InitialPurchase"),
    # A free trial's start: no money changed hands (price 0), so not a purchase.
    L.rule("revenuecat-trial-started", "INITIAL_PURCHASE", L.TRIAL_STARTED, _SUBSCRIPTION, when=_TRIAL),
    L.rule("revenuecat-renewal", "RENEWAL", L.SUBSCRIPTION_RENEWED, _MONEY,
           when="event.is_trial_conversion != `true`", previous="Renewal"),
    L.rule("revenuecat-trial-converted", "RENEWAL", L.TRIAL_CONVERTED, _MONEY,
           when="event.is_trial_conversion == `true`"),
    L.rule("revenuecat-cancellation", "CANCELLATION", L.CANCELLATION_SCHEDULED,
           {**_SUBSCRIPTION, "reason": L.path("lower(event.cancel_reason)")}, when=f"!({_REFUND})",
           previous="Cancellation"),
    L.rule("revenuecat-refunded", "CANCELLATION", L.REFUNDED,
           {**_MONEY, "reason": L.path("lower(event.cancel_reason)")}, when=_REFUND),
    L.rule("revenuecat-uncancellation", "UNCANCELLATION", L.CANCELLATION_REVOKED, _SUBSCRIPTION,
           previous="Uncancellation"),
    L.rule("revenuecat-expiration", "EXPIRATION", L.SUBSCRIPTION_ENDED,
           {**_SUBSCRIPTION, "reason": L.path("lower(event.expiration_reason)")}, previous="Expiration"),
    L.rule("revenuecat-billing-issue", "BILLING_ISSUE", L.PAYMENT_FAILED, _SUBSCRIPTION, previous="BillingIssue"),
    # product_id is the product changed from; new_product_id the one changed to.
    L.rule("revenuecat-product-change", "PRODUCT_CHANGE", L.PRODUCT_CHANGED,
           {**_SUBSCRIPTION, "product": L.path("event.new_product_id"),
            "previous_product": L.path("event.product_id")}, previous="ProductChange"),
    L.rule("revenuecat-non-renewing-purchase", "NON_RENEWING_PURCHASE", L.PURCHASE_COMPLETED,
           {**_MONEY, "period_type": None, "expires_at": None}, previous="NonRenewingPurchase"),
    L.rule("revenuecat-subscription-paused", "SUBSCRIPTION_PAUSED", L.SUBSCRIPTION_PAUSED, _SUBSCRIPTION),
    L.rule("revenuecat-refund-reversed", "REFUND_REVERSED", L.REFUND_REVERSED, _MONEY),
    # No app_user_id: the purchase moved to another app user. The user it moved to is told;
    # the one it came from (transferred_from) is another person's id and is never sent.
    L.rule("revenuecat-transfer", "TRANSFER", L.SUBSCRIPTION_TRANSFERRED, _COMMON,
           user_id=L.path(f"event.transferred_to[?!starts_with(@, '{_ANONYMOUS}')] | [0] || event.transferred_to[0]")),
]  # fmt: skip

PROVIDER = Provider(
    name="revenuecat",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    environment="event.environment",  # SANDBOX / Sandbox: skipped unless the source sets sandbox: true
    anonymous_user=(_ANONYMOUS,),
    # The app's own id: app_user_id, else the first id RevenueCat aliased to it that is not
    # anonymous; only anonymous ids -> the event is skipped (EventsSkipped anonymous_user).
    user_id=(
        f"([event.app_user_id, event.original_app_user_id, event.aliases[]][] "
        f"| [?type(@) == 'string' && !starts_with(@, '{_ANONYMOUS}')] | [0]) || event.app_user_id"
    ),
    # No default hwid: subscriber attributes are written by the app (Purchases.setAttributes),
    # not only by your backend. docs/events.md says how to opt in.
    docs="https://www.revenuecat.com/docs/integrations/webhooks",
)
