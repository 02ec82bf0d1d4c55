"""The one log line per webhook (or trusted event) at intake: message "webhook", what the
three lines it replaces carried (PLAN: source, provider, status, outcome, reason, event ids and
types, commands with their user_ref, the provider's event id as correlation id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pushbridge.observability import logger

if TYPE_CHECKING:
    from pushbridge.domain.ingest import IngestResult


def log_webhook(
    status: int, outcome: str, *, reason: str | None = None, detail: str | None = None,
    result: IngestResult | None = None, metrics: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """``metrics``: an EMF document's keys (observability.metrics_document) this line carries."""
    line: dict[str, Any] = {"status": status, "outcome": outcome}
    if reason:
        line["reason"] = reason
    if detail:
        line["detail"] = detail
    if result is not None:
        from pushbridge.models.command import user_ref

        line["event_ids"] = [e.id for e in result.events]
        line["event_types"] = result.body["event_types"]  # the answer already holds them
        line["commands"] = [
            {"id": c.id, "method": c.method, "rule": c.origin.rule, "user": user_ref(c.user_id)}
            for c in result.commands
        ]
        if result.skipped:
            line["rules_skipped"] = result.skipped
        if result.without_hwid:
            line["without_hwid"] = result.without_hwid
        if result.values_sanitised:
            line["values_sanitised"] = result.values_sanitised
    if metrics:
        line.update(metrics)
    (logger.info if status < 500 else logger.error)("webhook", extra=line)
