"""Sample payloads (events/payloads) and the secrets tests sign them with."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parents[2] / "events" / "payloads"

APPLICATION = "ABCDE-12345"
PUSHWOOSH_TOKEN = "pw-token-SECRET-1f4e9c0b7a2d"
STRIPE_SECRET = "whsec_test_SECRET_b7Xq2Lk9Pz4Rm1Ns8Tv3Wy6"
CLERK_SECRET = "whsec_" + base64.b64encode(b"clerk-SECRET-key-0123456789abcdef").decode()
SIGNING_SECRETS = {"stripe": STRIPE_SECRET, "clerk": CLERK_SECRET}


def payload_bytes(provider: str, event_type: str) -> bytes:
    return (PAYLOADS / provider / f"{event_type}.json").read_bytes()


def payload(provider: str, event_type: str) -> dict[str, Any]:
    return json.loads(payload_bytes(provider, event_type))


def sample_names(provider: str) -> list[str]:
    return sorted(p.stem for p in (PAYLOADS / provider).glob("*.json"))
