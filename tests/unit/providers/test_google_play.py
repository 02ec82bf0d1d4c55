"""Google Play RTDN through Pub/Sub push: the OIDC token verified with google-auth against
certificates served by a real local server (audience, issuer, expiry, the service account
email), the DeveloperNotification decoded, and the user read back from a local Play Developer
API with a service account key."""

from __future__ import annotations

import base64
import json
import time

import pytest

from pushbridge.errors import DependencyUnavailable, MalformedPayload, SignatureInvalid
from pushbridge.providers import PROVIDERS, google_play
from pushbridge.providers.base import Headers
from pushbridge.providers.google_play import GooglePlayOptions
from tests.support.samples import payload
from tests.support.token_keys import GoogleApis, KeyServer, RsaKey, self_signed_pem

provider = PROVIDERS["googleplay"]
AUDIENCE = "https://abc.execute-api.eu-west-1.amazonaws.com/webhooks/googleplay"
PUSHER = "play-rtdn-push@my-project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def servers():
    certs, apis, key = KeyServer(), GoogleApis(), RsaKey("google-kid-1")
    yield certs, apis, key
    certs.stop()
    apis.stop()


@pytest.fixture
def google(servers):
    certs, apis, key = servers
    google_play._certs = google_play._Certs()
    google_play._credentials.clear()
    certs.document, certs.fetches, certs.down = {key.kid: self_signed_pem(key)}, 0, False
    apis.requests.clear()
    apis.purchases.clear()
    return certs, apis, key


def _options(certs, apis, **kw) -> GooglePlayOptions:
    return GooglePlayOptions(
        audience=AUDIENCE, service_account_email=PUSHER, certs_url=certs.url, api_url=apis.url, **kw
    )


def _token(key: RsaKey, **changes) -> str:
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": PUSHER, "email_verified": True,
              "sub": "1234567890", "iat": now, "exp": now + 3600} | changes  # fmt: skip
    return key.token({k: v for k, v in claims.items() if v is not None})


def _push(sample: str = "SUBSCRIPTION_PURCHASED", *, data: str | None = None) -> bytes:
    claims = payload("googleplay", sample)
    encoded = data if data is not None else base64.b64encode(json.dumps(claims["notification"]).encode()).decode()
    return json.dumps(
        {"message": {**claims["message"], "data": encoded}, "subscription": claims["subscription"]}
    ).encode()


def _verify(body: bytes, token: str, options: GooglePlayOptions, secrets=()):
    return provider.verify(
        body,
        Headers({"Authorization": f"Bearer {token}"}),
        list(secrets),
        tolerance=300,
        now=time.time(),
        options=options,
    )


def test_a_genuine_push_is_verified_and_decoded(google):
    certs, apis, key = google
    verified = _verify(_push(), _token(key), _options(certs, apis))
    [event] = provider.parse(b"", Headers(), verified=verified)
    assert (event.id, event.type, event.time) == ("10473968302115630", "SUBSCRIPTION_PURCHASED", 1795710600)
    assert "purchase" not in verified  # no service account key stored: no lookup


@pytest.mark.parametrize(
    "changes",
    [{"aud": "https://someone-else.example/push"}, {"email": "attacker@evil.iam.gserviceaccount.com"}, {"email_verified": False},
     {"iss": "https://evil.example"}, {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}],
    ids=["wrong-audience", "wrong-service-account", "email-not-verified", "wrong-issuer", "expired"],
)  # fmt: skip
def test_token_claims_are_checked(google, changes):
    certs, apis, key = google
    with pytest.raises(SignatureInvalid):
        _verify(_push(), _token(key, **changes), _options(certs, apis))


def test_a_token_from_another_key_is_rejected_after_one_refetch(google, monkeypatch):
    certs, apis, key = google
    monkeypatch.setattr(google_play, "CERTS_REFRESH_COOLDOWN", 0.0)
    _verify(_push(), _token(key), _options(certs, apis))
    with pytest.raises(SignatureInvalid):
        _verify(_push(), _token(RsaKey("google-kid-2")), _options(certs, apis))
    assert certs.fetches == 2  # cached, then refetched once for the unknown kid


@pytest.mark.parametrize("authorization", ["", "Basic abc", "Bearer", "Bearer not.a.jwt"])
def test_malformed_authorization(google, authorization):
    certs, apis, _ = google
    with pytest.raises(SignatureInvalid):
        provider.verify(
            _push(), Headers({"Authorization": authorization}), [], tolerance=300, now=0, options=_options(certs, apis)
        )


def test_certificates_unreachable_is_our_problem_503(google):
    certs, apis, key = google
    certs.down = True
    with pytest.raises(DependencyUnavailable):
        _verify(_push(), _token(key), _options(certs, apis))


def test_another_package_is_refused(google):
    certs, apis, key = google
    with pytest.raises(SignatureInvalid, match="package"):
        _verify(_push(), _token(key), _options(certs, apis, package_name="com.other.app"))


def test_data_that_is_not_a_developer_notification_is_a_400(google):
    certs, apis, key = google
    with pytest.raises(MalformedPayload):
        _verify(_push(data="%%%"), _token(key), _options(certs, apis))


def test_the_user_is_read_back_from_the_play_developer_api(google):
    certs, apis, key = google
    apis.purchases["mkecbhjjnlgfnmfaeojgnhfl.AO-J1OxQ_purchase_token_example"] = payload(
        "googleplay", "SUBSCRIPTION_PURCHASED"
    )["purchase"]
    verified = _verify(_push(), _token(key), _options(certs, apis), secrets=[apis.service_account_key()])
    assert verified["purchase"]["externalAccountIdentifiers"]["obfuscatedExternalAccountId"] == "user_3078a"
    token_request, lookup = apis.requests
    assert token_request[:2] == ("POST", "/token")
    assert (
        lookup[1]
        == "/androidpublisher/v3/applications/com.example.app/purchases/subscriptionsv2/tokens/mkecbhjjnlgfnmfaeojgnhfl.AO-J1OxQ_purchase_token_example"
    )
    assert lookup[2]["Authorization"] == "Bearer ya29.test-access-token"


def test_an_unknown_purchase_leaves_the_user_unknown(google):
    certs, apis, key = google
    verified = _verify(_push(), _token(key), _options(certs, apis), secrets=[apis.service_account_key()])
    assert verified["purchase"] is None


def test_a_bad_service_account_key_is_our_problem_503(google):
    certs, apis, key = google
    with pytest.raises(DependencyUnavailable):
        _verify(_push(), _token(key), _options(certs, apis), secrets=["not json"])
