"""Rules x verified event -> commands (one Pushwoosh call each)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pushbridge.config.loader import Source
from pushbridge.config.schema import DeleteUserSpec, Expr, PostEventSpec, RegisterUserSpec, Rule
from pushbridge.domain.values import Sanitiser
from pushbridge.models.command import Command, DeleteUser, Origin, PostEvent, RegisterUser, command_id
from pushbridge.models.event import ProviderEvent

# Unix seconds this large are really milliseconds (Clerk, Auth0 and JavaScript clocks).
_MILLISECONDS_THRESHOLD = 100_000_000_000


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


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def map_event(source: Source, event: ProviderEvent, *, received_at: float) -> MappingResult:
    """Raises :class:`~pushbridge.domain.values.ValueTooDeep` (400) for a value delivery
    could not carry; lone surrogates are replaced (``sanitised`` counts them)."""
    result = MappingResult()
    sanitiser = Sanitiser()
    for rule_name, rule in source.rules:
        if not rule.matches(event.type):
            continue
        if rule.when is not None and not _truthy(rule.when.resolve(event.payload)):
            continue
        result.matched += 1
        origin = Origin(
            source=source.name, event_id=event.id, event_type=event.type, rule=rule_name, received_at=received_at,
            event_time=event.time if event.time is not None else received_at,
        )  # fmt: skip
        try:
            command = _build(source, rule, event, origin)
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
    before = sanitiser.replaced
    # Depth counts from a mapped value: the command and its attributes object are not the sender's.
    values = sanitiser.clean(command.model_dump(), depth=-2)
    return type(command).model_validate(values) if sanitiser.replaced != before else command


def _build(source: Source, rule: Rule, event: ProviderEvent, origin: Origin) -> Command:
    spec = rule.spec
    payload = event.payload
    application = _text(spec.application.resolve(payload)) if spec.application else source.application
    if not application:
        raise _Skip("no_application")
    user_id = _text(_resolve(spec.user_id or source.user_id, payload))
    if not user_id:
        raise _Skip("no_user_id")
    common: dict[str, Any] = {
        "id": command_id(source.name, event.id, origin.rule),
        "application": application,
        "user_id": user_id,
        "origin": origin,
    }
    if isinstance(spec, DeleteUserSpec):
        return DeleteUser(**common)
    hwid = _text(_resolve(spec.hwid or source.hwid, payload))
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
    name = _text(spec.event.resolve(payload))
    if not name:
        raise _Skip("no_event_name")
    timestamp_utc = _timestamp(_resolve(spec.timestamp_utc, payload)) if spec.timestamp_utc else event.time
    return PostEvent(
        **common,
        event=name,
        attributes=_attributes(spec.attributes, payload),
        hwid=hwid,
        device_type=_integer(_resolve(spec.device_type, payload)),
        timestamp_utc=timestamp_utc,
        timestamp_current=_timestamp(_resolve(spec.timestamp_current, payload)),
    )


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


def _timestamp(value: Any) -> int | None:
    seconds = _integer(value)
    if seconds is not None and abs(seconds) >= _MILLISECONDS_THRESHOLD:
        seconds //= 1000
    return seconds


def _attributes(spec: Mapping[str, Expr] | Expr, payload: Any) -> dict[str, Any]:
    if isinstance(spec, Expr):
        value = spec.resolve(payload)
        return dict(value) if isinstance(value, dict) else {}
    resolved = {name: expr.resolve(payload) for name, expr in spec.items()}
    # A missing field is left out rather than sent as null.
    return {name: value for name, value in resolved.items() if value is not None}
