"""Create the stack's queues, table and secrets in a local AWS stand-in (a moto server), so
that ``sam local invoke`` with ``events/env.json`` runs with no AWS account.

Usage: python -m pushbridge_dev.devtools.local_aws [--endpoint http://127.0.0.1:5000]
(``make local-aws`` starts the moto server and runs this.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from pushbridge_dev.devtools.local_secrets import load_signing_secrets

QUEUE = "pushbridge-commands.fifo"
DLQ = "pushbridge-dlq.fifo"
TABLE = "pushbridge-idempotency"
SIGNING_SECRET = "pushbridge/signing"
PUSHWOOSH_SECRET = "pushbridge/pushwoosh"


def create_local_stack(
    endpoint: str, *, region: str = "eu-west-1", pushwoosh_token: str = "local-token"
) -> dict[str, str]:
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=region,
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip

    sqs, secrets, dynamodb = client("sqs"), client("secretsmanager"), client("dynamodb")
    dlq_url = sqs.create_queue(QueueName=DLQ, Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=QUEUE,
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "360",
                    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 20})},
    )["QueueUrl"]  # fmt: skip
    if TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )  # fmt: skip
    signing, _ = load_signing_secrets()
    for name, value in ((SIGNING_SECRET, signing), (PUSHWOOSH_SECRET, {"api_token": pushwoosh_token})):
        try:
            secrets.create_secret(Name=name, SecretString=json.dumps(value))
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=name, SecretString=json.dumps(value))
    return {"QUEUE_URL": queue_url, "DLQ_URL": dlq_url, "IDEMPOTENCY_TABLE": TABLE,
            "SIGNING_SECRET_ID": SIGNING_SECRET, "PUSHWOOSH_SECRET_ID": PUSHWOOSH_SECRET}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    created = create_local_stack(args.endpoint, pushwoosh_token=os.environ.get("PUSHWOOSH_API_TOKEN", "local-token"))
    json.dump(created, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
