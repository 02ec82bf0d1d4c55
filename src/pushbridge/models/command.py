"""A command: one Pushwoosh call, with everything it needs and where it came from.

Commands are what travels through SQS, so this module is the message format. It is
versioned (``v``) so that a queue holding older messages survives a deploy.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pushbridge.errors import PayloadTooLarge

# SQS's message size limit (256 KiB, body plus attributes, and the same for a whole
# SendMessageBatch). A command queue message keeps room for the attributes a parking adds
# in the DLQ (reason, status, detail), so that what was queued can always be parked.
SQS_MAX_BYTES = 256 * 1024
MAX_MESSAGE_BYTES = SQS_MAX_BYTES - 4 * 1024

# Plain frozen dataclasses, not pydantic models: the delivery function needs pydantic for nothing
# else, and pydantic was the largest part of its cold start over the baseline (issue 12). The
# wire format is what pydantic's ``model_dump_json()`` wrote, byte for byte (fields in declared
# order, None included, compact), and ``parse_message`` accepts what its lax JSON mode accepted
# (tests/unit/test_command_format.py checks both against the pydantic models they replace).


class MalformedMessage(ValueError):
    """A queue message that is not a pushbridge message: one error per bad field."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "; ".join(errors[:5]) + ("; ..." if len(errors) > 5 else "")
        super().__init__(f"{len(errors)} validation error(s): {shown}")

    def error_count(self) -> int:
        return len(self.errors)


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where a command came from: enough to find the webhook again, nothing personal."""

    source: str
    event_id: str
    event_type: str
    rule: str
    received_at: float  # unix seconds at ingest; delivery lag is measured from here
    # The provider's time of the event (unix seconds), else received_at: what the GDPR fence
    # compares. Optional so that messages queued before it existed still parse.
    event_time: float | None = None

    def __post_init__(self) -> None:
        # Floats on the wire ("1700000000.0"), as pydantic stored an int given for a float.
        if type(self.received_at) is not float:
            object.__setattr__(self, "received_at", _to_float(self.received_at))
        if self.event_time is not None and type(self.event_time) is not float:
            object.__setattr__(self, "event_time", _to_float(self.event_time))

    @property
    def time(self) -> float:
        return self.event_time if self.event_time is not None else self.received_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "event_id": self.event_id, "event_type": self.event_type, "rule": self.rule,
            "received_at": self.received_at, "event_time": self.event_time,
        }  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class _CommandBase:
    v: Literal[1] = 1
    id: str
    application: str
    user_id: str
    origin: Origin

    _FIELDS: ClassVar[tuple[str, ...]] = ()  # set below, with the parser's _SPEC
    _SPEC: ClassVar[dict[str, tuple[Any, bool]]] = {}

    @property
    def group_id(self) -> str:
        """SQS message group: one per Pushwoosh application and user, so that a user's
        commands stay in order while different users deliver in parallel. Hashed because
        group ids are limited to 128 characters and show in the console (user ids may be
        e-mail addresses)."""
        return hashlib.sha256(f"{self.application}\x1f{self.user_id}".encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The command as JSON values, fields in declared order (what the queue carries)."""
        values = {name: getattr(self, name) for name in self._FIELDS}
        values["origin"] = self.origin.to_dict()
        if "attributes" in values:
            values["attributes"] = dict(values["attributes"])
        return values

    def to_json(self) -> str:
        return _dumps(self.to_dict())


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterUser(_CommandBase):
    method: Literal["register_user"] = "register_user"
    hwid: str
    tz_offset: int | None = None
    device_type: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteUser(_CommandBase):
    method: Literal["delete_user"] = "delete_user"


@dataclass(frozen=True, slots=True, kw_only=True)
class PostEvent(_CommandBase):
    method: Literal["post_event"] = "post_event"
    event: str
    attributes: dict[str, Any] = field(default_factory=dict)
    hwid: str | None = None
    device_type: int | None = None
    timestamp_utc: int | None = None
    timestamp_current: int | None = None


Command = RegisterUser | DeleteUser | PostEvent


def command_id(source: str, event_id: str, rule: str) -> str:
    """Deterministic: a provider's redelivery of the same event maps to the same id, which
    is both the SQS deduplication id and the idempotency key. ``surrogatepass``: an event id
    with a lone surrogate still has an id (identical to ``encode()`` for every other text)."""
    return hashlib.sha256(f"{source}\x1f{event_id}\x1f{rule}".encode("utf-8", "surrogatepass")).hexdigest()


# --- the SQS message: all of one webhook's commands for one message group ------------------
#
# Its shape says what it holds, never its text: every message written now is a v3 envelope
# ``{"v": 3, "commands": [...]}``, even for one command. Messages already in a queue (or DLQ)
# at upgrade still parse: v1 was a lone command (``{"v": 1, "method": ...}``), v2 an envelope
# of two or more. The version decides the model; nothing looks for words in the body.


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvelopeV2:
    """Written before v3 for two or more commands; read only."""

    v: Literal[2] = 2
    commands: list[Command]


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """One webhook's commands for the same user, in order: one SQS message, so that they land
    together or not at all (SQS has no transactions across messages)."""

    v: Literal[3] = 3
    commands: list[Command]

    def to_json(self) -> str:
        return _dumps({"v": self.v, "commands": [c.to_dict() for c in self.commands]})


@dataclass(frozen=True)
class Message:
    body: str
    group_id: str
    dedup_id: str


class MessageTooLarge(PayloadTooLarge):
    """A webhook's commands for one user do not fit one SQS message: they must land together,
    so they are refused whole (413), never split and never mistaken for an SQS outage."""

    reason = "commands_too_large"


def messages_for(commands: list[Command], *, max_bytes: int = MAX_MESSAGE_BYTES) -> list[Message]:
    """Commands -> SQS messages: one v3 envelope per message group, in order. Raises
    :class:`MessageTooLarge` before anything is sent when one would exceed ``max_bytes``."""
    groups: dict[str, list[Command]] = {}
    for command in commands:
        groups.setdefault(command.group_id, []).append(command)
    messages = []
    for group_id, grouped in groups.items():
        body = Envelope(commands=grouped).to_json()
        size = len(body.encode())
        if size > max_bytes:
            raise MessageTooLarge(
                f"the {len(grouped)} command(s) of this webhook for one user take {size} bytes; "
                f"a queue message holds at most {max_bytes}"
            )
        dedup = (
            grouped[0].id
            if len(grouped) == 1
            else hashlib.sha256("\x1f".join(c.id for c in grouped).encode()).hexdigest()
        )
        messages.append(Message(body, group_id, dedup))
    return messages


def user_ref(user_id: str) -> str:
    """A short, stable stand-in for a user id in logs: user ids are often e-mail addresses,
    and logs must not carry personal data."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


# --- the wire format: serialising and the strict parser -------------------------------------


def parse_message(body: str | bytes) -> list[Command]:
    """An SQS message body (v1, v2 or v3) -> its commands (raises :class:`MalformedMessage`
    if malformed: never anything else, whatever the body)."""
    if not isinstance(body, str):
        try:
            body = bytes(body).decode()
        except (TypeError, ValueError):
            raise MalformedMessage(["json_invalid: not UTF-8 text"]) from None
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedMessage(["json_invalid"]) from None
    # What pydantic's JSON parser refused and Python's accepts: lone surrogates, deep nesting.
    if ("\\u" in body and _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(raw)) or (
        body.count("[") + body.count("{") > _MAX_DEPTH and _depth_over(raw, _MAX_DEPTH)
    ):
        raise MalformedMessage(["json_invalid"])
    errors: list[str] = []
    commands = _message(raw, errors)
    if errors:
        raise MalformedMessage(errors)
    return commands


def command_from_dict(values: dict[str, Any]) -> Command:
    """A command's ``to_dict()`` (possibly edited) -> the command, checked as the queue's are."""
    errors: list[str] = []
    command = _command(values, "", errors)
    if errors or command is None:
        raise MalformedMessage(errors or ["not a command"])
    return command


_MAX_DEPTH = 201  # nesting pydantic's JSON parser (jiter) accepted; deeper was json_invalid
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_REQUIRED: Any = object()


class _Bad(Exception):
    pass


def _message(raw: Any, errors: list[str]) -> list[Command]:
    version = raw.get("v", 1) if isinstance(raw, dict) else None
    # bool is an int in Python; JSON true is not a version
    if type(version) is not int or version not in (1, 2, 3):
        errors.append("v: not a pushbridge message (v must be 1, 2 or 3)")
        return []
    if version == 1:
        command = _command(raw, "", errors)
        return [command] if command is not None else []
    errors.extend(f"{key}: extra_forbidden" for key in raw if key not in ("v", "commands"))
    items = raw.get("commands", _REQUIRED)
    if items is _REQUIRED:
        errors.append("commands: missing")
        return []
    if not isinstance(items, list):
        errors.append("commands: list_type")
        return []
    before = len(errors)
    commands = [_command(item, f"commands.{n}.", errors) for n, item in enumerate(items)]
    if len(errors) == before and len(items) < (2 if version == 2 else 1):
        errors.append(f"commands: too_short (a v{version} message holds at least {2 if version == 2 else 1})")
    return [c for c in commands if c is not None]


def _command(raw: Any, loc: str, errors: list[str]) -> Command | None:
    if not isinstance(raw, dict):
        errors.append(f"{loc.rstrip('.') or 'command'}: dict_type")
        return None
    method = raw.get("method", _REQUIRED)
    if method is _REQUIRED:
        errors.append(f"{loc}method: union_tag_not_found")
        return None
    cls = _BY_METHOD.get(method) if isinstance(method, str) else None
    if cls is None:
        errors.append(f"{loc}method: union_tag_invalid")
        return None
    before = len(errors)
    values = _fields(raw, cls._SPEC, loc, errors)
    if "origin" in values:
        origin = values["origin"]
        if isinstance(origin, dict):
            origin_values = _fields(origin, _ORIGIN_SPEC, f"{loc}origin.", errors)
            values["origin"] = Origin(**origin_values) if len(errors) == before else None
        else:
            errors.append(f"{loc}origin: model_type")
    return cls(**values) if len(errors) == before else None


def _fields(raw: dict[str, Any], spec: dict[str, tuple[Any, bool]], loc: str, errors: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (check, required) in spec.items():
        if name in raw:
            try:
                values[name] = check(raw[name])
            except _Bad as bad:
                errors.append(f"{loc}{name}: {bad}")
        elif required:
            errors.append(f"{loc}{name}: missing")
    errors.extend(f"{loc}{key}: extra_forbidden" for key in raw if key not in spec)
    return values


# Field checks: what pydantic's lax JSON mode accepted for each annotation.


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Bad("string_type")


_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0*)?")
_I64 = 2**63


def _int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is bool:
        return int(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise _Bad("finite_number")
        if not value.is_integer():
            raise _Bad("int_from_float")
        if abs(value) >= _I64:
            raise _Bad("int_parsing_size")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and _INT_TEXT.fullmatch(text):
            try:
                return int(text.partition(".")[0])
            except ValueError:  # more digits than Python converts
                pass
        raise _Bad("int_parsing")
    raise _Bad("int_type")


def _float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) in (int, bool):
        return _to_float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii():
            try:
                return float(text)
            except ValueError:
                pass
        raise _Bad("float_parsing")
    raise _Bad("float_type")


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond float's range, as pydantic took it
        return math.inf if value > 0 else -math.inf


def _dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise _Bad("dict_type")


def _v1(value: Any) -> int:
    if type(value) in (int, bool, float) and value == 1:
        return 1
    raise _Bad("literal_error (v must be 1)")


def _optional(check: Any) -> Any:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _same(value: Any) -> Any:
    return value


_CHECKS = {
    "str": _str, "str | None": _optional(_str), "int | None": _optional(_int), "float": _float,
    "float | None": _optional(_float), "dict[str, Any]": _dict, "Literal[1]": _v1, "Origin": _same,
}  # fmt: skip


def _spec(cls: type) -> dict[str, tuple[Any, bool]]:
    from dataclasses import MISSING, fields

    return {
        f.name: (_same if f.name == "method" else _CHECKS[f.type],
                 f.default is MISSING and f.default_factory is MISSING)
        for f in fields(cls)
    }  # fmt: skip


_ORIGIN_SPEC = _spec(Origin)
for _cls in (RegisterUser, DeleteUser, PostEvent):
    _cls._SPEC = _spec(_cls)
    _cls._FIELDS = tuple(_cls._SPEC)
_BY_METHOD: dict[str, Any] = {"register_user": RegisterUser, "delete_user": DeleteUser, "post_event": PostEvent}


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _depth_over(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _dumps(values: dict[str, Any]) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    # Python writes 1e-05, 1e-07 and NaN where pydantic wrote 0.00001, 1e-7 and null: rare
    # floats (in attributes, in practice), so the fast encoder first and this only if one may be there.
    if "e-0" in text or "NaN" in text or "Infinity" in text:
        text = _encode(values)
    return text


def _encode(value: Any) -> str:
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encode(_key(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _key(key: Any) -> str:
    return key if isinstance(key, str) else json.dumps(key)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return "null"
    text = repr(value)
    mantissa, _, exponent = text.partition("e-0")
    if not exponent:
        return text
    if exponent == "5":  # pydantic wrote these in full: 1.5e-05 -> 0.000015
        sign, digits = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
        return f"{sign}0.0000{digits.replace('.', '')}"
    return f"{mantissa}e-{exponent}"
