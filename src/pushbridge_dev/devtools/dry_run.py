"""The dry-run sink: what the dev server calls instead of Pushwoosh when no API token is set.
It prints each call it would make, exactly as the client would send it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from pushbridge.adapters.pushwoosh import CallResult, request_for
from pushbridge.models.command import Command


class DryRunPushwoosh:
    min_call_seconds = 0.0

    def __init__(self, base_url: str, *, emit: Callable[[str], None] | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self.emit = emit or _print_line

    def send(self, command: Command, *, deadline: float | None = None) -> CallResult:
        path, body = request_for(command)
        self.emit(f"DRY-RUN POST {self._base_url}{path} {json.dumps(body, ensure_ascii=False)}")
        return CallResult(status=200, attempts=1, latency_ms=0.0, response={"status_code": 200, "dry_run": True})


def _print_line(text: str) -> None:
    sys.stdout.write(text + "\n")  # one write: lines from other threads do not interleave
    sys.stdout.flush()
