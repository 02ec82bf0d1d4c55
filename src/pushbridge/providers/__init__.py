"""The provider registry: adding a provider is one module and one line here."""

from __future__ import annotations

from pushbridge.providers import (
    apple,
    auth0,
    cognito,
    generic_hmac,
    google_play,
    kinde,
    lemon_squeezy,
    okta,
    paddle,
    revenuecat,
    standard_webhooks,
    stripe,
    workos,
)
from pushbridge.providers.base import Headers, Provider

PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        stripe.PROVIDER,
        standard_webhooks.STANDARD_WEBHOOKS,
        standard_webhooks.SVIX,
        standard_webhooks.CLERK,
        standard_webhooks.SUPABASE,
        paddle.PROVIDER,
        revenuecat.PROVIDER,
        auth0.PROVIDER,
        okta.PROVIDER,
        workos.PROVIDER,
        lemon_squeezy.PROVIDER,
        generic_hmac.PROVIDER,
        kinde.PROVIDER,
        cognito.PROVIDER,
        apple.PROVIDER,
        google_play.PROVIDER,
    )
}

__all__ = ["PROVIDERS", "Headers", "Provider"]
