"""The schema of the sources-and-rules file (``pushbridge.yaml``) in pydantic: the validator of
record. It reads what config/quick.py is not sure of (quick reads a plainly valid file without
loading pydantic) and names the key of every mistake. Each model turns into the run-time
dataclass of config/model.py (``to_model()``), the same one quick builds."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)

from pushbridge.config import model
from pushbridge.config.model import (
    METHODS,
    RULE_NAME_PATTERN,
    SOURCE_NAME_PATTERN,
    EventNames,
    Expr,
    path_only,
    to_expr,
)

Value = Annotated[Expr, PlainValidator(to_expr), PlainSerializer(lambda e: e.describe())]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Spec(_Strict):
    def to_model(self) -> model.Spec:
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return model.SPECS[self._method](**fields)  # type: ignore[arg-type]


class RegisterUserSpec(_Spec):
    """``/json/1.3/registerUser``: ties a user id to a device. Needs a hwid."""

    _method: ClassVar[str] = "register_user"

    user_id: Value | None = None
    hwid: Value | None = None
    stored_hwid: Value | None = None
    tz_offset: Value | None = None
    device_type: Value | None = None
    application: Value | None = None

    @field_validator("stored_hwid")
    @classmethod
    def _stored_is_a_path(cls, value: Expr | None) -> Expr | None:
        return path_only(value, "stored_hwid")


class DeleteUserSpec(_Spec):
    """``/api/v2/device-api/deleteUser``: deletes the user and all their devices (GDPR)."""

    _method: ClassVar[str] = "delete_user"

    user_id: Value | None = None
    application: Value | None = None


class PostEventSpec(_Spec):
    """``/json/1.3/postEvent``: triggers an event (and the Customer Journeys it starts)."""

    _method: ClassVar[str] = "post_event"

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
        return path_only(value, "stored_hwid")

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        # A mapping whose only key is `path` is one expression yielding the whole object.
        if isinstance(value, dict) and set(value) == {"path"}:
            return path_only(to_expr(value), "attributes")
        return value


class Rule(_Strict):
    """Matches an event type (exact or glob) and emits one Pushwoosh call."""

    name: str | None = Field(
        default=None,
        pattern=RULE_NAME_PATTERN,
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
        return path_only(value, "when")

    @model_validator(mode="after")
    def _exactly_one_call(self) -> Rule:
        given = [m for m in METHODS if getattr(self, m) is not None]
        if len(given) != 1:
            raise ValueError(
                "a rule emits exactly one of register_user, delete_user, post_event"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def to_model(self) -> model.Rule:
        calls = {method: spec.to_model() for method in METHODS if (spec := getattr(self, method)) is not None}
        return model.Rule(match=tuple(self.match), name=self.name, when=self.when, **calls)  # type: ignore[arg-type]


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

    def to_model(self) -> model.SourceSpec:
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return model.SourceSpec(**fields | {"rules": tuple(rule.to_model() for rule in self.rules)})


class ConfigFile(_Strict):
    version: Literal[1] = 1
    application: str | None = Field(default=None, description="Default Pushwoosh application code")
    sources: dict[Annotated[str, Field(pattern=SOURCE_NAME_PATTERN)], SourceConfig] = Field(min_length=1)

    def to_model(self) -> model.FileSpec:
        return model.FileSpec(
            sources={name: source.to_model() for name, source in self.sources.items()}, application=self.application
        )
