"""Integration layer: the real handlers, in process, with real event shapes, against moto
(SQS FIFO + DLQ, Secrets Manager, DynamoDB built from template.yaml) and a real HTTP server
on localhost standing in for Pushwoosh."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pushbridge.handlers import delivery as delivery_handler
from pushbridge.handlers import ingest as ingest_handler
from tests.support.apigw import LambdaContext, http_api_event, sqs_fifo_event
from tests.support.samples import APPLICATION, PUSHWOOSH_TOKEN, SIGNING_SECRETS
from tests.support.template import resource

CONFIG = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"


@dataclass
class Stack:
    """The deployed stack, in miniature: post webhooks in, run the delivery function the
    way Lambda's SQS event source would, look at the queues."""

    sqs: Any
    secrets: Any
    dynamodb: Any
    queue_url: str
    queue_arn: str
    dlq_url: str
    signing_secret_id: str
    pushwoosh_secret_id: str
    table: str
    batch_responses: list[dict[str, Any]] = field(default_factory=list)

    def post(self, source: str, body: bytes, headers: dict[str, str], **kw: Any) -> tuple[int, dict[str, Any]]:
        response = ingest_handler.lambda_handler(http_api_event(source, body, headers, **kw), LambdaContext("ingest"))
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else {}

    def freeze_ingest_clock(self, now: float) -> None:
        """Ingest built from the same parts as the handler's, with its clock stopped at ``now``:
        a webhook signed for ``now`` in the test verifies however long the test waited to run
        (a busy machine), and "stale" and "future" mean exactly what the test says."""
        from pushbridge.adapters.command_queue import SqsCommandQueue
        from pushbridge.adapters.secrets import SecretsManagerJson
        from pushbridge.config.loader import load_config
        from pushbridge.domain.ingest import IngestService

        config = load_config(CONFIG, default_application=APPLICATION)
        secrets, queue = SecretsManagerJson(self.signing_secret_id), SqsCommandQueue(self.queue_url)
        ingest_handler.use(IngestService(config, secrets, queue, clock=lambda: now))

    def queued(self) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def peek(self) -> list[dict[str, Any]]:
        """The queued commands (envelopes opened), without consuming them."""
        from pushbridge.models.command import parse_message

        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [c.to_dict() for m in messages for c in parse_message(m["Body"])]

    def deliver_once(self, *, timeout_s: float = 60.0) -> dict[str, Any] | None:
        """One delivery invocation with one batch, settled as the event source mapping
        does: successes deleted, batch item failures made visible again at once."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return None
        response = delivery_handler.lambda_handler(
            sqs_fifo_event(messages, self.queue_arn), LambdaContext("delivery", timeout_s)
        )
        self.batch_responses.append(response)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return response

    def drain(self, *, max_invocations: int = 50) -> int:
        invocations = 0
        while invocations < max_invocations and self.deliver_once() is not None:
            invocations += 1
        return invocations

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"],
            VisibilityTimeout=0,
        ).get("Messages", [])  # fmt: skip
        return messages

    def set_pushwoosh_token(self, token: str) -> None:
        self.secrets.put_secret_value(SecretId=self.pushwoosh_secret_id, SecretString=json.dumps({"api_token": token}))


@pytest.fixture
def stack(pushwoosh, monkeypatch) -> Stack:
    with mock_aws():
        sqs = boto3.client("sqs")
        secrets = boto3.client("secretsmanager")
        dynamodb = boto3.client("dynamodb")

        dlq_props = resource("DeadLetterQueue")
        dlq_url = sqs.create_queue(
            QueueName="pushbridge-dlq.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": str(dlq_props["ContentBasedDeduplication"]).lower(),
            },
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_props = resource("CommandQueue")
        queue_url = sqs.create_queue(
            QueueName="pushbridge-commands.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": str(queue_props["ContentBasedDeduplication"]).lower(),
                "VisibilityTimeout": str(queue_props["VisibilityTimeout"]),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
            },
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

        table = resource("IdempotencyTable")
        dynamodb.create_table(
            TableName="pushbridge-idempotency",
            AttributeDefinitions=table["AttributeDefinitions"],
            KeySchema=table["KeySchema"],
            BillingMode=table["BillingMode"],
        )
        signing_arn = secrets.create_secret(Name="pushbridge/signing", SecretString=json.dumps(SIGNING_SECRETS))["ARN"]
        token_arn = secrets.create_secret(
            Name="pushbridge/pushwoosh", SecretString=json.dumps({"api_token": PUSHWOOSH_TOKEN})
        )["ARN"]

        for name, value in {
            "QUEUE_URL": queue_url,
            "SIGNING_SECRET_ID": signing_arn,
            "PUSHBRIDGE_CONFIG": str(CONFIG),
            "PUSHWOOSH_APPLICATION": APPLICATION,
            "DLQ_URL": dlq_url,
            "IDEMPOTENCY_TABLE": "pushbridge-idempotency",
            "PUSHWOOSH_SECRET_ID": token_arn,
            "PUSHWOOSH_API_URL": pushwoosh.url,
            "PUSHWOOSH_CONNECT_TIMEOUT": "1",
            "PUSHWOOSH_READ_TIMEOUT": "2",
        }.items():
            monkeypatch.setenv(name, value)
        ingest_handler.use(None)
        delivery_handler.use(None)
        yield Stack(
            sqs=sqs, secrets=secrets, dynamodb=dynamodb, queue_url=queue_url, queue_arn=queue_arn, dlq_url=dlq_url,
            signing_secret_id=signing_arn, pushwoosh_secret_id=token_arn, table="pushbridge-idempotency",
        )  # fmt: skip
        ingest_handler.use(None)
        delivery_handler.use(None)
