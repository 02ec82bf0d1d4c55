"""Mapped values checked at the door: whatever delivery could not carry is fixed or refused
before the webhook is acknowledged ("nothing accepted with a 202 may be refused later").

- Lone UTF-16 surrogates (``"\\ud800"``, which JavaScript's ``JSON.stringify`` can emit) cannot
  be encoded as UTF-8, so a command holding one could never be queued: they become U+FFFD.
- Nesting deeper than :data:`MAX_VALUE_DEPTH` is refused (400). The queue message wraps a
  value in four more levels, and delivery's JSON parser accepts far deeper than this (about
  200 levels), so what passes here always parses there.
"""

from __future__ import annotations

import re
from typing import Any

from pushbridge.errors import MalformedPayload

MAX_VALUE_DEPTH = 32
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ValueTooDeep(MalformedPayload):
    reason = "value_too_deep"


class Sanitiser:
    """Walks one command's values; ``replaced`` counts the texts that held lone surrogates."""

    def __init__(self) -> None:
        self.replaced = 0

    def clean(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if depth >= MAX_VALUE_DEPTH and isinstance(value, (dict, list)):
            raise ValueTooDeep(f"a mapped value is nested deeper than {MAX_VALUE_DEPTH} levels")
        if isinstance(value, dict):
            return {self._text(str(k)): self.clean(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean(v, depth + 1) for v in value]
        return value

    def _text(self, text: str) -> str:
        if text.isascii():  # most values: no surrogate can hide in ASCII, and this is ~20x cheaper
            return text
        cleaned, replaced = _LONE_SURROGATE.subn("\ufffd", text)
        if replaced:
            self.replaced += 1
        return cleaned
