"""Webhook signatures made by the providers' own official SDKs, never by our verifier."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import standardwebhooks
import stripe


def stripe_headers(body: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def standard_webhook_headers(
    body: bytes, secret: str, *, msg_id: str | None = None, timestamp: int | None = None, prefix: str = "svix"
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex[:27]}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = standardwebhooks.Webhook(secret).sign(
        msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body.decode()
    )
    return {
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(timestamp),
        f"{prefix}-signature": signature,
        "Content-Type": "application/json",
    }
