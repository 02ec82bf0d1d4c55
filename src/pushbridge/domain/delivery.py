"""Delivery: one queued command -> exactly one Pushwoosh call.

- Exactly once: the call runs inside a Powertools idempotency record keyed on the command id,
  so a redelivery (FIFO window long past, provider retrying days later) replays the stored
  result instead of calling Pushwoosh again.
- Nothing lost: transient failures propagate (the batch processor reports the record as a
  batch item failure, SQS redelivers it); permanent ones are parked in the DLQ with the
  reason and the record is acknowledged, so the group behind it moves on. Each parking has
  its own deduplication id, so a command parked, redriven and parked again within FIFO's
  five minutes is parked again rather than swallowed.
- GDPR fence: a deleteUser fences its user at its provider event time; a later postEvent or
  registerUser from before that time (a redrive, a late retry) is not sent (``fenced``). A
  deleteUser older than the user's latest registerUser (the user signed up again) is stale
  and fenced too.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pushbridge.errors import (
    AuthDeliveryError,
    DependencyUnavailable,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from pushbridge.models.command import (
    Command,
    DeleteUser,
    Envelope,
    MalformedMessage,
    RegisterUser,
    parse_message,
    user_ref,
)
from pushbridge.models.fence import UserMark
from pushbridge.observability import carried_metrics, count, logger, metrics_carried_by_lines, timing


class Pushwoosh(Protocol):
    min_call_seconds: float

    def send(self, command: Command, *, deadline: float | None = None) -> Any: ...


class DeadLetters(Protocol):
    def park(
        self, body: str, *, group_id: str, dedup_id: str, reason: str, status: int | None, detail: str
    ) -> None: ...


class Fences(Protocol):
    """Per application and user: the GDPR fence, and what tells a stale deleteUser apart;
    per command: whether an attempt went unanswered (it may have applied)."""

    def mark(self, application: str, user_id: str) -> UserMark: ...

    def deleted(self, application: str, user_id: str, at: float) -> None: ...

    def registered(self, application: str, user_id: str, at: float) -> None: ...

    def unanswered(self, command_id: str) -> None: ...

    def was_unanswered(self, command_id: str) -> bool: ...


@dataclass(frozen=True)
class Receipt:
    """Which receive of which SQS message is being delivered: makes each parking unique."""

    message_id: str = ""
    receive_count: int = 1


class DeliveryService:
    def __init__(
        self,
        pushwoosh: Pushwoosh,
        dead_letters: DeadLetters,
        *,
        once: Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]] | None = None,
        fences: Fences | None = None,
        prefetch: Callable[[list[Command]], None] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``once`` wraps the Pushwoosh call in an idempotency guard (Powertools'
        ``idempotent_function`` with a persistence layer); without one every delivery calls.
        ``fences`` (DynamoDB in Lambda) enables the GDPR fence and the unanswered-attempt mark.
        ``prefetch`` reads, in one go, what a batch's commands will read (adapters/prefetch.py)."""
        self._pushwoosh = pushwoosh
        self._prefetch = prefetch
        self._parsed: dict[str, list[Command]] = {}
        self._dead_letters = dead_letters
        self._fences = fences
        self._clock = clock
        self._monotonic = monotonic
        self._call_once = once(self._call) if once else self._call

    def prepare(self, bodies: Iterable[str]) -> None:
        """Before a batch: parse its messages once (``deliver`` takes them from here) and
        prefetch their commands' idempotency records and fences."""
        parsed: dict[str, list[Command]] = {}
        for body in bodies:
            try:
                parsed[body] = parse_message(body)
            except MalformedMessage:
                continue  # parked by deliver()
        self._parsed = parsed  # replaces what an earlier batch left undelivered
        if self._prefetch is not None:
            self._prefetch([command for commands in parsed.values() for command in commands])

    def deliver(
        self,
        body: str,
        *,
        deadline: float | None = None,
        message_group: str | None = None,
        receipt: Receipt | None = None,
    ) -> str:
        """Deliver one queued message (one command, or one webhook's commands for one user, in
        order); returns ``delivered``, ``duplicate`` or ``parked`` for each, comma-separated.

        ``deadline`` is on the ``monotonic`` clock; raises :class:`TransientDeliveryError`
        (or :class:`DependencyUnavailable`) for the queue to redeliver the message: commands of
        it already delivered are then answered by their idempotency records, not called again.
        """
        receipt = receipt or Receipt(message_id=uuid.uuid4().hex)
        try:
            # Parsed by prepare() for this batch, once per body (the same body twice parses again).
            commands = self._parsed.pop(body, None) or parse_message(body)
        except MalformedMessage as exc:
            logger.error("malformed command parked", extra={"errors": exc.error_count()})
            dedup = _parking_id(uuid.uuid5(uuid.NAMESPACE_URL, body).hex, receipt)
            self._dead_letters.park(
                body, group_id=message_group or "malformed", dedup_id=dedup, reason="malformed_command",
                status=None, detail=f"{exc.error_count()} validation errors",
            )  # fmt: skip
            count("CommandsParked", reason="malformed_command")
            return "parked"
        return ",".join(self._deliver_one(command, deadline, receipt) for command in commands)

    def _deliver_one(self, command: Command, deadline: float | None, receipt: Receipt) -> str:
        # One log line per attempt, carrying the attempt's metrics (PushwooshCalls{method,outcome},
        # PushwooshLatency{method}, CommandsParked{reason}): a JSON document each instead of three.
        with metrics_carried_by_lines():
            return self._attempt(command, deadline, receipt)

    def _attempt(self, command: Command, deadline: float | None, receipt: Receipt) -> str:
        # Thread-local: message groups are delivered on worker threads at the same time.
        logger.thread_safe_append_keys(
            correlation_id=command.origin.event_id, command_id=command.id, method=command.method,
            user=user_ref(command.user_id),
        )  # fmt: skip
        timing("DeliveryLag", max(0.0, self._clock() - command.origin.received_at) * 1000)
        if deadline is not None and deadline - self._monotonic() < self._pushwoosh.min_call_seconds:
            # Not enough time left for a call to finish: hand it back untouched.
            raise TransientDeliveryError("not enough time left in this invocation")
        if self._fenced(command):
            return "fenced"

        attempt = uuid.uuid4().hex
        try:
            result = self._call_once(command=command, attempt=attempt, deadline=deadline)
        except PermanentDeliveryError as exc:
            self._park(command, exc, receipt)
            return "parked"
        except AuthDeliveryError as exc:
            count("PushwooshAuthFailures")
            count("PushwooshCalls", method=command.method, outcome="auth")
            logger.error(
                "Pushwoosh rejected the API token twice; will retry", extra={"detail": exc.detail, **carried_metrics()}
            )
            raise
        except TransientDeliveryError as exc:
            if exc.unanswered and self._fences is not None:
                self._fences.unanswered(command.id)  # it may have applied: say so if refused later
            count("PushwooshCalls", method=command.method, outcome="transient")
            logger.warning(
                "Pushwoosh call failed; will retry",
                extra={"status": exc.status, "detail": exc.detail, **carried_metrics()},
            )
            raise
        except DependencyUnavailable:
            raise
        except Exception as exc:
            if _is_idempotency_error(exc):
                # In progress elsewhere, or the store is down: never call without protection.
                raise DependencyUnavailable(f"idempotency store: {type(exc).__name__}", reason="idempotency") from None
            raise

        if result.get("attempt") != attempt:
            count("DuplicatesSuppressed")
            logger.info("duplicate command suppressed", extra={"first_delivered_at": result.get("delivered_at")})
            return "duplicate"
        return "delivered"

    def _fenced(self, command: Command) -> bool:
        """The GDPR fence. Its marks are written before the call: a deleteUser that fails after
        its fence is written still fences what came before it (the user asked to be deleted)."""
        if self._fences is None:
            return False
        at = command.origin.time
        mark = self._fences.mark(command.application, command.user_id)
        if isinstance(command, DeleteUser):
            stale = mark.registered_at is not None and mark.registered_at > at
            if not stale:
                if mark.deleted_at is None or at > mark.deleted_at:  # only a write that moves it
                    self._fences.deleted(command.application, command.user_id, at)
                return False
        elif mark.deleted_at is None or at > mark.deleted_at:
            if isinstance(command, RegisterUser) and (mark.registered_at is None or at > mark.registered_at):
                self._fences.registered(command.application, command.user_id, at)
            return False
        count("CommandsFenced")
        logger.info(
            "fenced: the user was deleted after this event (or signed up again after this deleteUser)",
            extra={"outcome": "fenced", "event_time": at, "deleted_at": mark.deleted_at,
                   "registered_at": mark.registered_at, **carried_metrics()},
        )  # fmt: skip
        return True

    def _call(self, *, command: Command, attempt: str, deadline: float | None) -> dict[str, Any]:
        started = self._monotonic()
        try:
            result = self._pushwoosh.send(command, deadline=deadline)
        finally:
            timing("PushwooshLatency", (self._monotonic() - started) * 1000, method=command.method)
        count("PushwooshCalls", method=command.method, outcome="delivered")
        logger.info("Pushwoosh call delivered", extra={"attempts": result.attempts, **carried_metrics()})
        return {"attempt": attempt, "delivered_at": self._clock(), "status": result.status}

    def _park(self, command: Command, exc: PermanentDeliveryError, receipt: Receipt) -> None:
        reason = "pushwoosh_rejected"
        if exc.after_unanswered or (self._fences is not None and self._fences.was_unanswered(command.id)):
            # An earlier attempt got no answer: Pushwoosh may have applied it before refusing this one.
            reason = "pushwoosh_rejected_after_unanswered_attempt"
        count("PushwooshCalls", method=command.method, outcome="permanent")
        count("CommandsParked", reason=reason)
        logger.error(
            "Pushwoosh refused the command; parked in the DLQ",
            extra={"status": exc.status, "detail": exc.detail, "reason": reason, **carried_metrics()},
        )
        self._dead_letters.park(
            Envelope(commands=[command]).to_json(), group_id=command.group_id,
            dedup_id=_parking_id(command.id, receipt), reason=reason, status=exc.status, detail=exc.detail,
        )  # fmt: skip


def _parking_id(key: str, receipt: Receipt) -> str:
    """Unique per parking: a redriven message is a new SQS message (new id), so parking it
    again within FIFO's five-minute window is not deduplicated away; the same receive parked
    twice (a crash between parking and acknowledging) still is."""
    return hashlib.sha256(f"{key}\x1f{receipt.message_id}\x1f{receipt.receive_count}".encode()).hexdigest()


def _is_idempotency_error(exc: Exception) -> bool:
    # Powertools' idempotency errors share a module; checked by name to keep its import lazy.
    return type(exc).__module__.startswith("aws_lambda_powertools.utilities.idempotency")
