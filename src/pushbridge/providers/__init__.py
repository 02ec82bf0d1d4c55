"""The provider registry: adding a provider is one module and one line here.

Modules are imported on first lookup, so a function loads only the providers its
configuration names (each costs import time; some pull in cryptography or Google's SDK)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module

from pushbridge.providers.base import Headers, Provider

_WHERE: dict[str, str] = {  # provider name -> "module:attribute" under pushbridge.providers
    "stripe": "stripe:PROVIDER",
    "standard-webhooks": "standard_webhooks:STANDARD_WEBHOOKS",
    "svix": "standard_webhooks:SVIX",
    "clerk": "standard_webhooks:CLERK",
    "supabase": "standard_webhooks:SUPABASE",
    "paddle": "paddle:PROVIDER",
    "revenuecat": "revenuecat:PROVIDER",
    "auth0": "auth0:PROVIDER",
    "okta": "okta:PROVIDER",
    "workos": "workos:PROVIDER",
    "lemonsqueezy": "lemon_squeezy:PROVIDER",
    "hmac": "generic_hmac:PROVIDER",
    "kinde": "kinde:PROVIDER",
    "cognito": "cognito:PROVIDER",
    "apple": "apple:PROVIDER",
    "googleplay": "google_play:PROVIDER",
}


class _Registry(Mapping[str, Provider]):
    def __getitem__(self, name: str) -> Provider:
        module, attribute = _WHERE[name].split(":")
        provider: Provider = getattr(import_module(f"{__name__}.{module}"), attribute)
        return provider

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


PROVIDERS: Mapping[str, Provider] = _Registry()

__all__ = ["PROVIDERS", "Headers", "Provider"]
