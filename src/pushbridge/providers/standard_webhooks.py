"""Standard Webhooks, and the providers that send them: Clerk, Svix, Supabase.

Sources checked:
- https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md :
  headers ``webhook-id``, ``webhook-timestamp`` (unix seconds), ``webhook-signature``
  (space-separated ``v1,<base64>`` entries; other versions such as ``v1a`` are skipped);
  HMAC-SHA256 over ``"{id}.{timestamp}.{raw body}"``, keyed with the base64 part of the
  ``whsec_...`` secret. Reference implementation: the ``standardwebhooks`` package
  (``Webhook.verify``), whose published vector our tests replay.
- Svix (https://docs.svix.com/receiving/verifying-payloads/how-manual) and so Clerk
  (https://clerk.com/docs/webhooks/sync-data) send the same scheme under ``svix-*`` names.
- Supabase Auth Hooks (https://supabase.com/docs/guides/auth/auth-hooks) sign with Standard
  Webhooks and show the secret as ``v1,whsec_<base64>``: the ``v1,`` is a version tag, not
  part of the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from pushbridge.errors import SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import (
    Headers,
    Provider,
    any_signature_matches,
    check_timestamp,
    event_time,
    keys_from_secrets,
    parse_int,
    parse_json_object,
)


def secret_key(secret: str) -> bytes:
    """``whsec_<b64>``, ``v1,whsec_<b64>`` (Supabase) or bare base64 -> key bytes."""
    secret = secret.strip()
    secret = secret.removeprefix("v1,").removeprefix("whsec_")
    try:
        key = base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("signing secret is not base64") from None
    if not key:
        raise ValueError("empty secret")
    return key


def _headers(headers: Headers, names: tuple[str, ...] = ("id", "timestamp", "signature")) -> list[str]:
    # Svix and Clerk send svix-*; the standard names win when both are present.
    family = "webhook" if any(headers.get(f"webhook-{n}") for n in ("id", "timestamp", "signature")) else "svix"
    values = []
    for name in names:
        value = (headers.get(f"{family}-{name}") or "").strip()
        if not value:
            raise SignatureInvalid(f"missing webhook-{name} header")
        values.append(value)
    return values


def _signatures(header: str) -> list[bytes]:
    found = []
    for entry in header.split():
        version, sep, signature = entry.partition(",")
        if not sep or version != "v1":
            continue
        try:
            found.append(base64.b64decode(signature, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not found:
        raise SignatureInvalid("webhook-signature has no well-formed v1 signature", reason="malformed_signature_header")
    return found


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    msg_id, timestamp_text, signature_header = _headers(headers)
    timestamp = parse_int(timestamp_text, "webhook-timestamp")
    check_timestamp(timestamp, now=now, tolerance=tolerance)
    signatures = _signatures(signature_header)
    signed = f"{msg_id}.{timestamp}.".encode() + body
    keys = keys_from_secrets(secrets, secret_key, "standard webhooks")
    expected = (hmac.new(key, signed, hashlib.sha256).digest() for key in keys)
    if not any_signature_matches(expected, signatures):
        raise SignatureInvalid("no webhook-signature v1 matches the signing secret")


def signer(prefix: str):
    def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
        msg_id = "msg_" + hashlib.sha256(body).hexdigest()[:27]  # stable per body, like a redelivery
        digest = hmac.new(secret_key(secret), f"{msg_id}.{now}.".encode() + body, hashlib.sha256).digest()
        return {
            f"{prefix}-id": msg_id,
            f"{prefix}-timestamp": str(now),
            f"{prefix}-signature": "v1," + base64.b64encode(digest).decode(),
        }

    return sign


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    msg_id, timestamp_text = _headers(headers, ("id", "timestamp"))
    event_type = payload.get("type")
    # The payload's `timestamp` is when it happened: milliseconds from Clerk, ISO 8601 in the
    # Standard Webhooks spec, seconds from others. The header (whole seconds) is when it was sent.
    time = event_time(payload.get("timestamp"))
    if time is None:
        time = parse_int(timestamp_text, "webhook-timestamp")
    return [
        ProviderEvent(id=msg_id, type=event_type if isinstance(event_type, str) else "", time=time, payload=payload)
    ]


# Clerk, checked against https://clerk.com/docs/webhooks/sync-data and the webhook types of
# @clerk/backend (``UserJSON``, ``UserDeletedJSON``, ``SessionWebhookEventJSON``): user.* events
# carry the user as ``data`` (``external_id``, ``public_metadata``, ``private_metadata``,
# ``unsafe_metadata``); ``user.deleted`` carries ``id`` and ``external_id``; session.* events
# carry ``data.user_id`` and, since @clerk/backend 2.23, the user as ``data.user``, and
# ``data.actor`` when an admin impersonates the user. Clerk sends no previous values on
# ``user.updated``.
CLERK_PRESET = [
    {
        # registerUser only with a backend-controlled hwid (public/private metadata): Clerk lets
        # the browser write unsafe_metadata, so an hwid there could point at someone else's device.
        "name": "clerk-user-created",
        "match": "user.created",
        "register_user": {},
    },
    {"name": "clerk-user-created-signup", "match": "user.created", "post_event": {"event": "SignUp", "attributes": {"provider": "clerk"}}},
    {
        # Clerk sends no previous values: the backend writing a new hwid into public/private
        # metadata is the update that matters; re-sending an unchanged pair is harmless.
        "name": "clerk-user-updated-register",
        "match": "user.updated",
        "register_user": {},
    },
    {"name": "clerk-user-deleted", "match": "user.deleted", "delete_user": {}},
    {
        # A session an admin opened by impersonating the user is not the user signing in.
        "name": "clerk-session-created",
        "match": "session.created",
        "when": {"path": "!(data.actor)"},
        "post_event": {"event": "Login", "attributes": {"provider": "clerk"}},
    },
]  # fmt: skip

STANDARD_WEBHOOKS = Provider(
    name="standard-webhooks",
    verify=verify,
    parse=parse,
    sign=signer("webhook"),
    docs="https://www.standardwebhooks.com/",
)
SVIX = Provider(
    name="svix",
    verify=verify,
    parse=parse,
    sign=signer("svix"),
    docs="https://docs.svix.com/receiving/verifying-payloads/how",
)
CLERK = Provider(
    name="clerk",
    verify=verify,
    parse=parse,
    sign=signer("svix"),
    preset=CLERK_PRESET,
    # The app's own id (external_id) where the event carries it, else Clerk's: user.* events
    # carry the user as `data`, session.* events as `data.user` (and `data.user_id`).
    user_id="data.user.external_id || data.external_id || data.user_id || data.id",
    # Backend-only metadata; never unsafe_metadata (the end user can write it). Only user.*
    # events carry it at `data`: a sign-in is sent without an hwid rather than with a stored one.
    hwid="data.public_metadata.pushwoosh_hwid || data.private_metadata.pushwoosh_hwid",
    docs="https://clerk.com/docs/webhooks/sync-data",
)
# No Supabase preset: Auth Hooks are synchronous steps of Supabase's own flows, not
# notifications. `before-user-created` runs before the user exists (the insert can still fail)
# and expects 200/204 or an error object; the password/MFA verification hooks expect a
# `decision` answer, and a slow or failing endpoint blocks the sign-in itself. None of them
# says "signed up", "signed in" or "deleted" after the fact. Write rules for a hook you send.
SUPABASE = Provider(
    name="supabase",
    verify=verify,
    parse=parse,
    sign=signer("webhook"),
    # Auth Hooks have no `type`; their name is in `metadata.name` (e.g. before-user-created).
    event_type="type || metadata.name",
    user_id="user.id || record.id",
    # app_metadata only: the end user writes user_metadata (signUp options.data, updateUser).
    hwid="user.app_metadata.pushwoosh_hwid || record.raw_app_meta_data.pushwoosh_hwid",
    docs="https://supabase.com/docs/guides/auth/auth-hooks",
)
