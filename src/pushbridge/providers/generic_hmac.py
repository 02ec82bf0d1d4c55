"""Generic HMAC: a team's own backend, or any system that signs with a shared secret.

Everything is configured per source under ``options``: the signature header, the algorithm
(sha256, sha1, sha512), the encoding (hex, base64), an optional prefix (GitHub's
``sha256=``), an optional timestamp header with a replay window, and the signed content as a
template over ``{timestamp}`` and ``{body}`` (``"{timestamp}.{body}"``, say). GitHub's own
documentation (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries)
publishes a test vector for ``X-Hub-Signature-256``; our tests replay it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

import jmespath

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import (
    Headers,
    Provider,
    any_signature_matches,
    check_timestamp,
    event_time,
    keys_from_secrets,
    options_reexport,
    parse_int,
    parse_json_object,
    require_header,
    utf8_key,
)

if TYPE_CHECKING:
    from pushbridge.providers.options import GenericHmacOptions

__getattr__ = options_reexport(__name__, "GenericHmacOptions")


def _signed(options: GenericHmacOptions, body: bytes, timestamp: str) -> bytes:
    before, _, after = options.signed_content.partition("{body}")
    return before.replace("{timestamp}", timestamp).encode() + body + after.replace("{timestamp}", timestamp).encode()


def _digest(options: GenericHmacOptions, key: bytes, message: bytes) -> bytes:
    mac = hmac.new(key, message, getattr(hashlib, options.algorithm))
    encoded = mac.hexdigest() if options.encoding == "hex" else base64.b64encode(mac.digest()).decode()
    return (options.prefix + encoded).encode()


def verify(
    body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float,
    options: GenericHmacOptions | None = None,
) -> None:  # fmt: skip
    options = options or PROVIDER.default_options()
    presented = require_header(headers, options.signature_header)
    if options.encoding == "hex":
        presented = presented[: len(options.prefix)] + presented[len(options.prefix) :].lower()
    timestamp = ""
    if options.timestamp_header:
        timestamp = require_header(headers, options.timestamp_header)
        check_timestamp(parse_int(timestamp, options.timestamp_header), now=now, tolerance=tolerance)
    message = _signed(options, body, timestamp)
    expected = (_digest(options, key, message) for key in keys_from_secrets(secrets, utf8_key, "generic hmac"))
    if not any_signature_matches(expected, [presented.encode("utf-8", "replace")]):
        raise SignatureInvalid(f"{options.signature_header} does not match the shared secret")


def sign(body: bytes, secret: str, *, now: int, options: GenericHmacOptions | None = None) -> dict[str, str]:
    options = options or PROVIDER.default_options()
    headers = {options.signature_header: _digest(options, utf8_key(secret), _signed(options, body, str(now))).decode()}
    if options.timestamp_header:
        headers[options.timestamp_header] = str(now)
    return headers


def parse(
    body: bytes, headers: Headers, *, options: GenericHmacOptions | None = None, verified=None
) -> list[ProviderEvent]:
    options = options or PROVIDER.default_options()
    payload = parse_json_object(body)
    event_type = jmespath.search(options.event_type, payload)
    if not isinstance(event_type, str) or not event_type:
        raise MalformedPayload(f"no event type at {options.event_type!r}")
    event_id = jmespath.search(options.event_id, payload)
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or event_id == "":
        event_id = "body_" + hashlib.sha256(body).hexdigest()[:40]  # a redelivery has the same body
    # Seconds, milliseconds or ISO 8601, whichever the backend sends.
    time = event_time(jmespath.search(options.event_time, payload)) if options.event_time else None
    return [ProviderEvent(id=str(event_id), type=event_type, time=time, payload=payload)]


PROVIDER = Provider(
    name="hmac",
    verify=verify,
    parse=parse,
    sign=sign,
    user_id="user_id",
    hwid="hwid",
    options="pushbridge.providers.options:GenericHmacOptions",
    docs="README.md, Providers: generic HMAC",
)
