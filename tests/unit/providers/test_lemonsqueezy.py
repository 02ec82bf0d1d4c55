"""Lemon Squeezy: X-Signature as documented, a stable derived event id, presets."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.samples import LEMONSQUEEZY_SECRET, payload, payload_bytes

provider = PROVIDERS["lemonsqueezy"]
BODY = payload_bytes("lemonsqueezy", "order_created")


def _documented_signature(body: bytes, secret: str) -> str:
    # The check from Lemon Squeezy's "Signing requests" page, verbatim in Python.
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_accepts_the_documented_signature_in_any_case():
    signature = _documented_signature(BODY, LEMONSQUEEZY_SECRET)
    for value in (signature, signature.upper()):
        provider.verify(BODY, Headers({"X-Signature": value}), [LEMONSQUEEZY_SECRET], tolerance=300, now=0)


@pytest.mark.parametrize(
    "body, headers",
    [
        (BODY + b" ", {"X-Signature": _documented_signature(BODY, LEMONSQUEEZY_SECRET)}),
        (BODY, {"X-Signature": _documented_signature(BODY, "rotated-out")}),
        (BODY, {}),
        (BODY, {"X-Signature": "zz"}),
    ],
    ids=["tampered", "rotated-out-secret", "missing", "garbage"],
)
def test_rejects(body, headers):
    with pytest.raises(SignatureInvalid):
        provider.verify(body, Headers(headers), [LEMONSQUEEZY_SECRET], tolerance=300, now=0)


def test_the_derived_event_id_is_stable_across_redeliveries_and_differs_between_events():
    [first] = provider.parse(BODY, Headers())
    [again] = provider.parse(json.dumps(payload("lemonsqueezy", "order_created"), indent=4).encode(), Headers())
    assert first.id == again.id  # the same event, re-serialised
    changed = payload("lemonsqueezy", "subscription_updated")
    [updated] = provider.parse(json.dumps(changed).encode(), Headers())
    changed["data"]["attributes"]["updated_at"] = "2026-11-26T16:00:00.000000Z"
    [updated_again] = provider.parse(json.dumps(changed).encode(), Headers())
    assert len({first.id, updated.id, updated_again.id}) == 3
