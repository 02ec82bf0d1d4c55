"""The sources-and-rules file as the functions use it: plain frozen dataclasses, no pydantic.

Two readers build these from the file's data and must agree: ``config/quick.py`` reads a file
that is plainly valid (every deployed file, at every cold start) without importing pydantic,
and ``config/schema.py``, the pydantic schema, reads everything else: it accepts what quick
cannot be sure of and reports each mistake with its key (tests/unit/test_config_quick.py
checks that both give the same result wherever quick answers).

Every field that ends up in a Pushwoosh call is a *value*: either a literal
(``event: InvoicePaid``) or a JMESPath expression over the provider's payload
(``user_id: {path: data.object.metadata.user_id}``). Expressions are compiled when the file is
read, at cold start, so that a typo fails the deploy's first invocation loudly rather than a
webhook at 3 a.m.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from jmespath.exceptions import JMESPathError

from pushbridge.config.paths import compile_path

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
RULE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
METHODS = ("register_user", "delete_user", "post_event")

Method = Literal["register_user", "delete_user", "post_event"]
EventNames = Literal["lifecycle", "previous"]


@dataclass(frozen=True)
class Expr:
    """A literal, or a compiled JMESPath expression over the payload."""

    literal: Any = None
    path: str | None = None
    _compiled: Any = field(default=None, compare=False, repr=False)

    def resolve(self, payload: Any) -> Any:
        if self._compiled is None:
            return self.literal
        return self._compiled(payload)

    def describe(self) -> Any:
        return {"path": self.path} if self.path is not None else self.literal

    @classmethod
    def of_path(cls, path: str) -> Expr:
        try:
            return cls(path=path, _compiled=compile_path(path))
        except JMESPathError as exc:
            raise ValueError(f"invalid JMESPath expression {path!r}: {exc}") from None
        except RecursionError:  # jmespath's parser recurses once per level
            raise ValueError(f"JMESPath expression nested too deeply: {path[:40]!r}...") from None


def to_expr(value: Any) -> Expr:
    """A value as the file writes it -> Expr, or ValueError saying what a value may be."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, dict):
        if set(value) != {"path"} or not isinstance(value["path"], str):
            raise ValueError("expected a literal or {path: <JMESPath expression>}")
        return Expr.of_path(value["path"])
    if value is None or isinstance(value, (str, int, float, bool)):
        return Expr(literal=value)
    raise ValueError("expected a literal or {path: <JMESPath expression>}")


def path_only(expr: Expr | None, what: str) -> Expr | None:
    if expr is not None and expr.path is None:
        raise ValueError(f"{what} must be {{path: <JMESPath expression>}}")
    return expr


@dataclass(frozen=True)
class RegisterUserSpec:
    """``/json/1.3/registerUser``: ties a user id to a device. Needs a hwid."""

    user_id: Expr | None = None
    hwid: Expr | None = None
    stored_hwid: Expr | None = None  # a path
    tz_offset: Expr | None = None
    device_type: Expr | None = None
    application: Expr | None = None


@dataclass(frozen=True)
class DeleteUserSpec:
    """``/api/v2/device-api/deleteUser``: deletes the user and all their devices (GDPR)."""

    user_id: Expr | None = None
    application: Expr | None = None


@dataclass(frozen=True)
class PostEventSpec:
    """``/json/1.3/postEvent``: triggers an event (and the Customer Journeys it starts)."""

    event: Expr
    # The name this rule's preset sent before the lifecycle vocabulary; a source with
    # `event_names: previous` sends it instead of `event` (see SourceSpec).
    previous_event: str | None = None
    # Named values, or one path yielding the whole attributes object.
    attributes: dict[str, Expr] | Expr = field(default_factory=dict)
    user_id: Expr | None = None
    hwid: Expr | None = None
    stored_hwid: Expr | None = None  # a path
    device_type: Expr | None = None
    timestamp_utc: Expr | None = None
    timestamp_current: Expr | None = None
    application: Expr | None = None


Spec = RegisterUserSpec | DeleteUserSpec | PostEventSpec
SPECS: dict[str, type[RegisterUserSpec] | type[DeleteUserSpec] | type[PostEventSpec]] = {
    "register_user": RegisterUserSpec,
    "delete_user": DeleteUserSpec,
    "post_event": PostEventSpec,
}


@dataclass(frozen=True)
class Rule:
    """Matches an event type (exact or glob) and emits one Pushwoosh call: exactly one of
    register_user, delete_user, post_event is set."""

    match: tuple[str, ...]
    # Stable name; part of the command id, so keep it when you edit a rule.
    name: str | None = None
    when: Expr | None = None  # a path: the rule applies where it is truthy
    register_user: RegisterUserSpec | None = None
    delete_user: DeleteUserSpec | None = None
    post_event: PostEventSpec | None = None
    # fnmatchcase of any pattern, as one compiled regex: every rule of a source is tried on
    # every webhook.
    _match: Any = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.match:  # the empty regex would match every event type
            raise ValueError("a rule matches at least one event type")
        either = "|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in self.match)
        object.__setattr__(self, "_match", re.compile(either).match)

    @property
    def method(self) -> Method:
        for method in METHODS:
            if getattr(self, method) is not None:
                return method  # type: ignore[return-value]
        raise AssertionError("validated rule without a call")

    @property
    def spec(self) -> Spec:
        return getattr(self, self.method)

    def matches(self, event_type: str) -> bool:
        return self._match(event_type) is not None


@dataclass(frozen=True)
class SourceSpec:
    """One ``sources:`` entry as written (presets not merged yet: config/loader.py does that).
    The options are described on schema.SourceConfig and in the README."""

    provider: str
    application: str | None = None
    preset: bool = True
    tolerance_seconds: int | None = None  # 1..3600; default: the provider's
    user_id: Expr | None = None
    hwid: Expr | None = None
    event_type: Expr | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the provider's, validated by it
    rules: tuple[Rule, ...] = ()
    event_names: EventNames = "lifecycle"
    sandbox: bool = False
    reuse_stored_hwid: bool = False


@dataclass(frozen=True)
class FileSpec:
    sources: dict[str, SourceSpec]
    application: str | None = None
