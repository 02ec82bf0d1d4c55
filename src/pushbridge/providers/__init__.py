"""The provider registry: adding a provider is one module and one line here."""

from __future__ import annotations

from pushbridge.providers import standard_webhooks, stripe
from pushbridge.providers.base import Headers, Provider

PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        stripe.PROVIDER,
        standard_webhooks.STANDARD_WEBHOOKS,
        standard_webhooks.SVIX,
        standard_webhooks.CLERK,
        standard_webhooks.SUPABASE,
    )
}

__all__ = ["PROVIDERS", "Headers", "Provider"]
