"""What every provider module provides, and the checks they share.

A provider is a small module exposing ``PROVIDER``: how to verify a webhook over its raw
bytes, how to parse it into :class:`ProviderEvent` s, and the preset rules that map those
events to Pushwoosh calls. Registering it in ``providers/__init__.py`` is all it takes.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

from pushbridge.errors import DependencyUnavailable, MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent

if TYPE_CHECKING:
    from pydantic import BaseModel


class Headers(Mapping[str, str]):
    """Request headers, looked up case-insensitively (HTTP says names are)."""

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
        self._items = {str(k).lower(): _encodable(str(v)) for k, v in pairs if v is not None}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: str) -> str:
    """A lone surrogate (a JSON escape API Gateway passes through) would make every
    ``.encode()`` of the value raise; replaced by U+FFFD, it simply matches no signature."""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


# verify(body, headers, secrets, *, tolerance, now, options) -> what it verified (decoded claims
# for token-based providers, else None), or raise SignatureInvalid.
Verifier = Callable[..., Any]
# parse(body, headers, *, options, verified) -> events. `verified` is what verify returned; for
# token-based providers (Kinde, Apple, Google) tools pass the decoded sample payload instead.
Parser = Callable[..., list[ProviderEvent]]
# sign(body, secret, *, now) -> headers, as the provider would send them: `pushbridge sign` and
# the sample events use it; tests sign with the providers' official SDKs instead. None where
# only the provider holds the key (JWT/JWS from Kinde, Apple, Google).
Signer = Callable[..., dict[str, str]]
# challenge(headers, secrets, *, options) -> JSON answer to a GET verification (Okta).
Challenge = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Provider:
    name: str
    verify: Verifier
    parse: Parser
    sign: Signer | None = None
    preset: Sequence[Mapping[str, Any]] = ()
    # Default JMESPath for the user id / hwid, used by every rule that does not set its own;
    # a source overrides them with `user_id:` / `hwid:`.
    user_id: str | None = None
    hwid: str | None = None
    event_type: str | None = None
    docs: str = ""
    default_tolerance: int = 300
    # The source's entry in the signing secret: "required" (HMAC keys, shared header values),
    # "none" where the proof is a public-key signature (JWKS, x5c), "optional" where a stored
    # secret serves something else (Google Play: the Play Developer API key for the user lookup).
    secret: Literal["required", "optional", "none"] = "required"
    # The pydantic model of the source's `options:` (bundle id, JWKS URL, header names...), as
    # "module:attribute": imported when the options are first validated, so that importing a
    # provider does not load pydantic (issue 12). options_model() is the class.
    options: str | None = None
    challenge: Challenge | None = None
    # False for intakes that are not webhooks (Cognito triggers): never reachable over HTTP.
    http: bool = True
    # Payment providers: JMESPath to the event's environment. The mapper normalises it
    # (sandbox, test, Xcode, ... or `true` -> sandbox; anything else -> production), skips
    # sandbox events unless the source sets `sandbox: true`, and adds the attribute
    # `environment` to every command of the event. None: not a payment provider.
    environment: str | None = None
    # Prefixes of ids a provider uses for users it does not know yet (RevenueCat
    # "$RCAnonymousID:"): such events are skipped (EventsSkipped{reason=anonymous_user}).
    # Placeholders (unknown, anonymous, null, undefined) are skipped for every provider.
    anonymous_user: tuple[str, ...] = ()

    def options_model(self) -> type[BaseModel] | None:
        if self.options is None:
            return None
        module, _, attribute = self.options.partition(":")
        model: type[BaseModel] = getattr(import_module(module), attribute)
        return model

    def default_options(self) -> Any:
        """The options model with every default: for calls without options (tools, tests); a
        configured source always has its validated model."""
        model = self.options_model()
        return model() if model is not None else None


OPTIONS_MODULE = "pushbridge.providers.options"


def options_reexport(module: str, *names: str) -> Callable[[str], Any]:
    """A provider module's ``__getattr__`` (PEP 562) that keeps its options model importable
    under the old name (``pushbridge.providers.apple.AppleOptions``) without loading pydantic
    when the provider itself is imported."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(import_module(OPTIONS_MODULE), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


# --- shared checks ---------------------------------------------------------------------------


def require_header(headers: Headers, *names: str) -> str:
    for name in names:
        value = headers.get(name)
        if value is not None and value.strip():
            return value.strip()
    raise SignatureInvalid(f"missing {names[0]} header")


def signature_fields(header: str, separator: str, header_name: str) -> dict[str, list[str]]:
    """``t=1,v1=ab,v1=cd`` -> ``{"t": ["1"], "v1": ["ab", "cd"]}`` (Stripe, Paddle, WorkOS)."""
    fields: dict[str, list[str]] = {}
    for item in header.split(separator):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureInvalid(f"malformed {header_name} header", reason="malformed_signature_header")
        fields.setdefault(key, []).append(value.strip())
    return fields


def hex_candidates(values: Sequence[str]) -> list[bytes]:
    return [value.lower().encode("ascii", "replace") for value in values]


def check_timestamp(timestamp: int, *, now: float, tolerance: int) -> None:
    """Replay window, both ways: a timestamp from the future is as suspect as a stale one
    (and a clock that far off is worth a clear message)."""
    skew = now - timestamp
    if skew > tolerance:
        raise SignatureInvalid(
            f"timestamp is {int(skew)} s old, outside the {tolerance} s tolerance "
            "(a replay, or this server's or the provider's clock is wrong)",
            reason="timestamp_outside_tolerance",
        )
    if -skew > tolerance:
        raise SignatureInvalid(
            f"timestamp is {int(-skew)} s in the future, outside the {tolerance} s tolerance "
            "(check the provider's and this server's clocks)",
            reason="timestamp_outside_tolerance",
        )


# ASCII digits only, one optional minus, at most 19 digits: `int()` alone also takes "+5",
# "1_000", Arabic-Indic or full-width digits and whitespace inside, and "--5" made it raise.
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: str, what: str) -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        raise SignatureInvalid(f"malformed {what}: expected an integer", reason="malformed_signature_header")
    return int(text)


def keys_from_secrets(secrets: Sequence[str], to_key: Callable[[str], bytes], source_hint: str) -> list[bytes]:
    """Turn the source's secrets into HMAC keys; a malformed one is skipped so that rotation
    with one bad entry still verifies with the others. None usable is our fault: 503."""
    keys = []
    for secret in secrets:
        try:
            keys.append(to_key(secret))
        except ValueError:
            continue
    if not keys:
        raise DependencyUnavailable(
            f"no usable signing secret for this source ({source_hint})", reason="signing_secret_invalid"
        )
    return keys


def utf8_key(secret: str) -> bytes:
    """The secret string itself as the HMAC key (Stripe, Paddle, WorkOS, Lemon Squeezy...)."""
    if not secret:
        raise ValueError("empty secret")
    return secret.encode()


def hmac_hex(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, algorithm).hexdigest().encode()


def check_authorization(headers: Headers, secrets: Sequence[str], header: str = "Authorization") -> None:
    """For providers that prove themselves with a shared header value (RevenueCat, Auth0 log
    streams, Okta event hooks): the whole value, compared in constant time with each secret."""
    presented = require_header(headers, header).encode()
    if not any_signature_matches((s.encode() for s in secrets if s), [presented]):
        raise SignatureInvalid(f"the {header} header does not match the configured value")


def any_signature_matches(expected: Iterable[bytes], candidates: Sequence[bytes]) -> bool:
    """Constant-time comparison of every expected digest with every candidate."""
    found = False
    for digest in expected:
        for candidate in candidates:
            # `|` rather than `or`: keep comparing, so time does not depend on which matched.
            found = hmac.compare_digest(digest, candidate) | found
    return found


# Unix seconds this large are really milliseconds (Clerk, Auth0, RevenueCat, JavaScript clocks):
# 10^11 seconds is the year 5138, 10^11 milliseconds is 1973.
MILLISECONDS_THRESHOLD = 100_000_000_000


def event_time(value: Any) -> int | None:
    """A provider's event time -> whole unix seconds, whatever its form: seconds or
    milliseconds (a number or digits in a string), or ISO 8601 / RFC 3339 text. None when
    absent or unreadable, so that the caller falls back to the next best time."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").replace(".", "", 1).isdigit() and text.isascii():
            value = float(text)
        else:
            return iso_time(text)
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            return None
        seconds = value / 1000 if abs(value) >= MILLISECONDS_THRESHOLD else value
        return int(seconds // 1)
    return None


def iso_time(value: Any) -> int | None:
    """RFC 3339 / ISO 8601 text -> unix seconds (UTC when it names no offset); None when
    absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise MalformedPayload("body is not valid JSON") from None
    except RecursionError:
        raise MalformedPayload("body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("body is not a JSON object")
    return payload
