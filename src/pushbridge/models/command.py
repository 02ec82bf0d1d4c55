"""A command: one Pushwoosh call, with everything it needs and where it came from.

Commands are what travels through SQS, so this module is the message format. It is
versioned (``v``) so that a queue holding older messages survives a deploy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Origin(BaseModel):
    """Where a command came from: enough to find the webhook again, nothing personal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    event_id: str
    event_type: str
    rule: str
    received_at: float  # unix seconds at ingest; delivery lag is measured from here


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
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)


def command_id(source: str, event_id: str, rule: str) -> str:
    """Deterministic: a provider's redelivery of the same event maps to the same id, which
    is both the SQS deduplication id and the idempotency key."""
    return hashlib.sha256(f"{source}\x1f{event_id}\x1f{rule}".encode()).hexdigest()


def parse_command(body: str | bytes) -> Command:
    return COMMAND_ADAPTER.validate_json(body)


# --- the SQS message: one command, or all of one webhook's commands for one message group ------


class Envelope(BaseModel):
    """Several commands of one webhook for the same user, in order: one SQS message, so that
    they land together or not at all (SQS has no transactions across messages)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[2] = 2
    commands: list[Command] = Field(min_length=2)


@dataclass(frozen=True)
class Message:
    body: str
    group_id: str
    dedup_id: str


def messages_for(commands: list[Command]) -> list[Message]:
    """Commands -> SQS messages: one per message group, in order. A lone command travels as
    itself (the format the DLQ and its redrive carry); several as an :class:`Envelope`."""
    groups: dict[str, list[Command]] = {}
    for command in commands:
        groups.setdefault(command.group_id, []).append(command)
    messages = []
    for group_id, grouped in groups.items():
        if len(grouped) == 1:
            messages.append(Message(grouped[0].model_dump_json(), group_id, grouped[0].id))
        else:
            dedup = hashlib.sha256("\x1f".join(c.id for c in grouped).encode()).hexdigest()
            messages.append(Message(Envelope(commands=grouped).model_dump_json(), group_id, dedup))
    return messages


def parse_message(body: str | bytes) -> list[Command]:
    """An SQS message body -> its commands (raises pydantic.ValidationError if malformed)."""
    text = body.decode() if isinstance(body, bytes) else body
    if '"commands"' in text:
        return list(Envelope.model_validate_json(text).commands)
    return [parse_command(text)]


def user_ref(user_id: str) -> str:
    """A short, stable stand-in for a user id in logs: user ids are often e-mail addresses,
    and logs must not carry personal data."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]
