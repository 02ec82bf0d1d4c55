"""Ingest: verify -> parse -> map -> enqueue. A webhook is acknowledged only once all of
its commands are in the queue; anything else is an exception the handler maps to HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from pushbridge.config.loader import Config, Source
from pushbridge.domain.mapping import MappingResult, map_event
from pushbridge.errors import (
    ConfigError,
    ConfigurationInvalid,
    DependencyUnavailable,
    MalformedPayload,
    PayloadTooLarge,
    SignatureInvalid,
    UnknownSource,
)
from pushbridge.models.command import Command
from pushbridge.models.event import ProviderEvent
from pushbridge.observability import count, logger
from pushbridge.providers.base import Headers

# A signature mismatch may mean the secret was rotated since we cached it; re-reading it at
# most this often keeps forged requests from turning into a Secrets Manager bill.
SECRET_REFRESH_INTERVAL = 60.0


class SecretSource(Protocol):
    def get(self, *, force: bool = False) -> dict[str, Any]: ...


class CommandQueue(Protocol):
    def send(self, commands: Sequence[Command]) -> None: ...


@dataclass
class IngestResult:
    status: int
    body: dict[str, Any]
    commands: list[Command] = field(default_factory=list)
    events: list[ProviderEvent] = field(default_factory=list)
    # For the one "webhook" log line the intake writes (handlers/webhook_log.py).
    skipped: list[dict[str, str]] = field(default_factory=list)
    without_hwid: list[str] = field(default_factory=list)
    values_sanitised: int = 0


class IngestService:
    def __init__(
        self,
        config: Config,
        secrets: SecretSource,
        queue: CommandQueue,
        *,
        max_body_bytes: int = 1024 * 1024,
        clock: Callable[[], float] = time.time,
        unusable: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``unusable``: sources still holding placeholder values, with the keys to fix
        (config.placeholders); they answer 503 configuration_invalid, the others work."""
        self._config = config
        self._unusable = dict(unusable or {})
        self._invalid_options: dict[str, str] = {}  # source -> why its options block does not validate
        self._secrets = secrets
        self._queue = queue
        self._max_body_bytes = max_body_bytes
        self._clock = clock
        self._last_forced_refresh = float("-inf")

    def source(self, name: str, *, http: bool = True) -> Source:
        source = self._config.sources.get(name)
        if source is None or (http and not source.provider.http):
            raise UnknownSource(f"no source named {name!r} is configured")
        if name in self._unusable:
            raise ConfigurationInvalid(
                f"source {name!r} still has placeholder values: set {', '.join(self._unusable[name])}", source=name
            )
        self._check_options(source)
        return source

    def validate_options(self) -> None:
        """Every source's options now (SnapStart, before the snapshot: pydantic and the models
        are then in it); an invalid block is remembered and answered as on first use."""
        for source in self._config.sources.values():
            with suppress(ConfigurationInvalid):
                self._check_options(source)

    def _check_options(self, source: Source) -> None:
        if source.name in self._invalid_options:
            raise ConfigurationInvalid(self._invalid_options[source.name], source=source.name)
        try:
            source.options  # noqa: B018 (validated on first use, then cached on the source)
        except ConfigError as exc:
            # Once per container: this source answers 503 from now on, the others keep working.
            # Anyone can send to the URL, before any signature check: the answer names the keys
            # to fix, as for placeholders; why (which may quote a value) goes to the log only.
            why = "\n".join(f"{key}: {message}" for key, message in exc.problems)
            keys = ", ".join(dict.fromkeys(key for key, _ in exc.problems))
            logger.error("invalid options", extra={"source": source.name, "detail": why})
            self._invalid_options[source.name] = (
                f"source {source.name!r} has invalid options: fix {keys} (`pushbridge check` says why)"
            )
            raise ConfigurationInvalid(self._invalid_options[source.name], source=source.name) from None

    def accept_trusted(self, source_name: str, events: list[ProviderEvent]) -> IngestResult:
        """Events from inside the AWS account (EventBridge, Cognito triggers): nothing to
        verify, the same mapping and queue."""
        source = self.source(source_name, http=False)
        logger.append_keys(source=source.name, provider=source.provider.name)
        return self._map_and_enqueue(source, events)

    def check_size(self, length: int) -> None:
        if length > self._max_body_bytes:
            raise PayloadTooLarge(f"body of {length} bytes exceeds the {self._max_body_bytes} byte limit")

    def handle(self, source_name: str, headers: Headers, body: bytes) -> IngestResult:
        source = self.source(source_name)
        self.check_size(len(body))
        logger.append_keys(source=source.name, provider=source.provider.name)
        verified = self._verify(source, headers, body)
        events = parse_events(source, headers, body, verified=verified)
        return self._map_and_enqueue(source, events)

    # --- steps ------------------------------------------------------------------------------

    def _verify(self, source: Source, headers: Headers, body: bytes) -> Any:
        """Returns what the provider verified (decoded claims for token-based providers)."""
        now = self._clock()
        provider = source.provider
        try:
            return provider.verify(
                body, headers, self._signing_secrets(source, force=False),
                tolerance=source.tolerance_seconds, now=now, options=source.options,
            )  # fmt: skip
        except SignatureInvalid as exc:
            # Only a plain mismatch can be cured by a fresher secret; re-read it rarely.
            if (
                provider.secret != "required"
                or exc.reason != SignatureInvalid.reason
                or now - self._last_forced_refresh < SECRET_REFRESH_INTERVAL
            ):
                raise
        self._last_forced_refresh = now
        return provider.verify(
            body, headers, self._signing_secrets(source, force=True),
            tolerance=source.tolerance_seconds, now=now, options=source.options,
        )  # fmt: skip

    def challenge(self, source_name: str, headers: Headers) -> dict[str, Any]:
        """A provider's one-time GET verification of the endpoint (Okta event hooks)."""
        source = self.source(source_name)
        if source.provider.challenge is None:
            raise UnknownSource(f"source {source_name!r} answers POST only")
        logger.append_keys(source=source.name, provider=source.provider.name)
        return source.provider.challenge(headers, self._signing_secrets(source, force=False), options=source.options)

    def _signing_secrets(self, source: Source, *, force: bool) -> list[str]:
        if source.provider.secret == "none":
            return []
        entry = self._secrets.get(force=force).get(source.name)
        if entry is None and source.provider.secret == "optional":
            return []
        secrets = [entry] if isinstance(entry, str) else entry
        if not isinstance(secrets, list) or not secrets or not all(isinstance(s, str) and s for s in secrets):
            raise DependencyUnavailable(
                f"no signing secret for source {source.name!r} in the signing secret", reason="signing_secret_missing"
            )
        return secrets

    def _map_and_enqueue(self, source: Source, events: list[ProviderEvent]) -> IngestResult:
        received_at = self._clock()
        commands: list[Command] = []
        accepted: list[ProviderEvent] = []
        # Why nothing (or not everything) was sent: whole events skipped on purpose, then
        # rules that could not build their call. Both go in the answer and the one log line.
        skipped: list[dict[str, str]] = []
        without_hwid: list[str] = []
        sanitised = 0  # mapped values whose lone surrogates became U+FFFD
        for event in events:
            logger.set_correlation_id(event.id)
            try:
                mapped = _map_checked(source, event, received_at)
            except MalformedPayload as exc:
                if len(events) == 1:
                    raise
                # One bad event of a batch (Auth0 log stream, Okta data.events[]) must not
                # cost the other users theirs: skip it, counted, and named in the answer and
                # the webhook's log line with why.
                count("EventsSkipped", reason="invalid_event")
                skipped.append({"event_type": event.type, "reason": "invalid_event", "detail": exc.reason})
                continue
            accepted.append(event)
            if mapped.sanitised:
                count("ValuesSanitised", mapped.sanitised)
                sanitised += mapped.sanitised
            if mapped.event_skipped is not None:
                count("EventsSkipped", reason=mapped.event_skipped)
                skipped.append({"event_type": event.type, "reason": mapped.event_skipped})
            for rule_skipped in mapped.skipped:
                count("RulesSkipped", reason=rule_skipped.reason)
                skipped.append({"event_type": event.type, "rule": rule_skipped.rule, "reason": rule_skipped.reason})
            for rule in mapped.without_hwid:
                count("PostEventWithoutHwid")  # sent with the user id only; Customer Journeys need the hwid
                without_hwid.append(rule)
            commands.extend(mapped.commands)
        if events and not accepted:
            raise MalformedPayload("every event of the webhook is invalid", reason="invalid_event")
        events = accepted

        event_types = [e.type for e in events]
        if not commands:
            reason = skipped[0]["reason"] if skipped else "no_matching_rule"
            count("WebhooksIgnored")
            body: dict[str, Any] = {"status": "ignored", "reason": reason, "event_types": event_types}
            if skipped:
                body["skipped"] = skipped
            return IngestResult(200, body, [], events, skipped, without_hwid, sanitised)

        try:
            self._queue.send(commands)
        except DependencyUnavailable as exc:
            exc.commands = commands  # an intake that cannot ask for a retry logs what was lost
            raise
        count("CommandsEnqueued", len(commands))
        body = {
            "status": "accepted",
            "events": [e.id for e in events],
            "event_types": event_types,
            "commands": [{"id": c.id, "method": c.method} for c in commands],
        }
        if skipped:
            body["skipped"] = skipped
        return IngestResult(202, body, commands, events, skipped, without_hwid, sanitised)


def parse_events(source: Source, headers: Headers, body: bytes, *, verified: Any = None) -> list[ProviderEvent]:
    """The provider's parser, then the source's `event_type` path where it has one."""
    events = source.provider.parse(body, headers, options=source.options, verified=verified)
    if source.event_type is not None:
        events = [
            ProviderEvent(
                id=e.id, type=_event_type(source.event_type.resolve(e.payload)), time=e.time, payload=e.payload
            )
            for e in events
        ]
    return events


def _map_checked(source: Source, event: ProviderEvent, received_at: float) -> MappingResult:
    if not event.type:
        raise MalformedPayload("the event has no type")
    return map_event(source, event, received_at=received_at)


def _event_type(value: Any) -> str:
    return value if isinstance(value, str) else ""
