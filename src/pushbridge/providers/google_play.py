"""Google Play Real-time developer notifications (RTDN), through a Pub/Sub push subscription.

Sources checked:
- https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions : each push carries
  ``Authorization: Bearer <Google-signed OIDC token>``; verify its signature, issuer
  (accounts.google.com), expiry and **audience**, and that ``email`` is the push
  subscription's service account with ``email_verified`` (the library does not check the
  email for you). We verify with google-auth's ``google.auth.jwt.decode`` against Google's
  published certificates, cached.
- https://developer.android.com/google/play/billing/rtdn-reference : the body is
  ``{"message": {"data": <base64 DeveloperNotification>, "messageId": ...}, "subscription": ...}``;
  ``DeveloperNotification`` has ``packageName``, ``eventTimeMillis`` and one of
  ``subscriptionNotification`` / ``oneTimeProductNotification`` / ``voidedPurchaseNotification``
  / ``testNotification``, with numeric ``notificationType`` codes (mapped to names below).
- The notification names **no user**. The app sets ``obfuscatedAccountId`` when it launches the
  purchase (``BillingFlowParams.setObfuscatedAccountId``); with a service account key stored as
  the source's secret, pushbridge reads it back from the Play Developer API
  (``purchases.subscriptionsv2.get`` / ``purchases.products.get``) as the user id.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pushbridge.adapters.http import get_json, shared_pool
from pushbridge.errors import DependencyUnavailable, MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers import lifecycle as L
from pushbridge.providers.base import Headers, Provider, options_reexport, parse_json_object, require_header

_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CERTS_REFRESH_COOLDOWN = 30.0

SUBSCRIPTION_TYPES = {
    1: "SUBSCRIPTION_RECOVERED", 2: "SUBSCRIPTION_RENEWED", 3: "SUBSCRIPTION_CANCELED", 4: "SUBSCRIPTION_PURCHASED",
    5: "SUBSCRIPTION_ON_HOLD", 6: "SUBSCRIPTION_IN_GRACE_PERIOD", 7: "SUBSCRIPTION_RESTARTED",
    8: "SUBSCRIPTION_PRICE_CHANGE_CONFIRMED", 9: "SUBSCRIPTION_DEFERRED", 10: "SUBSCRIPTION_PAUSED",
    11: "SUBSCRIPTION_PAUSE_SCHEDULE_CHANGED", 12: "SUBSCRIPTION_REVOKED", 13: "SUBSCRIPTION_EXPIRED",
    19: "SUBSCRIPTION_PRICE_CHANGE_UPDATED", 20: "SUBSCRIPTION_PENDING_PURCHASE_CANCELED",
}  # fmt: skip
ONE_TIME_TYPES = {1: "ONE_TIME_PRODUCT_PURCHASED", 2: "ONE_TIME_PRODUCT_CANCELED"}


if TYPE_CHECKING:
    from pushbridge.providers.options import GooglePlayOptions

__getattr__ = options_reexport(__name__, "GooglePlayOptions")


class _Certs:
    """Google's OIDC signing certificates, cached per container; refetched when a token names
    an unknown key id (at most every CERTS_REFRESH_COOLDOWN seconds)."""

    def __init__(self) -> None:
        self._by_url: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, kid: str | None) -> dict[str, str]:
        with self._lock:
            fetched_at, certs = self._by_url.get(url, (float("-inf"), {}))
            stale = time.monotonic() - fetched_at > 3600
            unknown = kid is not None and kid not in certs and time.monotonic() - fetched_at > CERTS_REFRESH_COOLDOWN
            if not certs or stale or unknown:
                certs = get_json(url, what="Google's certificates")
                self._by_url[url] = (time.monotonic(), certs)
            return certs


_certs = _Certs()
_credentials: dict[str, Any] = {}


def verify(
    body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float,
    options: GooglePlayOptions | None = None,
) -> dict[str, Any]:  # fmt: skip
    import google.auth.exceptions
    import jwt as pyjwt
    from google.auth import jwt as google_jwt

    if options is None:
        raise SignatureInvalid("the googleplay source needs options.audience and options.service_account_email")
    authorization = require_header(headers, "Authorization")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise SignatureInvalid("expected Authorization: Bearer <OIDC token>", reason="malformed_signature_header")
    try:
        kid = pyjwt.get_unverified_header(token).get("kid")
        if kid is not None and not isinstance(kid, str):  # a list here made the cache lookup raise
            raise SignatureInvalid("push token's kid is not a string", reason="malformed_signature_header")
        claims = google_jwt.decode(
            token, certs=_certs.get(options.certs_url, kid), audience=options.audience, clock_skew_in_seconds=60
        )
    except (ValueError, TypeError, google.auth.exceptions.GoogleAuthError, pyjwt.PyJWTError) as exc:
        # TypeError: google-auth compares `iat`/`exp` as numbers after the signature check.
        raise SignatureInvalid(f"push token not verified: {type(exc).__name__}") from None
    if claims.get("iss") not in _ISSUERS:
        raise SignatureInvalid("push token not issued by Google")
    if claims.get("email") != options.service_account_email or claims.get("email_verified") is not True:
        raise SignatureInvalid("push token is not from the configured service account")

    verified = _envelope(body)
    package = verified["notification"].get("packageName")
    if options.package_name and package != options.package_name:
        raise SignatureInvalid(f"notification for package {package!r} is not accepted")
    key = secrets[0] if secrets else None
    if options.lookup_user and key:
        verified["purchase"] = _purchase(verified["notification"], key, options.api_url)
    return verified


def _envelope(body: bytes) -> dict[str, Any]:
    push = parse_json_object(body)
    message = push.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("data"), str):
        raise MalformedPayload("a Pub/Sub push needs message.data")
    try:
        notification = json.loads(base64.b64decode(message["data"], validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedPayload("message.data is not a base64 DeveloperNotification") from None
    if not isinstance(notification, dict):
        raise MalformedPayload("message.data is not a DeveloperNotification")
    metadata = {k: v for k, v in message.items() if k != "data"}
    return {"notification": notification, "message": metadata, "subscription": push.get("subscription")}


def _purchase(notification: dict[str, Any], service_account_key: str, api_url: str) -> dict[str, Any] | None:
    """The purchase from the Play Developer API, for its obfuscatedAccountId."""
    package = notification.get("packageName")
    sub, one = _section(notification, "subscriptionNotification"), _section(notification, "oneTimeProductNotification")
    voided = _section(notification, "voidedPurchaseNotification")
    if sub:
        template, parts = "{}/purchases/subscriptionsv2/tokens/{}", (package, sub.get("purchaseToken"))
    elif voided and voided.get("productType") == 1:  # a subscription's purchase: its user is still there
        template, parts = "{}/purchases/subscriptionsv2/tokens/{}", (package, voided.get("purchaseToken"))
    elif one:
        template, parts = "{}/purchases/products/{}/tokens/{}", (package, one.get("sku"), one.get("purchaseToken"))
    else:
        return None
    if not all(isinstance(part, str) and part not in ("", ".", "..") for part in parts):
        return None
    # Quoted, and no dot segments (urllib3 resolves them): a token or sku must not reach
    # another path of the API with our access token.
    path = "/androidpublisher/v3/applications/" + template.format(*(quote(part, safe="") for part in parts))
    token = _access_token(service_account_key)
    return get_json(api_url + path, what="the Play Developer API", headers={"Authorization": f"Bearer {token}"})


def _access_token(service_account_key: str) -> str:
    import google.auth.exceptions
    from google.auth.transport.urllib3 import Request
    from google.oauth2 import service_account

    credentials = _credentials.get(service_account_key)
    if credentials is None:
        try:
            info = json.loads(service_account_key)
            credentials = service_account.Credentials.from_service_account_info(
                info, scopes=["https://www.googleapis.com/auth/androidpublisher"]
            )
        except (ValueError, KeyError):
            raise DependencyUnavailable(
                "the googleplay secret is not a service account key", reason="secret_malformed"
            ) from None
        _credentials[service_account_key] = credentials
    if not credentials.valid:
        try:
            credentials.refresh(Request(shared_pool()))
        except google.auth.exceptions.GoogleAuthError:
            raise DependencyUnavailable("cannot get a Play Developer API token", reason="google_unavailable") from None
    return credentials.token


def parse(
    body: bytes, headers: Headers, *, options=None, verified: dict[str, Any] | None = None
) -> list[ProviderEvent]:
    if not isinstance(verified, dict) or not isinstance(verified.get("notification"), dict):
        raise MalformedPayload("a Play notification is verified first; nothing was decoded")
    notification, message = verified["notification"], verified.get("message") or {}
    message_id = message.get("messageId") or message.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedPayload("a Pub/Sub push needs message.messageId")
    millis = notification.get("eventTimeMillis")
    digits = str(millis) if isinstance(millis, str | int) and not isinstance(millis, bool) else ""
    time_ = int(digits) // 1000 if digits.isascii() and digits.isdigit() and len(digits) <= 19 else None
    return [ProviderEvent(id=message_id, type=_type(notification), time=time_, payload=verified)]


def _section(notification: dict[str, Any], name: str) -> dict[str, Any]:
    value = notification.get(name)
    return value if isinstance(value, dict) else {}


def _code(section: dict[str, Any]) -> int | str:
    code = section.get("notificationType")
    return code if isinstance(code, int) and not isinstance(code, bool) else str(code)[:20]


def _type(notification: dict[str, Any]) -> str:
    # Sections and codes are read defensively: a wrong JSON type is an unknown type, not a 500.
    if sub := _section(notification, "subscriptionNotification"):
        return SUBSCRIPTION_TYPES.get(_code(sub), f"SUBSCRIPTION_{_code(sub)}")  # type: ignore[call-overload]
    if one := _section(notification, "oneTimeProductNotification"):
        return ONE_TIME_TYPES.get(_code(one), f"ONE_TIME_PRODUCT_{_code(one)}")  # type: ignore[call-overload]
    if "voidedPurchaseNotification" in notification:
        return "VOIDED_PURCHASE"
    if "testNotification" in notification:
        return "TEST"
    return ""


_SUB = "notification.subscriptionNotification"
_LINE = "purchase.lineItems[0]"
_COMMON = {"provider": "googleplay", "store": "play_store"}
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path(f"{_SUB}.subscriptionId || {_LINE}.productId"),
    "period_type": L.path(
        f"{_LINE}.offerPhase.freeTrial != null && 'trial' || {_LINE}.offerPhase.introductoryPrice != null && 'intro' || 'normal'"
    ),
    "expires_at": L.path(f"unix_seconds({_LINE}.expiryTime)"),
}
_FREE_TRIAL = f"{_LINE}.offerPhase.freeTrial != null"

# TEST is answered 200 {"status": "ignored"}. Not mapped: PRICE_CHANGE_CONFIRMED/UPDATED,
# DEFERRED, PAUSE_SCHEDULE_CHANGED, PENDING_PURCHASE_CANCELED, ONE_TIME_PRODUCT_CANCELED.
# Amounts: the notification and the purchase carry no price paid, so none is sent.
PRESET = [
    L.rule("googleplay-subscription-purchased", "SUBSCRIPTION_PURCHASED", L.SUBSCRIPTION_STARTED, _SUBSCRIPTION,
           when=f"!({_FREE_TRIAL})"),
    L.rule("googleplay-trial-started", "SUBSCRIPTION_PURCHASED", L.TRIAL_STARTED, _SUBSCRIPTION, when=_FREE_TRIAL),
    L.rule("googleplay-subscription-renewed", "SUBSCRIPTION_RENEWED", L.SUBSCRIPTION_RENEWED, _SUBSCRIPTION,
           previous="Renewal"),
    # Recovered from account hold: a renewal paid after failing.
    L.rule("googleplay-subscription-recovered", "SUBSCRIPTION_RECOVERED", L.SUBSCRIPTION_RENEWED, _SUBSCRIPTION),
    L.rule("googleplay-payment-recovered", "SUBSCRIPTION_RECOVERED", L.PAYMENT_RECOVERED, _SUBSCRIPTION),
    # Canceled = auto-renew off; access lasts until expiryTime.
    L.rule("googleplay-subscription-canceled", "SUBSCRIPTION_CANCELED", L.CANCELLATION_SCHEDULED,
           {**_SUBSCRIPTION, "reason": L.path(
               "purchase.canceledStateContext.userInitiatedCancellation && 'user_initiated'"
               " || purchase.canceledStateContext.systemInitiatedCancellation && 'system_initiated'"
               " || purchase.canceledStateContext.developerInitiatedCancellation && 'developer_initiated'"
               " || purchase.canceledStateContext.replacementCancellation && 'replaced'")},
           previous="Cancellation"),
    L.rule("googleplay-subscription-restarted", "SUBSCRIPTION_RESTARTED", L.CANCELLATION_REVOKED, _SUBSCRIPTION),
    L.rule("googleplay-subscription-in-grace-period", "SUBSCRIPTION_IN_GRACE_PERIOD", L.PAYMENT_FAILED,
           {**_SUBSCRIPTION, "grace_period": True}, previous="BillingIssue"),
    L.rule("googleplay-subscription-on-hold", "SUBSCRIPTION_ON_HOLD", L.PAYMENT_FAILED,
           {**_SUBSCRIPTION, "reason": "on_hold"}, previous="BillingIssue"),
    L.rule("googleplay-subscription-paused", "SUBSCRIPTION_PAUSED", L.SUBSCRIPTION_PAUSED, _SUBSCRIPTION),
    L.rule("googleplay-subscription-expired", "SUBSCRIPTION_EXPIRED", L.SUBSCRIPTION_ENDED,
           {**_SUBSCRIPTION, "reason": "expired"}, previous="Expiration"),
    L.rule("googleplay-subscription-revoked", "SUBSCRIPTION_REVOKED", L.SUBSCRIPTION_ENDED,
           {**_SUBSCRIPTION, "reason": "revoked"}, previous="Refund"),
    L.rule("googleplay-one-time-product-purchased", "ONE_TIME_PRODUCT_PURCHASED", L.PURCHASE_COMPLETED,
           {**_COMMON, "product": L.path("notification.oneTimeProductNotification.sku || purchase.productId")}),
    # Google's refund signal (refundType 1: whole purchase, 2: part of its quantity).
    L.rule("googleplay-voided-purchase", "VOIDED_PURCHASE", L.REFUNDED,
           {**_COMMON, "product": L.path(f"{_LINE}.productId || purchase.productId"),
            "reason": L.path("notification.voidedPurchaseNotification.refundType == `2` && 'partial_refund' || 'refund'")}),
]  # fmt: skip

PROVIDER = Provider(
    name="googleplay",
    verify=verify,
    parse=parse,
    preset=PRESET,
    user_id="purchase.externalAccountIdentifiers.obfuscatedExternalAccountId || purchase.obfuscatedExternalAccountId",
    # A purchase by a license tester: testPurchase (subscriptions v2) or purchaseType 0.
    environment="(purchase.testPurchase != null || purchase.purchaseType == `0`) && 'sandbox' || 'production'",
    secret="optional",  # the proof is Google's OIDC token; a stored secret is the lookup's key
    options="pushbridge.providers.options:GooglePlayOptions",
    docs="https://developer.android.com/google/play/billing/rtdn-reference",
)
