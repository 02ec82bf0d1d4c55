"""DeliveryFunction: SQS FIFO batches -> Pushwoosh, with partial batch responses.

``SqsFifoPartialProcessor(skip_group_on_error=True)``: when a command fails, the rest of
*its* message group is handed back too (a user's later commands never overtake it), while
other users' commands in the batch go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from pushbridge.domain.delivery import DeliveryService
from pushbridge.observability import logger, metrics, tracer

processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# A batch that failed whole is reported item by item like any other, not raised as an
# invocation error: the outcome for SQS is the same, and Lambda's Errors metric stays a
# signal of bugs rather than of Pushwoosh outages.
processor.raise_on_entire_batch_failure = False


@dataclass
class Delivery:
    service: DeliveryService
    idempotency_config: Any = None  # registered with each invocation's context


_delivery: Delivery | None = None


def use(delivery: Delivery | None) -> None:
    """Replace the container's service (tests, the local dev server); None rebuilds it."""
    global _delivery
    _delivery = delivery


def delivery() -> Delivery:
    global _delivery
    if _delivery is None:
        _delivery = build_from_env()
    return _delivery


def build(pushwoosh: Any, dead_letters: Any, store: Any, *, ttl_seconds: int) -> Delivery:
    """The delivery service with its calls guarded by a Powertools idempotency record in
    ``store`` (DynamoDB in Lambda, memory in ``pushbridge dev``)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    config = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=ttl_seconds)
    service = DeliveryService(
        pushwoosh,
        dead_letters,
        once=lambda call: idempotent_function(
            call,
            data_keyword_argument="command",
            persistence_store=store,
            config=config,
            # Stable across function renames and redeploys, unlike the default prefix.
            key_prefix="pushbridge-command",
        ),
    )
    return Delivery(service=service, idempotency_config=config)


def build_from_env() -> Delivery:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from pushbridge.adapters.aws import client as aws_client
    from pushbridge.adapters.command_queue import SqsDeadLetters
    from pushbridge.adapters.pushwoosh import PushwooshClient
    from pushbridge.adapters.secrets import SecretsManagerJson
    from pushbridge.settings import DeliverySettings

    settings = DeliverySettings.from_env()
    token_secret = SecretsManagerJson(settings.pushwoosh_secret_id, max_age=settings.secrets_max_age)
    client = PushwooshClient(
        partial(pushwoosh_token, token_secret),
        base_url=settings.pushwoosh_api_url,
        connect_timeout=settings.pushwoosh_connect_timeout,
        read_timeout=settings.pushwoosh_read_timeout,
    )
    return build(
        client,
        SqsDeadLetters(settings.dlq_url),
        DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=aws_client("dynamodb")),
        ttl_seconds=settings.idempotency_ttl_seconds,
    )


def pushwoosh_token(secret: Any, *, force: bool = False) -> str:
    from pushbridge.errors import DependencyUnavailable

    token = secret.get(force=force).get("api_token")
    if not isinstance(token, str) or not token:
        raise DependencyUnavailable("the Pushwoosh secret has no api_token", reason="pushwoosh_token_missing")
    return token


def _record_handler(record: SQSRecord, *, deadline: float) -> str:
    logger.remove_keys(["command_id", "method", "user"])
    return delivery().service.deliver(record.body, deadline=deadline, message_group=record.attributes.message_group_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = delivery()
    if current.idempotency_config is not None:
        current.idempotency_config.register_lambda_context(context)
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000
    return process_partial_response(
        event=event,
        record_handler=partial(_record_handler, deadline=deadline),
        processor=processor,
        context=context,
    )
