"""Lambda context and events for tests, built by the same code as `pushbridge sign --apigw`
and the files in events/."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pushbridge.devtools.events import http_api_event as _http_api_event
from pushbridge.devtools.events import sqs_record


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
