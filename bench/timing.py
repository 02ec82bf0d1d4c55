"""Timing in process: medians of interleaved blocks, and Powertools output sent to /dev/null."""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from pushbridge.observability import logger


def per_call(subjects: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds per call; blocks of calls interleaved across subjects, shuffled."""
    sizes = {}
    for name, call in subjects.items():  # a block lasts ~20 ms
        started, n = time.perf_counter(), 0
        while time.perf_counter() - started < 0.02:
            call()
            n += 1
        sizes[name] = max(n, 1)
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(repeats):
        for name in random.sample(list(subjects), len(subjects)):
            call, n = subjects[name], sizes[name]
            started = time.perf_counter()
            for _ in range(n):
                call()
            samples[name].append((time.perf_counter() - started) / n)
    return {name: statistics.median(values) for name, values in samples.items()}


@contextlib.contextmanager
def output_discarded() -> Iterator[None]:
    """Log lines and EMF metrics are still formatted and written, to /dev/null."""
    handler = logger.registered_handler
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        previous = handler.setStream(null)
        try:
            yield
        finally:
            handler.setStream(previous)
