"""One BatchGetItem per SQS batch instead of two GetItems per command.

Before its Pushwoosh call every command reads two items of the idempotency table: its own
idempotency record and its user's GDPR fence. Read one by one, that is two botocore calls per
command, and botocore's per-call CPU is most of what a delivery costs at 256 MB. Read when the
batch arrives, they are one call (a batch of 10 messages needs about 20 of the 100 keys a
BatchGetItem takes), strongly consistent like the single reads.

An idempotency record is used once: the first reader takes it, and a later read of that key
in the batch (the same command twice) goes to DynamoDB and sees the record the batch wrote
meanwhile. A user's fence stays for the batch's next commands of that user, and the fence's
own writes update it (or drop it, when DynamoDB holds a later time than this batch knows).
Nothing outside the batch writes these items meanwhile: a user's commands form one FIFO
message group, and SQS hands a group to one invocation at a time.
What the read could not fetch (unprocessed keys, an error) is read singly later, where a
failure is handled as it always was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from pushbridge.adapters.aws import error_code
from pushbridge.observability import logger

MAX_KEYS = 100  # BatchGetItem's limit per call
ABSENT: Mapping[str, Any] = MappingProxyType({})  # taken for a key the table does not hold


class PrefetchedItems:
    def __init__(self, table: str, client: Any, *, key_attr: str = "id") -> None:
        self._table = table
        self.client = client
        self._key_attr = key_attr
        self._items: dict[str, Mapping[str, Any]] = {}
        self._lock = threading.Lock()

    def load(self, keys: Iterable[str]) -> None:
        """Read ``keys`` (string hash keys) in one call; replaces what an earlier batch left."""
        wanted = list(dict.fromkeys(keys))[:MAX_KEYS]
        fetched: dict[str, Mapping[str, Any]] = {}
        if wanted:
            try:
                answer = self.client.batch_get_item(
                    RequestItems={self._table: {"Keys": [{self._key_attr: {"S": k}} for k in wanted],
                                                "ConsistentRead": True}}
                )  # fmt: skip
            except Exception as exc:  # ClientError, BotoCoreError: each command reads singly instead
                logger.warning("prefetch failed; reading singly", extra={"error": error_code(exc)})
            else:
                unprocessed = answer.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                skipped = {key[self._key_attr]["S"] for key in unprocessed}
                found = {item[self._key_attr]["S"]: item for item in answer.get("Responses", {}).get(self._table, [])}
                fetched = {key: found.get(key, ABSENT) for key in wanted if key not in skipped}
        with self._lock:
            self._items = fetched

    def take(self, key: str) -> Mapping[str, Any] | None:
        """The prefetched item (:data:`ABSENT` when the table has none), once; None when the key
        was not prefetched or was already taken: read it from DynamoDB."""
        with self._lock:
            return self._items.pop(key, None)

    def peek(self, key: str) -> Mapping[str, Any] | None:
        """Like :meth:`take`, but the item stays for the next reader."""
        with self._lock:
            return self._items.get(key)

    def written(self, key: str, attributes: Mapping[str, Any] | None) -> None:
        """This batch wrote ``attributes`` to the item at ``key`` (None: it does not know what
        the item holds now, so it is read from DynamoDB next time)."""
        with self._lock:
            if attributes is None:
                self._items.pop(key, None)
            elif key in self._items:
                self._items[key] = {**self._items[key], **attributes}
