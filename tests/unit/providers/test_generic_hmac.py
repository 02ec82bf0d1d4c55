"""Generic HMAC: GitHub's published test vector, every algorithm and encoding, the timestamp
template, and options that fail loudly."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from pushbridge.config.loader import ConfigError, parse_config
from pushbridge.errors import SignatureInvalid
from pushbridge.providers import PROVIDERS
from pushbridge.providers.base import Headers
from pushbridge.providers.generic_hmac import GenericHmacOptions
from tests.support.presets import delete_user, post_event, register_user, requests_for
from tests.support.samples import BACKEND_SECRET, payload_bytes

provider = PROVIDERS["hmac"]

# docs.github.com, "Validating webhook deliveries": the published test values.
GITHUB = GenericHmacOptions(signature_header="X-Hub-Signature-256", prefix="sha256=")
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_published_vector():
    provider.verify(
        GITHUB_BODY,
        Headers({"X-Hub-Signature-256": GITHUB_SIGNATURE}),
        [GITHUB_SECRET],
        tolerance=300,
        now=0,
        options=GITHUB,
    )
    assert provider.sign(GITHUB_BODY, GITHUB_SECRET, now=0, options=GITHUB) == {"X-Hub-Signature-256": GITHUB_SIGNATURE}


def test_githubs_vector_rejected_when_tampered_or_without_prefix():
    for body, signature in (
        (b"Hello, World?", GITHUB_SIGNATURE),
        (GITHUB_BODY, GITHUB_SIGNATURE.removeprefix("sha256=")),
    ):
        with pytest.raises(SignatureInvalid):
            provider.verify(
                body, Headers({"X-Hub-Signature-256": signature}), [GITHUB_SECRET], tolerance=300, now=0, options=GITHUB
            )


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_every_algorithm_and_encoding(algorithm, encoding):
    options = GenericHmacOptions(algorithm=algorithm, encoding=encoding)
    mac = hmac.new(b"k3y", b'{"a":1}', getattr(hashlib, algorithm))
    signature = mac.hexdigest() if encoding == "hex" else base64.b64encode(mac.digest()).decode()
    provider.verify(b'{"a":1}', Headers({"X-Signature": signature}), ["k3y"], tolerance=300, now=0, options=options)
    with pytest.raises(SignatureInvalid):
        provider.verify(b'{"a":2}', Headers({"X-Signature": signature}), ["k3y"], tolerance=300, now=0, options=options)


def test_timestamp_template_and_replay_window():
    options = GenericHmacOptions(timestamp_header="X-Timestamp", signed_content="v0:{timestamp}:{body}")
    body = b'{"type":"x"}'
    signature = hmac.new(b"k", b"v0:1000:" + body, hashlib.sha256).hexdigest()
    headers = Headers({"X-Signature": signature, "X-Timestamp": "1000"})
    provider.verify(body, headers, ["k"], tolerance=300, now=1200, options=options)
    for now in (1301, 699):
        with pytest.raises(SignatureInvalid, match="tolerance"):
            provider.verify(body, headers, ["k"], tolerance=300, now=now, options=options)
    with pytest.raises(SignatureInvalid, match="missing X-Timestamp"):
        provider.verify(body, Headers({"X-Signature": signature}), ["k"], tolerance=300, now=1200, options=options)


def test_the_shipped_backend_source_accepts_its_documented_signature():
    body = payload_bytes("backend", "user.signed_up")
    signature = hmac.new(BACKEND_SECRET.encode(), b"1795710700." + body, hashlib.sha256).hexdigest()
    from tests.support.presets import CONFIG

    source = CONFIG.sources["backend"]
    provider.verify(body, Headers({"X-Signature": signature, "X-Timestamp": "1795710700"}), [BACKEND_SECRET],
                    tolerance=source.tolerance_seconds, now=1795710700, options=source.options)  # fmt: skip


@pytest.mark.parametrize(
    "options, message",
    [
        ("{signed_content: '{timestamp}'}", "signed_content must contain {body} exactly once"),
        ("{signed_content: '{timestamp}.{body}'}", "signed_content uses {timestamp}: set timestamp_header"),
        ("{algorithm: md5}", "sources.backend.options.algorithm: Input should be 'sha256', 'sha1' or 'sha512'"),
        ("{event_id: 'a..b'}", "invalid JMESPath expression 'a..b'"),
        ("{header: X}", "sources.backend.options.header: Extra inputs are not permitted"),
    ],
)
def test_invalid_options_are_reported_with_their_key(options, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(f"application: A\nsources:\n  backend:\n    provider: hmac\n    options: {options}\n")
    assert message in str(caught.value)


def test_an_event_without_an_id_gets_a_stable_one_from_the_body():
    [first] = provider.parse(b'{"type": "x"}', Headers(), options=GenericHmacOptions())
    [again] = provider.parse(b'{"type": "x"}', Headers(), options=GenericHmacOptions())
    assert first.id == again.id and first.id.startswith("body_")


EXPECTED = {
    ("backend", "user.signed_up"): [
        register_user("user_3078a"),
        post_event("SignUp", {"provider": "backend", "plan": "free", "referrer": "app-store"}, 1795710700),
    ],
    # occurred_at in milliseconds: timestampUTC in whole seconds.
    ("backend", "user.logged_in"): [
        post_event("Login", {"provider": "backend", "method": "password"}, 1795710800, hwid=None)
    ],
    ("backend", "user.deleted"): [delete_user("user_3078a")],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
