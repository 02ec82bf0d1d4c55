"""events/env.json, as `sam local invoke` applies it, against a moto server set up by
`make local-aws`: the handlers run with exactly those variables and the events/ files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pushbridge.handlers import delivery, ingest
from pushbridge.providers import PROVIDERS
from pushbridge_dev.devtools.local_secrets import load_signing_secrets
from tests.support.apigw import LambdaContext
from tests.support.moto_stack import moto_stack

ROOT = Path(__file__).resolve().parents[2]
ENV = json.loads((ROOT / "events" / "env.json").read_text())


@pytest.fixture
def moto_server(monkeypatch):
    with moto_stack() as (endpoint, created):
        # What the container sees as host.docker.internal:5000 is this server.
        def local(value: str) -> str:
            return value.replace("http://host.docker.internal:5000", endpoint)

        for scope in ("Parameters", "IngestFunction", "DeliveryFunction"):
            for name, value in ENV[scope].items():
                monkeypatch.setenv(name, local(value))
        monkeypatch.setenv("PUSHBRIDGE_CONFIG", str(ROOT / "src" / "pushbridge.yaml"))
        ingest.use(None)
        delivery.use(None)
        yield endpoint, created, local
        ingest.use(None)
        delivery.use(None)


def test_env_json_names_what_local_aws_creates(moto_server):
    _, created, local = moto_server
    for name in ("QUEUE_URL", "SIGNING_SECRET_ID"):
        assert local(ENV["IngestFunction"][name]) == created[name]
    for name in ("DLQ_URL", "IDEMPOTENCY_TABLE", "PUSHWOOSH_SECRET_ID"):
        assert local(ENV["DeliveryFunction"][name]) == created[name]


def test_ingest_then_delivery_with_env_json_and_the_sample_events(moto_server, pushwoosh, monkeypatch):
    monkeypatch.setenv("PUSHWOOSH_API_URL", pushwoosh.url)
    event = json.loads((ROOT / "events" / "apigw" / "stripe-invoice-paid.json").read_text())
    # `make events` re-signs with the sample secrets right before `sam local invoke`; so do we.
    body = event["body"].encode()
    headers = PROVIDERS["stripe"].sign(body, load_signing_secrets()[0]["stripe"], now=int(time.time()))
    event["headers"].update({k.lower(): v for k, v in headers.items()})

    response = ingest.lambda_handler(event, LambdaContext("IngestFunction"))
    assert response["statusCode"] == 202, response["body"]

    import boto3

    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=os.environ["QUEUE_URL"], AttributeNames=["All"])["Messages"]
    assert len(messages) == 1
    sqs_event = json.loads((ROOT / "events" / "sqs" / "stripe-invoice-paid.json").read_text())
    from pushbridge.models.command import parse_message

    queued, sample = parse_message(messages[0]["Body"]), parse_message(sqs_event["Records"][0]["body"])
    assert [c.id for c in queued] == [c.id for c in sample]

    assert delivery.lambda_handler(sqs_event, LambdaContext("DeliveryFunction")) == {"batchItemFailures": []}
    [call] = pushwoosh.calls()
    assert call.path == "/json/1.3/postEvent" and call.headers["Authorization"] == "Token local-token"
