"""DeliveryFunction: SQS FIFO batches -> Pushwoosh, with partial batch responses.

Each message group (one user of one application) goes through Powertools'
``SqsFifoPartialProcessor(skip_group_on_error=True)`` on its own worker thread: a user's
commands run strictly in order and, when one fails, the rest of *its* group is handed back
too, while other users' commands run at the same time. Pushwoosh's latency, not our CPU,
bounds delivery, so a batch of ten users takes about one call's time, not ten.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from pushbridge import snapstart
from pushbridge.observability import leave_untraced, log_request_keys, logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from pushbridge.domain.delivery import DeliveryService

# Traced: the handler and each Pushwoosh call (the latency that matters). Not the DynamoDB
# calls: a subsegment each costs ~0.3 ms of CPU a command at 256 MB, and DynamoDB's own
# latency metrics show what they would (docs/performance.md).
leave_untraced("botocore")

DEFAULT_WORKERS = 10  # the SQS batch size: at most one thread per record
KEY_PREFIX = "pushbridge-command"  # of idempotency keys: stable across function renames and redeploys


@dataclass
class Delivery:
    service: DeliveryService
    idempotency_config: Any = None  # registered with each invocation's context
    workers: int = DEFAULT_WORKERS  # message groups delivered at once
    adapters: tuple[Any, ...] = ()  # refreshed after a SnapStart restore


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


def build(
    pushwoosh: Any,
    dead_letters: Any,
    store: Any,
    *,
    ttl_seconds: int,
    workers: int = DEFAULT_WORKERS,
    adapters: tuple[Any, ...] = (),
    fences: Any = None,
    prefetched: Any = None,
) -> Delivery:
    """The delivery service with its calls guarded by a Powertools idempotency record in
    ``store`` (DynamoDB in Lambda, memory in ``pushbridge dev``). With ``prefetched``
    (adapters/prefetch.py, over the table ``store`` and ``fences`` read) each batch's records
    and fences are read in one call."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    from pushbridge.domain.delivery import DeliveryService

    config = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=ttl_seconds)
    prefetch = None
    if prefetched is not None and fences is not None:
        store.configure(config, key_prefix=KEY_PREFIX)  # what item_key() derives keys with

        def prefetch(commands: list[Any]) -> None:
            prefetched.load([store.item_key(c.id) for c in commands]
                            + [fences.user_key(c.application, c.user_id) for c in commands])  # fmt: skip

    service = DeliveryService(
        pushwoosh,
        dead_letters,
        fences=fences,
        prefetch=prefetch,
        once=lambda call: idempotent_function(
            call, data_keyword_argument="command", persistence_store=store, config=config, key_prefix=KEY_PREFIX
        ),
    )
    return Delivery(service=service, idempotency_config=config, workers=workers, adapters=adapters)


def build_from_env() -> Delivery:
    from pushbridge.adapters.aws import client as aws_client
    from pushbridge.adapters.command_queue import SqsDeadLetters
    from pushbridge.adapters.fences import DynamoDbFences
    from pushbridge.adapters.idempotency import OneWriteDynamoDBPersistenceLayer
    from pushbridge.adapters.prefetch import PrefetchedItems
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
    dead_letters, dynamodb = SqsDeadLetters(settings.dlq_url), aws_client("dynamodb")
    table = settings.idempotency_table
    prefetched = PrefetchedItems(table, dynamodb)
    return build(
        client,
        dead_letters,
        OneWriteDynamoDBPersistenceLayer(table, boto3_client=dynamodb, prefetched=prefetched),
        ttl_seconds=settings.idempotency_ttl,
        fences=DynamoDbFences(table, dynamodb, ttl_seconds=settings.idempotency_ttl, prefetched=prefetched),
        prefetched=prefetched,
        workers=settings.delivery_concurrency,
        adapters=(token_secret, dead_letters, _Closing(dynamodb)),
    )


class _Closing:
    """A bare boto3 client, as an adapter SnapStart can refresh."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def after_restore(self) -> None:
        self.client.close()


def pushwoosh_token(secret: Any, *, force: bool = False) -> str:
    from pushbridge.errors import DependencyUnavailable

    token = secret.get(force=force).get("api_token")
    if not isinstance(token, str) or not token:
        raise DependencyUnavailable("the Pushwoosh secret has no api_token", reason="pushwoosh_token_missing")
    return token


def _record_handler(record: SQSRecord, *, deadline: float) -> str:
    # Thread-local keys: each worker thread logs its own command.
    logger.thread_safe_remove_keys(["command_id", "method", "user", "correlation_id"])
    from pushbridge.domain.delivery import Receipt

    receipt = Receipt(record.message_id, int(record.attributes.approximate_receive_count or 1))
    return delivery().service.deliver(
        record.body, deadline=deadline, message_group=record.attributes.message_group_id, receipt=receipt
    )


# Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it carries personal data.
@log_request_keys
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = delivery()
    if current.idempotency_config is not None:
        current.idempotency_config.register_lambda_context(context)
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000
    records = event.get("Records") if isinstance(event, dict) else None
    current.service.prepare(r["body"] for r in records or () if isinstance(r, dict) and isinstance(r.get("body"), str))
    return process_fifo_batch(event, partial(_record_handler, deadline=deadline), context, workers=current.workers)


def process_fifo_batch(
    event: dict[str, Any], record_handler: Callable[[SQSRecord], Any], context: Any, *, workers: int
) -> dict[str, Any]:
    """Powertools' FIFO partial batch processing, one message group per worker thread.

    Each group gets its own processor (they keep per-batch state and are not thread-safe),
    so within a group the semantics are exactly Powertools': records in order, and after a
    failure the rest of that group reported as failed without being run.
    """
    records = event.get("Records") if isinstance(event, dict) else None
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records or []:
        groups.setdefault(_group_of(record), []).append(record)
    if workers <= 1 or len(groups) <= 1:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=_processor(), context=context
        )

    def one_group(group: list[dict[str, Any]]) -> dict[str, Any]:
        return process_partial_response(
            event={"Records": group}, record_handler=record_handler, processor=_processor(), context=context
        )

    failed: set[str] = set()
    for answer in _pool(workers).map(one_group, groups.values()):
        failed.update(item["itemIdentifier"] for item in answer["batchItemFailures"])
    # In the batch's order, as one processor over the whole batch would have reported them.
    return {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records or [] if r["messageId"] in failed]
    }


def _processor() -> SqsFifoPartialProcessor:
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A batch that failed whole is reported item by item like any other, not raised as an
    # invocation error: the outcome for SQS is the same, and Lambda's Errors metric stays a
    # signal of bugs rather than of Pushwoosh outages.
    processor.raise_on_entire_batch_failure = False
    return processor


def _group_of(record: Any) -> str:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    return str((attributes or {}).get("MessageGroupId", ""))


_executor: tuple[int, ThreadPoolExecutor] | None = None


def _pool(workers: int) -> ThreadPoolExecutor:
    """One pool per container, kept across invocations (threads idle between them)."""
    global _executor
    if _executor is None or _executor[0] != workers:
        _executor = (workers, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delivery"))
    return _executor[1]


def _prime() -> None:
    """SnapStart: build the service and its AWS clients before the snapshot (not the token)."""
    for adapter in delivery().adapters:
        getattr(adapter, "client", None)  # reading the property builds a lazily created client


snapstart.prepare(_prime, lambda: snapstart.refresh(delivery().adapters))
