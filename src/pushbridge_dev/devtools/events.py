"""Build the events AWS hands to the functions: API Gateway HTTP API (payload format 2.0)
requests and SQS FIFO batches, shaped exactly as AWS sends them. Used by `pushbridge sign
--apigw`, the files in events/, the tests and the local dev server."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from pushbridge.models.command import Command, messages_for

_API_ID = "a1b2c3d4e5"
_DOMAIN = f"{_API_ID}.execute-api.eu-west-1.amazonaws.com"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:pushbridge-CommandQueue.fifo"


class LambdaContext:
    """What the Lambda runtime passes a handler: enough for Powertools and our deadline."""

    def __init__(self, name: str = "pushbridge-local", timeout_s: float = 60.0, memory_mb: int = 512) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def http_api_event(
    source: str | None,
    body: bytes,
    headers: Mapping[str, str],
    *,
    base64_encoded: bool = False,
    now: float | None = None,
    method: str = "POST",
    path: str | None = None,
    uuids: Callable[[], uuid.UUID] = uuid.uuid4,
) -> dict[str, Any]:
    """A request to ``POST /webhooks/{source}``, or to any ``path`` (which the route may not match).
    ``uuids`` makes the request and trace ids (seeded for the files in events/)."""
    now = time.time() if now is None else now
    path = path if path is not None else f"/webhooks/{source}"
    user_agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "pushbridge-sign/1.0")
    all_headers = {
        "accept": "*/*",
        "content-type": "application/json; charset=utf-8",
        "host": _DOMAIN,
        "user-agent": user_agent,
        "x-amzn-trace-id": f"Root=1-{int(now):08x}-{uuids().hex[:24]}",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        # API Gateway lower-cases header names (and joins repeated ones with commas).
        **{name.lower(): value for name, value in headers.items()},
        "content-length": str(len(body)),
    }
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": _API_ID,
            "domainName": _DOMAIN,
            "domainPrefix": _API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": user_agent,
            },
            "requestId": base64.b64encode(uuids().bytes[:10]).decode(),
            "routeKey": "POST /webhooks/{source}",
            "stage": "$default",
            "time": datetime.fromtimestamp(now, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "pathParameters": {"source": source} if source is not None else {},
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode("utf-8", "surrogateescape"),
        "isBase64Encoded": base64_encoded,
    }


def sqs_record(
    body: str,
    *,
    group_id: str,
    dedup_id: str,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    receive_count: int = 1,
    sent_at: float | None = None,
    queue_arn: str = QUEUE_ARN,
    uuids: Callable[[], uuid.UUID] = uuid.uuid4,
) -> dict[str, Any]:
    sent_ms = str(int((time.time() if sent_at is None else sent_at) * 1000))
    return {
        "messageId": message_id or str(uuids()),
        "receiptHandle": receipt_handle or "AQEB" + uuids().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": sent_ms,
            "SequenceNumber": str(int(sent_ms) * 10**8),
            "MessageGroupId": group_id,
            "SenderId": "AROAEXAMPLE:pushbridge-IngestFunction",
            "MessageDeduplicationId": dedup_id,
            "ApproximateFirstReceiveTimestamp": sent_ms,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def sqs_event_for(commands: Sequence[Command], *, uuids: Callable[[], uuid.UUID] = uuid.uuid4) -> dict[str, Any]:
    sent_at = commands[0].origin.received_at if commands else None
    return {
        "Records": [
            sqs_record(m.body, group_id=m.group_id, dedup_id=m.dedup_id, sent_at=sent_at, uuids=uuids)
            for m in messages_for(list(commands))
        ]
    }
