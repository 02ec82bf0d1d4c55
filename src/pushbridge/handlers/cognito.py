"""CognitoTriggerFunction: PostConfirmation and PostAuthentication triggers of a user pool.

It must never block a sign-up or a sign-in. Cognito waits 5 seconds for the trigger and then
fails the user's request, so every AWS call is bounded by the invocation's remaining time
minus a margin (connect and read timeouts, retries); whatever fails (the queue, the
configuration), it counts ``CognitoTriggerFailures``, logs "could not queue" for each command
in a form the runbook can act on (command id, source, event type, user hash, time: never
the user id or hwid), and returns the event unchanged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pushbridge.errors import DependencyUnavailable, PushbridgeError
from pushbridge.handlers.webhook_log import log_webhook
from pushbridge.observability import count, log_request_keys, logger, metrics, tracer

if TYPE_CHECKING:  # the domain (pydantic, the configuration) loads with the first event
    from pushbridge.adapters.command_queue import SqsCommandQueue
    from pushbridge.domain.ingest import IngestService

# Kept back from the remaining time for what follows the AWS call: logs, metrics, returning.
MARGIN_SECONDS = 0.8

_service: IngestService | None = None
_queue: SqsCommandQueue | None = None
_clients: dict[tuple[float, ...], Any] = {}  # per timeout budget: building a client costs ~20 ms
_clock: Callable[[], float] = time.time


def use(service: IngestService | None, *, clock: Callable[[], float] = time.time) -> None:
    """Replace the container's service and clock (tests); None rebuilds the service."""
    global _service, _queue, _clock
    _service, _queue, _clock = service, None, clock
    _clients.clear()


def service() -> IngestService:
    global _service, _queue
    if _service is None:
        from pushbridge.adapters.command_queue import SqsCommandQueue
        from pushbridge.handlers.trusted_intake import build_trusted_ingest
        from pushbridge.settings import TriggerSettings

        _queue = SqsCommandQueue(TriggerSettings.from_env().queue_url)
        _service = build_trusted_ingest(queue=_queue)
    return _service


def _bound_queue_calls(budget_seconds: float) -> None:
    """Give the queue a client whose worst case fits ``budget_seconds``."""
    if _queue is None:  # a service passed in by a test keeps its own queue
        return
    from pushbridge.adapters.aws import bounded_config
    from pushbridge.adapters.aws import client as aws_client

    config = bounded_config(int(budget_seconds * 4) / 4)  # quarter seconds: few distinct clients
    key = (config["connect_timeout"], config["read_timeout"], config["retries"]["total_max_attempts"])
    if key not in _clients:
        _clients[key] = aws_client("sqs", **config)
    _queue.use_client(_clients[key])


# Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds e-mails and ids.
@log_request_keys
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from pushbridge.providers.cognito import event_from_trigger

    received_at = _clock()
    source = os.environ.get("COGNITO_SOURCE", "cognito")
    try:
        provider_event = event_from_trigger(event, received_at)
        ingest = service()
        budget = context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
        if budget <= 0.2:
            raise DependencyUnavailable("no time left to queue within Cognito's 5 seconds", reason="no_time_left")
        _bound_queue_calls(budget)
        result = ingest.accept_trusted(source, [provider_event])
        log_webhook(result.status, result.body["status"], result=result)
    except Exception as exc:  # never block the user: log, count, let them through
        _could_not_queue(exc, source, received_at)
    return event


def _could_not_queue(exc: Exception, source: str, received_at: float) -> None:
    from pushbridge.models.command import user_ref

    count("CognitoTriggerFailures")
    # Our own errors say what failed without echoing the event; anything else only its type.
    detail = str(exc)[:300] if isinstance(exc, PushbridgeError) else type(exc).__name__
    commands = getattr(exc, "commands", None) or []
    for command in commands:
        logger.error(
            "could not queue",
            extra={
                "command_id": command.id, "method": command.method, "source": source,
                "event_type": command.origin.event_type, "rule": command.origin.rule,
                "user": user_ref(command.user_id), "time": command.origin.time,
                "error": type(exc).__name__, "detail": detail,
            },
        )  # fmt: skip
    if not commands:
        logger.error(
            "could not queue",
            extra={"source": source, "time": received_at, "error": type(exc).__name__, "detail": detail},
        )
