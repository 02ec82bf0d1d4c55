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


def paddle_headers(body: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Signed with the Paddle SDK's own HMAC (paddle_billing.Notifications.PaddleSignature)."""
    from paddle_billing.Notifications import PaddleSignature

    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = PaddleSignature.calculate_hmac(secret, f"{timestamp}:".encode() + body).hexdigest()
    return {"Paddle-Signature": f"ts={timestamp};h1={digest}", "Content-Type": "application/json"}


class _PaddleRequest:
    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers, self.body = headers, body


def official_verify(source: str, body: bytes, headers: dict[str, str], secret: str) -> bool:
    """Whether the provider's own SDK (or, where none exists, its documented check) accepts
    these headers: what `pushbridge sign` prints must pass the real thing."""
    lower = {k.lower(): v for k, v in headers.items()}
    if source == "stripe":
        stripe.WebhookSignature.verify_header(body.decode(), lower["stripe-signature"], secret)
        return True
    if source in ("clerk", "svix", "supabase"):
        standard = {k.replace("svix-", "webhook-"): v for k, v in lower.items()}
        standardwebhooks.Webhook(secret).verify(body, standard)
        return True
    if source == "paddle":
        from paddle_billing.Notifications import Secret, Verifier

        return bool(
            Verifier().verify(_PaddleRequest({"Paddle-Signature": lower["paddle-signature"]}, body), Secret(secret))
        )
    if source == "workos":
        from workos.webhooks._resource import Webhooks

        Webhooks(None).verify_header(event_body=body, event_signature=lower["workos-signature"], secret=secret)
        return True
    if source == "lemonsqueezy":  # no official SDK: the documented check, verbatim
        import hashlib
        import hmac

        return hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), lower["x-signature"])
    if source in ("revenuecat", "auth0", "okta"):  # a shared header value, by design
        return lower["authorization"] == secret
    if source == "backend":
        import hashlib
        import hmac

        message = f"{lower['x-timestamp']}.".encode() + body
        return hmac.compare_digest(hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(), lower["x-signature"])
    raise AssertionError(f"no official verifier known for {source}")
