"""Sample requests for the local tools: sign a payload as the source's provider would, or
parse a sample payload into events without a live signature."""

from __future__ import annotations

import json

from pushbridge.config.loader import Source
from pushbridge.domain.ingest import parse_events
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Headers

# Any well-formed secret does to parse a sample: the signature is not checked.
_SAMPLE_SECRET = "whsec_c2FtcGxl"


class CannotSign(ValueError):
    """The provider signs with a private key only it holds (Kinde, Apple, Google)."""


def signed_headers(source: Source, body: bytes, secret: str, *, now: int) -> dict[str, str]:
    if source.provider.sign is None:
        raise CannotSign(
            f"{source.provider.name} signs with its own private key: pushbridge cannot sign for it "
            "(use `pushbridge check --event` to see what a payload maps to)"
        )
    return source.provider.sign(body, secret, now=now, options=source.options)


def parse_sample(source: Source, body: bytes, *, now: int) -> list[ProviderEvent]:
    """Events from a sample payload. Token-based providers' samples are the decoded claims."""
    if source.provider.sign is None:
        return parse_events(source, Headers(), body, verified=json.loads(body))
    return parse_events(source, Headers(signed_headers(source, body, _SAMPLE_SECRET, now=now)), body)
