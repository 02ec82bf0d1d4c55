"""Kinde: JWT bodies verified against the tenant's JWKS, fetched from a real local server,
cached, and refreshed when Kinde rotates its key."""

from __future__ import annotations

import json

import jwt
import pytest

from pushbridge.config.loader import ConfigError, parse_config
from pushbridge.errors import DependencyUnavailable, SignatureInvalid
from pushbridge.providers import PROVIDERS, kinde
from pushbridge.providers.base import Headers
from pushbridge.providers.kinde import KindeOptions
from tests.support.presets import delete_user, post_event, requests_for
from tests.support.samples import payload
from tests.support.token_keys import KeyServer, RsaKey

provider = PROVIDERS["kinde"]
NOW = 1_795_703_760  # the injected clock: tokens are signed for it, whatever the wall time
ISSUER = "https://your-business.kinde.com"
CLAIMS = {**payload("kinde", "user.created"), "iss": ISSUER, "iat": NOW, "exp": NOW + 600}


@pytest.fixture(scope="module")
def key_server():
    server = KeyServer()
    yield server
    server.stop()


@pytest.fixture
def keys(key_server):
    kinde._clients.clear()
    key_server.document, key_server.fetches, key_server.down = {"keys": []}, 0, False
    yield key_server
    kinde._clients.clear()


def _verify(server: KeyServer, token: str, *, now: float = NOW) -> dict:
    return provider.verify(
        token.encode(), Headers(), [], tolerance=300, now=now, options=KindeOptions(jwks_url=server.url, issuer=ISSUER)
    )


def test_a_token_signed_by_a_published_key_is_accepted_and_parsed(keys):
    key = RsaKey("kid-1")
    keys.publish(key)
    claims = _verify(keys, key.token(CLAIMS))
    [event] = provider.parse(b"", Headers(), verified=claims)
    assert (event.id, event.type) == ("event_0191d9b1e1c2d3e4f5a6b7c8d9e0f1a2", "user.created")


def test_keys_are_cached_and_refreshed_once_on_an_unknown_kid(keys, monkeypatch):
    monkeypatch.setattr(kinde, "REFRESH_COOLDOWN", 0.0)  # as if the rotation came later than 30 s
    old, new = RsaKey("kid-old"), RsaKey("kid-new")
    keys.publish(old)
    _verify(keys, old.token(CLAIMS))
    _verify(keys, old.token(CLAIMS))
    assert keys.fetches == 1  # cached
    keys.publish(old, new)  # Kinde rotated
    _verify(keys, new.token(CLAIMS))
    assert keys.fetches == 2  # one refresh for the unknown kid


def test_unknown_kids_do_not_refetch_within_the_cooldown(keys):
    key = RsaKey("kid-1")
    keys.publish(key)
    _verify(keys, key.token(CLAIMS))
    for _ in range(5):
        with pytest.raises(SignatureInvalid):
            _verify(keys, RsaKey(f"forged-{_}").token(CLAIMS))
    assert keys.fetches == 1


def test_an_unpublished_key_is_rejected(keys):
    keys.publish(RsaKey("kid-1"))
    with pytest.raises(SignatureInvalid):
        _verify(keys, RsaKey("kid-1").token(CLAIMS))  # same kid, another key
    with pytest.raises(SignatureInvalid):
        _verify(keys, RsaKey("kid-9").token(CLAIMS))


def test_algorithm_tricks_are_rejected(keys):
    key = RsaKey("kid-1")
    keys.publish(key)
    unsigned = jwt.encode(CLAIMS, None, algorithm="none", headers={"kid": "kid-1"})
    public_pem = key.private.public_key().public_bytes(
        encoding=__import__("cryptography").hazmat.primitives.serialization.Encoding.PEM,
        format=__import__("cryptography").hazmat.primitives.serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    import base64
    import hashlib
    import hmac as hmac_module

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "kid": "kid-1", "typ": "JWT"}).encode())
    body = b64(json.dumps(CLAIMS).encode())
    confused = f"{header}.{body}." + b64(
        hmac_module.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    )
    for token in (unsigned, confused):
        with pytest.raises(SignatureInvalid):
            _verify(keys, token)


def test_tampered_and_expired_tokens_are_rejected(keys):
    key = RsaKey("kid-1")
    keys.publish(key)
    header, body, signature = key.token(CLAIMS).split(".")
    tampered_body = jwt.utils.base64url_encode(json.dumps({**CLAIMS, "type": "user.deleted"}).encode()).decode()
    with pytest.raises(SignatureInvalid):
        _verify(keys, f"{header}.{tampered_body}.{signature}")
    with pytest.raises(SignatureInvalid):
        _verify(keys, key.token({**CLAIMS, "exp": NOW - 3600}))
    with pytest.raises(SignatureInvalid):
        _verify(keys, "not a jwt")


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://another-business.kinde.com"},  # another tenant's token
        {"iss": ["https://your-business.kinde.com"]},
        {"exp": "9999999999"},
        {"exp": float("inf")},
        {"nbf": NOW + 3600},
    ],
    ids=["other-issuer", "issuer-list", "exp-text", "exp-infinity", "not-yet-valid"],
)
def test_issuer_and_times_are_checked_when_present(keys, change):
    key = RsaKey("kid-1")
    keys.publish(key)
    claims = {k: v for k, v in {**CLAIMS, **change}.items() if v is not None}
    with pytest.raises(SignatureInvalid):
        _verify(keys, key.token(claims))


@pytest.mark.parametrize("absent", ["iss", "exp"])
def test_a_token_without_iss_or_exp_is_accepted_as_kinde_sends_them(keys, absent):
    # Kinde's own published test token carries neither (kinde-oss/webhook lib/main.test.ts).
    key = RsaKey("kid-1")
    keys.publish(key)
    claims = {k: v for k, v in CLAIMS.items() if k != absent}
    assert _verify(keys, key.token(claims))["type"] == CLAIMS["type"]


def test_expiry_is_checked_against_the_injected_clock(keys):
    key = RsaKey("kid-1")
    keys.publish(key)
    token = key.token(CLAIMS)
    _verify(keys, token, now=NOW + 600 + 300)  # within the leeway
    with pytest.raises(SignatureInvalid, match="expired"):
        _verify(keys, token, now=NOW + 600 + 301)


def test_the_default_issuer_is_the_kinde_domain():
    assert KindeOptions(domain="myapp.kinde.com").expected_issuer == "https://myapp.kinde.com"
    assert (
        KindeOptions(jwks_url="https://auth.example.com/.well-known/jwks").expected_issuer == "https://auth.example.com"
    )


def test_jwks_unreachable_is_our_problem_503(keys):
    keys.down = True
    with pytest.raises(DependencyUnavailable):
        _verify(keys, RsaKey("kid-1").token(CLAIMS))


@pytest.mark.parametrize(
    "options, message",
    [("{}", "set exactly one of domain"), ("{jwks_url: 'http://evil.example/jwks'}", "must be fetched over https")],
)
def test_options_are_checked(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(f"application: A\nsources:\n  kinde:\n    provider: kinde\n    options: {options}\n")


KINDE_USER = "kp_c3143a4b50ad43c88e541d9077681782"
EXPECTED = {
    ("kinde", "user.created"): [post_event("SignUp", {"provider": "kinde"}, 1795703760, user=KINDE_USER, hwid=None)],
    ("kinde", "user.authenticated"): [
        post_event("Login", {"provider": "kinde"}, 1795704012, user=KINDE_USER, hwid=None)
    ],
    ("kinde", "user.deleted"): [delete_user(KINDE_USER)],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
