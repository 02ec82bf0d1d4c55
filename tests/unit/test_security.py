"""Verification is constant-time everywhere: every shared-secret check goes through
hmac.compare_digest, and a wrong signature of exactly the right length is refused."""

from __future__ import annotations

import hmac
import time

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import base
from pushbridge.providers.base import Headers
from pushbridge_dev.devtools.samples import signed_headers
from tests.support.presets import CONFIG
from tests.support.samples import PAYLOADS, SIGNING_SECRETS

SHARED_SECRET_SOURCES = sorted(s for s in CONFIG.sources if CONFIG.sources[s].provider.secret == "required")


def _flip_last_character(value: str) -> str:
    # Another character of the same alphabet (hex stays hex, whatever the case), so the forgery
    # is well-formed and differs only in value. A base64 tail ends in "=": flip the one before.
    index = len(value.rstrip("=")) - 1
    replacement = "0" if value[index].lower() != "0" else "1"
    return value[:index] + replacement + value[index + 1 :]


@pytest.mark.parametrize("source", SHARED_SECRET_SOURCES)
def test_a_same_length_wrong_proof_is_refused_through_compare_digest(source, monkeypatch):
    calls = []
    real_compare_digest = hmac.compare_digest

    def counting_compare_digest(a, b):
        calls.append((len(a), len(b)))
        return real_compare_digest(a, b)

    monkeypatch.setattr(base.hmac, "compare_digest", counting_compare_digest)
    body = sorted((PAYLOADS / source).glob("*.json"))[0].read_bytes()
    configured = CONFIG.sources[source]
    now = int(time.time())
    genuine = signed_headers(configured, body, SIGNING_SECRETS[source], now=now)
    proof = next(name for name in genuine if "signature" in name.lower() or name.lower() == "authorization")
    forged = {**genuine, proof: _flip_last_character(genuine[proof])}
    assert len(forged[proof]) == len(genuine[proof])

    configured.provider.verify(
        body, Headers(genuine), [SIGNING_SECRETS[source]], tolerance=300, now=now, options=configured.options
    )
    assert calls, f"{source} did not compare with hmac.compare_digest"
    with pytest.raises(SignatureInvalid):
        configured.provider.verify(
            body, Headers(forged), [SIGNING_SECRETS[source]], tolerance=300, now=now, options=configured.options
        )


def test_there_is_no_other_equality_check_on_proofs_in_the_providers():
    """A plain == on a signature would leak timing; grep the provider modules for one."""
    import inspect
    import re

    from pushbridge import providers

    for module in (
        m for m in vars(providers).values() if inspect.ismodule(m) and m.__name__.startswith("pushbridge.providers.")
    ):
        source = inspect.getsource(module)
        assert not re.search(r"(signature|digest|expected|presented)\w*\s*==", source), module.__name__
