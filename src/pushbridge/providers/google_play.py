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
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, field_validator

from pushbridge.adapters.http import get_json, shared_pool
from pushbridge.errors import DependencyUnavailable, MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers, Provider, parse_json_object, require_header
from pushbridge.urls import require_https

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
PLAY_API_URL = "https://androidpublisher.googleapis.com"
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


class GooglePlayOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    audience: str  # the push subscription's audience (by default its endpoint URL)
    service_account_email: str  # the push subscription's service account
    package_name: str | None = None  # when set, notifications for other packages are refused
    lookup_user: bool = True  # read obfuscatedAccountId from the Play Developer API
    certs_url: str = GOOGLE_CERTS_URL
    api_url: str = PLAY_API_URL

    @field_validator("certs_url", "api_url")
    @classmethod
    def _https(cls, url: str, info) -> str:
        # The certificates decide what is verified; the API gets our access token.
        return require_https(url, what=f"options.{info.field_name}")


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
    if sub:
        template, parts = "{}/purchases/subscriptionsv2/tokens/{}", (package, sub.get("purchaseToken"))
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


_ATTRIBUTES = {
    "product": {"path": "notification.subscriptionNotification.subscriptionId || purchase.lineItems[0].productId || notification.oneTimeProductNotification.sku"},
    "package": {"path": "notification.packageName"},
}  # fmt: skip

# TEST is answered 200 {"status": "ignored"}.
PRESET = [
    {"name": f"googleplay-{kind.lower().replace('_', '-')}", "match": kind, "post_event": {"event": event, "attributes": _ATTRIBUTES}}
    for kind, event in (
        ("SUBSCRIPTION_PURCHASED", "SubscriptionStarted"),
        ("SUBSCRIPTION_RENEWED", "Renewal"),
        ("SUBSCRIPTION_CANCELED", "Cancellation"),
        ("SUBSCRIPTION_IN_GRACE_PERIOD", "BillingIssue"),
        ("SUBSCRIPTION_ON_HOLD", "BillingIssue"),
        ("SUBSCRIPTION_EXPIRED", "Expiration"),
        ("SUBSCRIPTION_REVOKED", "Refund"),
        ("ONE_TIME_PRODUCT_PURCHASED", "PurchaseCompleted"),
    )
]  # fmt: skip

PROVIDER = Provider(
    name="googleplay",
    verify=verify,
    parse=parse,
    preset=PRESET,
    user_id="purchase.externalAccountIdentifiers.obfuscatedExternalAccountId || purchase.obfuscatedExternalAccountId",
    secret="optional",  # the proof is Google's OIDC token; a stored secret is the lookup's key
    options=GooglePlayOptions,
    docs="https://developer.android.com/google/play/billing/rtdn-reference",
)
