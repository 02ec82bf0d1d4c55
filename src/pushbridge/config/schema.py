"""Schema of the sources-and-rules file (``pushbridge.yaml``), validated by pydantic.

Every field that ends up in a Pushwoosh call is a *value*: either a literal
(``event: InvoicePaid``) or a JMESPath expression over the provider's payload
(``user_id: {path: data.object.metadata.user_id}``). Expressions are compiled here, at
cold start, so that a typo fails the deploy's first invocation loudly rather than a
webhook at 3 a.m.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from jmespath.exceptions import JMESPathError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)

from pushbridge.config.paths import compile_path

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


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


def _to_expr(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, dict):
        if set(value) != {"path"} or not isinstance(value["path"], str):
            raise ValueError("expected a literal or {path: <JMESPath expression>}")
        return Expr.of_path(value["path"])
    if value is None or isinstance(value, (str, int, float, bool)):
        return Expr(literal=value)
    raise ValueError("expected a literal or {path: <JMESPath expression>}")


Value = Annotated[Expr, PlainValidator(_to_expr), PlainSerializer(lambda e: e.describe())]


def _path_only(expr: Expr | None, what: str) -> Expr | None:
    if expr is not None and expr.path is None:
        raise ValueError(f"{what} must be {{path: <JMESPath expression>}}")
    return expr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterUserSpec(_Strict):
    """``/json/1.3/registerUser``: ties a user id to a device. Needs a hwid."""

    user_id: Value | None = None
    hwid: Value | None = None
    stored_hwid: Value | None = None
    tz_offset: Value | None = None
    device_type: Value | None = None
    application: Value | None = None

    @field_validator("stored_hwid")
    @classmethod
    def _stored_is_a_path(cls, value: Expr | None) -> Expr | None:
        return _path_only(value, "stored_hwid")


class DeleteUserSpec(_Strict):
    """``/api/v2/device-api/deleteUser``: deletes the user and all their devices (GDPR)."""

    user_id: Value | None = None
    application: Value | None = None


class PostEventSpec(_Strict):
    """``/json/1.3/postEvent``: triggers an event (and the Customer Journeys it starts)."""

    event: Value
    # The name this rule's preset sent before the lifecycle vocabulary; a source with
    # `event_names: previous` sends it instead of `event` (see SourceConfig).
    previous_event: str | None = None
    attributes: dict[str, Value] | Value = Field(default_factory=dict)
    user_id: Value | None = None
    hwid: Value | None = None
    stored_hwid: Value | None = None
    device_type: Value | None = None
    timestamp_utc: Value | None = None
    timestamp_current: Value | None = None
    application: Value | None = None

    @field_validator("stored_hwid")
    @classmethod
    def _stored_is_a_path(cls, value: Expr | None) -> Expr | None:
        return _path_only(value, "stored_hwid")

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        # A mapping whose only key is `path` is one expression yielding the whole object.
        if isinstance(value, dict) and set(value) == {"path"}:
            return _path_only(_to_expr(value), "attributes")
        return value


Method = Literal["register_user", "delete_user", "post_event"]


class Rule(_Strict):
    """Matches an event type (exact or glob) and emits one Pushwoosh call."""

    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$",
        description="Stable name; part of the command id, so keep it when you edit a rule.",
    )
    match: list[str] = Field(min_length=1)
    when: Value | None = Field(default=None, description="JMESPath condition that must be truthy")
    register_user: RegisterUserSpec | None = None
    delete_user: DeleteUserSpec | None = None
    post_event: PostEventSpec | None = None

    @field_validator("match", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("when")
    @classmethod
    def _when_is_a_path(cls, value: Expr | None) -> Expr | None:
        return _path_only(value, "when")

    @model_validator(mode="after")
    def _exactly_one_call(self) -> Rule:
        given = [m for m in ("register_user", "delete_user", "post_event") if getattr(self, m) is not None]
        if len(given) != 1:
            raise ValueError(
                "a rule emits exactly one of register_user, delete_user, post_event"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def method(self) -> Method:
        for method in ("register_user", "delete_user", "post_event"):
            if getattr(self, method) is not None:
                return method  # type: ignore[return-value]
        raise AssertionError("validated rule without a call")

    @property
    def spec(self) -> RegisterUserSpec | DeleteUserSpec | PostEventSpec:
        return getattr(self, self.method)

    def matches(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in self.match)


EventNames = Literal["lifecycle", "previous"]


class SourceConfig(_Strict):
    """One endpoint, ``POST /webhooks/{name}``, fed by one provider.

    Three options decide what the presets send (README "Configuration", docs/events.md):

    - ``event_names``: ``lifecycle`` (default) sends the shared lifecycle vocabulary
      (SubscriptionStarted, CancellationScheduled, ...: one name, one meaning, whichever
      provider). ``previous`` sends, for each preset rule that renamed its event, the name it
      sent before (the rule's ``post_event.previous_event``), so that upgrading never silently
      renames an event a live journey listens to. Rules without ``previous_event`` (new ones)
      send their lifecycle name either way. Raw provider names: override the rule with
      ``post_event: {event: {path: <the payload's type field>}}``.
    - ``sandbox``: false (default) skips every event whose provider ``environment`` says
      sandbox/test (EventsSkipped{reason=sandbox}, answered 200 ignored); true accepts them.
      Either way every command of a payment provider's event carries the attribute
      ``environment`` (production|sandbox), added by the mapper.
    - ``reuse_stored_hwid``: an hwid stored at checkout and replayed on later events (every
      invoice, for months) may by then belong to a reinstalled or handed-down phone. A rule
      reads such an hwid with ``stored_hwid: {path: ...}`` instead of ``hwid:``; it is used
      only when this option is true. Otherwise the rule is sent with the user id alone (it
      never falls back to the source's or provider's default hwid either). The rule of the
      event that captured the hwid reads it with ``hwid:`` as usual.
    """

    provider: str
    application: str | None = Field(default=None, description="Pushwoosh application code")
    preset: bool = Field(default=True, description="Start from the provider's preset rules")
    tolerance_seconds: int | None = Field(default=None, ge=1, le=3600, description="Default: the provider's")
    user_id: Value | None = Field(default=None, description="Where the user id is, for every rule")
    hwid: Value | None = Field(default=None, description="Where the device hwid is, for every rule")
    event_type: Value | None = Field(default=None, description="Where the event type is, where it varies")
    options: dict[str, Any] = Field(default_factory=dict, description="Provider-specific settings")
    rules: list[Rule] = Field(default_factory=list)
    event_names: EventNames = Field(default="lifecycle", description="lifecycle, or previous: the presets' old names")
    sandbox: bool = Field(default=False, description="Accept sandbox/test payment events")
    reuse_stored_hwid: bool = Field(default=False, description="Use an hwid stored at checkout on later events")


class ConfigFile(_Strict):
    version: Literal[1] = 1
    application: str | None = Field(default=None, description="Default Pushwoosh application code")
    sources: dict[Annotated[str, Field(pattern=SOURCE_NAME_PATTERN)], SourceConfig] = Field(min_length=1)
