"""RevenueCat: the Authorization value compared in constant time, TEST ignored, TRANSFER
handled on purpose, every preset event type."""

from __future__ import annotations

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import requests_for
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
