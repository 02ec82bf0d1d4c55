"""Values left as the shipped examples: an application code that is empty or XXXXX-XXXXX, and
provider options such as ``com.example.app``, ``your-business.kinde.com``, ``YOUR-API-ID`` or
``1234567890``. Found generically (every option value of every provider is looked at), so a
new provider's example values are caught without a list per provider.

Used by ``pushbridge check`` (fails, naming the keys) and at start-up of the deployed
functions (that source answers 503 ``configuration_invalid``; the others keep working).
``load_config`` itself accepts them: the tests and the dev server bring their own sample
application and options.
"""

from __future__ import annotations

import re
from typing import Any

from pushbridge.config.loader import Config, Source

APPLICATION_PATTERN = re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$")
PLACEHOLDER_APPLICATION = "XXXXX-XXXXX"
_PLACEHOLDER_VALUE = re.compile(
    r"""(?ix)
      (^|[^a-z0-9])example([^a-z0-9]|$)   # com.example.app, example.com
    | (^|[^a-z0-9])your[-_]               # your-business.kinde.com, YOUR-API-ID, your-project
    | xxxxx                               # XXXXX-XXXXX
    | ^<.*>$                              # <your value>
    | ^1234567890$                        # Apple's app id in every sample
    """
)


def is_placeholder_application(application: str | None) -> bool:
    return not application or application == PLACEHOLDER_APPLICATION or not APPLICATION_PATTERN.match(application)


def placeholder_keys(source: Source) -> list[str]:
    """The keys of ``source`` still holding a shipped example value (empty: none)."""
    keys = []
    if is_placeholder_application(source.application):
        keys.append(f"sources.{source.name}.application (or the top-level application / PushwooshApplication)")
    # The block as written, not the validated model: this runs at cold start, where options
    # are validated on first use (and an invalid block is reported there, not here).
    keys += [f"sources.{source.name}.options.{key}" for key in _placeholders(source.raw_options)]
    return keys


def _placeholders(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _placeholders(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, (list, tuple)):
        return [found for i, v in enumerate(value) for found in _placeholders(v, f"{key}.{i}")]
    if isinstance(value, (str, int)) and not isinstance(value, bool) and _PLACEHOLDER_VALUE.search(str(value)):
        return [key]
    return []


def unusable_sources(config: Config) -> dict[str, list[str]]:
    """Each source with placeholder values, and the keys to fix."""
    return {name: keys for name, source in config.sources.items() if (keys := placeholder_keys(source))}
