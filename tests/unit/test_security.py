"""Verification is constant-time everywhere: every shared-secret check goes through
hmac.compare_digest, and a wrong signature of exactly the right length is refused."""

from __future__ import annotations

import base64
import hmac

import pytest

from pushbridge.errors import SignatureInvalid
from pushbridge.providers import base
from pushbridge.providers.base import Headers
from pushbridge_dev.devtools.samples import signed_headers
from tests.support.presets import CONFIG
from tests.support.samples import PAYLOADS, SIGNING_SECRETS

SHARED_SECRET_SOURCES = sorted(s for s in CONFIG.sources if CONFIG.sources[s].provider.secret == "required")


NOW = 1_750_000_000  # signed and verified at the same injected time: no wall clock


def _forge(value: str) -> str:
    """The same proof with its first decoded byte changed, so the forgery is well-formed, of the
    same length, and a different value. Changing a base64 character is not enough: the last one
    before "=" carries unused bits, so "…A=" and "…B=" can decode to the same digest (about one
    run in 16 for clerk), and a hex digit's case is the same digest too."""
    for marker in ("v1,", "v1=", "h1="):
        head, found, proof = value.rpartition(marker)
        if found:
            break
    else:
        head, found, proof = "", "", value
    if marker == "v1," and found:  # Standard Webhooks: base64
        raw = bytearray(base64.b64decode(proof))
        raw[0] ^= 0x01
        return head + found + base64.b64encode(bytes(raw)).decode()
    first = proof[0]
    replacement = "1" if first.lower() != "1" else "2"  # another hex value, and another byte
    return head + found + replacement + proof[1:]


def _decoded(value: str) -> bytes:
    head, found, proof = value.rpartition("v1,")
    return base64.b64decode(proof) if found else value.lower().encode()


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
    now = NOW
    genuine = signed_headers(configured, body, SIGNING_SECRETS[source], now=now)
    proof = next(name for name in genuine if "signature" in name.lower() or name.lower() == "authorization")
    forged = {**genuine, proof: _forge(genuine[proof])}
    assert len(forged[proof]) == len(genuine[proof])
    assert _decoded(forged[proof]) != _decoded(genuine[proof])

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


def test_a_forgery_differs_in_decoded_bytes_even_where_base64_has_spare_bits():
    """Two base64 spellings of one 32-byte digest (differing in spare bits) are not a forgery."""
    digest = bytes(range(32))
    spelling = base64.b64encode(digest).decode()
    assert spelling.endswith("=")
    forged = _forge("v1," + spelling)
    assert base64.b64decode(forged.removeprefix("v1,")) != digest
    assert len(forged) == len("v1," + spelling)
