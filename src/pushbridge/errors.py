"""Domain exceptions. Adapters turn SDK and HTTP errors into these; the ingest handler
maps them to HTTP answers in one place, the delivery handler to batch item failures."""

from __future__ import annotations


class PushbridgeError(Exception):
    """Base of every error pushbridge raises on purpose."""


# --- ingest: why a webhook is turned away -------------------------------------------------


class WebhookRejected(PushbridgeError):
    """The caller's fault: answered with a 4xx so that the provider stops or fixes it.

    ``reason`` is a short machine-readable code (a metric dimension and the JSON answer's
    ``reason``); the message is for the human reading the provider's delivery log.
    """

    status = 400
    reason = "bad_request"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason


class UnknownSource(WebhookRejected):
    status = 404
    reason = "unknown_source"


class PayloadTooLarge(WebhookRejected):
    status = 413
    reason = "payload_too_large"


class SignatureInvalid(WebhookRejected):
    """Verification failed: missing or malformed headers, stale or future timestamp, or no
    signature matching any of the source's secrets."""

    status = 401
    reason = "signature_invalid"


class MalformedPayload(WebhookRejected):
    status = 400
    reason = "malformed_payload"


# --- our own dependencies: the provider should retry --------------------------------------


class DependencyUnavailable(PushbridgeError):
    """SQS, Secrets Manager or DynamoDB failed, or a secret is missing: answered with 503
    so that the provider retries and nothing is lost."""

    reason = "dependency_unavailable"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason
        self.commands: list = []  # what could not be queued (the Cognito trigger logs them)


class ConfigurationInvalid(DependencyUnavailable):
    """A source still holds a placeholder (application, provider options): answered 503 so
    that the provider retries once it is fixed, counted as ConfigurationInvalid{source}."""

    reason = "configuration_invalid"

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


class ConfigError(PushbridgeError, ValueError):
    """The configuration is invalid; the message names the file and the offending key.
    ``problems``: (key, message) pairs where the loader knows them (a source's options)."""

    def __init__(self, message: str, *, problems: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


# --- delivery: how a Pushwoosh call failed ------------------------------------------------


class DeliveryFailed(PushbridgeError):
    """A Pushwoosh call did not succeed. ``status`` is the HTTP status (None when no answer
    came), ``detail`` Pushwoosh's message or the network error."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        unanswered: bool = False,
        after_unanswered: bool = False,
    ):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.unanswered = unanswered  # no answer came: the call may have applied
        self.after_unanswered = after_unanswered  # an earlier attempt of this call got no answer


class TransientDeliveryError(DeliveryFailed):
    """Worth retrying: connection errors, timeouts, 408, 429, 5xx, a 401 that survived a
    token refresh, or no time left in this invocation."""


class PermanentDeliveryError(DeliveryFailed):
    """Retrying cannot help (HTTP 200 with status_code 210, 400, 403, other 4xx): the
    command is parked in the DLQ with this reason."""


class AuthDeliveryError(TransientDeliveryError):
    """401 from Pushwoosh even after re-reading the token: transient, so that fixing the
    secret recovers every queued command."""
