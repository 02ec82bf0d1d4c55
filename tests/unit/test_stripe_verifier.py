"""Stripe signatures, made by the official `stripe` SDK and cross-checked against its own
verifier (`stripe.Webhook.construct_event`)."""

from __future__ import annotations

import pytest
import stripe

from pushbridge.errors import DependencyUnavailable, SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.samples import STRIPE_SECRET, payload_bytes
from tests.support.signing import stripe_headers

verify = PROVIDERS["stripe"].verify
BODY = payload_bytes("stripe", "invoice.paid")
NOW = 1_795_710_600


def _verify(body: bytes, header: str | None, secrets=(STRIPE_SECRET,), now: float = NOW) -> None:
    headers = Headers({"Stripe-Signature": header} if header is not None else {})
    verify(body, headers, list(secrets), tolerance=300, now=now)


def _header(body: bytes = BODY, secret: str = STRIPE_SECRET, timestamp: int = NOW) -> str:
    return stripe_headers(body, secret, timestamp=timestamp)["Stripe-Signature"]


def test_accepts_what_the_sdk_signs_and_agrees_with_the_sdk_verifier():
    header = _header()
    _verify(BODY, header)
    # The SDK accepts the same bytes and header (at its own clock, so sign for now).
    fresh = stripe_headers(BODY, STRIPE_SECRET)["Stripe-Signature"]
    assert stripe.Webhook.construct_event(BODY, fresh, STRIPE_SECRET).id == "evt_1QCsM9JqVb3uS0kRinvPaid01"


def test_header_names_are_case_insensitive():
    verify(BODY, Headers({"stripe-signature": _header()}), [STRIPE_SECRET], tolerance=300, now=NOW)


def test_any_of_several_v1_signatures_may_match():
    good = _header().split(",")[1]
    _verify(BODY, f"t={NOW},v1={'0' * 64},{good},v0={'f' * 64}")


def test_any_of_several_secrets_may_match_for_rotation():
    _verify(BODY, _header(secret="whsec_new"), secrets=["whsec_new", STRIPE_SECRET])
    _verify(BODY, _header(), secrets=["whsec_new", STRIPE_SECRET])


@pytest.mark.parametrize(
    "body, header, reason",
    [
        (BODY.replace(b"1999", b"1998"), _header(), "signature_invalid"),
        (BODY, _header(secret="whsec_other"), "signature_invalid"),
        (BODY, _header(timestamp=NOW - 301), "timestamp_outside_tolerance"),
        (BODY, _header(timestamp=NOW + 301), "timestamp_outside_tolerance"),
        (BODY, None, "signature_invalid"),
        (BODY, "", "signature_invalid"),
        (BODY, "garbage", "malformed_signature_header"),
        (BODY, f"t={NOW}", "malformed_signature_header"),
        (BODY, f"t={NOW},t={NOW},v1=00", "malformed_signature_header"),
        (BODY, "t=abc,v1=00", "malformed_signature_header"),
        (BODY, "t=١٢٣,v1=00", "malformed_signature_header"),  # non-ASCII digits
        (BODY, f"t={NOW},v1=\u00e9\u00e9", "signature_invalid"),
    ],
    ids=[
        "tampered",
        "wrong-secret",
        "stale",
        "future",
        "missing",
        "empty",
        "garbage",
        "no-v1",
        "two-t",
        "t-not-int",
        "t-unicode-digits",
        "v1-not-hex",
    ],  # fmt: skip
)
def test_rejects(body, header, reason):
    with pytest.raises(SignatureInvalid) as caught:
        _verify(body, header)
    assert caught.value.reason == reason
    assert caught.value.status == 401


def test_window_edges_are_inclusive_both_ways():
    _verify(BODY, _header(timestamp=NOW - 300))
    _verify(BODY, _header(timestamp=NOW + 300))


def test_a_wrong_signature_of_the_right_length_is_rejected():
    good = _header().split("v1=")[1]
    wrong = ("0" if good[0] != "0" else "1") + good[1:]
    with pytest.raises(SignatureInvalid):
        _verify(BODY, f"t={NOW},v1={wrong}")


def test_no_usable_secret_is_our_fault_not_the_callers():
    with pytest.raises(DependencyUnavailable):
        _verify(BODY, _header(), secrets=[""])


def test_our_signer_matches_the_sdk_exactly():
    # `pushbridge sign` and the sample events rely on it.
    assert PROVIDERS["stripe"].sign(BODY, STRIPE_SECRET, now=NOW) == {"Stripe-Signature": _header()}
