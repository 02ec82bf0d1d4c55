"""RevenueCat: the Authorization value compared in constant time, TEST ignored, TRANSFER
handled on purpose, every preset event type."""

from __future__ import annotations

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import post_event, requests_for
from tests.support.samples import REVENUECAT_AUTH, payload_bytes

provider = PROVIDERS["revenuecat"]
BODY = payload_bytes("revenuecat", "INITIAL_PURCHASE")


def test_the_configured_authorization_value_is_accepted_and_rotation_works():
    provider.verify(BODY, Headers({"authorization": REVENUECAT_AUTH}), [REVENUECAT_AUTH], tolerance=300, now=0)
    provider.verify(
        BODY, Headers({"Authorization": REVENUECAT_AUTH}), ["Bearer new", REVENUECAT_AUTH], tolerance=300, now=0
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": REVENUECAT_AUTH[:-1] + "X"},
        {"Authorization": "Bearer"},
        {"Authorization": REVENUECAT_AUTH + "X"},
    ],
    ids=["missing", "empty", "same-length-wrong", "prefix-only", "longer"],
)
def test_anything_else_is_rejected(headers):
    with pytest.raises(SignatureInvalid):
        provider.verify(BODY, Headers(headers), [REVENUECAT_AUTH], tolerance=300, now=0)


def test_test_events_are_ignored_on_purpose():
    assert requests_for("revenuecat", "TEST") == []


ATTRIBUTES = {
    "product": "premium_monthly",
    "price": 19.99,
    "currency": "EUR",
    "store": "APP_STORE",
    "environment": "PRODUCTION",
}
EXPECTED = {
    ("revenuecat", kind): [post_event(event, ATTRIBUTES, 1795710540)]
    for kind, event in (
        ("INITIAL_PURCHASE", "InitialPurchase"),
        ("RENEWAL", "Renewal"),
        ("CANCELLATION", "Cancellation"),
        ("UNCANCELLATION", "Uncancellation"),
        ("EXPIRATION", "Expiration"),
        ("BILLING_ISSUE", "BillingIssue"),
        ("PRODUCT_CHANGE", "ProductChange"),
    )
} | {
    ("revenuecat", "NON_RENEWING_PURCHASE"): [post_event("NonRenewingPurchase", {**ATTRIBUTES, "product": "lifetime", "price": 99.99}, 1795710540)],
    ("revenuecat", "SUBSCRIPTION_PAUSED"): [post_event("SubscriptionPaused", {**ATTRIBUTES, "store": "PLAY_STORE"}, 1795710540)],
    ("revenuecat", "TEST"): [],
    # No app_user_id: sent to the user the subscription moved to, naming where it came from.
    ("revenuecat", "TRANSFER"): [post_event("SubscriptionTransferred", {"transferred_from": "$RCAnonymousID:8069238d6049ce87cc529853916d624c",
                                                                       "store": "APP_STORE", "environment": "PRODUCTION"}, 1795710600, hwid=None)],
}  # fmt: skip


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
