"""URLs pushbridge sends credentials or trusts answers from must be https.

The Pushwoosh API URL carries the API token; Google's certificate URL and the Play Developer
API decide what is verified and carry an access token; over http any network hop could read
or replace them. Plain http is allowed for loopback hosts only: the tests' local servers and
`pushbridge dev` stand in for those services on 127.0.0.1."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str, *, what: str) -> str:
    """``url`` unchanged, or ValueError naming the setting and what to do."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return url
    if parsed.scheme == "http" and is_loopback(parsed.hostname):
        return url
    raise ValueError(
        f"{what} must be an https:// URL, got {url!r} (http:// is accepted only for a loopback host "
        "such as 127.0.0.1 or localhost, where tests and `pushbridge dev` run their stand-ins)"
    )
