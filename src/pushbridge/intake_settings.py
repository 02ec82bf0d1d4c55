"""The intakes' environment (webhooks, EventBridge, Cognito), as pydantic models validated once
at cold start: these functions load pydantic for the configuration anyway. Delivery's is
pushbridge.settings.DeliverySettings, without pydantic."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pushbridge.settings import SettingsError, default_config_path


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


class IngestSettings(_Env):
    queue_url: str
    signing_secret_id: str
    pushbridge_config: str = Field(default_factory=default_config_path)
    pushwoosh_application: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=6 * 1024 * 1024)
    secrets_max_age: int = Field(default=300, ge=0)


class TriggerSettings(_Env):
    """The intakes that are not webhooks (EventBridge, Cognito): a queue, the configuration."""

    queue_url: str
    pushbridge_config: str = Field(default_factory=default_config_path)
    pushwoosh_application: str | None = None
