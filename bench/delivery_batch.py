"""Delivery, in process: the real delivery handler (Powertools' FIFO processor per message
group, idempotency records in memory) against the local Pushwoosh answering after 50 ms.
A batch of ten commands for ten users is timed against one call's latency; then the TCP
connections a warm container opens for 200 calls over 20 invocations are counted."""

from __future__ import annotations

import statistics
import time
from itertools import count
from typing import Any

from bench.report import Row, ms
from bench.timing import output_discarded
from bench.workload import command_batches
from pushbridge.adapters import http
from pushbridge.adapters.pushwoosh import PushwooshClient
from pushbridge.handlers import delivery
from pushbridge.models.command import parse_message
from pushbridge_dev.devtools.events import LambdaContext
from pushbridge_dev.devtools.memory_idempotency import InMemoryPersistenceLayer
from tests.support.pushwoosh_server import FakePushwoosh

LATENCY = 0.05
WORKERS = delivery.DEFAULT_WORKERS
BATCH_TARGET = 2.0


class Parked:
    def __init__(self) -> None:
        self.count = 0

    def park(self, body: str, **_: Any) -> None:
        self.count += 1


def _use(server: FakePushwoosh, workers: int) -> PushwooshClient:
    client = PushwooshClient(lambda force=False: "bench-token", base_url=server.url)
    delivery.use(delivery.build(client, Parked(), InMemoryPersistenceLayer(), ttl_seconds=3600, workers=workers))
    return client


def measure(rounds: int) -> list[Row]:
    server = FakePushwoosh().start()
    server.latency = LATENCY
    context, tags = LambdaContext(), count()
    try:
        with output_discarded():
            client = _use(server, WORKERS)
            one_call, batch, sequential = [], [], []
            for _ in range(rounds + 1):
                [command] = parse_message(next(command_batches(1, tag=f"one{next(tags)}-"))["Records"][0]["body"])
                started = time.perf_counter()
                client.send(command)
                one_call.append(time.perf_counter() - started)
                event = next(command_batches(10, tag=f"batch{next(tags)}-"))
                started = time.perf_counter()
                answer = delivery.lambda_handler(event, context)
                batch.append(time.perf_counter() - started)
                if answer["batchItemFailures"]:
                    raise RuntimeError(f"batch failed: {answer}")
            _use(server, 1)
            for _ in range(max(3, rounds // 3)):
                event = next(command_batches(10, tag=f"seq{next(tags)}-"))
                started = time.perf_counter()
                delivery.lambda_handler(event, context)
                sequential.append(time.perf_counter() - started)

            # A fresh container: a new pool, then 20 warm invocations of 10 commands.
            http.reset_pool()
            _use(server, WORKERS)
            opened_before, calls_before = server.connections, len(server.calls())
            for _ in range(20):
                event = next(command_batches(10, tag=f"conn{next(tags)}-"))
                if delivery.lambda_handler(event, context)["batchItemFailures"]:
                    raise RuntimeError("a batch failed")
            opened, calls = server.connections - opened_before, len(server.calls()) - calls_before
    finally:
        delivery.use(None)
        server.stop()
    call = statistics.median(one_call[1:])
    rows = [
        Row("delivery: batch of 10 commands, 10 users, Pushwoosh at 50 ms", ms(statistics.median(batch[1:])),
            f"one call: {ms(call)}", round(statistics.median(batch[1:]) / call, 2), BATCH_TARGET),
        Row("  the same, DELIVERY_CONCURRENCY=1 (one record after another)", ms(statistics.median(sequential)),
            f"one call: {ms(call)}", round(statistics.median(sequential) / call, 2)),
        Row("delivery: TCP connections opened, warm container", f"{opened} for {calls} calls",
            f"20 invocations; concurrency {WORKERS}", opened, WORKERS, exact=True),
    ]  # fmt: skip
    return rows
