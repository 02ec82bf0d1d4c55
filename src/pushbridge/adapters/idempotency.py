"""Powertools idempotency on DynamoDB with one write per command instead of two.

Powertools' DynamoDB layer writes an INPROGRESS record (conditional PutItem) before the call
and completes it (UpdateItem) after: two writes, most of delivery's CPU and of its DynamoDB
bill. This layer keeps Powertools' API and flow (``idempotent_function``, the stored response
replayed for a duplicate) and does a strongly consistent read before the call and one
conditional PutItem of the completed record after it. A failed call writes nothing.

Why no INPROGRESS record is needed: its only job is to stop two deliveries of one command from
running at the same time, and for this queue that cannot happen across containers. A command
is delivered from the SQS FIFO queue in its user's message group; FIFO hands out a group's next
message only after the one in flight is deleted or becomes visible again, and the visibility
timeout (360 s, template.yaml) is six times the function's timeout (60 s), so a delivery has
ended, or been killed, before its message can be received again. A provider retrying a webhook
later enqueues the same command in the same group, so it waits behind the first too. Inside one
container the in-flight set below covers what the queue does not see (two threads of one
process, the local dev server). What remains is what the two-write scheme also had: a container
killed between the Pushwoosh call and the write delivers again on the retry.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import STATUS_CONSTANTS
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from pushbridge.adapters.prefetch import ABSENT, PrefetchedItems
from pushbridge.observability import logger

# What another thread of this container holding the key looks like to Powertools: in progress.
_HELD_FOR_MS = 60_000


class OneWriteDynamoDBPersistenceLayer(DynamoDBPersistenceLayer):
    def __init__(self, table_name: str, *, prefetched: PrefetchedItems | None = None, **kwargs: Any) -> None:
        super().__init__(table_name=table_name, **kwargs)
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._prefetched = prefetched

    def item_key(self, command_id: str) -> str:
        """The table key of a command's record, as Powertools derives it (the layer must be
        configured: ``configure(config, key_prefix=...)``): what the batch prefetches."""
        return self._get_key(self._get_hashed_idempotency_key({"id": command_id}))[self.key_attr]["S"]

    def _get_record(self, idempotency_key: str) -> DataRecord:
        """The prefetched item when the batch read it (adapters/prefetch.py), else GetItem."""
        item = self._prefetched.take(idempotency_key) if self._prefetched and not self.sort_key_attr else None
        if item is None:
            return super()._get_record(idempotency_key)
        if item is ABSENT:
            raise IdempotencyItemNotFoundError
        return self._item_to_data_record(item)

    def _put_record(self, data_record: DataRecord) -> None:
        """Before the call: nothing written. A completed, unexpired record is a duplicate."""
        key = data_record.idempotency_key
        with self._lock:
            if key in self._in_flight:
                held = DataRecord(key, status=STATUS_CONSTANTS["INPROGRESS"],
                                  in_progress_expiry_timestamp=int(time.time() * 1000) + _HELD_FOR_MS)  # fmt: skip
                raise IdempotencyItemAlreadyExistsError(old_data_record=held)
            self._in_flight.add(key)
        try:
            existing = self._get_record(key)  # prefetched, or GetItem (ConsistentRead)
        except IdempotencyItemNotFoundError:
            return
        except BaseException:
            self._release(key)
            raise
        if existing.expiry_timestamp is not None and existing.expiry_timestamp < int(time.time()):
            return  # past its TTL (DynamoDB deletes lazily): as if absent
        self._release(key)
        raise IdempotencyItemAlreadyExistsError(old_data_record=existing)

    def _update_record(self, data_record: DataRecord) -> None:
        """After a successful call: the one write, the completed record."""
        try:
            item: dict[str, Any] = {
                **self._get_key(data_record.idempotency_key),
                self.status_attr: {"S": data_record.status},
                self.expiry_attr: {"N": str(data_record.expiry_timestamp)},
                self.data_attr: {"S": data_record.response_data},
            }
            if self.payload_validation_enabled:
                item[self.validation_key_attr] = {"S": data_record.payload_hash}
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
                ExpressionAttributeNames={"#id": self.key_attr, "#expiry": self.expiry_attr},
                ExpressionAttributeValues={":now": {"N": str(int(time.time()))}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            # Another delivery completed the same command meanwhile: the argument above says this
            # cannot happen; if it ever does, it must be seen, and the first record stays.
            logger.error("idempotency record already completed by another delivery")
        finally:
            self._release(data_record.idempotency_key)

    def _delete_record(self, data_record: DataRecord) -> None:
        """The call failed: nothing was written, only this container's hold is let go."""
        self._release(data_record.idempotency_key)

    def _release(self, key: str) -> None:
        with self._lock:
            self._in_flight.discard(key)
