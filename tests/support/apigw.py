"""API Gateway HTTP API (payload format 2.0) and SQS FIFO events, shaped as AWS sends them."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"


def http_api_event(
    source: str, body: bytes | str, headers: dict[str, str], *, base64_encoded: bool = False
) -> dict[str, Any]:
    raw = body.encode() if isinstance(body, str) else body
    template = json.loads((EVENTS / "apigw" / "_template.json").read_text())
    now = int(time.time() * 1000)
    template["rawPath"] = f"/webhooks/{source}"
    template["pathParameters"] = {"source": source}
    # API Gateway lower-cases header names and joins repeated ones with commas.
    template["headers"] = {**template["headers"], **{k.lower(): v for k, v in headers.items()}}
    template["headers"]["content-length"] = str(len(raw))
    template["requestContext"]["http"]["path"] = f"/webhooks/{source}"
    template["requestContext"]["requestId"] = uuid.uuid4().hex[:16] + "="
    template["requestContext"]["timeEpoch"] = now
    if base64_encoded:
        template["body"], template["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    else:
        template["body"], template["isBase64Encoded"] = raw.decode("utf-8"), False
    return template


def sqs_fifo_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """``messages`` as returned by ReceiveMessage (with AttributeNames=All)."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
                    "SequenceNumber": attributes.get("SequenceNumber", "1"),
                    "MessageGroupId": attributes["MessageGroupId"],
                    "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
                    "MessageDeduplicationId": attributes["MessageDeduplicationId"],
                    "ApproximateFirstReceiveTimestamp": attributes.get(
                        "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
        )
    return {"Records": records}


class LambdaContext:
    """What the Lambda runtime passes: enough for Powertools and our deadline."""

    def __init__(self, name: str = "pushbridge-test", timeout_s: float = 60.0) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2026/11/26/[$LATEST]test"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
