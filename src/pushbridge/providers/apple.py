"""Apple App Store Server Notifications V2.

Sources checked:
- https://developer.apple.com/documentation/appstoreservernotifications/responsebodyv2 : the
  body is ``{"signedPayload": "<JWS>"}``; the decoded payload has ``notificationType``,
  ``subtype``, ``notificationUUID`` (kept across retries), ``signedDate`` (ms) and ``data``
  (``bundleId``, ``appAppleId``, ``environment``, ``signedTransactionInfo``,
  ``signedRenewalInfo``).
- https://developer.apple.com/documentation/appstoreserverapi/jwstransactiondecodedpayload :
  ``appAccountToken`` is the UUID your app set at purchase: the user.
- Apple's official ``app-store-server-library`` (``SignedDataVerifier``) does the verification:
  ES256, the x5c chain validated to Apple Root CA - G3 with Apple's certificate OIDs, bundle id,
  app Apple id (production) and environment. We write no X.509 code of our own.
- ``certs/AppleRootCA-G3.cer`` is https://www.apple.com/certificateauthority/AppleRootCA-G3.cer,
  SHA-256 63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79
  (a test checks the fingerprint).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers import lifecycle as L
from pushbridge.providers.base import Headers, Provider, options_reexport, parse_json_object

if TYPE_CHECKING:
    from pushbridge.providers.options import AppleEnvironment as Environment
    from pushbridge.providers.options import AppleOptions

__getattr__ = options_reexport(__name__, "AppleOptions")


@cache
def _roots(paths: tuple[str, ...]) -> list[bytes]:
    if paths:
        return [Path(p).read_bytes() for p in paths]
    return [resources.files("pushbridge.providers").joinpath("certs/AppleRootCA-G3.cer").read_bytes()]


@cache
def _verifier(options: AppleOptions, environment: Environment) -> Any:
    from appstoreserverlibrary.models.Environment import Environment as AppleEnvironment
    from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

    return SignedDataVerifier(
        _roots(options.root_certificates), options.online_checks, AppleEnvironment(environment),
        options.bundle_id, options.app_apple_id,
    )  # fmt: skip


def _claims(token: str) -> dict[str, Any]:
    """The claims of a JWS the library has verified (read as plain JSON, enums as Apple spells them)."""
    import jwt

    return jwt.decode(token, options={"verify_signature": False})


def verify(
    body: bytes,
    headers: Headers,
    secrets: Sequence[str],
    *,
    tolerance: int,
    now: float,
    options: AppleOptions | None = None,
) -> dict[str, Any]:
    import jwt
    from appstoreserverlibrary.signed_data_verifier import VerificationException

    if options is None:
        raise SignatureInvalid("the apple source needs options.bundle_id")
    token = parse_json_object(body).get("signedPayload")
    if not isinstance(token, str) or not token:
        raise MalformedPayload("an App Store notification needs `signedPayload`")
    try:
        claimed = _claims(token)  # unverified: only to pick the verifier for its environment
    except jwt.PyJWTError:
        raise SignatureInvalid("signedPayload is not a JWS") from None
    environment = _environment(claimed)
    if environment not in options.environments:
        raise SignatureInvalid(f"notifications from environment {str(environment)[:40]!r} are not accepted")
    verifier = _verifier(options, environment)
    try:
        verifier.verify_and_decode_notification(token)
        payload = _claims(token)
        data = _object(payload.get("data"))
        for field, verify_nested, key in (
            ("signedTransactionInfo", verifier.verify_and_decode_signed_transaction, "transaction"),
            ("signedRenewalInfo", verifier.verify_and_decode_renewal_info, "renewal"),
        ):
            nested = data.get(field)
            if nested in (None, ""):
                continue
            if not isinstance(nested, str):
                raise SignatureInvalid(f"App Store signature not verified: {field} is not a JWS")
            verify_nested(nested)
            payload[key] = _claims(nested)
    except VerificationException as exc:
        raise SignatureInvalid(f"App Store signature not verified: {exc.status.name}") from None
    except ExceptionGroup:
        # The library structures the verified claims with cattrs, whose validation errors are
        # exception groups: a genuinely signed notification of a shape it does not know.
        raise MalformedPayload("App Store notification does not have the documented shape") from None
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError, KeyError):
        # The library reads fields of the JWS before and after checking it; a claim of the
        # wrong JSON type surfaces as one of these, never as a 500.
        raise SignatureInvalid("App Store signature not verified: malformed JWS") from None
    return payload


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _environment(claims: dict[str, Any]) -> Any:
    """The environment a notification claims before it is verified, read defensively: ``data``
    or ``summary`` may be any JSON type in a forged token (a string or a list gave a 500)."""
    for name in ("data", "summary"):
        section = claims.get(name)
        if isinstance(section, dict) and section:
            return section.get("environment")
        if section:
            raise SignatureInvalid(
                f"signedPayload's {name} claim is not an object", reason="malformed_signature_header"
            )
    return None


def parse(
    body: bytes, headers: Headers, *, options=None, verified: dict[str, Any] | None = None
) -> list[ProviderEvent]:
    if not isinstance(verified, dict):
        raise MalformedPayload("an App Store notification is a JWS; nothing was verified")
    uuid, kind, signed = verified.get("notificationUUID"), verified.get("notificationType"), verified.get("signedDate")
    if not isinstance(uuid, str) or not uuid or not isinstance(kind, str) or not kind:
        raise MalformedPayload("an App Store notification needs notificationUUID and notificationType")
    time = signed // 1000 if isinstance(signed, int) and not isinstance(signed, bool) else None
    return [ProviderEvent(id=uuid, type=kind, time=time, payload=verified)]


_COMMON = {
    "provider": "apple",
    "store": "app_store",
}
_SUBSCRIPTION = {
    **_COMMON,
    "product": L.path("transaction.productId"),
    "period_type": L.path(
        "transaction.offerDiscountType == 'FREE_TRIAL' && 'trial' || transaction.offerType == `1` && 'intro' || 'normal'"
    ),
    "expires_at": L.path("unix_seconds(transaction.expiresDate)"),
}
_MONEY = {
    **_SUBSCRIPTION,
    "amount": L.path("scaled(transaction.price, `1000`)"),  # Apple sends milliunits
    "currency": L.path("upper(transaction.currency)"),
}
_FREE_TRIAL = "transaction.offerDiscountType == 'FREE_TRIAL'"

# Not mapped: TEST, CONSUMPTION_REQUEST, REFUND_DECLINED, PRICE_INCREASE, RENEWAL_EXTENDED,
# RENEWAL_EXTENSION, EXTERNAL_PURCHASE_TOKEN, METADATA_UPDATE, MIGRATION (no lifecycle step).
PRESET = [
    # subtype INITIAL_BUY (first purchase) or RESUBSCRIBE (again, after it expired).
    L.rule("apple-subscribed", "SUBSCRIBED", L.SUBSCRIPTION_STARTED,
           {**_MONEY, "resubscribe": L.path("subtype == 'RESUBSCRIBE'")}, when=f"!({_FREE_TRIAL})"),
    L.rule("apple-trial-started", "SUBSCRIBED", L.TRIAL_STARTED, _SUBSCRIPTION, when=_FREE_TRIAL),
    L.rule("apple-did-renew", "DID_RENEW", L.SUBSCRIPTION_RENEWED, _MONEY, previous="Renewal"),
    L.rule("apple-billing-recovery", "DID_RENEW", L.PAYMENT_RECOVERED, _MONEY, when="subtype == 'BILLING_RECOVERY'"),
    L.rule("apple-did-fail-to-renew", "DID_FAIL_TO_RENEW", L.PAYMENT_FAILED,
           {**_SUBSCRIPTION, "grace_period": L.path("subtype == 'GRACE_PERIOD'")}, previous="BillingIssue"),
    # Auto-renew turned off in Settings: the App Store's cancellation.
    L.rule("apple-auto-renew-disabled", "DID_CHANGE_RENEWAL_STATUS", L.CANCELLATION_SCHEDULED, _SUBSCRIPTION,
           when="subtype == 'AUTO_RENEW_DISABLED'"),
    L.rule("apple-auto-renew-enabled", "DID_CHANGE_RENEWAL_STATUS", L.CANCELLATION_REVOKED, _SUBSCRIPTION,
           when="subtype == 'AUTO_RENEW_ENABLED'"),
    # UPGRADE applies now, DOWNGRADE at the next renewal, no subtype: a downgrade taken back.
    L.rule("apple-did-change-renewal-pref", "DID_CHANGE_RENEWAL_PREF", L.PRODUCT_CHANGED,
           {**_SUBSCRIPTION, "product": L.path("renewal.autoRenewProductId || transaction.productId"),
            "previous_product": L.path(
                "transaction.productId != renewal.autoRenewProductId && transaction.productId || `null`"),
            "reason": L.path("lower(subtype)")}),
    L.rule("apple-offer-redeemed", "OFFER_REDEEMED", L.OFFER_REDEEMED,
           {**_MONEY, "offer": L.path("transaction.offerIdentifier"), "reason": L.path("lower(subtype)")}),
    # subtype VOLUNTARY, BILLING_RETRY, PRICE_INCREASE or PRODUCT_NOT_FOR_SALE.
    L.rule("apple-expired", "EXPIRED", L.SUBSCRIPTION_ENDED, {**_SUBSCRIPTION, "reason": L.path("lower(subtype)")},
           previous="Expiration"),
    # Access ends but the App Store keeps retrying the payment: a failure, not the end.
    L.rule("apple-grace-period-expired", "GRACE_PERIOD_EXPIRED", L.PAYMENT_FAILED,
           {**_SUBSCRIPTION, "reason": "grace_period_expired"}, previous="GracePeriodExpired"),
    L.rule("apple-refund", "REFUND", L.REFUNDED, {**_MONEY, "reason": L.path("transaction.revocationReason == `1` && 'app_issue' || 'other'")},
           previous="Refund"),
    L.rule("apple-refund-reversed", "REFUND_REVERSED", L.REFUND_REVERSED, _MONEY),
    # Family Sharing: the purchaser stopped sharing, or was refunded.
    L.rule("apple-revoke", "REVOKE", L.SUBSCRIPTION_ENDED, {**_SUBSCRIPTION, "reason": "revoked"}),
    # A consumable, non-consumable or non-renewing subscription.
    L.rule("apple-one-time-charge", "ONE_TIME_CHARGE", L.PURCHASE_COMPLETED,
           {**_COMMON, "product": L.path("transaction.productId"), "amount": _MONEY["amount"],
            "currency": _MONEY["currency"]}),
]  # fmt: skip

PROVIDER = Provider(
    name="apple",
    verify=verify,
    parse=parse,
    preset=PRESET,
    environment="data.environment",  # SANDBOX / Sandbox: skipped unless the source sets sandbox: true
    # Set appAccountToken (a UUID) to your user's id when the app starts the purchase.
    user_id="transaction.appAccountToken",
    secret="none",
    options="pushbridge.providers.options:AppleOptions",
    docs="https://developer.apple.com/documentation/appstoreservernotifications",
)
