"""What a provider's parser hands to the mapper: one verified event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """One event from a provider, after its signature was verified.

    ``id`` is the provider's own event id: stable across the provider's redeliveries, so
    the command ids derived from it are too.
    """

    id: str
    type: str
    time: int | None  # unix seconds, when the provider says when it happened
    payload: Any
