"""Environment of each function, validated once at cold start.

Only handlers (and the CLI) read these; the domain gets plain values. They are plain
dataclasses checked here, with the messages pydantic gave when they were pydantic models:
pydantic was the largest part of delivery's cold start over the baseline, and a good part of
the intakes' (issue 12)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from pushbridge.urls import require_https

# adapters.pushwoosh.DEFAULT_API_URL, repeated so that the webhook function, which reads its
# settings from this module, never loads the Pushwoosh client (test_pushwoosh_client.py checks).
DEFAULT_PUSHWOOSH_API_URL = "https://api.pushwoosh.com"


RETENTION_MARGIN = 24 * 3600


class SettingsError(ValueError):
    pass


def default_config_path() -> str:
    # In Lambda the code (src/) is unpacked at LAMBDA_TASK_ROOT; locally, next to the package.
    root = os.environ.get("LAMBDA_TASK_ROOT") or str(Path(__file__).resolve().parent.parent)
    return str(Path(root) / "pushbridge.yaml")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    dlq_url: str
    idempotency_table: str
    pushwoosh_secret_id: str
    pushwoosh_api_url: str = DEFAULT_PUSHWOOSH_API_URL
    pushwoosh_connect_timeout: float = 3.0  # (0, 10]
    pushwoosh_read_timeout: float = 10.0  # (0, 30]
    # Provider redeliveries come for days (Stripe: 3 days): remember each command for a week,
    # and in any case longer than a command can wait in the queue and then in the DLQ (a
    # redrive in the DLQ's second week must not call Pushwoosh again): see idempotency_ttl.
    idempotency_ttl_seconds: int = 7 * 24 * 3600  # >= 300
    queue_retention_seconds: int = 14 * 24 * 3600  # >= 60
    dlq_retention_seconds: int = 14 * 24 * 3600  # >= 60
    secrets_max_age: int = 300  # >= 0
    # Message groups of a batch delivered at once (threads); 1 = one record after another.
    delivery_concurrency: int = 10  # 1..10

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> DeliverySettings:
        return _from_env(cls, _DELIVERY_CHECKS, environ)

    @property
    def idempotency_ttl(self) -> int:
        """Idempotency records and GDPR fences live at least as long as a command can still
        come back: queue retention + dead-letter retention + a day (redrive and clock margin)."""
        return max(
            self.idempotency_ttl_seconds, self.queue_retention_seconds + self.dlq_retention_seconds + RETENTION_MARGIN
        )


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """The webhook function's."""

    queue_url: str
    signing_secret_id: str
    pushbridge_config: str = field(default_factory=default_config_path)
    pushwoosh_application: str | None = None
    max_body_bytes: int = 1024 * 1024  # 1 KiB..6 MiB (Lambda's payload limit)
    secrets_max_age: int = 300  # >= 0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> IngestSettings:
        return _from_env(cls, _INGEST_CHECKS, environ)


@dataclass(frozen=True, slots=True)
class TriggerSettings:
    """The intakes that are not webhooks (EventBridge, Cognito): a queue, the configuration."""

    queue_url: str
    pushbridge_config: str = field(default_factory=default_config_path)
    pushwoosh_application: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> TriggerSettings:
        return _from_env(cls, {}, environ)


_Settings = TypeVar("_Settings")


def _from_env(
    cls: type[_Settings], checks: dict[str, Callable[[str], Any]], environ: dict[str, str] | None
) -> _Settings:
    """The function's environment, or SettingsError naming each bad variable (in the words
    pydantic used when these were pydantic models). A field without a check is a string."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    problems = []
    for setting in fields(cls):
        name = setting.name.upper()
        if name not in environ:
            if setting.default is MISSING and setting.default_factory is MISSING:
                problems.append(f"{name}: Field required")
            continue
        try:
            values[setting.name] = checks.get(setting.name, str)(environ[name])
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        raise SettingsError(f"invalid environment: {'; '.join(problems)}")
    return cls(**values)


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0*)?")


def _bounded(value: float, ge: int | None, gt: int | None, le: int | None) -> None:
    if le is not None and not value <= le:  # first: NaN fails here, as it did
        raise ValueError(f"Input should be less than or equal to {le}")
    if gt is not None and not value > gt:
        raise ValueError(f"Input should be greater than {gt}")
    if ge is not None and not value >= ge:
        raise ValueError(f"Input should be greater than or equal to {ge}")


def _integer(*, ge: int | None = None, le: int | None = None) -> Callable[[str], int]:
    def check(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and _INTEGER_TEXT.fullmatch(text)):
            raise ValueError("Input should be a valid integer, unable to parse string as an integer")
        value = int(text.partition(".")[0])
        _bounded(value, ge, None, le)
        return value

    return check


def _number(*, gt: int | None = None, le: int | None = None) -> Callable[[str], float]:
    def check(text: str) -> float:
        text = text.strip()
        try:
            if not text.isascii():  # float() reads other scripts' digits; pydantic did not
                raise ValueError
            value = float(text)
        except ValueError:
            raise ValueError("Input should be a valid number, unable to parse string as a number") from None
        _bounded(value, None, gt, le)
        return value

    return check


def _https_pushwoosh_url(url: str) -> str:
    try:
        return require_https(url, what="PUSHWOOSH_API_URL (it carries the API token)")
    except ValueError as exc:
        raise ValueError(f"Value error, {exc}") from None


_DELIVERY_CHECKS: dict[str, Callable[[str], Any]] = {
    "pushwoosh_api_url": _https_pushwoosh_url,
    "pushwoosh_connect_timeout": _number(gt=0, le=10),
    "pushwoosh_read_timeout": _number(gt=0, le=30),
    "idempotency_ttl_seconds": _integer(ge=300),
    "queue_retention_seconds": _integer(ge=60),
    "dlq_retention_seconds": _integer(ge=60),
    "secrets_max_age": _integer(ge=0),
    "delivery_concurrency": _integer(ge=1, le=10),
}
_INGEST_CHECKS: dict[str, Callable[[str], Any]] = {
    "max_body_bytes": _integer(ge=1024, le=6 * 1024 * 1024),
    "secrets_max_age": _integer(ge=0),
}
