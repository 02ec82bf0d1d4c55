"""Standard Webhooks (Clerk, Svix, Supabase): the published test vector, signatures made by the
official `standardwebhooks` package, and both header families."""

from __future__ import annotations

import base64

import pytest
import standardwebhooks

from pushbridge.errors import DependencyUnavailable, SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from pushbridge.providers.standard_webhooks import secret_key
from tests.support.samples import CLERK_SECRET, payload_bytes
from tests.support.signing import standard_webhook_headers

verify = PROVIDERS["clerk"].verify

# Published by Standard Webhooks / Svix (and replayed by every official library's tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODY = payload_bytes("clerk", "user.created")
NOW = 1_795_710_600


def _vector_headers(prefix: str = "webhook", signature: str = VECTOR_SIGNATURE) -> Headers:
    return Headers(
        {f"{prefix}-id": VECTOR_ID, f"{prefix}-timestamp": str(VECTOR_TIMESTAMP), f"{prefix}-signature": signature}
    )


@pytest.mark.parametrize("provider", ["standard-webhooks", "svix", "clerk", "supabase"])
@pytest.mark.parametrize("prefix", ["webhook", "svix", "Webhook", "SVIX"])
def test_the_published_vector_verifies_under_every_alias_and_header_family(provider, prefix):
    PROVIDERS[provider].verify(
        VECTOR_BODY, _vector_headers(prefix), [VECTOR_SECRET], tolerance=300, now=VECTOR_TIMESTAMP
    )


@pytest.mark.parametrize(
    "secret",
    [VECTOR_SECRET, "v1," + VECTOR_SECRET, VECTOR_SECRET.removeprefix("whsec_"), " " + VECTOR_SECRET + "\n"],
    ids=["whsec", "supabase-v1-whsec", "bare-base64", "whitespace"],
)
def test_every_form_a_dashboard_shows_the_secret_in_is_accepted(secret):
    verify(VECTOR_BODY, _vector_headers(), [secret], tolerance=300, now=VECTOR_TIMESTAMP)


def test_the_supabase_form_decodes_to_the_same_key():
    assert (
        secret_key("v1," + VECTOR_SECRET)
        == secret_key(VECTOR_SECRET)
        == base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    )


def test_accepts_what_the_official_library_signs_and_agrees_with_its_verifier():
    headers = standard_webhook_headers(BODY, CLERK_SECRET, timestamp=NOW, prefix="webhook")
    verify(BODY, Headers(headers), [CLERK_SECRET], tolerance=300, now=NOW)
    fresh = standard_webhook_headers(BODY, CLERK_SECRET, prefix="webhook")
    assert standardwebhooks.Webhook(CLERK_SECRET).verify(BODY, fresh)["type"] == "user.created"


def test_several_signatures_and_other_versions_are_skipped_not_fatal():
    signature = f"v1a,c29tZXRoaW5n v1,{base64.b64encode(b'x' * 32).decode()} {VECTOR_SIGNATURE} junk"
    verify(VECTOR_BODY, _vector_headers(signature=signature), [VECTOR_SECRET], tolerance=300, now=VECTOR_TIMESTAMP)


def test_any_of_several_secrets_may_match_for_rotation():
    other = "whsec_" + base64.b64encode(b"another key, the new one").decode()
    verify(VECTOR_BODY, _vector_headers(), [other, VECTOR_SECRET], tolerance=300, now=VECTOR_TIMESTAMP)


def test_a_malformed_secret_among_good_ones_does_not_block_rotation():
    verify(VECTOR_BODY, _vector_headers(), ["whsec_%%%", VECTOR_SECRET], tolerance=300, now=VECTOR_TIMESTAMP)


def test_only_malformed_secrets_is_our_fault():
    with pytest.raises(DependencyUnavailable):
        verify(VECTOR_BODY, _vector_headers(), ["whsec_%%%"], tolerance=300, now=VECTOR_TIMESTAMP)


@pytest.mark.parametrize(
    "body, headers, now, reason",
    [
        (VECTOR_BODY + b" ", _vector_headers(), VECTOR_TIMESTAMP, "signature_invalid"),
        (VECTOR_BODY, _vector_headers(signature="v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), VECTOR_TIMESTAMP, "signature_invalid"),
        (VECTOR_BODY, _vector_headers(), VECTOR_TIMESTAMP + 301, "timestamp_outside_tolerance"),
        (VECTOR_BODY, _vector_headers(), VECTOR_TIMESTAMP - 301, "timestamp_outside_tolerance"),
        (VECTOR_BODY, Headers({}), VECTOR_TIMESTAMP, "signature_invalid"),
        (VECTOR_BODY, Headers({"webhook-id": VECTOR_ID, "webhook-signature": VECTOR_SIGNATURE}), VECTOR_TIMESTAMP, "signature_invalid"),
        (VECTOR_BODY, _vector_headers(signature="v1,***"), VECTOR_TIMESTAMP, "malformed_signature_header"),
        (VECTOR_BODY, _vector_headers(signature="g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), VECTOR_TIMESTAMP, "malformed_signature_header"),
        (VECTOR_BODY, Headers({"webhook-id": VECTOR_ID, "webhook-timestamp": "1.5e9", "webhook-signature": VECTOR_SIGNATURE}), VECTOR_TIMESTAMP, "malformed_signature_header"),
    ],
    ids=["tampered", "wrong-signature-same-length", "stale", "future", "no-headers", "no-timestamp",
         "signature-not-base64", "no-version-tag", "timestamp-not-int"],
)  # fmt: skip
def test_rejects(body, headers, now, reason):
    with pytest.raises(SignatureInvalid) as caught:
        verify(body, headers, [VECTOR_SECRET], tolerance=300, now=now)
    assert caught.value.reason == reason


def test_the_tolerance_is_configurable():
    verify(VECTOR_BODY, _vector_headers(), [VECTOR_SECRET], tolerance=900, now=VECTOR_TIMESTAMP + 800)


@pytest.mark.parametrize(
    "provider, prefix", [("clerk", "svix"), ("svix", "svix"), ("supabase", "webhook"), ("standard-webhooks", "webhook")]
)
def test_our_signer_is_accepted_by_the_official_library(provider, prefix):
    import time

    headers = PROVIDERS[provider].sign(BODY, CLERK_SECRET, now=int(time.time()))
    assert set(headers) == {f"{prefix}-id", f"{prefix}-timestamp", f"{prefix}-signature"}
    standard_headers = {k.replace("svix-", "webhook-"): v for k, v in headers.items()}
    assert standardwebhooks.Webhook(CLERK_SECRET).verify(BODY, standard_headers)["type"] == "user.created"
