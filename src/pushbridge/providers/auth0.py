"""Auth0 log streams (custom webhook).

Sources checked:
- https://auth0.com/docs/customize/log-streams/custom-log-streams : Auth0 POSTs batches of
  log events to your URL with the "Authorization Token" you configured as the Authorization
  header (compared here in constant time); the content format is JSON Lines, JSON Array or
  JSON Object. Each record is ``{"log_id": ..., "data": {...}}``; ``log_id`` is unique.
- https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes : ``ss`` successful
  signup, ``s`` successful login, ``sdu`` successful user deletion, ``du`` deleted user.
  Failed logins have their own codes (``f``, ``fp``, ``fu``, ``fc``, ...): none is a login.
  Silent authentication (``ssa``) and token exchanges (``seacft``, ``sertft``...) renew a
  session the user already has: not logins either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pushbridge.errors import MalformedPayload
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers, Provider, check_authorization, iso_time, parse_json_object


def verify(body: bytes, headers: Headers, secrets: Sequence[str], *, tolerance: int, now: float, options=None) -> None:
    check_authorization(headers, secrets)


def sign(body: bytes, secret: str, *, now: int, options=None) -> dict[str, str]:
    return {"Authorization": secret}


def records(body: bytes) -> list[Any]:
    """A JSON object, a JSON array, or JSON lines (one object a line)."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise MalformedPayload("body is nested too deeply") from None
    except (UnicodeDecodeError, ValueError):
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) < 2:
            raise MalformedPayload("body is not valid JSON") from None
        return [parse_json_object(line) for line in lines]
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise MalformedPayload("body is not a JSON object, array or JSON lines")


def parse(body: bytes, headers: Headers, *, options=None, verified=None) -> list[ProviderEvent]:
    events = []
    for record in records(body):
        data = record.get("data") if isinstance(record, dict) else None
        if not isinstance(data, dict):
            raise MalformedPayload("an Auth0 log record needs a `data` object")
        log_id = record.get("log_id") or data.get("log_id")
        if not isinstance(log_id, str) or not log_id or not isinstance(data.get("type"), str):
            raise MalformedPayload("an Auth0 log record needs `log_id` and `data.type`")
        events.append(ProviderEvent(id=log_id, type=data["type"], time=iso_time(data.get("date")), payload=record))
    if not events:
        raise MalformedPayload("no log records in the body")
    return events


ATTRIBUTES = {"provider": "auth0", "method": {"path": "data.strategy"}, "connection": {"path": "data.connection"}}

PRESET = [
    {
        # Only for a source that opted in with `hwid:` (no default: see PROVIDER.hwid).
        "name": "auth0-signup-register",
        "match": "ss",
        "register_user": {},
    },
    {"name": "auth0-signup", "match": "ss", "post_event": {"event": "SignUp", "attributes": ATTRIBUTES}},
    {"name": "auth0-login", "match": "s", "post_event": {"event": "Login", "attributes": ATTRIBUTES}},
    {"name": "auth0-user-deleted", "match": ["sdu", "du"], "delete_user": {}},
]  # fmt: skip

PROVIDER = Provider(
    name="auth0",
    verify=verify,
    parse=parse,
    sign=sign,
    preset=PRESET,
    user_id="data.user_id",
    # No default hwid: the only one a log record carries is the sign-up's user_metadata, which
    # the browser sends to the public /dbconnections/signup endpoint. A source opts in knowingly
    # with `hwid: {path: data.details.body.user_metadata.pushwoosh_hwid}`.
    hwid=None,
    docs="https://auth0.com/docs/customize/log-streams/custom-log-streams",
)
