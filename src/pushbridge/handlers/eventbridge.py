"""EventBridgeFunction: Stripe and Auth0 events delivered to an EventBridge partner event bus.

The bus is inside the account, so there is no signature to check; the event's ``detail`` is
what the provider would have POSTed, mapped with the same rules as the webhook source it is
routed to (``EVENTBRIDGE_SOURCES``: partner name -> source name). Failures raise, so Lambda's
asynchronous retries and its failure queue keep the event.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from pushbridge.errors import UnknownSource
from pushbridge.handlers.webhook_log import log_webhook
from pushbridge.observability import log_request_keys, metrics, tracer
from pushbridge.providers.base import Headers

if TYPE_CHECKING:  # the domain (pydantic, the configuration) loads with the first event
    from pushbridge.domain.ingest import IngestService

# aws.partner/<partner>/... -> the source whose rules map its events.
DEFAULT_ROUTES = {"stripe.com": "stripe", "auth0.com": "auth0"}
_service: IngestService | None = None


def use(service: IngestService | None) -> None:
    global _service
    _service = service


def service() -> IngestService:
    global _service
    if _service is None:
        from pushbridge.handlers.trusted_intake import build_trusted_ingest

        _service = build_trusted_ingest()
    return _service


def source_for(event_source_name: str) -> str:
    """``aws.partner/stripe.com/ed_...`` -> the configured source name."""
    routes = DEFAULT_ROUTES | json.loads(os.environ.get("EVENTBRIDGE_SOURCES") or "{}")
    parts = event_source_name.split("/")
    if len(parts) < 2 or parts[0] != "aws.partner" or parts[1] not in routes:
        raise UnknownSource(f"no source is routed for EventBridge source {event_source_name!r}")
    return routes[parts[1]]


# Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it carries secrets and personal data.
@log_request_keys
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    ingest = service()
    source = ingest.source(source_for(event.source), http=False)
    body = json.dumps(event.detail).encode()
    events = source.provider.parse(body, Headers(), options=source.options, verified=None)
    result = ingest.accept_trusted(source.name, events)
    log_webhook(result.status, result.body["status"], result=result)
    return {"status": result.body["status"], "commands": len(result.commands)}
