"""Outbound HTTP: one urllib3 pool per container (keep-alive across invocations), and a small
JSON GET for the public-key providers (Google's certificates, the Play Developer API)."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from pushbridge.errors import DependencyUnavailable

_pool: urllib3.PoolManager | None = None


def shared_pool() -> urllib3.PoolManager:
    """One pool per container: keep-alive connections survive across invocations."""
    global _pool
    if _pool is None:
        from pushbridge.observability import trace_outbound_calls

        trace_outbound_calls("httplib")
        _pool = urllib3.PoolManager(num_pools=2, maxsize=10, retries=False, block=False)
    return _pool


def reset_pool() -> None:
    """Drop every pooled connection (after a SnapStart restore they lead nowhere); the next
    request opens new ones."""
    global _pool
    if _pool is not None:
        _pool.clear()
    _pool = None


def get_json(url: str, *, what: str, headers: dict[str, str] | None = None) -> Any:
    """GET a JSON document; None for 404/410; DependencyUnavailable (503 upstream) otherwise."""
    try:
        response = shared_pool().request(
            "GET", url, headers=headers, timeout=urllib3.Timeout(connect=2, read=3), retries=False
        )
    except urllib3.exceptions.HTTPError:
        raise DependencyUnavailable(f"cannot reach {what}", reason="google_unavailable") from None
    if response.status in (404, 410):
        return None
    if response.status != 200:
        raise DependencyUnavailable(f"{what} answered HTTP {response.status}", reason="google_unavailable")
    return json.loads(response.data)
