"""Okta event hooks: the verification challenge, the auth header, each event its own."""

from __future__ import annotations

import json

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from pushbridge.providers.okta import OktaOptions
from tests.support.presets import delete_user, post_event, requests_for
from tests.support.samples import OKTA_AUTH, payload

provider = PROVIDERS["okta"]


def test_the_challenge_is_echoed_only_with_the_right_auth_header():
    headers = Headers({"Authorization": OKTA_AUTH, "X-Okta-Verification-Challenge": "pmZ3MOQVHnZt6V"})
    assert provider.challenge(headers, [OKTA_AUTH], options=None) == {"verification": "pmZ3MOQVHnZt6V"}
    with pytest.raises(SignatureInvalid):
        provider.challenge(Headers({"X-Okta-Verification-Challenge": "x"}), [OKTA_AUTH], options=None)
    with pytest.raises(SignatureInvalid, match="X-Okta-Verification-Challenge"):
        provider.challenge(Headers({"Authorization": OKTA_AUTH}), [OKTA_AUTH], options=None)


def test_the_auth_header_name_is_configurable():
    options = OktaOptions(auth_header="X-Hook-Secret")
    provider.verify(b"{}", Headers({"x-hook-secret": OKTA_AUTH}), [OKTA_AUTH], tolerance=300, now=0, options=options)
    with pytest.raises(SignatureInvalid):
        provider.verify(
            b"{}", Headers({"Authorization": OKTA_AUTH}), [OKTA_AUTH], tolerance=300, now=0, options=options
        )


def test_each_system_log_event_is_its_own_event():
    envelope = payload("okta", "user.lifecycle.create")
    second = payload("okta", "user.session.start")["data"]["events"][0]
    envelope["data"]["events"].append(second)
    events = provider.parse(json.dumps(envelope).encode(), Headers())
    assert [(e.id, e.type) for e in events] == [
        ("79d63ab6-e1cd-11ea-ae0e-fd3df9c7c1e6", "user.lifecycle.create"),
        ("8a2f1c44-e1cd-11ea-9b1e-5b2f0d7a6e21", "user.session.start"),
    ]


OKTA_USER = "00ub0oNGTSWTBKOLGLNR"  # the target of lifecycle events, not the admin who acted
EXPECTED = {
    ("okta", "user.lifecycle.create"): [
        post_event("SignUp", {"provider": "okta"}, 1795703402, user=OKTA_USER, hwid=None)
    ],
    ("okta", "user.session.start"): [
        post_event("Login", {"provider": "okta", "method": "PASSWORD"}, 1795703402, user=OKTA_USER, hwid=None)
    ],
    ("okta", "user.lifecycle.delete.initiated"): [delete_user(OKTA_USER)],
    # A failed sign-in, and one with an unknown username, are not logins; deactivation is reversible.
    ("okta", "user.session.start.failure"): [],
    ("okta", "user.session.start.unknown_user"): [],
    ("okta", "user.lifecycle.deactivate"): [],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
