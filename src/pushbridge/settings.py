"""Environment of each function, as pydantic models validated once at cold start.

Only handlers (and the CLI) read these; the domain gets plain values."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pushbridge.urls import require_https

# adapters.pushwoosh.DEFAULT_API_URL, repeated so that the webhook function, which reads its
# settings from this module, never loads the Pushwoosh client (test_pushwoosh_client.py checks).
DEFAULT_PUSHWOOSH_API_URL = "https://api.pushwoosh.com"


RETENTION_MARGIN = 24 * 3600


class SettingsError(ValueError):
    pass


class _Env(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None):
        environ = dict(os.environ if environ is None else environ)
        fields = {name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ}
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise SettingsError(f"invalid environment: {problems}") from None


def _default_config_path() -> str:
    # In Lambda the code (src/) is unpacked at LAMBDA_TASK_ROOT; locally, next to the package.
    root = os.environ.get("LAMBDA_TASK_ROOT") or str(Path(__file__).resolve().parent.parent)
    return str(Path(root) / "pushbridge.yaml")


class IngestSettings(_Env):
    queue_url: str
    signing_secret_id: str
    pushbridge_config: str = Field(default_factory=_default_config_path)
    pushwoosh_application: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=6 * 1024 * 1024)
    secrets_max_age: int = Field(default=300, ge=0)


class TriggerSettings(_Env):
    """The intakes that are not webhooks (EventBridge, Cognito): a queue, the configuration."""

    queue_url: str
    pushbridge_config: str = Field(default_factory=_default_config_path)
    pushwoosh_application: str | None = None


class DeliverySettings(_Env):
    dlq_url: str
    idempotency_table: str
    pushwoosh_secret_id: str
    pushwoosh_api_url: str = DEFAULT_PUSHWOOSH_API_URL
    pushwoosh_connect_timeout: float = Field(default=3.0, gt=0, le=10)
    pushwoosh_read_timeout: float = Field(default=10.0, gt=0, le=30)
    # Provider redeliveries come for days (Stripe: 3 days): remember each command for a week,
    # and in any case longer than a command can wait in the queue and then in the DLQ (a
    # redrive in the DLQ's second week must not call Pushwoosh again): see idempotency_ttl.
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=300)
    queue_retention_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    dlq_retention_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    secrets_max_age: int = Field(default=300, ge=0)
    # Message groups of a batch delivered at once (threads); 1 = one record after another.
    delivery_concurrency: int = Field(default=10, ge=1, le=10)

    @property
    def idempotency_ttl(self) -> int:
        """Idempotency records and GDPR fences live at least as long as a command can still
        come back: queue retention + dead-letter retention + a day (redrive and clock margin)."""
        return max(
            self.idempotency_ttl_seconds, self.queue_retention_seconds + self.dlq_retention_seconds + RETENTION_MARGIN
        )

    @field_validator("pushwoosh_api_url")
    @classmethod
    def _https(cls, url: str) -> str:
        return require_https(url, what="PUSHWOOSH_API_URL (it carries the API token)")
