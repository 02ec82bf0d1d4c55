"""Kinde webhooks.

Sources checked:
- https://docs.kinde.com/integrate/webhooks/add-manage-webhooks : the request body *is* a JWT,
  signed with the business's keys, published at ``https://<subdomain>.kinde.com/.well-known/jwks``.
- https://docs.kinde.com/integrate/webhooks/about-webhooks : the claims carry ``type``
  (``user.created``...), ``event_id`` (unique, kept across retries), ``timestamp`` and
  ``data`` (``data.user.id`` for user events).
- kinde-oss/webhook (``@kinde/webhook``, ``validateWebhook``): RS256 against that JWKS.

Keys are fetched with PyJWT's ``PyJWKClient``: cached per container, refreshed once when a
token names a ``kid`` the cache does not know (Kinde rotated its keys).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pushbridge.errors import DependencyUnavailable, MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers, Provider, iso_time, options_reexport

ALGORITHMS = ["RS256"]  # never from the token: no "none", no HMAC-with-the-public-key
# An unknown kid refreshes the JWKS at most this often, so that forged tokens cannot make us
# hammer Kinde; a token signed with a key rotated in meanwhile gets a 401 and is retried.
REFRESH_COOLDOWN = 30.0
_clients: dict[str, Any] = {}


if TYPE_CHECKING:
    from pushbridge.providers.options import KindeOptions

__getattr__ = options_reexport(__name__, "KindeOptions")


def _client(url: str) -> Any:
    from jwt import PyJWKClient

    if url not in _clients:
        # Keys cached for an hour; an unknown kid refreshes them (at most every REFRESH_COOLDOWN).
        _clients[url] = PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=3, cooldown_duration=REFRESH_COOLDOWN)
    return _clients[url]


def verify(
    body: bytes,
    headers: Headers,
    secrets: Sequence[str],
    *,
    tolerance: int,
    now: float,
    options: KindeOptions | None = None,
) -> dict[str, Any]:
    import jwt

    if options is None:
        raise DependencyUnavailable("the kinde source needs options.domain", reason="configuration_invalid")
    try:
        token = body.decode("ascii").strip()
        key = _client(options.url).get_signing_key_from_jwt(token)
        # Kinde's own published test token (kinde-oss/webhook, lib/main.test.ts) carries neither
        # `iss` nor `exp`: requiring them would refuse every real webhook. The tenant binding is
        # the JWKS itself (keys are per business domain); `iss` and `exp`, when a token has them,
        # are checked below, against the injected clock rather than PyJWT's wall clock. A token
        # without `exp` replayed later maps to the same command ids (event_id), so deduplication
        # and the idempotency records keep it from doing anything twice.
        claims = jwt.decode(
            token, key.key, algorithms=ALGORITHMS,
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False,
                     "verify_iss": False},
        )  # fmt: skip
    except jwt.PyJWKClientConnectionError:
        raise DependencyUnavailable("cannot fetch Kinde's JWKS", reason="jwks_unavailable") from None
    except (UnicodeDecodeError, jwt.PyJWTError) as exc:
        raise SignatureInvalid(f"not a valid Kinde webhook token: {type(exc).__name__}") from None
    if not isinstance(claims, dict):
        raise SignatureInvalid("not a valid Kinde webhook token")
    if "iss" in claims and claims["iss"] != options.expected_issuer:
        raise SignatureInvalid("Kinde webhook token from another issuer", reason="token_claims_invalid")
    _check_times(claims, now=now, leeway=tolerance)
    return claims


def _check_times(claims: dict[str, Any], *, now: float, leeway: int) -> None:
    def seconds(name: str) -> float | None:
        if name not in claims:
            return None
        value = claims[name]
        # JSON as PyJWT reads it also takes NaN and Infinity: an `exp` of Infinity never expires.
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise SignatureInvalid(f"Kinde webhook token: `{name}` is not a number", reason="token_claims_invalid")
        return float(value)

    expires, not_before = seconds("exp"), seconds("nbf")
    if expires is not None and now > expires + leeway:
        raise SignatureInvalid("Kinde webhook token has expired", reason="timestamp_outside_tolerance")
    if not_before is not None and now < not_before - leeway:
        raise SignatureInvalid("Kinde webhook token is not valid yet", reason="timestamp_outside_tolerance")


def parse(
    body: bytes, headers: Headers, *, options=None, verified: dict[str, Any] | None = None
) -> list[ProviderEvent]:
    if not isinstance(verified, dict):
        raise MalformedPayload("a Kinde webhook is a JWT; nothing was decoded")
    event_id, event_type = verified.get("event_id"), verified.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise MalformedPayload("a Kinde webhook needs `event_id` and `type` claims")
    time = iso_time(verified.get("timestamp") or verified.get("event_timestamp"))
    return [ProviderEvent(id=event_id, type=event_type, time=time, payload=verified)]


PRESET = [
    {"name": "kinde-user-created", "match": "user.created", "post_event": {"event": "SignUp", "attributes": {"provider": "kinde"}}},
    {"name": "kinde-user-authenticated", "match": "user.authenticated", "post_event": {"event": "Login", "attributes": {"provider": "kinde"}}},
    {"name": "kinde-user-deleted", "match": "user.deleted", "delete_user": {}},
]  # fmt: skip

PROVIDER = Provider(
    name="kinde",
    verify=verify,
    parse=parse,
    preset=PRESET,
    user_id="data.user.id",
    # No default hwid: Kinde's published payloads carry no field documented as writable only by
    # the backend. A source that keeps one there sets `hwid:`.
    hwid=None,
    secret="none",
    options="pushbridge.providers.options:KindeOptions",
    docs="https://docs.kinde.com/integrate/webhooks/add-manage-webhooks",
)
