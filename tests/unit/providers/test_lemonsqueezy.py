"""Lemon Squeezy: X-Signature as documented, a stable derived event id, presets."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import post_event, requests_for
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


PRODUCT = {"product": "Premium"}
EXPECTED = {
    ("lemonsqueezy", "order_created"): [post_event("PurchaseCompleted", {"status": "paid", **PRODUCT, "variant": 65432, "amount": 1999, "currency": "EUR"}, 1795703531)],
    ("lemonsqueezy", "subscription_created"): [post_event("SubscriptionCreated", {"status": "active", **PRODUCT, "variant": 65433}, 1795703585)],
    ("lemonsqueezy", "subscription_updated"): [post_event("SubscriptionUpdated", {"status": "active", **PRODUCT, "variant": 65433}, 1795704000)],
    ("lemonsqueezy", "subscription_cancelled"): [post_event("SubscriptionCanceled", {"status": "cancelled", **PRODUCT, "variant": 65433}, 1795705260)],
    ("lemonsqueezy", "subscription_payment_success"): [post_event("PaymentSucceeded", {"status": "paid", "amount": 1999, "currency": "EUR"}, 1798295592)],
    ("lemonsqueezy", "subscription_payment_failed"): [post_event("PaymentFailed", {"status": "pending", "amount": 1999, "currency": "EUR"}, 1800973992)],
}  # fmt: skip


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
