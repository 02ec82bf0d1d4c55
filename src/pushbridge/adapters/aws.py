"""boto3 clients built lazily (importing boto3 costs cold-start time), and AWS error codes."""

from __future__ import annotations

from typing import Any


def client(service: str, **config: Any) -> Any:
    import boto3
    from botocore.config import Config

    from pushbridge.observability import trace_outbound_calls

    trace_outbound_calls("botocore")

    # Short timeouts and standard retries: a provider or a Pushwoosh call waits on these.
    defaults = {"connect_timeout": 2, "read_timeout": 5, "retries": {"mode": "standard", "max_attempts": 3}}
    return boto3.client(service, config=Config(**(defaults | config)))


# botocore's standard retry mode sleeps up to 1 s (full jitter, base 1 s) before its second attempt.
_FIRST_BACKOFF = 1.0


def bounded_config(budget_seconds: float) -> dict[str, Any]:
    """Client timeouts and retries whose worst case (every attempt connecting and then waiting
    for an answer that never comes, plus the back-off between them) fits ``budget_seconds``."""
    budget = max(0.2, budget_seconds)
    attempts = 2 if budget >= 2.5 else 1
    per_attempt = (budget - _FIRST_BACKOFF * (attempts - 1)) / attempts
    connect = min(1.0, per_attempt / 3)
    return {
        "connect_timeout": round(connect, 3),
        "read_timeout": round(per_attempt - connect, 3),
        "retries": {"mode": "standard", "total_max_attempts": attempts},
    }


def error_code(exc: BaseException) -> str:
    """The AWS error code (``ThrottlingException``) or the exception type, never a message
    that could echo a request."""
    for candidate in (exc, exc.__cause__, exc.__context__):
        response = getattr(candidate, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code"):
            return str(response["Error"]["Code"])
    cause = exc.__cause__ or exc
    return type(cause).__name__
