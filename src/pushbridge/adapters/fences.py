"""The GDPR fence and the unanswered-attempt marks, in the idempotency table under their own
key prefixes (``pushbridge-user#``, ``pushbridge-unanswered#``), beside Powertools' records.

Items expire (the table's TTL attribute ``expiration``) no sooner than the idempotency
records: a fence must outlive every copy of a command that could still be redriven.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from pushbridge.adapters.aws import error_code
from pushbridge.adapters.prefetch import PrefetchedItems
from pushbridge.errors import DependencyUnavailable
from pushbridge.models.fence import UserMark

USER_PREFIX = "pushbridge-user#"
UNANSWERED_PREFIX = "pushbridge-unanswered#"


class DynamoDbFences:
    def __init__(
        self,
        table: str,
        client: Any,
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
        prefetched: PrefetchedItems | None = None,
    ) -> None:
        self._table = table
        self.client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._prefetched = prefetched

    @staticmethod
    def user_key(application: str, user_id: str) -> str:
        """The table key of a user's mark: what the batch prefetches."""
        return _user(application, user_id)

    def mark(self, application: str, user_id: str) -> UserMark:
        key = _user(application, user_id)
        fields = self._prefetched.peek(key) if self._prefetched else None
        if fields is None:
            item = self._call("get_item", TableName=self._table, Key=_key(key), ConsistentRead=True)
            fields = item.get("Item") or {}
        return UserMark(
            deleted_at=_number(fields.get("deleted_at")), registered_at=_number(fields.get("registered_at"))
        )

    def deleted(self, application: str, user_id: str, at: float) -> None:
        self._advance(_user(application, user_id), "deleted_at", at)

    def registered(self, application: str, user_id: str, at: float) -> None:
        self._advance(_user(application, user_id), "registered_at", at)

    def unanswered(self, command_id: str) -> None:
        self._call(
            "put_item", TableName=self._table,
            Item={"id": {"S": UNANSWERED_PREFIX + command_id}, "expiration": {"N": str(self._expiration())}},
        )  # fmt: skip

    def was_unanswered(self, command_id: str) -> bool:
        item = self._call("get_item", TableName=self._table, Key=_key(UNANSWERED_PREFIX + command_id))
        return "Item" in item

    def _advance(self, key: str, field: str, at: float) -> None:
        """Keep the latest time only (a redriven old deleteUser must not move a fence back)."""
        value = {"N": repr(float(at))}
        try:
            self.client.update_item(
                TableName=self._table, Key=_key(key),
                UpdateExpression=f"SET {field} = :at, expiration = :exp",
                ConditionExpression=f"attribute_not_exists({field}) OR {field} < :at",
                ExpressionAttributeValues={":at": value, ":exp": {"N": str(self._expiration())}},
            )  # fmt: skip
        except Exception as exc:  # ClientError, BotoCoreError: the command goes back to the queue
            if self._prefetched:
                self._prefetched.written(key, None)
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # a later time is already stored
            raise DependencyUnavailable(f"fence store: {error_code(exc)}", reason="fence_store") from None
        if self._prefetched:
            self._prefetched.written(key, {field: value})

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**params)
        except Exception as exc:  # ClientError, BotoCoreError: the command goes back to the queue
            raise DependencyUnavailable(f"fence store: {error_code(exc)}", reason="fence_store") from None

    def _expiration(self) -> int:
        return int(self._clock()) + self._ttl


def _user(application: str, user_id: str) -> str:
    # Hashed: the table must not hold user ids (they are often e-mail addresses).
    return USER_PREFIX + hashlib.sha256(f"{application}\x1f{user_id}".encode()).hexdigest()


def _key(key: str) -> dict[str, Any]:
    return {"id": {"S": key}}


def _number(value: Any) -> float | None:
    return float(value["N"]) if isinstance(value, dict) and "N" in value else None
