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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers, Provider, parse_json_object

Environment = Literal["Production", "Sandbox"]


class AppleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bundle_id: str
    app_apple_id: int | None = Field(default=None, description="Needed for Production notifications")
    environments: tuple[Environment, ...] = ("Production", "Sandbox")
    online_checks: bool = Field(default=False, description="OCSP revocation checks against Apple (adds latency)")
    root_certificates: tuple[str, ...] = Field(default=(), description="DER files; default: Apple Root CA - G3")

    @model_validator(mode="after")
    def _production_needs_the_app_id(self) -> AppleOptions:
        if "Production" in self.environments and self.app_apple_id is None:
            raise ValueError("app_apple_id is required to accept Production notifications")
        return self


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


_ATTRIBUTES = {
    "product": {"path": "transaction.productId"},
    "price": {"path": "transaction.price"},  # in milliunits of the currency, as Apple sends it
    "currency": {"path": "transaction.currency"},
    "environment": {"path": "data.environment"},
    "subtype": {"path": "subtype"},
}

PRESET = [
    {"name": f"apple-{kind.lower().replace('_', '-')}", "match": kind, "post_event": {"event": event, "attributes": _ATTRIBUTES}}
    for kind, event in (
        ("SUBSCRIBED", "SubscriptionStarted"),
        ("DID_RENEW", "Renewal"),
        ("DID_FAIL_TO_RENEW", "BillingIssue"),
        ("EXPIRED", "Expiration"),
        ("GRACE_PERIOD_EXPIRED", "GracePeriodExpired"),
        ("REFUND", "Refund"),
    )
]  # fmt: skip

PROVIDER = Provider(
    name="apple",
    verify=verify,
    parse=parse,
    preset=PRESET,
    # Set appAccountToken (a UUID) to your user's id when the app starts the purchase.
    user_id="transaction.appAccountToken",
    secret="none",
    options=AppleOptions,
    docs="https://developer.apple.com/documentation/appstoreservernotifications",
)
