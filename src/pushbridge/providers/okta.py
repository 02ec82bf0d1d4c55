"""Okta event hooks.

Sources checked:
- https://developer.okta.com/docs/concepts/event-hooks/ : a one-time verification ``GET``
  carries ``X-Okta-Verification-Challenge``, answered ``{"verification": <value>}``; every
  request carries the authentication header you configured (default name Authorization),
  compared here in constant time. Deliveries are ``POST`` s whose ``data.events[]`` are
  System Log events, each with ``uuid``, ``eventType``, ``published``, ``actor``, ``target``.
- https://developer.okta.com/docs/reference/api/event-types/ : ``user.lifecycle.create``,
  ``user.session.start``, ``user.lifecycle.delete.initiated``.
- https://developer.okta.com/docs/reference/api/system-log/ : ``outcome.result`` is one of
  SUCCESS, FAILURE, SKIPPED, ALLOW, DENY, CHALLENGE, UNKNOWN; a sign-in with an unknown
  username is logged with ``actor`` ``{"id": "unknown", "alternateId": "unknown"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import (
    Headers,
    Provider,
    check_authorization,
    iso_time,
    options_reexport,
    parse_json_object,
)

if TYPE_CHECKING:
    from pushbridge.providers.options import OktaOptions

__getattr__ = options_reexport(__name__, "OktaOptions")


def verify(
    body: bytes,
    headers: Headers,
    secrets: Sequence[str],
    *,
    tolerance: int,
    now: float,
    options: OktaOptions | None = None,
) -> None:
    check_authorization(headers, secrets, (options or PROVIDER.default_options()).auth_header)


def challenge(headers: Headers, secrets: Sequence[str], *, options: OktaOptions | None = None) -> dict[str, Any]:
    check_authorization(headers, secrets, (options or PROVIDER.default_options()).auth_header)
    value = headers.get("X-Okta-Verification-Challenge")
    if not value:
        raise SignatureInvalid("missing X-Okta-Verification-Challenge header")
    return {"verification": value}


def sign(body: bytes, secret: str, *, now: int, options: OktaOptions | None = None) -> dict[str, str]:
    return {(options or PROVIDER.default_options()).auth_header: secret}


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    payload = parse_json_object(body)
    data = payload.get("data")
    entries = data.get("events") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise MalformedPayload("an Okta event hook needs `data.events`")
    events = []
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("uuid"), str)
            or not isinstance(entry.get("eventType"), str)
        ):
            raise MalformedPayload("each Okta event needs `uuid` and `eventType`")
        # Each System Log event is its own event: rules see it, not the envelope.
        events.append(
            ProviderEvent(
                id=entry["uuid"], type=entry["eventType"], time=iso_time(entry.get("published")), payload=entry
            )
        )
    return events


# Okta logs attempts, not only outcomes: a failed, denied or challenged sign-in is a
# `user.session.start` too. Only SUCCESS is a sign-up, a login or a deletion.
SUCCEEDED = {"path": "outcome.result == 'SUCCESS'"}
ATTRIBUTES = {"provider": "okta", "method": {"path": "authenticationContext.credentialType"}}

# `user.lifecycle.deactivate` is not mapped: a deactivated user can be reactivated, and
# deleteUser cannot be undone. Okta deletes a user only after deactivation, with
# `user.lifecycle.delete.initiated`.
PRESET = [
    {"name": "okta-user-created", "match": "user.lifecycle.create", "when": SUCCEEDED, "post_event": {"event": "SignUp", "attributes": {"provider": "okta"}}},
    {"name": "okta-session-start", "match": "user.session.start", "when": SUCCEEDED, "post_event": {"event": "Login", "attributes": ATTRIBUTES}},
    {"name": "okta-user-deleted", "match": "user.lifecycle.delete.initiated", "when": SUCCEEDED, "delete_user": {}},
]  # fmt: skip

PROVIDER = Provider(
    name="okta",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    # The user is the target of lifecycle events and the actor of session events. An unknown
    # username comes as id "unknown": the common placeholder list skips it (EventsSkipped).
    user_id="(target[?type=='User'] | [0].id) || actor.id",
    options="pushbridge.providers.options:OktaOptions",
    challenge=challenge,
    docs="https://developer.okta.com/docs/concepts/event-hooks/",
)
