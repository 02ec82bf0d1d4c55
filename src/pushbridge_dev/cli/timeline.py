"""What ``pushbridge trace`` makes of log lines: the lines about one webhook, command or user,
grouped per webhook (provider event id) and told in order across both functions.

Reads the one-line shapes of PLAN.md ("webhook" at ingest, "delivery" per attempt) and, so a
stack deployed before them can still be traced, the older messages ("webhook accepted",
"Pushwoosh call delivered", ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pushbridge.models.command import user_ref

# Older message texts -> (kind, outcome): what the functions logged before the one-line shapes.
_LEGACY = {
    "webhook accepted": ("webhook", "accepted"),
    "webhook ignored": ("webhook", "ignored"),
    "webhook rejected": ("webhook", "rejected"),
    "rule skipped": ("note", "rule skipped"),
    "Pushwoosh call delivered": ("delivery", "delivered"),
    "Pushwoosh call failed; will retry": ("delivery", "transient"),
    "Pushwoosh refused the command; parked in the DLQ": ("delivery", "parked"),
    "duplicate command suppressed": ("delivery", "duplicate"),
    "Pushwoosh rejected the API token twice; will retry": ("delivery", "auth"),
    "malformed command parked": ("delivery", "parked"),
}


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    function: str  # ingest | delivery | cognito | eventbridge | ?
    fields: dict[str, Any]

    @property
    def kind(self) -> str:
        message = self.fields.get("message")
        if message in ("webhook", "delivery"):
            return message
        return _LEGACY.get(message, ("other", ""))[0] if isinstance(message, str) else "other"

    @property
    def outcome(self) -> str:
        if "outcome" in self.fields:
            return str(self.fields["outcome"])
        message = self.fields.get("message")
        return _LEGACY.get(message, ("", ""))[1] if isinstance(message, str) else ""

    @property
    def correlation_id(self) -> str | None:
        value = self.fields.get("correlation_id")
        return str(value) if value else None


def needles_for(identifier: str) -> set[str]:
    """What a line may carry for ``identifier``: itself (event or command id) and the hash the
    logs use in place of a user id."""
    return {identifier, user_ref(identifier)}


def entry_from_json(text: str, *, at: datetime | None = None, function: str | None = None) -> LogEntry | None:
    try:
        fields = json.loads(text)
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    when = at or _parse_time(fields.get("timestamp"))
    return LogEntry(when, function or _function_of(fields), fields)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
            try:
                return datetime.strptime(value, pattern)
            except ValueError:
                continue
    return datetime.fromtimestamp(0, tz=timezone.utc)


def _function_of(fields: dict[str, Any]) -> str:
    name = str(fields.get("function_name", "")).lower()
    for function in ("ingest", "delivery", "cognito", "eventbridge"):
        if function in name:
            return function
    return "delivery" if "command_id" in fields else "ingest"


def matches(entry: LogEntry, needles: set[str]) -> bool:
    fields = entry.fields
    if {str(fields.get(k)) for k in ("correlation_id", "command_id", "user")} & needles:
        return True
    if needles & {str(e) for e in fields.get("event_ids") or []}:
        return True
    for command in fields.get("commands") or []:
        if isinstance(command, dict) and {str(command.get("id")), str(command.get("user"))} & needles:
            return True
    return False


@dataclass
class Webhook:
    correlation_id: str
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def started(self) -> datetime:
        return self.entries[0].at


def timelines(entries: Iterable[LogEntry], identifier: str) -> list[Webhook]:
    """The webhooks ``identifier`` appears in, each with every line about it, in time order."""
    entries = sorted(entries, key=lambda e: e.at)
    needles = needles_for(identifier)
    wanted = {e.correlation_id for e in entries if matches(e, needles) and e.correlation_id}
    groups: dict[str, Webhook] = {}
    for entry in entries:
        if entry.correlation_id in wanted and entry.kind != "other":
            groups.setdefault(entry.correlation_id, Webhook(entry.correlation_id)).entries.append(entry)  # type: ignore[arg-type]
    return sorted(groups.values(), key=lambda w: w.started)


def render(webhook: Webhook, identifier: str) -> list[str]:
    needles = needles_for(identifier)
    source = next((e.fields["source"] for e in webhook.entries if e.fields.get("source")), "?")
    types = next(
        (", ".join(e.fields.get("event_types") or [e.fields.get("event_type")]) for e in webhook.entries
         if e.fields.get("event_types") or e.fields.get("event_type")),
        "?",
    )  # fmt: skip
    lines = [f"{webhook.correlation_id}  {source}  {types}"]
    final: dict[str, str] = {}
    for entry in webhook.entries:
        stamp = entry.at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        prefix = f"  {stamp}  {entry.function:<9} "
        fields = entry.fields
        if entry.kind == "webhook":
            status = fields.get("status")
            answer = f"-> {status} {entry.outcome}" if status else f"-> {entry.outcome}"
            verified = ", verified" if entry.outcome in ("accepted", "ignored") else ""
            reason = f" ({fields['reason']})" if fields.get("reason") else ""
            commands = [c for c in fields.get("commands") or [] if isinstance(c, dict)]
            queued = f"; {len(commands)} command(s) queued" if commands else ""
            lines.append(f"{prefix}received{verified} {answer}{reason}{queued}")
            for command in commands:
                mark = "  <-" if {str(command.get("id")), str(command.get("user"))} & needles else ""
                lines.append(
                    f"{' ' * 37}{command.get('method', '?')}  command {_short(command.get('id'))}  "
                    f"rule {command.get('rule', '?')}  user {command.get('user', '?')}{mark}"
                )
        elif entry.kind == "delivery":
            command = fields.get("command_id")
            detail = []
            if fields.get("status") is not None:
                detail.append(f"Pushwoosh {fields['status']}")
            latency = fields.get("latency_ms", fields.get("PushwooshLatency"))  # the metric the line carries
            if latency is not None:
                detail.append(f"{latency:.0f} ms" if isinstance(latency, (int, float)) else f"{latency} ms")
            if fields.get("reason") or fields.get("detail"):
                detail.append(str(fields.get("reason") or fields.get("detail")))
            suffix = f" ({', '.join(detail)})" if detail else ""
            lines.append(f"{prefix}{fields.get('method', '?')}  command {_short(command)} -> {entry.outcome}{suffix}")
            if command:
                final[str(command)] = entry.outcome
        elif entry.kind == "note":
            lines.append(f"{prefix}{entry.outcome}: {fields.get('rule', '')} ({fields.get('reason', '')})")
    if final:
        done = sum(1 for o in final.values() if o in ("delivered", "duplicate"))
        parked = sum(1 for o in final.values() if o in ("parked", "fenced"))
        waiting = len(final) - done - parked
        lines.append(f"  => {done} delivered, {parked} parked, {waiting} still being retried")
    return lines


def _short(command_id: Any) -> str:
    return str(command_id)[:12] if command_id else "?"
