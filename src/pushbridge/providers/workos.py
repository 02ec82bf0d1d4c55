"""WorkOS webhooks.

Sources checked:
- https://workos.com/docs/events/data-syncing/webhooks : ``WorkOS-Signature: t=<unix ms>,
  v1=<hex>``, HMAC-SHA256 over ``"{t}.{raw body}"`` keyed with the endpoint secret; the
  timestamp is in **milliseconds**.
- workos-python ``workos/webhooks/_resource.py`` (``verify_header``): the header is split on
  ``", "``, default tolerance 180 s, checked both ways (``abs``).
- Event object: ``id`` (``event_...``), ``event``, ``data``, ``created_at`` (RFC 3339).
- https://workos.com/docs/events : ``user.created``, ``user.updated``, ``user.deleted`` carry
  the user (``id``, ``external_id``, ``metadata``); ``session.created`` carries the session
  (``user_id``, ``impersonator`` when an admin impersonates the user) but not the user, so not
  its ``external_id`` (workos-python ``SessionCreatedPayload``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import (
    Headers,
    Provider,
    any_signature_matches,
    check_timestamp,
    hex_candidates,
    hmac_hex,
    iso_time,
    keys_from_secrets,
    parse_int,
    parse_json_object,
    require_header,
    signature_fields,
    utf8_key,
)


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    fields = signature_fields(require_header(headers, "WorkOS-Signature"), ",", "WorkOS-Signature")
    if len(fields.get("t", [])) != 1 or not fields.get("v1"):
        raise SignatureInvalid("WorkOS-Signature needs one t= and a v1=", reason="malformed_signature_header")
    milliseconds = parse_int(fields["t"][0], "WorkOS-Signature timestamp")
    check_timestamp(milliseconds // 1000, now=now, tolerance=tolerance)
    signed = f"{milliseconds}.".encode() + body
    candidates = hex_candidates(fields["v1"])
    expected = (hmac_hex(key, signed) for key in keys_from_secrets(secrets, utf8_key, "workos"))
    if not any_signature_matches(expected, candidates):
        raise SignatureInvalid("no WorkOS-Signature v1 matches the endpoint secret")


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    milliseconds = now * 1000
    digest = hmac_hex(utf8_key(secret), f"{milliseconds}.".encode() + body).decode()
    return {"WorkOS-Signature": f"t={milliseconds}, v1={digest}"}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    event_id, event_type = payload.get("id"), payload.get("event")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise MalformedPayload("a WorkOS event needs string `id` and `event`")
    return [ProviderEvent(id=event_id, type=event_type, time=iso_time(payload.get("created_at")), payload=payload)]


PRESET = [
    # registerUser only where the backend put the device's hwid in the user's metadata (only
    # the API, with the secret key, writes it).
    {"name": "workos-user-created-register", "match": "user.created", "register_user": {}},
    {"name": "workos-user-created", "match": "user.created", "post_event": {"event": "SignUp", "attributes": {"provider": "workos"}}},
    {"name": "workos-user-updated-register", "match": "user.updated", "register_user": {}},
    {"name": "workos-user-deleted", "match": "user.deleted", "delete_user": {}},
    {
        # A session an admin opened by impersonating the user is not the user signing in.
        "name": "workos-session-created",
        "match": "session.created",
        "when": {"path": "!(data.impersonator)"},
        "post_event": {"event": "Login", "attributes": {"provider": "workos"}},
    },
]  # fmt: skip

PROVIDER = Provider(
    name="workos",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # WorkOS's own user id everywhere: session.created does not carry the user's external_id,
    # so preferring it would split one person into two Pushwoosh users (SignUp under one id,
    # Login under the other). A source whose app ids are the external_ids sets
    # `user_id: {path: data.external_id}` and maps sign-ins from its own backend.
    user_id="data.user_id || data.id",
    hwid="data.metadata.pushwoosh_hwid",
    default_tolerance=180,
    docs="https://workos.com/docs/events/data-syncing/webhooks",
)
