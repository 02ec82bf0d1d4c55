"""Lambda context and events for tests, built by the same code as `pushbridge sign --apigw`
and the files in events/."""

from __future__ import annotations

from typing import Any

from pushbridge_dev.devtools.events import LambdaContext, sqs_record
from pushbridge_dev.devtools.events import http_api_event as _http_api_event

__all__ = ["LambdaContext", "http_api_event", "sqs_fifo_event"]


def http_api_event(source: str, body: bytes | str, headers: dict[str, str], *, base64_encoded: bool = False) -> dict:
    raw = body.encode() if isinstance(body, str) else body
    return _http_api_event(source, raw, headers, base64_encoded=base64_encoded)


def sqs_fifo_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event from ``messages`` as ReceiveMessage returned them (AttributeNames=All)."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            sqs_record(
                message["Body"],
                group_id=attributes["MessageGroupId"],
                dedup_id=attributes["MessageDeduplicationId"],
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
                queue_arn=queue_arn,
            )
        )
    return {"Records": records}
