"""CognitoTriggerFunction: PostConfirmation and PostAuthentication triggers of a user pool.

It must never block a sign-up or a sign-in: whatever fails (the queue, the configuration),
it logs, counts ``CognitoTriggerFailures`` and returns the event unchanged. Cognito allows a
trigger 5 seconds, so the SQS client's timeouts are short.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pushbridge.handlers.webhook_log import log_webhook
from pushbridge.observability import count, log_request_keys, logger, metrics, tracer

if TYPE_CHECKING:  # the domain (pydantic, the configuration) loads with the first event
    from pushbridge.domain.ingest import IngestService

_service: IngestService | None = None


def use(service: IngestService | None) -> None:
    global _service
    _service = service


def service() -> IngestService:
    global _service
    if _service is None:
        from pushbridge.adapters.aws import client as aws_client
        from pushbridge.handlers.trusted_intake import build_trusted_ingest

        sqs = aws_client("sqs", connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2})
        _service = build_trusted_ingest(sqs_client=sqs)
    return _service


@log_request_keys
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from pushbridge.providers.cognito import event_from_trigger

    try:
        provider_event = event_from_trigger(event, context.aws_request_id)
        result = service().accept_trusted(os.environ.get("COGNITO_SOURCE", "cognito"), [provider_event])
        log_webhook(result.status, result.body["status"], result=result)
    except Exception as exc:  # never block the user: log, count, let them through
        count("CognitoTriggerFailures")
        logger.error(
            "Cognito trigger not enqueued; the user was let through",
            extra={"error": type(exc).__name__, "detail": str(exc)[:300]},
        )
    return event
