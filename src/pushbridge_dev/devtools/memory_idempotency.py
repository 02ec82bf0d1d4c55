"""An in-memory Powertools idempotency persistence layer, with the DynamoDB layer's
conditional-write semantics, so the local dev server runs the same idempotent delivery code
as the Lambda without a table."""

from __future__ import annotations

import threading
import time

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import (
    STATUS_CONSTANTS,
    BasePersistenceLayer,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord


class InMemoryPersistenceLayer(BasePersistenceLayer):
    def __init__(self) -> None:
        super().__init__()
        self._records: dict[str, DataRecord] = {}
        self._lock = threading.Lock()

    def _get_record(self, idempotency_key: str) -> DataRecord:
        with self._lock:
            record = self._records.get(idempotency_key)
        if record is None:
            raise IdempotencyItemNotFoundError
        return record

    def _put_record(self, data_record: DataRecord) -> None:
        now = time.time()
        with self._lock:
            existing = self._records.get(data_record.idempotency_key)
            if existing is not None and not _replaceable(existing, now):
                raise IdempotencyItemAlreadyExistsError(old_data_record=existing)
            self._records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self._records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self._records.pop(data_record.idempotency_key, None)


def _replaceable(record: DataRecord, now: float) -> bool:
    # The same conditions as DynamoDBPersistenceLayer's conditional put.
    if record.expiry_timestamp is not None and record.expiry_timestamp < now:
        return True
    in_progress_expiry = record.in_progress_expiry_timestamp
    return (
        record.status == STATUS_CONSTANTS["INPROGRESS"]
        and in_progress_expiry is not None
        and in_progress_expiry < now * 1000
    )
