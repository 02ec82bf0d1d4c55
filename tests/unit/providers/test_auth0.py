"""Auth0 log streams: one object, an array or JSON lines; each record its own event."""

from __future__ import annotations

import json

import pytest

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from tests.support.presets import delete_user, post_event, requests_for
from tests.support.samples import AUTH0_AUTH, payload

provider = PROVIDERS["auth0"]
RECORDS = [payload("auth0", code) for code in ("ss", "s", "sdu")]


@pytest.mark.parametrize(
    "body",
    [
        b"\n".join(json.dumps(r).encode() for r in RECORDS) + b"\n",
        json.dumps(RECORDS).encode(),
    ],
    ids=["json-lines", "json-array"],
)
def test_a_batch_is_one_event_per_record(body):
    events = provider.parse(body, Headers())
    assert [e.type for e in events] == ["ss", "s", "sdu"]
    assert [e.id for e in events] == [r["log_id"] for r in RECORDS]


def test_a_single_object():
    [event] = provider.parse(json.dumps(RECORDS[1], indent=2).encode(), Headers())
    assert (event.type, event.time) == ("s", 1795703341)


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"log_id": "x"}', b"[]", b"nope\nnope", b'"text"'])
def test_malformed_batches(body):
    with pytest.raises(MalformedPayload):
        provider.parse(body, Headers())


def test_the_authorization_token_is_required():
    provider.verify(b"{}", Headers({"Authorization": AUTH0_AUTH}), [AUTH0_AUTH], tolerance=300, now=0)
    with pytest.raises(SignatureInvalid):
        provider.verify(b"{}", Headers({"Authorization": AUTH0_AUTH.upper()}), [AUTH0_AUTH], tolerance=300, now=0)


USER = "auth0|650c1f2e8a1b2c3d4e5f6a7b"
ATTRIBUTES = {"provider": "auth0", "method": "auth0", "connection": "Username-Password-Authentication"}
SOCIAL = {"provider": "auth0", "method": "google-oauth2", "connection": "google-oauth2"}
EXPECTED = {
    # The sign-up's user_metadata hwid came from the browser: no registerUser, no hwid.
    ("auth0", "ss"): [post_event("SignUp", ATTRIBUTES, 1795703341, user=USER, hwid=None)],
    ("auth0", "s"): [post_event("Login", ATTRIBUTES, 1795703341, user=USER, hwid=None)],
    ("auth0", "s.social"): [
        post_event("Login", SOCIAL, 1795704005, user="google-oauth2|109876543210987654321", hwid=None)
    ],
    ("auth0", "sdu"): [delete_user(USER)],
    ("auth0", "du"): [delete_user(USER)],
    # Failed logins (wrong password, unknown user) and silent authentication are not logins.
    ("auth0", "f"): [],
    ("auth0", "fu"): [],
    ("auth0", "ssa"): [],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]


def test_an_opted_in_source_reads_the_sign_up_hwid(tmp_path):
    from pushbridge.config.loader import parse_config
    from pushbridge.domain.mapping import map_event
    from pushbridge_dev.devtools.samples import parse_sample

    config = parse_config(
        "application: A\nsources:\n  auth0:\n    provider: auth0\n"
        "    hwid: {path: data.details.body.user_metadata.pushwoosh_hwid}\n"
    )
    source = config.sources["auth0"]
    [event] = parse_sample(source, json.dumps(payload("auth0", "ss")).encode(), now=1)
    commands = map_event(source, event, received_at=0).commands
    assert [(c.origin.rule, getattr(c, "hwid", None)) for c in commands] == [
        ("auth0-signup-register", "8f65b16df378e7a6bece9614e1530fb2"),
        ("auth0-signup", "8f65b16df378e7a6bece9614e1530fb2"),
    ]
