"""An in-process stand-in for the SQS FIFO queue, its DLQ and Lambda's SQS event source.

Same message format (the command JSON as body, group and deduplication ids), the same
semantics where it matters: one group's messages are delivered strictly in order, a failed
message holds its group back, deduplication for five minutes, redelivery after a backoff,
and a dead-letter list after ``max_receives``. The consumer calls the *real* delivery
Lambda handler with SQS events built like AWS builds them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pushbridge.models.command import Command, messages_for
from pushbridge_dev.devtools.events import sqs_record

DEDUPLICATION_WINDOW = 300.0


@dataclass
class Message:
    body: str
    group_id: str
    dedup_id: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    sent_at: float = field(default_factory=time.time)
    receives: int = 0
    not_before: float = 0.0


@dataclass
class DeadLetter:
    body: str
    reason: str
    status: int | None = None
    detail: str = ""


class LocalFifoQueue:
    def __init__(
        self,
        *,
        max_receives: int = 5,
        base_backoff: float = 1.0,
        max_backoff: float = 30.0,
        batch_size: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_receives = max_receives
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.batch_size = batch_size
        self._clock = clock
        self._groups: OrderedDict[str, deque[Message]] = OrderedDict()
        self._recent: dict[str, float] = {}  # dedup id -> when first sent
        self._in_flight: set[str] = set()
        self._cond = threading.Condition()
        self.dead_letters: list[DeadLetter] = []
        self.on_retry: Callable[[Message, float], None] | None = None
        self.on_dead: Callable[[DeadLetter], None] | None = None

    # --- the producer side: the same interface as SqsCommandQueue --------------------------

    def send(self, commands: Sequence[Command]) -> None:
        now = self._clock()
        with self._cond:
            self._recent = {k: t for k, t in self._recent.items() if now - t < DEDUPLICATION_WINDOW}
            for outgoing in messages_for(list(commands)):
                if outgoing.dedup_id in self._recent:
                    continue  # FIFO deduplication: the same deduplication id within five minutes
                self._recent[outgoing.dedup_id] = now
                message = Message(outgoing.body, outgoing.group_id, outgoing.dedup_id, sent_at=now)
                self._groups.setdefault(message.group_id, deque()).append(message)
            self._cond.notify_all()

    # --- the DLQ the delivery function parks permanent failures in --------------------------

    def park(self, body: str, *, group_id: str, dedup_id: str, reason: str, status: int | None, detail: str) -> None:
        letter = DeadLetter(body, reason, status, detail)
        with self._cond:
            self.dead_letters.append(letter)
        if self.on_dead:
            self.on_dead(letter)

    # --- the consumer side: Lambda's event source mapping ------------------------------------

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._groups.values())

    def next_batch(self, timeout: float) -> list[Message]:
        """Messages ready for delivery: the head of each idle group and those behind it, in
        order, up to the batch size. Waits up to ``timeout`` for some."""
        deadline = self._clock() + timeout
        with self._cond:
            while True:
                batch = self._ready(self._clock())
                if batch or self._clock() >= deadline:
                    return batch
                self._cond.wait(min(0.2, max(0.0, deadline - self._clock())))

    def _ready(self, now: float) -> list[Message]:
        batch: list[Message] = []
        for group_id, messages in self._groups.items():
            if group_id in self._in_flight or not messages or messages[0].not_before > now:
                continue
            self._in_flight.add(group_id)
            for message in messages:
                if len(batch) >= self.batch_size:
                    break
                message.receives += 1
                batch.append(message)
            if len(batch) >= self.batch_size:
                break
        return batch

    def settle(self, batch: list[Message], failed_ids: set[str]) -> None:
        """Delete what succeeded; hand failures back to the head of their group with a
        backoff, or move them to the dead-letter list after ``max_receives``."""
        now = self._clock()
        dead: list[DeadLetter] = []
        retried: list[tuple[Message, float]] = []
        with self._cond:
            for message in batch:
                group = self._groups.get(message.group_id)
                if message.id not in failed_ids:
                    if group and message in group:
                        group.remove(message)
                elif message.receives >= self.max_receives:
                    if group and message in group:
                        group.remove(message)
                    letter = DeadLetter(message.body, "max_receives", None, f"failed {message.receives} deliveries")
                    self.dead_letters.append(letter)
                    dead.append(letter)
                else:
                    delay = min(self.max_backoff, self.base_backoff * 2 ** (message.receives - 1))
                    message.not_before = now + delay
                    retried.append((message, delay))
            for message in batch:
                self._in_flight.discard(message.group_id)
                if not self._groups.get(message.group_id):
                    self._groups.pop(message.group_id, None)
            self._cond.notify_all()
        for message, delay in retried:
            if self.on_retry:
                self.on_retry(message, delay)
        for letter in dead:
            if self.on_dead:
                self.on_dead(letter)

    def sqs_event(self, batch: list[Message]) -> dict[str, Any]:
        return {
            "Records": [
                sqs_record(
                    m.body,
                    group_id=m.group_id,
                    dedup_id=m.dedup_id,
                    message_id=m.id,
                    receive_count=m.receives,
                    sent_at=m.sent_at,
                )  # fmt: skip
                for m in batch
            ]
        }
