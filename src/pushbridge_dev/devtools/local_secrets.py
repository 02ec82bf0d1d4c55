"""Signing secrets for local use: the same JSON shape as the Secrets Manager secret
(source name -> secret or list of secrets), from, in order:

1. ``PUSHBRIDGE_SIGNING_SECRETS`` (the JSON itself),
2. the file given with ``--secrets`` or ``pushbridge.secrets.json`` in the working directory,
3. the sample secrets shipped with pushbridge, so that everything runs with no set-up.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

LOCAL_FILE = "pushbridge.secrets.json"


class LocalSecretsError(ValueError):
    pass


def load_signing_secrets(path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """Returns the secrets and where they came from (for the console, never the values)."""
    if raw := os.environ.get("PUSHBRIDGE_SIGNING_SECRETS"):
        return _parse(raw, "PUSHBRIDGE_SIGNING_SECRETS"), "PUSHBRIDGE_SIGNING_SECRETS"
    candidate = Path(path) if path else Path(LOCAL_FILE)
    if path or candidate.exists():
        try:
            return _parse(candidate.read_text(encoding="utf-8"), str(candidate)), str(candidate)
        except OSError as exc:
            raise LocalSecretsError(f"{candidate}: {exc.strerror}") from None
    sample = resources.files("pushbridge_dev.devtools").joinpath("sample_secrets.json").read_text(encoding="utf-8")
    return _parse(sample, "sample secrets"), "the shipped sample secrets (local use only)"


def _parse(raw: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise LocalSecretsError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise LocalSecretsError(f"{where}: expected a JSON object, source name -> secret or list of secrets")
    return {k: v for k, v in value.items() if not k.startswith("_")}


def first_secret(secrets: dict[str, Any], source: str) -> str:
    entry = secrets.get(source)
    secret = entry[0] if isinstance(entry, list) and entry else entry
    if not isinstance(secret, str) or not secret:
        raise LocalSecretsError(f"no signing secret for source {source!r}")
    return secret
