"""The configuration's data as the build writes it: ``pushbridge.yaml`` parsed once by
``sam build`` (scripts/build_function.py) and stored beside it as JSON, so that a cold start
reads JSON and never imports PyYAML (~0.06 of the cold start's baseline, docs/performance.md).

The JSON holds the SHA-256 of the YAML text it came from; the loader uses it only when that
matches the YAML file it was asked to read, so the YAML stays the one source of truth: an edited
or replaced ``pushbridge.yaml`` (or a file the build could not represent) is parsed as YAML, and
every error message is the YAML loader's. Only the standard library here (and PyYAML, imported
by the writer): the build runs it with nothing else installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SUFFIX = ".json"  # pushbridge.yaml -> pushbridge.yaml.json


def path_for(yaml_path: Path) -> Path:
    return yaml_path.with_name(yaml_path.name + SUFFIX)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def read(yaml_path: Path, text: str) -> Any | None:
    """The build's data for exactly this YAML ``text`` (as read from ``yaml_path``), or None:
    no built file, a stale one, or one that cannot be read (the caller parses the YAML)."""
    try:
        document = json.loads(path_for(yaml_path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("yaml_sha256") != _digest(text) or "data" not in document:
        return None
    return document["data"]


def document_for(text: str) -> str | None:
    """The JSON the build writes for this YAML text, or None when the YAML does not parse or its
    data is not exactly representable in JSON (a date, a non-string key): the loader then parses
    the YAML at run time, as it always did, and reports what is wrong with it."""
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        encoded = json.dumps({"yaml_sha256": _digest(text), "data": data}, allow_nan=False)
    except (yaml.YAMLError, TypeError, ValueError):
        return None
    # The same values of the same types, keys included ({1: ...} would come back as {"1": ...}).
    if repr(json.loads(encoded)["data"]) != repr(data):
        return None
    return encoded


def write_beside(yaml_path: Path) -> bool:
    """Write ``pushbridge.yaml.json`` beside ``yaml_path`` when its data can be; True if written."""
    encoded = document_for(yaml_path.read_text(encoding="utf-8"))
    if encoded is None:
        return False
    path_for(yaml_path).write_text(encoded, encoding="utf-8")
    return True
