"""Kinde, Apple and Google Play through the real ingest handler on moto: the public-key proof
is checked before anything is queued, and no signing secret is needed."""

from __future__ import annotations

import base64
import json
import time

import pytest

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.adapters.secrets import SecretsManagerJson
from pushbridge.config.loader import parse_config
from pushbridge.domain.ingest import IngestService
from pushbridge.handlers import ingest
from pushbridge.providers import google_play, kinde
from tests.support.apple_chain import AppleLikeChain
from tests.support.samples import APPLICATION, payload
from tests.support.token_keys import (
    TOKEN_AUDIENCE,
    TOKEN_PUSHER,
    GoogleApis,
    KeyServer,
    RsaKey,
    self_signed_pem,
    token_sources_yaml,
)

NOW = 1_795_703_760  # the ingest service's clock (Kinde's expiry is checked against it)
AUDIENCE, PUSHER = TOKEN_AUDIENCE, TOKEN_PUSHER


@pytest.fixture
def token_stack(stack, tmp_path):
    jwks, certs, apis = KeyServer(), KeyServer(), GoogleApis()
    chain = AppleLikeChain()
    (tmp_path / "root.der").write_bytes(chain.root_der())
    config = parse_config(
        f"application: {APPLICATION}\n" + token_sources_yaml(jwks.url, certs.url, str(tmp_path / "root.der"), apis.url)
    )
    kinde._clients.clear()
    google_play._certs = google_play._Certs()
    ingest.use(
        IngestService(
            config, SecretsManagerJson(stack.signing_secret_id), SqsCommandQueue(stack.queue_url), clock=lambda: NOW
        )
    )
    yield stack, jwks, certs, chain
    for server in (jwks, certs, apis):
        server.stop()


def test_kinde(token_stack):
    stack, jwks, _, _ = token_stack
    key = RsaKey("kid-1")
    jwks.publish(key)
    issuer = jwks.url.removesuffix("/.well-known/jwks")  # the tenant's domain: here, the key server
    claims = {**payload("kinde", "user.deleted"), "iss": issuer, "exp": NOW + 600}
    token = key.token(claims).encode()
    assert stack.post("kinde", token, {"Content-Type": "application/jwt"})[0] == 202
    assert [c["method"] for c in stack.peek()] == ["delete_user"]
    status, answer = stack.post("kinde", RsaKey("kid-1").token(claims).encode(), {})
    assert (status, answer["reason"]) == (401, "signature_invalid")


def test_kinde_accepts_the_claims_kinde_publishes_without_iss_or_exp(token_stack):
    """Kinde's own test token (kinde-oss/webhook, lib/main.test.ts) decodes to data, event_id,
    source, timestamp and type only: a verifier that required `iss` or `exp` would refuse
    every real Kinde webhook."""
    stack, jwks, _, _ = token_stack
    key = RsaKey("kid-1")
    jwks.publish(key)
    claims = payload("kinde", "user.deleted")
    assert not {"iss", "exp"} & set(claims)
    assert stack.post("kinde", key.token(claims).encode(), {"Content-Type": "application/jwt"})[0] == 202


@pytest.mark.parametrize(
    "change",
    [{"iss": "https://another-tenant.kinde.com"}, {"exp": NOW - 3600}, {"exp": "never"}, {"nbf": NOW + 3600}],
    ids=["another-tenants-token", "expired-token", "expiry-not-a-number", "not-yet-valid"],
)
def test_kinde_refuses_other_issuers_and_expired_tokens(token_stack, change):
    stack, jwks, _, _ = token_stack
    key = RsaKey("kid-1")
    jwks.publish(key)
    claims = {**payload("kinde", "user.deleted"), "iss": jwks.url.removesuffix("/.well-known/jwks"), "exp": NOW + 600}
    claims = {k: v for k, v in {**claims, **change}.items() if v is not None}
    status, answer = stack.post("kinde", key.token(claims).encode(), {})
    assert (status, answer["status"]) == (401, "rejected")
    assert stack.queued() == 0


def test_apple(token_stack):
    stack, _, _, chain = token_stack
    claims = payload("apple", "DID_RENEW")
    transaction = claims.pop("transaction")
    claims.pop("renewal")
    claims["data"].pop("signedRenewalInfo")
    claims["data"]["signedTransactionInfo"] = chain.sign(transaction)
    body = json.dumps({"signedPayload": chain.sign(claims)}).encode()
    assert stack.post("apple", body, {})[0] == 202
    [command] = stack.peek()
    assert (command["event"], command["user_id"]) == ("SubscriptionRenewed", "5b4f7c7e-2a1d-4c3b-9e8f-0a1b2c3d4e5f")
    forged = json.dumps({"signedPayload": AppleLikeChain().sign(claims)}).encode()
    assert stack.post("apple", forged, {})[0] == 401
    assert stack.queued() == 1


def test_google_play_without_a_lookup_key_is_accepted_but_maps_no_user(token_stack):
    stack, _, certs, _ = token_stack
    key = RsaKey("g1")
    certs.document = {"g1": self_signed_pem(key)}
    sample = payload("googleplay", "SUBSCRIPTION_RENEWED")
    data = base64.b64encode(json.dumps(sample["notification"]).encode()).decode()
    body = json.dumps({"message": {**sample["message"], "data": data}, "subscription": sample["subscription"]}).encode()
    now = int(time.time())
    token = key.token(
        {
            "iss": "accounts.google.com",
            "aud": AUDIENCE,
            "email": PUSHER,
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
        }
    )
    status, answer = stack.post("googleplay", body, {"Authorization": f"Bearer {token}"})
    assert (status, answer["status"]) == (200, "ignored")  # no user id: the rule was skipped, nothing queued
    assert stack.post("googleplay", body, {"Authorization": "Bearer " + token[:-4] + "AAAA"})[0] == 401
    assert stack.queued() == 0
