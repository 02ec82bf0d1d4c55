"""The functions in processes of their own, against AWS on a moto server and the local
Pushwoosh: the whole cold start (import and first event), peak memory over 1,000 webhooks
or commands, and the AWS calls each makes per webhook on the warm path."""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cost_model import Measured
from bench.function_run import BASELINE_CALL, COMMANDS, FENCING, ITEMS_READ, MESSAGES
from bench.lambda_env import PYTHON, ROOT, lambda_environment
from bench.report import Row, ms
from bench.workload import command_batches, webhooks
from tests.support.moto_stack import moto_stack
from tests.support.pushwoosh_server import FakePushwoosh
from tests.support.samples import APPLICATION
from tests.support.template import load_template, resource

MEMORY_TARGET_MIB = 100
# The idempotency record of a command (adapters/idempotency.py): one consistent GetItem, then one
# conditional PutItem of the completed record. Any UpdateItem or DeleteItem would be a write too.
IDEMPOTENCY_WRITES = {"DynamoDB PutItem", "DynamoDB DeleteItem"}
# The GDPR fence (adapters/fences.py): a registerUser or deleteUser advances the user's mark
# (UpdateItem). Every command reads its record and its user's mark: both prefetched for the whole
# batch in one BatchGetItem (adapters/prefetch.py), a GetItem where that missed.
FENCE_WRITES = {"DynamoDB UpdateItem"}
IDEMPOTENCY_READS = {"DynamoDB GetItem", "DynamoDB BatchGetItem"}
READ_CALLS_PER_COMMAND = 0.2  # a BatchGetItem per batch of 10, and room for a few single reads
HOT_PATH_TARGET = 1.3
# Delivery throughput per instance: the template's DeliveryConcurrency threads, each command a
# Pushwoosh call (bench/delivery_batch.py's 50 ms) and two DynamoDB round trips (5 ms each).
DELIVERY_TARGET_PER_SECOND = 40
PUSHWOOSH_BENCH_MS, DYNAMODB_MS, DELIVERY_WORKERS = 50.0, 5.0, 10
FULL_CORE_MB = 1769


@dataclass
class World:
    endpoint: str
    stack: dict[str, str]
    pushwoosh: FakePushwoosh

    def env(self, function: str) -> dict[str, str]:
        common = {"AWS_ENDPOINT_URL": self.endpoint, "PUSHWOOSH_APPLICATION": APPLICATION}
        if function == "ingest":
            variables = {k: self.stack[k] for k in ("QUEUE_URL", "SIGNING_SECRET_ID")}
            return lambda_environment("IngestFunction", memory_mb("IngestFunction"), **common, **variables)
        variables = {k: self.stack[k] for k in ("DLQ_URL", "IDEMPOTENCY_TABLE", "PUSHWOOSH_SECRET_ID")}
        return lambda_environment(
            "DeliveryFunction", memory_mb("DeliveryFunction"), **common, **variables,
            PUSHWOOSH_API_URL=self.pushwoosh.url, QUEUE_URL=self.stack["QUEUE_URL"],
        )  # fmt: skip


def memory_mb(function: str) -> int:
    """The function's MemorySize in template.yaml (a parameter's default, or a number)."""
    size = resource(function)["MemorySize"]
    if isinstance(size, dict):
        size = load_template()["Parameters"][size["Ref"]]["Default"]
    return int(size)


@contextmanager
def local_world() -> Iterator[World]:
    pushwoosh = FakePushwoosh().start()
    try:
        with moto_stack(pushwoosh_token="bench-token") as (endpoint, stack):
            yield World(endpoint, stack, pushwoosh)
    finally:
        pushwoosh.stop()


def run(mode: str, function: str, path: str, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryFile("w+") as output:  # the function's log lines and EMF metrics
        subprocess.run([PYTHON, "-m", "bench.function_run", mode, function, path], env=env, cwd=ROOT,
                       stdout=output, check=True)  # fmt: skip
        output.seek(0)
        logged = 0
        for line in output:
            if line.startswith("BENCH-RESULT "):
                return json.loads(line.removeprefix("BENCH-RESULT ")) | {"log_bytes": logged}
            logged += len(line.encode())
    raise RuntimeError(f"{mode} {function}: no result")


def cold_invocations(world: World, rounds: int, scratch: Path) -> list[Row]:
    """Import plus the first event, in a fresh process each round, against the same SDK
    work done bare (DECISIONS "Baselines"): import boto3, build a client, and the function's one
    necessary call (ingest: a SendMessageBatch; delivery: the idempotency PutItem)."""
    times: dict[str, list[float]] = {"ingest": [], "delivery": [], "sdk ingest": [], "sdk delivery": []}
    for round_number in range(rounds + 1):
        _, _, webhook = next(webhooks(1))
        (scratch / "webhook.json").write_text(json.dumps(webhook))
        batch = next(command_batches(1, tag=f"cold{round_number}-"))
        (scratch / "batch.json").write_text(json.dumps(batch))
        for name, event in (("ingest", "webhook.json"), ("delivery", "batch.json"),
                            ("sdk ingest", "-"), ("sdk delivery", "-")):  # fmt: skip
            mode, function = ("sdk", name.split()[1]) if name.startswith("sdk") else ("first", name)
            result = run(mode, function, str(scratch / event), world.env(function))
            if not result["ok"]:
                raise RuntimeError(f"{name}: the first event was not handled")
            if round_number:  # the first round warms the file cache
                times[name].append(result["first"] + result.get("import", 0.0))
    rows = []
    for function, what in (("ingest", "webhook"), ("delivery", "batch of 1")):
        median, sdk = statistics.median(times[function]), statistics.median(times[f"sdk {function}"])
        rows.append(Row(f"cold start, whole: import + first {what} ({function.title()}Function)", ms(median),
                        f"boto3 + client + 1 {BASELINE_CALL[function]}: {ms(sdk)}", round(median / sdk, 2)))  # fmt: skip
    return rows


def _webhooks_file(path: Path, count: int) -> Path:
    """``count`` signed webhooks of every kind, one JSON line each, for a function's process."""
    with path.open("w") as f:
        for source, body, _ in webhooks(count):
            f.write(json.dumps({"source": source, "body": body.decode()}) + "\n")
    return path


def warm_load(world: World, count: int, scratch: Path) -> tuple[list[Row], Measured]:
    """``count`` webhooks through ingest and ``count`` commands through delivery, each in one
    process: peak RSS, CPU, and the AWS calls made after the first (cold) event."""
    path = _webhooks_file(scratch / "webhooks.jsonl", count + 1)
    with _draining(world, world.stack["QUEUE_URL"]):
        ingest = run("load", "ingest", str(path), world.env("ingest"))
    _check("IngestFunction", ingest)
    calls = {op: n for op, n in ingest["calls"].items() if op not in (MESSAGES, COMMANDS, FENCING)}
    sqs = sum(n for op, n in calls.items() if op.startswith("SQS "))
    other = {op: n for op, n in calls.items() if not op.startswith("SQS ") and op != ITEMS_READ}
    webhooks_done, messages = ingest["units"], ingest["calls"].get(MESSAGES, 0)
    rows = [
        Row("ingest: SQS calls per webhook, warm", f"{sqs / webhooks_done:.2f} ({_ops(calls, 'SQS')})",
            f"{webhooks_done} webhooks ({messages} messages), 13 kinds, Auth0 batches of 5 users",
            round(sqs / webhooks_done, 2), 1, exact=True),
        Row("ingest: other AWS calls per webhook, warm", f"{sum(other.values()) / webhooks_done:.2f} {_ops(other)}",
            "Secrets Manager read once per 5 min", round(sum(other.values()) / webhooks_done, 2), 0, exact=True),
        Row("ingest: CPU per webhook, warm (SQS client included)", ms(ingest["cpu_seconds"] / webhooks_done),
            "in the handler, boto3 request signing included"),
        _memory_row("IngestFunction", ingest, f"{count} webhooks"),
    ]  # fmt: skip

    path = scratch / "commands.jsonl"
    with path.open("w") as f:
        for event in command_batches(count + 10, tag="load-"):
            f.write(json.dumps(event) + "\n")
    delivery = run("load", "delivery", str(path), world.env("delivery"))
    _check("DeliveryFunction", delivery)
    writes = sum(n for op, n in delivery["calls"].items() if op in IDEMPOTENCY_WRITES)
    reads = sum(n for op, n in delivery["calls"].items() if op in IDEMPOTENCY_READS)  # calls
    items_read = delivery["calls"].get(ITEMS_READ, 0)
    fence_writes = sum(n for op, n in delivery["calls"].items() if op in FENCE_WRITES)
    other = {
        op: n for op, n in delivery["calls"].items()
        if op not in IDEMPOTENCY_WRITES | IDEMPOTENCY_READS | FENCE_WRITES | {ITEMS_READ}
    }  # fmt: skip
    commands = delivery["units"]
    # The counted commands (after the first batch of 10, the warm-up) are half registerUser.
    fencing = sum(1 for n in range(10, count + 20) if n % 2 and n - 10 < commands)
    cpu = delivery["cpu_seconds"] / commands
    memory = memory_mb("DeliveryFunction")
    cpu_bound = (memory / FULL_CORE_MB) / cpu
    latency_bound = DELIVERY_WORKERS / ((PUSHWOOSH_BENCH_MS + 2 * DYNAMODB_MS) / 1000)
    per_second = min(cpu_bound, latency_bound)
    rows += [
        Row("delivery: idempotency writes per command, warm", f"{writes / commands:.2f} ({_ops(delivery['calls'])})",
            f"{commands} commands in batches of 10 users", round(writes / commands, 2), 1, exact=True),
        Row("delivery: DynamoDB items read per command, warm", f"{items_read / commands:.2f}",
            "consistent reads of the idempotency record and the user's GDPR fence", round(items_read / commands, 2),
            2, exact=True),
        Row("delivery: DynamoDB read calls per command, warm", f"{reads / commands:.2f}",
            "one BatchGetItem per batch of 10 (adapters/prefetch.py), GetItem where it missed",
            round(reads / commands, 2), READ_CALLS_PER_COMMAND, exact=True),
        Row("delivery: fence writes per registerUser/deleteUser, warm", f"{fence_writes / max(fencing, 1):.2f}",
            f"UpdateItem advancing the user's mark; postEvent writes none ({fencing} of {commands} commands)",
            round(fence_writes / max(fencing, 1), 2), 1, exact=True),
        Row("delivery: other AWS calls per command, warm", f"{sum(other.values()) / commands:.2f} {_ops(other)}",
            "Pushwoosh token read once per 5 min", round(sum(other.values()) / commands, 2), 0, exact=True),
        Row("delivery: CPU per command, warm (all threads)", ms(cpu),
            "DynamoDB idempotency on moto, Pushwoosh clients included"),
        Row(f"delivery: commands/s per instance at {memory} MB, modelled", f"{per_second:.0f}/s",
            f"CPU share {memory / FULL_CORE_MB:.0%}: {cpu_bound:.0f}/s; {DELIVERY_WORKERS} threads at Pushwoosh "
            f"{PUSHWOOSH_BENCH_MS:g} ms: {latency_bound:.0f}/s; ratio = {DELIVERY_TARGET_PER_SECOND}/s over it",
            round(DELIVERY_TARGET_PER_SECOND / per_second, 2), 1.0),
        _memory_row("DeliveryFunction", delivery, f"{count} commands"),
    ]  # fmt: skip
    measured = Measured(
        messages_per_webhook=messages / webhooks_done,
        commands_per_webhook=ingest["calls"].get(COMMANDS, 0) / webhooks_done,
        ingest_log_bytes=ingest["log_bytes"] / (webhooks_done + 1),
        delivery_log_bytes=delivery["log_bytes"] / (commands + 10),
        ingest_cpu_seconds=ingest["cpu_seconds"] / webhooks_done,
        delivery_cpu_seconds=delivery["cpu_seconds"] / commands,
        # DynamoDB writes: the record of every command, and the fence's for the share of
        # registerUser/deleteUser that real webhooks produce (the delivery workload is half).
        idempotency_writes_per_command=writes / commands
        + fence_writes / max(fencing, 1) * ingest["calls"].get(FENCING, 0) / max(ingest["calls"].get(COMMANDS, 0), 1),
        idempotency_reads_per_command=items_read / commands,
        sqs_calls_per_webhook=sqs / webhooks_done,
    )
    return rows, measured


def hot_path(world: World, count: int, scratch: Path) -> tuple[Row, float]:
    """Ingest CPU per webhook, warm, tracer on as deployed, against the necessary work in the same
    process: HMAC verify + json.loads + one SendMessageBatch with a reused, untraced client."""
    path = _webhooks_file(scratch / "hot.jsonl", count + 1)
    with _draining(world, world.stack["QUEUE_URL"]):
        result = run("hot", "ingest", str(path), world.env("ingest"))
    _check("IngestFunction", result | {"examples": []})
    handler, floor = result["handler_cpu"], result["floor_cpu"]
    row = Row("ingest: CPU per webhook, warm, tracer as deployed (X-Ray sampled)", ms(handler),
              f"HMAC + json.loads + 1 SendMessageBatch: {ms(floor)}", round(handler / floor, 2), HOT_PATH_TARGET)  # fmt: skip
    return row, handler


def _check(function: str, result: dict[str, Any]) -> None:
    if result["bad"]:
        raise RuntimeError(f"{function}: {result['bad']} events not handled as they should be: {result['examples']}")


@contextmanager
def _draining(world: World, queue_url: str) -> Iterator[None]:
    """Consume the queue while the ingest function fills it: moto scans every message on each
    FIFO send, which would make the run quadratic (real SQS does not)."""
    import threading

    import boto3

    sqs = boto3.client("sqs", endpoint_url=world.endpoint, region_name="eu-west-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(received.get("Messages", []))
            ]
            if entries:
                sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _memory_row(function: str, result: dict[str, Any], what: str) -> Row:
    peak = result["peak_rss_mib"]
    return Row(f"peak RSS, {function}", f"{peak:.1f} MiB", f"after {what}; 128 MB Lambda",
               round(peak, 1), MEMORY_TARGET_MIB, exact=True)  # fmt: skip


def _ops(calls: dict[str, int], prefix: str = "") -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items()) if op.startswith(prefix)) or "none"


def measure(rounds: int, count: int) -> tuple[list[Row], Measured]:
    with tempfile.TemporaryDirectory() as scratch, local_world() as world:
        cold = cold_invocations(world, rounds, Path(scratch))
        hot, _ = hot_path(world, max(count // 2, 100), Path(scratch))
        warm, measured = warm_load(world, count, Path(scratch))
        return [*cold, hot, *warm], measured
