"""What the GDPR fence knows of one user of one application."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserMark:
    """Provider event times (unix seconds) of the latest commands that move the fence."""

    deleted_at: float | None = None  # the latest deleteUser sent
    registered_at: float | None = None  # the latest registerUser sent
