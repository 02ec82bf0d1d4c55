"""WorkOS: millisecond timestamps, signatures the official `workos` SDK accepts, presets."""

from __future__ import annotations

import time

import pytest
from workos.webhooks._resource import Webhooks

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import HWID, delete_user, post_event, register_user, requests_for
from tests.support.samples import WORKOS_SECRET, payload_bytes

provider = PROVIDERS["workos"]
BODY = payload_bytes("workos", "user.created")
NOW = 1_795_710_600


def _header(body: bytes = BODY, secret: str = WORKOS_SECRET, now: int = NOW) -> str:
    return provider.sign(body, secret, now=now)["WorkOS-Signature"]


def test_what_the_sdk_accepts_we_accept():
    now = int(time.time())  # the SDK checks against the wall clock: signed here, we verify at the same instant
    header = _header(now=now)
    Webhooks(None).verify_header(event_body=BODY, event_signature=header, secret=WORKOS_SECRET)  # raises if not
    provider.verify(BODY, Headers({"WorkOS-Signature": header}), [WORKOS_SECRET], tolerance=180, now=now)


def test_the_timestamp_is_in_milliseconds():
    assert _header().startswith(f"t={NOW * 1000}, v1=")


@pytest.mark.parametrize(
    "body, header, reason",
    [
        (BODY.replace(b"Jenny", b"Jonny"), _header(), "signature_invalid"),
        (BODY, _header(secret="other"), "signature_invalid"),
        (BODY, _header(now=NOW - 181), "timestamp_outside_tolerance"),
        (BODY, _header(now=NOW + 181), "timestamp_outside_tolerance"),
        (BODY, "garbage", "malformed_signature_header"),
        (BODY, f"t={NOW * 1000}", "malformed_signature_header"),
    ],
    ids=["tampered", "wrong-secret", "stale", "future", "garbage", "no-v1"],
)
def test_rejects(body, header, reason):
    with pytest.raises(SignatureInvalid) as caught:
        provider.verify(body, Headers({"WorkOS-Signature": header}), [WORKOS_SECRET], tolerance=180, now=NOW)
    assert caught.value.reason == reason


WORKOS_USER = "user_01JD2Q5H7ZRJ0W1XK8E3N4M5P6"
EXPECTED = {
    ("workos", "user.created"): [
        register_user(WORKOS_USER),
        post_event("SignUp", {"provider": "workos"}, 1795703460, user=WORKOS_USER, hwid=HWID),
    ],
    ("workos", "user.updated"): [register_user(WORKOS_USER, hwid="3c1f0d9e2b7a48c6a5e4d3c2b1a09f8e")],
    ("workos", "user.deleted"): [delete_user(WORKOS_USER)],
    ("workos", "session.created"): [
        post_event("Login", {"provider": "workos"}, 1795703700, user=WORKOS_USER, hwid=None)
    ],
    # An admin impersonating the user, and a failed password attempt, are not the user's logins.
    ("workos", "session.created.impersonated"): [],
    ("workos", "authentication.password_failed"): [],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
