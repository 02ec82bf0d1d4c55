"""IngestFunction: ``POST /webhooks/{source}`` behind an API Gateway HTTP API (payload v2).

Errors become HTTP answers here and only here: 4xx for the caller's mistakes, 503 for ours
(so the provider retries), and never a stack trace in a response.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from pushbridge import snapstart
from pushbridge.errors import (
    ConfigError,
    ConfigurationInvalid,
    DependencyUnavailable,
    MalformedPayload,
    WebhookRejected,
)
from pushbridge.observability import count, logger, metrics, tracer
from pushbridge.providers.base import Headers

if TYPE_CHECKING:  # the domain (pydantic, the configuration) loads with the first webhook
    from pushbridge.domain.ingest import IngestService

app = APIGatewayHttpResolver()
_service: IngestService | None = None
_adapters: list[Any] = []  # what service() built, refreshed after a SnapStart restore


def use(service: IngestService | None) -> None:
    """Replace the container's service (tests, the local dev server); None rebuilds it."""
    global _service
    _service = service


def service() -> IngestService:
    global _service
    if _service is None:
        from pushbridge.adapters.command_queue import SqsCommandQueue
        from pushbridge.adapters.secrets import SecretsManagerJson
        from pushbridge.config.loader import load_config
        from pushbridge.config.placeholders import unusable_sources
        from pushbridge.domain.ingest import IngestService
        from pushbridge.settings import IngestSettings

        settings = IngestSettings.from_env()
        secrets = SecretsManagerJson(settings.signing_secret_id, max_age=settings.secrets_max_age)
        queue = SqsCommandQueue(settings.queue_url)
        config = load_config(settings.pushbridge_config, default_application=settings.pushwoosh_application)
        _service = IngestService(
            config, secrets, queue, max_body_bytes=settings.max_body_bytes, unusable=unusable_sources(config)
        )
        _adapters[:] = [secrets, queue]
    return _service


def _prime() -> None:
    """SnapStart: build the service and its AWS clients before the snapshot (not the secret)."""
    service()
    for adapter in _adapters:
        getattr(adapter, "client", None)  # reading the property builds a lazily created client


snapstart.prepare(_prime, lambda: snapstart.refresh(_adapters))


@app.post("/webhooks/<source>")
def receive_webhook(source: str) -> Response:
    event = app.current_event
    ingest = service()
    ingest.source(source)  # 404 before the body is even decoded
    result = ingest.handle(source, Headers(event.headers), raw_body(event.body, event.is_base64_encoded))
    return _json(result.status, result.body)


@app.get("/webhooks/<source>")
def verify_endpoint(source: str) -> Response:
    """A provider's one-time check that we own the endpoint (Okta's verification challenge)."""
    return _json(200, service().challenge(source, Headers(app.current_event.headers)))


def raw_body(body: str | None, is_base64_encoded: bool) -> bytes:
    """The exact bytes the provider signed."""
    if body is None:
        return b""
    if not is_base64_encoded:
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: API Gateway base64-encodes non-UTF-8 bodies
            raise MalformedPayload("body is not valid UTF-8") from None
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedPayload("body is marked base64 but is not valid base64") from None


@app.exception_handler(WebhookRejected)
def _rejected(exc: WebhookRejected) -> Response:
    count("WebhooksRejected", reason=exc.reason)
    logger.warning("webhook rejected", extra={"status": exc.status, "reason": exc.reason, "detail": str(exc)})
    return _json(exc.status, {"status": "rejected", "reason": exc.reason, "message": str(exc)})


@app.exception_handler(DependencyUnavailable)
def _unavailable(exc: DependencyUnavailable) -> Response:
    count("WebhooksDeferred", reason=exc.reason)
    logger.error(
        "dependency unavailable; asking the provider to retry", extra={"reason": exc.reason, "detail": str(exc)}
    )
    return _json(
        503, {"status": "unavailable", "reason": exc.reason, "message": "temporarily unavailable, retry later"}
    )


@app.exception_handler(ConfigurationInvalid)
def _placeholder_configuration(exc: ConfigurationInvalid) -> Response:
    """One source still holds placeholder values (the others keep working): 503 so that
    the provider retries once it is fixed; its own metric and alarm."""
    count("ConfigurationInvalid", source=exc.source)
    logger.error("configuration invalid", extra={"reason": exc.reason, "detail": str(exc)})
    return _json(503, {"status": "unavailable", "reason": exc.reason, "message": str(exc)})


@app.exception_handler(ConfigError)
def _misconfigured(exc: ConfigError) -> Response:
    logger.error("configuration invalid", extra={"detail": str(exc)})
    return _json(503, {"status": "unavailable", "reason": "configuration_invalid", "message": "retry later"})


@app.not_found
def _no_route(exc: Exception) -> Response:
    return _json(404, {"status": "rejected", "reason": "not_found", "message": "POST /webhooks/{source}"})


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    logger.error("unexpected error", exc_info=exc)
    return _json(500, {"status": "error", "reason": "internal_error", "message": "internal error, retry later"})


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry secrets and personal data.
@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    count("WebhooksReceived")
    if not _is_http_api_event(event):
        # Not what API Gateway sends (a misconfigured integration, a hand-made test event).
        count("WebhooksRejected", reason="malformed_request")
        return _raw_json(
            400, {"status": "rejected", "reason": "malformed_request", "message": "not an HTTP API v2 event"}
        )
    return app.resolve(event, context)


def _is_http_api_event(event: Any) -> bool:
    context = event.get("requestContext") if isinstance(event, dict) else None
    return (
        isinstance(context, dict)
        and isinstance(context.get("http"), dict)
        and isinstance(context["http"].get("method"), str)
        and isinstance(event.get("rawPath"), str)
        and isinstance(event.get("headers", {}), dict)
    )


def _raw_json(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
