"""The queue message format as pydantic models: what pushbridge.models.command was until it
became plain dataclasses, kept as the reference the new format is checked against
(tests/unit/test_command_format.py): same JSON out, same messages accepted."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter


class Origin(BaseModel):
    """Where a command came from: enough to find the webhook again, nothing personal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    event_id: str
    event_type: str
    rule: str
    received_at: float  # unix seconds at ingest; delivery lag is measured from here
    # The provider's time of the event (unix seconds), else received_at: what the GDPR fence
    # compares. Optional so that messages queued before it existed still parse.
    event_time: float | None = None

    @property
    def time(self) -> float:
        return self.event_time if self.event_time is not None else self.received_at


class _CommandBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    id: str
    application: str
    user_id: str
    origin: Origin

    @property
    def group_id(self) -> str:
        """SQS message group: one per Pushwoosh application and user, so that a user's
        commands stay in order while different users deliver in parallel. Hashed because
        group ids are limited to 128 characters and show in the console (user ids may be
        e-mail addresses)."""
        return hashlib.sha256(f"{self.application}\x1f{self.user_id}".encode()).hexdigest()


class RegisterUser(_CommandBase):
    method: Literal["register_user"] = "register_user"
    hwid: str
    tz_offset: int | None = None
    device_type: int | None = None


class DeleteUser(_CommandBase):
    method: Literal["delete_user"] = "delete_user"


class PostEvent(_CommandBase):
    method: Literal["post_event"] = "post_event"
    event: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    hwid: str | None = None
    device_type: int | None = None
    timestamp_utc: int | None = None
    timestamp_current: int | None = None


Command = Annotated[RegisterUser | DeleteUser | PostEvent, Field(discriminator="method")]


# --- the SQS message: all of one webhook's commands for one message group ------------------
#
# Its shape says what it holds, never its text: every message written now is a v3 envelope
# ``{"v": 3, "commands": [...]}``, even for one command. Messages already in a queue (or DLQ)
# at upgrade still parse: v1 was a lone command (``{"v": 1, "method": ...}``), v2 an envelope
# of two or more. The version decides the model; nothing looks for words in the body.


class EnvelopeV2(BaseModel):
    """Written before v3 for two or more commands; read only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[2] = 2
    commands: list[Command] = Field(min_length=2)


class Envelope(BaseModel):
    """One webhook's commands for the same user, in order: one SQS message, so that they land
    together or not at all (SQS has no transactions across messages)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[3] = 3
    commands: list[Command] = Field(min_length=1)


def _message_version(value: Any) -> str | None:
    version = value.get("v", 1) if isinstance(value, dict) else getattr(value, "v", None)
    # bool is an int in Python; JSON true is not a version
    return str(version) if type(version) is int and version in (1, 2, 3) else None


MessageBody = Annotated[
    Annotated[Command, Tag("1")] | Annotated[EnvelopeV2, Tag("2")] | Annotated[Envelope, Tag("3")],
    Discriminator(_message_version, custom_error_type="unknown_message_version",
                  custom_error_message="not a pushbridge message (v must be 1, 2 or 3)"),
]  # fmt: skip
MESSAGE_ADAPTER: TypeAdapter[Any] = TypeAdapter(MessageBody)


def parse_message(body: str | bytes) -> list[Command]:
    """An SQS message body (v1, v2 or v3) -> its commands (raises pydantic.ValidationError
    if malformed)."""
    parsed = MESSAGE_ADAPTER.validate_json(body)
    return list(parsed.commands) if isinstance(parsed, (Envelope, EnvelopeV2)) else [parsed]
