"""IngestFunction: ``POST /webhooks/{source}`` (and Okta's ``GET`` challenge) behind an API
Gateway HTTP API (payload v2).

One route needs no framework: a small dispatcher over the v2 event replaces Powertools' event
handler (~150 µs a webhook). Errors become HTTP answers in :func:`answer_for` and only there:
4xx for the caller's mistakes, 503 for ours (so the provider retries), never a stack trace in a
response. Each webhook writes ONE log line ("webhook", docs/operations) and its metrics go out
in the same JSON document (EMF); the X-Ray segment Lambda opens for the invocation is the trace
(no handler or SQS subsegment; botocore passes the trace header on to SQS and delivery).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from pushbridge import snapstart
from pushbridge.errors import (
    ConfigError,
    ConfigurationInvalid,
    DependencyUnavailable,
    MalformedPayload,
    WebhookRejected,
)
from pushbridge.handlers.webhook_log import log_webhook
from pushbridge.observability import count, leave_untraced, log_request_keys, logger, metrics_document
from pushbridge.providers.base import Headers

if TYPE_CHECKING:  # the domain (pydantic, the configuration) loads with the first webhook
    from pushbridge.domain.ingest import IngestResult, IngestService

# Ingest's one AWS call a webhook is SQS: its X-Ray subsegment would repeat Lambda's own segment
# (the function does little else) at ~0.13x a webhook's CPU (docs/performance.md).
leave_untraced("botocore")

PREFIX = "/webhooks/"
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
        # Each source's options are validated with its first webhook (pydantic loads then, not
        # at cold start); an invalid block makes that source answer 503, not the whole function.
        config = load_config(
            settings.pushbridge_config, default_application=settings.pushwoosh_application, options="on_first_use"
        )
        _service = IngestService(
            config, secrets, queue, max_body_bytes=settings.max_body_bytes, unusable=unusable_sources(config)
        )
        _adapters[:] = [secrets, queue]
    return _service


def _prime() -> None:
    """SnapStart: build the service, its sources' options and its AWS clients before the
    snapshot (not the secret)."""
    service().validate_options()  # pydantic and the options models in the snapshot, not in a webhook
    for adapter in _adapters:
        getattr(adapter, "client", None)  # reading the property builds a lazily created client


snapstart.prepare(_prime, lambda: snapstart.refresh(_adapters))


class RouteNotFound(WebhookRejected):
    status = 404
    reason = "not_found"


def route(event: dict[str, Any]) -> tuple[str, str]:
    """(method, source) of ``/webhooks/{source}``, or RouteNotFound."""
    method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    source = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
    if method not in ("POST", "GET") or not source or "/" in source:
        raise RouteNotFound("POST /webhooks/{source}")
    return method, source


def handle(event: dict[str, Any]) -> IngestResult | dict[str, Any]:
    method, source = route(event)
    headers = Headers(event.get("headers") or {})
    ingest = service()
    if method == "GET":  # a provider's one-time check that we own the endpoint (Okta)
        return ingest.challenge(source, headers)
    ingest.source(source)  # 404 before the body is even decoded
    return ingest.handle(source, headers, raw_body(event.get("body"), bool(event.get("isBase64Encoded"))))


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


def answer_for(exc: Exception, source: str | None = None) -> tuple[int, dict[str, Any], str]:
    """The one place an error becomes an HTTP answer: (status, JSON body, log outcome).
    A new error class gets its row here (and its metric), nothing else changes. ``source`` is
    the path's source name, for the per-source metrics (only a configured source gets past the
    404, so that dimension stays small)."""
    if isinstance(exc, RouteNotFound):
        return 404, {"status": "rejected", "reason": "not_found", "message": str(exc)}, "rejected"
    if isinstance(exc, WebhookRejected):  # 400, 401, 404, 413: the caller's mistake
        count("WebhooksRejected", reason=exc.reason)
        if exc.status == 401:  # per source: a wrong or rotated secret is one source's 401s (its alarm)
            count("SignatureFailures", source=source or "unknown")
        return exc.status, {"status": "rejected", "reason": exc.reason, "message": str(exc)}, "rejected"
    if isinstance(exc, ConfigurationInvalid):
        # One source still holds placeholder values (the others keep working): 503 so that the
        # provider retries once it is fixed; its own metric and alarm, not WebhooksDeferred.
        count("ConfigurationInvalid", source=exc.source)
        count("ConfigurationInvalidAnswers")  # undimensioned: Ingest5xxAlarm subtracts it
        return 503, {"status": "unavailable", "reason": exc.reason, "message": str(exc)}, "invalid_config"
    if isinstance(exc, DependencyUnavailable):  # ours: the provider retries
        count("WebhooksDeferred", reason=exc.reason)
        body = {"status": "unavailable", "reason": exc.reason, "message": "temporarily unavailable, retry later"}
        return 503, body, "deferred"
    if isinstance(exc, ConfigError):  # the whole file does not load: every source answers this
        count("ConfigurationInvalid", source=source or "unknown")
        count("ConfigurationInvalidAnswers")
        body = {"status": "unavailable", "reason": "configuration_invalid", "message": "retry later"}
        return 503, body, "invalid_config"
    logger.error("unexpected error", exc_info=exc)
    return 500, {"status": "error", "reason": "internal_error", "message": "internal error, retry later"}, "error"


# Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it carries secrets and personal data.
@log_request_keys
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The webhook's undimensioned metrics ride in its one log line (one EMF document).
    count("WebhooksReceived")
    if not _is_http_api_event(event):
        # Not what API Gateway sends (a misconfigured integration, a hand-made test event).
        count("WebhooksRejected", reason="malformed_request")
        body = {"status": "rejected", "reason": "malformed_request", "message": "not an HTTP API v2 event"}
        log_webhook(400, "rejected", reason="malformed_request", metrics=metrics_document())
        return _json(400, body)
    try:
        result = handle(event)
    except Exception as exc:
        status, body, outcome = answer_for(exc, _path_source(event))
        detail = str(exc) if status != 500 else None
        log_webhook(status, outcome, reason=body["reason"], detail=detail, metrics=metrics_document())
        return _json(status, body)
    if isinstance(result, dict):  # the GET challenge's answer
        log_webhook(200, "challenge", metrics=metrics_document())
        return _json(200, result)
    log_webhook(result.status, result.body["status"], result=result, metrics=metrics_document())
    return _json(result.status, result.body)


def _path_source(event: dict[str, Any]) -> str | None:
    path = event.get("rawPath", "")
    return path[len(PREFIX) :] or None if path.startswith(PREFIX) else None


def _is_http_api_event(event: Any) -> bool:
    context = event.get("requestContext") if isinstance(event, dict) else None
    return (
        isinstance(context, dict)
        and isinstance(context.get("http"), dict)
        and isinstance(context["http"].get("method"), str)
        and isinstance(event.get("rawPath"), str)
        and isinstance(event.get("headers", {}), dict)
    )


def _json(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
