"""SnapStart: under ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`` the handler modules build
their services and AWS clients at import (what the snapshot keeps) without reading a secret,
and the hooks they register with ``snapshot_restore_py`` (run by the runtime after each
restore) re-seed ``random``, drop pooled connections and make the secrets be read afresh.
AWS on a moto server, so connections and calls are real HTTP."""

from __future__ import annotations

import importlib
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import snapshot_restore_py

from pushbridge.adapters import http
from pushbridge.domain.mapping import map_event
from pushbridge.handlers import delivery, ingest
from pushbridge.providers import PROVIDERS
from pushbridge_dev.devtools.events import LambdaContext, http_api_event, sqs_event_for
from pushbridge_dev.devtools.local_secrets import load_signing_secrets
from pushbridge_dev.devtools.samples import parse_sample
from tests.support.moto_stack import moto_stack
from tests.support.presets import CONFIG
from tests.support.samples import APPLICATION, payload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aws(monkeypatch) -> Iterator[tuple[dict[str, str], Counter[str]]]:
    with moto_stack() as (endpoint, stack):
        for name, value in {
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1", "PUSHWOOSH_APPLICATION": APPLICATION,
            "PUSHBRIDGE_CONFIG": str(ROOT / "src" / "pushbridge.yaml"), **stack,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        calls: Counter[str] = Counter()
        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register(
            "before-call", lambda model, **_: calls.update([f"{model.service_model.service_id} {model.name}"])
        )
        snapshot_restore_py.get_after_restore().clear()
        yield stack, calls
        monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
        snapshot_restore_py.get_after_restore().clear()
        boto3.DEFAULT_SESSION = None
        for module in (ingest, delivery):
            importlib.reload(module)  # as on-demand again, for the tests that follow
            module.use(None)
        http.reset_pool()


def _initialize_for_a_snapshot(monkeypatch, module):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    return importlib.reload(module)


def _restore() -> None:
    """What the runtime does after restoring a snapshot, before the first event."""
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)


def _webhook(body_marker: str) -> dict:
    body = json.dumps(payload("stripe", "invoice.paid") | {"id": f"evt_{body_marker}"}).encode()
    secret = load_signing_secrets()[0]["stripe"]
    return http_api_event("stripe", body, PROVIDERS["stripe"].sign(body, secret, now=int(time.time())))


def test_an_on_demand_cold_start_builds_nothing_at_import(aws, monkeypatch):
    _, calls = aws
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    handler = importlib.reload(ingest)
    assert handler._service is None and snapshot_restore_py.get_after_restore() == []
    assert sum(calls.values()) == 0


def test_ingest_primes_before_the_snapshot_and_refreshes_after_restore(aws, monkeypatch):
    _, calls = aws
    handler = _initialize_for_a_snapshot(monkeypatch, ingest)

    # In the snapshot: the service, its configuration and its clients; not the secret.
    assert handler._service is not None
    assert [type(a).__name__ for a in handler._adapters] == ["SecretsManagerJson", "SqsCommandQueue"]
    assert handler._adapters[1]._client is not None
    assert "options" in vars(handler._service._config.sources["okta"])  # validated: pydantic is in it
    assert sum(calls.values()) == 0
    assert len(snapshot_restore_py.get_after_restore()) == 1

    assert handler.lambda_handler(_webhook("before"), LambdaContext())["statusCode"] == 202
    assert calls["Secrets Manager GetSecretValue"] == 1
    http.shared_pool()
    random.seed(7)
    seeded = random.getstate()

    _restore()

    assert random.getstate() != seeded  # every restored environment draws its own numbers
    assert http._pool is None  # pooled connections dropped
    assert handler.lambda_handler(_webhook("after"), LambdaContext())["statusCode"] == 202
    assert calls["Secrets Manager GetSecretValue"] == 2  # read afresh: it may have rotated
    assert calls["SQS SendMessageBatch"] == 2  # the closed client reconnected


def test_delivery_primes_before_the_snapshot_and_reconnects_after_restore(aws, monkeypatch, pushwoosh):
    _, calls = aws
    monkeypatch.setenv("PUSHWOOSH_API_URL", pushwoosh.url)
    handler = _initialize_for_a_snapshot(monkeypatch, delivery)
    assert handler._delivery is not None
    assert sum(calls.values()) == 0  # no token read, no table touched before the snapshot

    def batch(marker: str) -> dict:
        body = json.dumps(payload("stripe", "invoice.paid") | {"id": f"evt_{marker}"}).encode()
        source = CONFIG.sources["stripe"]
        [event] = parse_sample(source, body, now=int(time.time()))
        return sqs_event_for(map_event(source, event, received_at=time.time()).commands)

    assert handler.lambda_handler(batch("one"), LambdaContext()) == {"batchItemFailures": []}
    assert calls["Secrets Manager GetSecretValue"] == 1
    opened = pushwoosh.connections

    _restore()

    assert handler.lambda_handler(batch("two"), LambdaContext()) == {"batchItemFailures": []}
    assert calls["Secrets Manager GetSecretValue"] == 2  # the token is read afresh
    assert pushwoosh.connections == opened + 1  # a new connection: the old one was dropped
    assert calls["DynamoDB PutItem"] == 2 and len(pushwoosh.calls()) == 2
