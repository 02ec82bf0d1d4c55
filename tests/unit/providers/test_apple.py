"""Apple App Store Server Notifications V2, verified by Apple's own app-store-server-library:
a real (test) certificate chain with Apple's OIDs, bundle id, app id and environment checks,
and the shipped Apple Root CA - G3 checked against Apple's published fingerprint."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509

from pushbridge.errors import SignatureInvalid, WebhookRejected
from pushbridge.providers import PROVIDERS, apple
from pushbridge.providers.apple import AppleOptions
from pushbridge.providers.base import Headers
from tests.support.apple_chain import AppleLikeChain
from tests.support.samples import payload

provider = PROVIDERS["apple"]
# From Apple's app-store-server-library tests (REAL_APPLE_INTERMEDIATE_BASE64_ENCODED): the
# real WWDR G6 intermediate, issued by Apple Root CA - G3.
REAL_APPLE_INTERMEDIATE = "MIIDFjCCApygAwIBAgIUIsGhRwp0c2nvU4YSycafPTjzbNcwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMjEwMzE3MjAzNzEwWhcNMzYwMzE5MDAwMDAwWjB1MUQwQgYDVQQDDDtBcHBsZSBXb3JsZHdpZGUgRGV2ZWxvcGVyIFJlbGF0aW9ucyBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTELMAkGA1UECwwCRzYxEzARBgNVBAoMCkFwcGxlIEluYy4xCzAJBgNVBAYTAlVTMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEbsQKC94PrlWmZXnXgtxzdVJL8T0SGYngDRGpngn3N6PT8JMEb7FDi4bBmPhCnZ3/sq6PF/cGcKXWsL5vOteRhyJ45x3ASP7cOB+aao90fcpxSv/EZFbniAbNgZGhIhpIo4H6MIH3MBIGA1UdEwEB/wQIMAYBAf8CAQAwHwYDVR0jBBgwFoAUu7DeoVgziJqkipnevr3rr9rLJKswRgYIKwYBBQUHAQEEOjA4MDYGCCsGAQUFBzABhipodHRwOi8vb2NzcC5hcHBsZS5jb20vb2NzcDAzLWFwcGxlcm9vdGNhZzMwNwYDVR0fBDAwLjAsoCqgKIYmaHR0cDovL2NybC5hcHBsZS5jb20vYXBwbGVyb290Y2FnMy5jcmwwHQYDVR0OBBYEFD8vlCNR01DJmig97bB85c+lkGKZMA4GA1UdDwEB/wQEAwIBBjAQBgoqhkiG92NkBgIBBAIFADAKBggqhkjOPQQDAwNoADBlAjBAXhSq5IyKogMCPtw490BaB677CaEGJXufQB/EqZGd6CSjiCtOnuMTbXVXmxxcxfkCMQDTSPxarZXvNrkxU3TkUMI33yzvFVVRT4wxWJC994OsdcZ4+RGNsYDyR5gmdr0nDGg="
APPLE_G3_SHA256 = "63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79"


def test_the_shipped_root_is_apple_root_ca_g3_and_issued_apples_real_intermediate():
    der = apple._roots(())[0]
    assert ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) == APPLE_G3_SHA256
    root = x509.load_der_x509_certificate(der)
    intermediate = x509.load_der_x509_certificate(base64.b64decode(REAL_APPLE_INTERMEDIATE))
    intermediate.verify_directly_issued_by(root)  # raises if not


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    chain = AppleLikeChain()
    path = tmp_path_factory.mktemp("apple") / "root.der"
    path.write_bytes(chain.root_der())
    chain.root_path = str(path)
    return chain


def _options(chain, **kw) -> AppleOptions:
    return AppleOptions(
        bundle_id="com.example.app", app_apple_id=1234567890, root_certificates=(chain.root_path,), **kw
    )


def _signed_body(chain: AppleLikeChain, sample: str = "SUBSCRIBED", **changes) -> bytes:
    claims = payload("apple", sample)
    transaction, renewal = claims.pop("transaction"), claims.pop("renewal")
    claims["data"]["signedTransactionInfo"] = chain.sign(transaction)
    claims["data"]["signedRenewalInfo"] = chain.sign(renewal)
    for key, value in changes.items():
        claims["data"][key] = value
    return json.dumps({"signedPayload": chain.sign(claims)}).encode()


def _verify(body: bytes, options: AppleOptions):
    return provider.verify(body, Headers(), [], tolerance=300, now=0, options=options)


def test_a_notification_signed_through_the_chain_is_verified_and_decoded(chain):
    verified = _verify(_signed_body(chain), _options(chain))
    [event] = provider.parse(b"", Headers(), verified=verified)
    assert (event.id, event.type, event.time) == ("002e14d5-51f5-4503-b5a8-c3a1af68eb20", "SUBSCRIBED", 1795710500)
    assert verified["transaction"]["appAccountToken"] == "5b4f7c7e-2a1d-4c3b-9e8f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    "changes, options, status",
    [
        ({"bundleId": "com.attacker.app"}, {}, "INVALID_APP_IDENTIFIER"),
        ({"appAppleId": 42}, {}, "INVALID_APP_IDENTIFIER"),
        ({"environment": "Sandbox"}, {"environments": ("Production",)}, "not accepted"),
    ],
    ids=["wrong-bundle", "wrong-app-apple-id", "environment-not-accepted"],
)
def test_identity_and_environment_are_checked(chain, changes, options, status):
    with pytest.raises(SignatureInvalid, match=status):
        _verify(_signed_body(chain, **changes), _options(chain, **options))


def test_a_chain_to_another_root_is_rejected(chain):
    with pytest.raises(SignatureInvalid, match="VERIFICATION_FAILURE"):
        _verify(_signed_body(AppleLikeChain()), _options(chain))


def test_the_shipped_apple_root_rejects_a_test_chain(chain):
    with pytest.raises(SignatureInvalid):
        _verify(_signed_body(chain), AppleOptions(bundle_id="com.example.app", app_apple_id=1234567890))


def test_a_leaf_without_apples_oid_is_rejected(chain, tmp_path):
    impostor = AppleLikeChain(leaf_oid=False)
    root = tmp_path / "root.der"
    root.write_bytes(impostor.root_der())
    options = AppleOptions(bundle_id="com.example.app", app_apple_id=1234567890, root_certificates=(str(root),))
    with pytest.raises(SignatureInvalid):
        _verify(_signed_body(impostor), options)


def test_a_tampered_payload_is_rejected(chain):
    body = json.loads(_signed_body(chain))
    header, claims, signature = body["signedPayload"].split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=="))
    decoded["notificationType"] = "REFUND"
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    with pytest.raises(SignatureInvalid):
        _verify(json.dumps({"signedPayload": f"{header}.{forged}.{signature}"}).encode(), _options(chain))


def test_a_forged_transaction_inside_a_genuine_notification_is_rejected(chain):
    claims = payload("apple", "SUBSCRIBED")
    transaction = claims.pop("transaction")
    claims.pop("renewal")
    claims["data"]["signedTransactionInfo"] = AppleLikeChain().sign({**transaction, "appAccountToken": "someone-else"})
    claims["data"].pop("signedRenewalInfo")
    with pytest.raises(SignatureInvalid):
        _verify(json.dumps({"signedPayload": chain.sign(claims)}).encode(), _options(chain))


@pytest.mark.parametrize("body", [b"{}", b'{"signedPayload": "a.b"}', b'{"signedPayload": "a.b.c"}', b"[]"])
def test_garbage_is_a_clear_rejection(chain, body):
    with pytest.raises(WebhookRejected):
        _verify(body, _options(chain))


def test_production_needs_the_app_apple_id():
    with pytest.raises(ValueError, match="app_apple_id is required"):
        AppleOptions(bundle_id="com.example.app")
    AppleOptions(bundle_id="com.example.app", environments=("Sandbox",))
