"""Golden files: every sample payload under events/payloads/<source>/ -> the exact Pushwoosh
requests and the ingest answer, kept as reviewed files in tests/golden/<source>/<sample>.json.

Each sample goes through the real ingest handler (signed here, as the provider would, with a
fixed clock injected so that times and signatures never depend on the wall clock), onto the
moto FIFO queue, then through the real delivery handler to the real local Pushwoosh server
(tests/support/pushwoosh_server.py). What Pushwoosh received is what is compared: path and
JSON body, in delivery order (one message group at a time, DELIVERY_CONCURRENCY=1).

A preset change is a readable diff of these files. Rewrite them with

    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/golden -q

and review `git diff tests/golden` before committing.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.adapters.secrets import SecretsManagerJson, StaticJson
from pushbridge.config.loader import Config, parse_config
from pushbridge.domain.ingest import IngestService
from pushbridge.handlers import cognito, ingest
from pushbridge.providers import google_play, kinde
from pushbridge_dev.devtools.samples import signed_headers
from tests.support.apigw import LambdaContext
from tests.support.apple_chain import AppleLikeChain
from tests.support.samples import APPLICATION, PAYLOADS, SIGNING_SECRETS
from tests.support.signing import paddle_headers, standard_webhook_headers, stripe_headers
from tests.support.token_keys import GoogleApis, KeyServer, RsaKey, self_signed_pem

GOLDENS = Path(__file__).resolve().parent
CONFIG_FILE = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"
# The instant every webhook is "received" and signed at: 2026-09-21T... UTC. Samples whose
# provider gives no event time get this as their timestampUTC.
NOW = 1_790_000_000
SAMPLES = sorted(PAYLOADS.glob("*/*.json"))
# Options the localhost key locations stand in for (Kinde takes a domain or a JWKS URL).
REPLACED = {"domain", "jwks_url"}
GOOGLE_AUDIENCE = "https://abc.execute-api.eu-west-1.amazonaws.com/webhooks/googleplay"
GOOGLE_PUSHER = "play-rtdn-push@my-project.iam.gserviceaccount.com"


class TokenIssuers:
    """Kinde's JWKS, Apple's chain and Google's certificates and Play API, on localhost."""

    def __init__(self, tmp: Path) -> None:
        self.kinde_key, self.google_key = RsaKey("kinde-1"), RsaKey("google-1")
        self.jwks, self.google_certs, self.google_apis = KeyServer(), KeyServer(), GoogleApis()
        self.jwks.publish(self.kinde_key)
        self.google_certs.document = {"google-1": self_signed_pem(self.google_key)}
        self.apple = AppleLikeChain()
        self.apple_root = tmp / "apple-root.der"
        self.apple_root.write_bytes(self.apple.root_der())
        self.google_service_account = self.google_apis.service_account_key()

    def options(self) -> dict[str, dict[str, Any]]:
        return {
            "kinde": {"jwks_url": self.jwks.url},
            "apple": {"root_certificates": [str(self.apple_root)]},
            "googleplay": {
                "audience": GOOGLE_AUDIENCE,
                "service_account_email": GOOGLE_PUSHER,
                "certs_url": self.google_certs.url,
                "api_url": self.google_apis.url,
            },
        }

    def stop(self) -> None:
        for server in (self.jwks, self.google_certs, self.google_apis):
            server.stop()


@pytest.fixture(scope="module")
def issuers(tmp_path_factory):
    issuers = TokenIssuers(tmp_path_factory.mktemp("issuers"))
    yield issuers
    issuers.stop()


def shipped_config(issuers: TokenIssuers) -> Config:
    """src/pushbridge.yaml as shipped, with the token providers' key locations on localhost
    (and the same sample application the other tests use)."""
    raw = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    for name, options in issuers.options().items():
        if name in raw["sources"]:
            kept = {k: v for k, v in (raw["sources"][name].get("options") or {}).items() if k not in REPLACED}
            raw["sources"][name]["options"] = {**kept, **options}
    return parse_config(yaml.safe_dump(raw, sort_keys=False), origin=str(CONFIG_FILE), default_application=APPLICATION)


def webhook(source: str, config: Config, body: bytes, issuers: TokenIssuers) -> tuple[bytes, dict[str, str]]:
    """The request the provider would send for this sample: (body, headers)."""
    if source == "stripe":
        return body, stripe_headers(body, SIGNING_SECRETS[source], timestamp=NOW)
    if source == "clerk":
        return body, standard_webhook_headers(body, SIGNING_SECRETS[source], msg_id="msg_golden", timestamp=NOW)
    if source == "paddle":
        return body, paddle_headers(body, SIGNING_SECRETS[source], timestamp=NOW)
    if source == "kinde":
        return issuers.kinde_key.token(json.loads(body)).encode(), {"Content-Type": "application/jwt"}
    if source == "apple":
        return _apple(json.loads(body), issuers.apple), {"Content-Type": "application/json"}
    if source == "googleplay":
        return _google(json.loads(body), issuers)
    return body, signed_headers(config.sources[source], body, SIGNING_SECRETS[source], now=NOW)


def _apple(claims: dict[str, Any], chain: AppleLikeChain) -> bytes:
    """The sample is the decoded notification; Apple sends it (and its transaction and
    renewal info) as JWS signed with its chain."""
    transaction, renewal = claims.pop("transaction", None), claims.pop("renewal", None)
    data = claims.get("data") or {}
    for key, value in (("signedTransactionInfo", transaction), ("signedRenewalInfo", renewal)):
        if value is None:
            data.pop(key, None)
        else:
            data[key] = chain.sign(value)
    return json.dumps({"signedPayload": chain.sign(claims)}).encode()


def _google(sample: dict[str, Any], issuers: TokenIssuers) -> tuple[bytes, dict[str, str]]:
    """A Pub/Sub push: the notification base64 in message.data, an OIDC token from Google's
    service account; the sample's `purchase` is what the Play Developer API answers."""
    notification = sample["notification"]
    if sample.get("purchase") is not None:
        for key in ("subscriptionNotification", "oneTimeProductNotification"):
            token = (notification.get(key) or {}).get("purchaseToken")
            if token:
                issuers.google_apis.purchases[token] = sample["purchase"]
    data = base64.b64encode(json.dumps(notification).encode()).decode()
    body = json.dumps({"message": {**sample["message"], "data": data}, "subscription": sample["subscription"]})
    # google.auth checks iat/exp against the wall clock (it takes no clock): the token is
    # signed at the real now; nothing else in the outcome depends on it.
    now = int(time.time())
    claims = {"iss": "accounts.google.com", "aud": GOOGLE_AUDIENCE, "email": GOOGLE_PUSHER,
              "email_verified": True, "iat": now, "exp": now + 600}  # fmt: skip
    return body.encode(), {"Authorization": f"Bearer {issuers.google_key.token(claims)}"}


def run_sample(
    path: Path, stack: Any, pushwoosh: Any, issuers: TokenIssuers, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    source = path.parent.name
    config = shipped_config(issuers)
    queue = SqsCommandQueue(stack.queue_url)
    monkeypatch.setenv("DELIVERY_CONCURRENCY", "1")  # one message group after another: a stable order
    kinde._clients.clear()
    google_play._certs = google_play._Certs()
    body = path.read_bytes()
    answer: dict[str, Any] | None
    if source == "cognito":
        cognito.use(IngestService(config, StaticJson({}), queue, clock=lambda: NOW))
        try:
            event = json.loads(body)
            assert cognito.lambda_handler(copy.deepcopy(event), LambdaContext("cognito", 5)) == event
        finally:
            cognito.use(None)
        answer = None  # a trigger answers Cognito with the event itself
    else:
        stack.secrets.put_secret_value(
            SecretId=stack.signing_secret_id,
            SecretString=json.dumps({**SIGNING_SECRETS, "googleplay": issuers.google_service_account}),
        )
        secrets = SecretsManagerJson(stack.signing_secret_id)
        ingest.use(IngestService(config, secrets, queue, clock=lambda: NOW))
        raw, headers = webhook(source, config, body, issuers)
        status, reply = stack.post(source, raw, headers)
        answer = {"status": status, "body": reply}
    stack.drain()
    return {
        "source": source,
        "sample": path.stem,
        "ingest": answer,
        "pushwoosh": [{"path": call.path, "body": call.json} for call in pushwoosh.calls()],
    }


def render(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_golden(path, stack, pushwoosh, issuers, monkeypatch):
    produced = render(run_sample(path, stack, pushwoosh, issuers, monkeypatch))
    golden = GOLDENS / path.parent.name / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(
            f"no golden file {golden.relative_to(GOLDENS.parents[1])}: create it with\n"
            "    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/golden -q\n"
            "then review it (git diff) and commit it"
        )
    expected = golden.read_text(encoding="utf-8")
    assert produced == expected, (
        f"{path.parent.name}/{path.stem}: the Pushwoosh requests or the ingest answer changed; if intended, "
        "rewrite with UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/golden -q and review the diff"
    )


def test_every_golden_has_its_sample():
    """A golden left behind by a renamed or removed sample would pass unnoticed forever."""
    samples = {f"{p.parent.name}/{p.stem}" for p in SAMPLES}
    goldens = {f"{p.parent.name}/{p.stem}" for p in GOLDENS.glob("*/*.json")}
    assert goldens <= samples, f"goldens without a sample: {sorted(goldens - samples)}"
