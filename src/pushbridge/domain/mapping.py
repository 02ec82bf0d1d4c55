"""Rules x verified event -> commands (one Pushwoosh call each).

Before any rule builds a call, the event as a whole may be skipped on purpose (counted as
EventsSkipped{reason}): a payment provider's sandbox event on a source without `sandbox: true`
(reason ``sandbox``), or an event whose user is a provider's anonymous id (``anonymous_user``)
or a placeholder such as "unknown" (``placeholder_user``). A rule that cannot build its call
(no user id, no hwid for registerUser...) is skipped alone (RulesSkipped{reason}).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pushbridge.config.loader import Source
from pushbridge.config.model import DeleteUserSpec, Expr, PostEventSpec, RegisterUserSpec, Rule
from pushbridge.domain.values import MAX_VALUE_DEPTH, Sanitiser
from pushbridge.models.command import (
    Command,
    DeleteUser,
    Origin,
    PostEvent,
    RegisterUser,
    command_from_dict,
    command_id,
)
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import event_time

# User ids that stand for "nobody in particular", whichever provider sends them (compared
# case-insensitively): Okta's "unknown" for a username it does not know, a client's "null"...
PLACEHOLDER_USERS = frozenset({"unknown", "anonymous", "null", "undefined"})
# Environment texts (lowercased, without separators) that mean test traffic.
_SANDBOX_ENVIRONMENTS = frozenset({"sandbox", "test", "testing", "xcode", "localtesting", "development", "staging"})


@dataclass
class Skipped:
    rule: str
    reason: str  # no_user_id, no_hwid, no_event_name, no_application


@dataclass
class MappingResult:
    commands: list[Command] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    without_hwid: list[str] = field(default_factory=list)  # post_event rules sent with userId only
    matched: int = 0
    sanitised: int = 0  # mapped values whose lone surrogates became U+FFFD
    # Why the whole event was skipped on purpose (sandbox, anonymous_user, placeholder_user).
    event_skipped: str | None = None
    environment: str | None = None  # production|sandbox, for payment providers


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


class _SkipEvent(_Skip):
    """Not this rule only: the event is about nobody we can address."""


def map_event(source: Source, event: ProviderEvent, *, received_at: float) -> MappingResult:
    """Raises :class:`~pushbridge.domain.values.ValueTooDeep` (400) for a value delivery
    could not carry; lone surrogates are replaced (``sanitised`` counts them)."""
    result = MappingResult()
    sanitiser = Sanitiser()
    matched = [
        (name, rule)
        for name, rule in source.rules
        if rule.matches(event.type) and (rule.when is None or _truthy(rule.when.resolve(event.payload)))
    ]
    result.matched = len(matched)
    if not matched:
        return result
    if source.environment is not None:
        result.environment = environment_of(source.environment.resolve(event.payload))
        if result.environment == "sandbox" and not source.sandbox:
            result.event_skipped = "sandbox"
            return result
    for rule_name, rule in matched:
        origin = Origin(
            source=source.name, event_id=event.id, event_type=event.type, rule=rule_name, received_at=received_at,
            event_time=event.time if event.time is not None else received_at,
        )  # fmt: skip
        try:
            command = _build(source, rule, event, origin, result.environment)
        except _SkipEvent as skip:
            return MappingResult(matched=result.matched, event_skipped=skip.reason, environment=result.environment)
        except _Skip as skip:
            result.skipped.append(Skipped(rule=rule_name, reason=skip.reason))
            continue
        command = _checked(command, sanitiser)
        if isinstance(command, PostEvent) and command.hwid is None:
            result.without_hwid.append(rule_name)
        result.commands.append(command)
    result.sanitised = sanitiser.replaced
    return result


def _checked(command: Command, sanitiser: Sanitiser) -> Command:
    values = command.to_dict()
    if plainly_carried(values):
        return command
    before = sanitiser.replaced
    # Depth counts from a mapped value: the command and its attributes object are not the sender's.
    values = sanitiser.clean(values, depth=-2)
    return command_from_dict(values) if sanitiser.replaced != before else command


def plainly_carried(values: dict[str, Any]) -> bool:
    """True where the sanitiser's walk would change nothing and refuse nothing, found from the
    command's JSON (C code) instead of walking every value: no surrogate anywhere (UTF-8 cannot
    encode one) and too few brackets, even counting those inside texts, to nest deeper than the
    walk allows. False only means "walk it"."""
    try:
        text = json.dumps(values, ensure_ascii=False)
        text.encode("utf-8")
    # UnicodeEncodeError is a ValueError; RecursionError: nested deeper than the encoder's stack,
    # which the walk refuses (400).
    except (TypeError, ValueError, RecursionError):
        return False
    return text.count("{") + text.count("[") <= MAX_VALUE_DEPTH


def environment_of(value: Any) -> str:
    """A provider's environment -> production|sandbox. `true` is a test flag (Lemon Squeezy's
    test_mode, a Play purchase's testPurchase != null); text names the environment."""
    if value is True:
        return "sandbox"
    if isinstance(value, str):
        text = value.strip().lower().replace("_", "").replace("-", "").replace(" ", "")
        if text in _SANDBOX_ENVIRONMENTS:
            return "sandbox"
    return "production"


def _build(source: Source, rule: Rule, event: ProviderEvent, origin: Origin, environment: str | None) -> Command:
    spec = rule.spec
    payload = event.payload
    application = _text(spec.application.resolve(payload)) if spec.application else source.application
    if not application:
        raise _Skip("no_application")
    user_id = _text(_resolve(spec.user_id or source.user_id, payload))
    if not user_id:
        raise _Skip("no_user_id")
    if user_id.lower() in PLACEHOLDER_USERS:
        raise _SkipEvent("placeholder_user")
    if any(user_id.startswith(prefix) for prefix in source.provider.anonymous_user):
        raise _SkipEvent("anonymous_user")
    common: dict[str, Any] = {
        "id": command_id(source.name, event.id, origin.rule),
        "application": application,
        "user_id": user_id,
        "origin": origin,
    }
    if isinstance(spec, DeleteUserSpec):
        return DeleteUser(**common)
    hwid = _text(_hwid(source, spec, payload))
    if isinstance(spec, RegisterUserSpec):
        if not hwid:
            raise _Skip("no_hwid")  # registerUser ties a user to a device: nothing to tie
        return RegisterUser(
            **common,
            hwid=hwid,
            tz_offset=_integer(_resolve(spec.tz_offset, payload)),
            device_type=_integer(_resolve(spec.device_type, payload)),
        )
    assert isinstance(spec, PostEventSpec)
    if source.event_names == "previous" and spec.previous_event:
        name: str | None = spec.previous_event
    else:
        name = _text(spec.event.resolve(payload))
    if not name:
        raise _Skip("no_event_name")
    attributes = _attributes(spec.attributes, payload)
    if environment is not None:
        attributes["environment"] = environment
    return PostEvent(
        **common,
        event=name,
        attributes=attributes,
        hwid=hwid,
        device_type=_integer(_resolve(spec.device_type, payload)),
        timestamp_utc=_event_timestamp(spec, event, origin.received_at),
        timestamp_current=event_time(_resolve(spec.timestamp_current, payload)),
    )


def _hwid(source: Source, spec: RegisterUserSpec | PostEventSpec, payload: Any) -> Any:
    """The rule's own hwid; else its stored (checkout-captured) hwid, only where the source
    opted in to reusing it; else the source's default. A rule that names a stored hwid never
    falls back to the default: the default path is usually that same stored field."""
    if spec.hwid is not None:
        return spec.hwid.resolve(payload)
    if spec.stored_hwid is not None:
        return spec.stored_hwid.resolve(payload) if source.reuse_stored_hwid else None
    return _resolve(source.hwid, payload)


def _event_timestamp(spec: PostEventSpec, event: ProviderEvent, received_at: float) -> int:
    """The rule's time (seconds, milliseconds or ISO 8601), else the provider's event time,
    else when the webhook was received: Pushwoosh then always knows when it happened."""
    if spec.timestamp_utc is not None:
        seconds = event_time(spec.timestamp_utc.resolve(event.payload))
        if seconds is not None:
            return seconds
    if event.time is not None:
        return event.time
    return int(received_at)


def _resolve(expr: Expr | None, payload: Any) -> Any:
    return expr.resolve(payload) if expr is not None else None


def _truthy(value: Any) -> bool:
    # JMESPath truthiness: false, null, "", [] and {} are false.
    return value not in (None, False, "", [], {})


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _attributes(spec: Mapping[str, Expr] | Expr, payload: Any) -> dict[str, Any]:
    if isinstance(spec, Expr):
        value = spec.resolve(payload)
        return dict(value) if isinstance(value, dict) else {}
    resolved = {name: expr.resolve(payload) for name, expr in spec.items()}
    # A missing field is left out rather than sent as null.
    return {name: value for name, value in resolved.items() if value is not None}
