"""Lambda SnapStart (the stack's ``SnapStart`` parameter).

With SnapStart, Lambda runs a function's initialization once, when a version is published,
snapshots the memory, and starts later execution environments from that snapshot. So:

- at init (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``) a handler builds everything it
  can without an invocation (configuration, providers, AWS clients), so that no restored
  environment pays for it: ``prime``;
- after each restore it must undo what would otherwise be shared or stale across every
  environment restored from the same snapshot: Python's ``random`` state (backoff jitter),
  pooled TCP connections (their peers forgot them long ago), cached secrets (they may have
  been rotated since the snapshot). Secrets are never read before the snapshot.

Hooks go through ``snapshot_restore_py``, which the Python managed runtimes include.
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable
from typing import Any


def snapshotting() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def prepare(prime: Callable[[], Any], after_restore: Callable[[], None]) -> bool:
    """Under SnapStart, prime now and register ``after_restore``; otherwise do nothing (an
    on-demand cold start builds lazily, on the first event). Returns whether it primed."""
    if not snapshotting():
        return False
    from snapshot_restore_py import register_after_restore

    prime()
    register_after_restore(after_restore)
    return True


def refresh(adapters: Iterable[Any]) -> None:
    """What every restored environment must do before its first event."""
    from pushbridge.adapters import http

    random.seed()  # from os.urandom: each environment its own sequence again
    http.reset_pool()
    for adapter in adapters:
        adapter.after_restore()
