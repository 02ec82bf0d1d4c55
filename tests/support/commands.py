"""Commands as ingest would queue them, for delivery tests: one user of the test application,
from a Clerk-shaped origin, at a given provider event time."""

from __future__ import annotations

from pushbridge.models.command import DeleteUser, Origin, PostEvent, RegisterUser, command_id
from tests.support.samples import APPLICATION


def origin(event_id: str, event_time: float | None) -> Origin:
    return Origin(
        source="clerk", event_id=event_id, event_type="t", rule="r", received_at=1_000.0, event_time=event_time
    )


def post(event_id: str, at: float | None, user: str = "user_1") -> PostEvent:
    return PostEvent(
        id=command_id("clerk", event_id, "r"), application=APPLICATION, user_id=user,
        origin=origin(event_id, at), event="Login",
    )  # fmt: skip


def delete(event_id: str, at: float, user: str = "user_1") -> DeleteUser:
    return DeleteUser(
        id=command_id("clerk", event_id, "r"), application=APPLICATION, user_id=user, origin=origin(event_id, at)
    )


def register(event_id: str, at: float, user: str = "user_1") -> RegisterUser:
    return RegisterUser(
        id=command_id("clerk", event_id, "r"), application=APPLICATION, user_id=user,
        origin=origin(event_id, at), hwid="hwid-1",
    )  # fmt: skip
