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
PADDLE_SECRET = "pdl_ntfset_01test_SECRET_9f8e7d6c5b4a"
REVENUECAT_AUTH = "Bearer rc-SECRET-3e2d1c0b"
AUTH0_AUTH = "Bearer auth0-SECRET-7a6b5c4d"
OKTA_AUTH = "okta-SECRET-1a2b3c4d"
WORKOS_SECRET = "workos-SECRET-5e6f7a8b"
LEMONSQUEEZY_SECRET = "ls-SECRET-9c8d7e6f"
BACKEND_SECRET = "backend-SECRET-0f1e2d3c"
SIGNING_SECRETS = {
    "stripe": STRIPE_SECRET,
    "clerk": CLERK_SECRET,
    "paddle": PADDLE_SECRET,
    "revenuecat": REVENUECAT_AUTH,
    "auth0": AUTH0_AUTH,
    "okta": OKTA_AUTH,
    "workos": WORKOS_SECRET,
    "lemonsqueezy": LEMONSQUEEZY_SECRET,
    "backend": BACKEND_SECRET,
}


def payload_bytes(provider: str, event_type: str) -> bytes:
    return (PAYLOADS / provider / f"{event_type}.json").read_bytes()


def payload(provider: str, event_type: str) -> dict[str, Any]:
    return json.loads(payload_bytes(provider, event_type))
