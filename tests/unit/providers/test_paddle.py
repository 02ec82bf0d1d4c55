"""Paddle Billing: the SDK's published vector, signatures the Paddle SDK accepts, presets."""

from __future__ import annotations

import time

import pytest
from paddle_billing.Notifications import Secret, Verifier

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import CONFIG
from tests.support.samples import PADDLE_SECRET, payload_bytes
from tests.support.signing import paddle_headers

verify = PROVIDERS["paddle"].verify

# paddle-python-sdk tests/Unit/Notification/test_Verifier.py: three secrets, the third signs.
VECTOR_HEADER = "ts=1696195954;h1=dummy;h1=d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02"
VECTOR_BODY = b"hello-world"
VECTOR_SECRETS = [
    "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4",
    "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_vB/yIOnTOCWIvpBadM5jzBZPHc7OmdSo",
    "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh",
]
BODY = payload_bytes("paddle", "transaction.completed")


def test_the_sdks_published_vector_verifies_with_rotation_and_a_dummy_h1():
    verify(VECTOR_BODY, Headers({"Paddle-Signature": VECTOR_HEADER}), VECTOR_SECRETS, tolerance=5, now=1696195954)


def test_the_vector_fails_without_the_signing_secret():
    with pytest.raises(SignatureInvalid):
        verify(
            VECTOR_BODY, Headers({"Paddle-Signature": VECTOR_HEADER}), VECTOR_SECRETS[:2], tolerance=5, now=1696195954
        )


def test_signed_by_the_sdk_accepted_and_our_signature_accepted_by_the_sdk():
    now = int(time.time())
    verify(BODY, Headers(paddle_headers(BODY, PADDLE_SECRET, timestamp=now)), [PADDLE_SECRET], tolerance=5, now=now)

    class Request:
        headers = PROVIDERS["paddle"].sign(BODY, PADDLE_SECRET, now=now)
        body = BODY

    assert Verifier().verify(Request(), Secret(PADDLE_SECRET))


def test_the_default_tolerance_is_paddles_five_seconds():
    assert CONFIG.sources["paddle"].tolerance_seconds == 5


@pytest.mark.parametrize(
    "body, header, reason",
    [
        (BODY + b" ", paddle_headers(BODY, PADDLE_SECRET, timestamp=1000)["Paddle-Signature"], "signature_invalid"),
        (BODY, paddle_headers(BODY, "pdl_ntfset_other", timestamp=1000)["Paddle-Signature"], "signature_invalid"),
        (BODY, paddle_headers(BODY, PADDLE_SECRET, timestamp=994)["Paddle-Signature"], "timestamp_outside_tolerance"),
        (BODY, paddle_headers(BODY, PADDLE_SECRET, timestamp=1006)["Paddle-Signature"], "timestamp_outside_tolerance"),
        (BODY, "garbage", "malformed_signature_header"),
        (BODY, "ts=1000", "malformed_signature_header"),
        (BODY, "ts=soon;h1=00", "malformed_signature_header"),
    ],
    ids=["tampered", "wrong-secret", "stale-6s", "future-6s", "garbage", "no-h1", "ts-not-int"],
)
def test_rejects(body, header, reason):
    with pytest.raises(SignatureInvalid) as caught:
        verify(body, Headers({"Paddle-Signature": header}), [PADDLE_SECRET], tolerance=5, now=1000)
    assert caught.value.reason == reason


def test_missing_header():
    with pytest.raises(SignatureInvalid, match="missing Paddle-Signature"):
        verify(BODY, Headers({}), [PADDLE_SECRET], tolerance=5, now=1000)
