"""The providers' ``options:`` models, in one module so that a provider's own module does not
load pydantic: the webhook function imports this only when a source's options are first used
(``Source.options``), and ``pushbridge check`` and the tests when they load the configuration.

Each provider names its model as ``"pushbridge.providers.options:AppleOptions"`` and still
answers to ``pushbridge.providers.apple.AppleOptions`` (a module ``__getattr__``)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

import jmespath
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pushbridge.urls import require_https

AppleEnvironment = Literal["Production", "Sandbox"]
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
PLAY_API_URL = "https://androidpublisher.googleapis.com"


class AppleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bundle_id: str
    app_apple_id: int | None = Field(default=None, description="Needed for Production notifications")
    environments: tuple[AppleEnvironment, ...] = ("Production", "Sandbox")
    online_checks: bool = Field(default=False, description="OCSP revocation checks against Apple (adds latency)")
    root_certificates: tuple[str, ...] = Field(default=(), description="DER files; default: Apple Root CA - G3")

    @model_validator(mode="after")
    def _production_needs_the_app_id(self) -> AppleOptions:
        if "Production" in self.environments and self.app_apple_id is None:
            raise ValueError("app_apple_id is required to accept Production notifications")
        return self


class GooglePlayOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    audience: str  # the push subscription's audience (by default its endpoint URL)
    service_account_email: str  # the push subscription's service account
    package_name: str | None = None  # when set, notifications for other packages are refused
    lookup_user: bool = True  # read obfuscatedAccountId from the Play Developer API
    certs_url: str = GOOGLE_CERTS_URL
    api_url: str = PLAY_API_URL

    @field_validator("certs_url", "api_url")
    @classmethod
    def _https(cls, url: str, info) -> str:
        # The certificates decide what is verified; the API gets our access token.
        return require_https(url, what=f"options.{info.field_name}")


class OktaOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    auth_header: str = "Authorization"  # the "Authentication field" set on the event hook


class GenericHmacOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signature_header: str = "X-Signature"
    algorithm: Literal["sha256", "sha1", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = Field(default="", description='e.g. "sha256=" (GitHub)')
    timestamp_header: str | None = Field(default=None, description="unix seconds; enables the replay window")
    signed_content: str = Field(default="{body}", description="template over {timestamp} and {body}")
    event_id: str = Field(default="id", description="JMESPath to the event id (else a hash of the body)")
    event_type: str = Field(default="type", description="JMESPath to the event type")
    event_time: str | None = Field(default=None, description="JMESPath to the event time (unix s or ISO 8601)")

    @model_validator(mode="after")
    def _consistent(self) -> GenericHmacOptions:
        if self.signed_content.count("{body}") != 1:
            raise ValueError("signed_content must contain {body} exactly once")
        if "{timestamp}" in self.signed_content and not self.timestamp_header:
            raise ValueError("signed_content uses {timestamp}: set timestamp_header")
        for name in ("event_id", "event_type", "event_time"):
            if (path := getattr(self, name)) is not None:
                try:
                    jmespath.compile(path)
                except jmespath.exceptions.JMESPathError as exc:
                    raise ValueError(f"{name}: invalid JMESPath expression {path!r}: {exc}") from None
        return self


class KindeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str | None = None  # myapp.kinde.com (or your custom domain)
    jwks_url: str | None = None  # instead of domain
    # The tokens' `iss`: by default https://<domain>, or the scheme and host of jwks_url.
    issuer: str | None = None

    @model_validator(mode="after")
    def _one_source_of_keys(self) -> KindeOptions:
        if bool(self.domain) == bool(self.jwks_url):
            raise ValueError("set exactly one of domain (myapp.kinde.com) and jwks_url")
        url = urlparse(self.url)
        if url.scheme != "https" and url.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the JWKS must be fetched over https")
        return self

    @property
    def url(self) -> str:
        return self.jwks_url or f"https://{self.domain}/.well-known/jwks"

    @property
    def expected_issuer(self) -> str:
        if self.issuer:
            return self.issuer
        if self.domain:
            return f"https://{self.domain}"
        url = urlparse(self.url)
        return f"{url.scheme}://{url.netloc}"
