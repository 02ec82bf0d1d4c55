"""A command: one Pushwoosh call, with everything it needs and where it came from.

Commands are what travels through SQS, so this module is the message format. It is
versioned (``v``) so that a queue holding older messages survives a deploy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

from pushbridge.errors import PayloadTooLarge

# SQS's message size limit (256 KiB, body plus attributes, and the same for a whole
# SendMessageBatch). A command queue message keeps room for the attributes a parking adds
# in the DLQ (reason, status, detail), so that what was queued can always be parked.
SQS_MAX_BYTES = 256 * 1024
MAX_MESSAGE_BYTES = SQS_MAX_BYTES - 4 * 1024


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
        body = Envelope(commands=grouped).model_dump_json()
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


def parse_message(body: str | bytes) -> list[Command]:
    """An SQS message body (v1, v2 or v3) -> its commands (raises pydantic.ValidationError
    if malformed)."""
    parsed = MESSAGE_ADAPTER.validate_json(body)
    return list(parsed.commands) if isinstance(parsed, (Envelope, EnvelopeV2)) else [parsed]


def user_ref(user_id: str) -> str:
    """A short, stable stand-in for a user id in logs: user ids are often e-mail addresses,
    and logs must not carry personal data."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]
