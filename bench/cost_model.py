"""What a million webhooks cost: AWS calls and Lambda GB-seconds, from what the run measured
(calls, CPU, log bytes per webhook and per command) and the memory sizes in template.yaml.

What this machine cannot measure is stated as an assumption: network latencies inside AWS
and Pushwoosh's answer time. Lambda gives a function CPU in proportion to its memory (one
vCPU at 1,769 MB), so CPU time measured here on ~one core is scaled by that share. Prices
are us-east-1 list prices (arm64 Lambda); check the AWS pricing pages for your region.
"""

from __future__ import annotations

from dataclasses import dataclass

MILLION = 1_000_000
FULL_CORE_MB = 1769
# Assumptions (not measurable here): round trips inside one region, and Pushwoosh's answer.
SQS_MS, DYNAMODB_MS, PUSHWOOSH_MS = 10.0, 5.0, 150.0
PRICES = {  # USD, us-east-1 list prices
    "lambda_gb_second": 0.0000133334,  # arm64
    "lambda_request": 0.20 / MILLION,
    "http_api_request": 1.00 / MILLION,
    "sqs_fifo_request": 0.50 / MILLION,
    "dynamodb_write_unit": 0.625 / MILLION,  # on-demand, items under 1 KB
    "dynamodb_read_unit": 0.125 / MILLION,  # on-demand; a consistent read of under 4 KB is one unit
    "logs_gb": 0.50,  # CloudWatch Logs ingestion, standard class
    "xray_trace": 5.00 / MILLION,  # traces recorded (the first 100,000 a month are free: not counted)
}
# Lambda's own START, END and REPORT lines (REPORT with its XRAY line when traced), per
# invocation, and CloudWatch's 26 bytes of overhead per log event.
PLATFORM_LOG_BYTES = 420
EVENT_OVERHEAD_BYTES = 26
# X-Ray's default sampling rule for Lambda: the first request each second, then 5% of the rest.
QUIET_RATE, BUSY_RATE = 1.0, 50.0  # webhooks per second in the two scenarios


def sampled(rate: float) -> float:
    """The share of requests X-Ray's default rule records at ``rate`` requests per second."""
    return 1.0 if rate <= 1 else (1 + 0.05 * (rate - 1)) / rate


@dataclass(frozen=True)
class Measured:
    messages_per_webhook: float
    commands_per_webhook: float
    ingest_cpu_seconds: float  # per webhook, warm
    delivery_cpu_seconds: float  # per command, warm
    idempotency_writes_per_command: float
    idempotency_reads_per_command: float
    sqs_calls_per_webhook: float
    ingest_log_bytes: float  # per webhook: log lines and EMF metrics
    delivery_log_bytes: float  # per command


def model(m: Measured, *, batch: int, rate: float) -> tuple[list[tuple[str, float, float]], float, float]:
    """(item, quantity per million webhooks, USD) with ``batch`` messages per delivery
    invocation at ``rate`` webhooks per second; and the modelled seconds of one ingest and one
    delivery invocation."""
    from bench.functions import memory_mb

    ingest_mb, delivery_mb = memory_mb("IngestFunction"), memory_mb("DeliveryFunction")
    webhooks = MILLION
    messages = webhooks * m.messages_per_webhook
    commands = webhooks * m.commands_per_webhook
    invocations = messages / batch
    ingest_seconds = m.ingest_cpu_seconds / min(1.0, ingest_mb / FULL_CORE_MB) + SQS_MS / 1000
    # Message groups run concurrently: an invocation lasts one chain of calls plus its CPU.
    commands_per_invocation = commands / invocations
    delivery_seconds = (2 * DYNAMODB_MS + PUSHWOOSH_MS) / 1000 + (
        m.delivery_cpu_seconds * commands_per_invocation / min(1.0, delivery_mb / FULL_CORE_MB)
    )
    gb_seconds_ingest = webhooks * ingest_seconds * ingest_mb / 1024
    gb_seconds_delivery = invocations * delivery_seconds * delivery_mb / 1024
    sqs_requests = webhooks * m.sqs_calls_per_webhook + invocations * 2  # + Lambda's receive and delete
    writes = commands * m.idempotency_writes_per_command
    reads = commands * m.idempotency_reads_per_command
    # One line per webhook and per delivery attempt (their metrics ride in them), plus the
    # platform's lines of every invocation.
    log_bytes = (
        webhooks * (m.ingest_log_bytes + EVENT_OVERHEAD_BYTES)
        + commands * (m.delivery_log_bytes + EVENT_OVERHEAD_BYTES)
        + (webhooks + invocations) * PLATFORM_LOG_BYTES
    )
    log_gb = log_bytes / 1024**3
    # A delivery of one message continues the webhook's trace; a batch of several starts its own.
    traces = (webhooks + (invocations if batch > 1 else 0)) * sampled(rate)
    p = PRICES
    items = [
        ("HTTP API requests", webhooks, webhooks * p["http_api_request"]),
        (f"Lambda GB-s, ingest ({ingest_mb} MB)", gb_seconds_ingest, gb_seconds_ingest * p["lambda_gb_second"]),
        (f"Lambda GB-s, delivery ({delivery_mb} MB)", gb_seconds_delivery,
         gb_seconds_delivery * p["lambda_gb_second"]),
        ("Lambda requests (ingest + delivery)", webhooks + invocations, (webhooks + invocations) * p["lambda_request"]),
        ("SQS FIFO requests (send + Lambda's receive/delete)", sqs_requests, sqs_requests * p["sqs_fifo_request"]),
        ("DynamoDB write units (idempotency)", writes, writes * p["dynamodb_write_unit"]),
        ("DynamoDB read units (idempotency, consistent)", reads, reads * p["dynamodb_read_unit"]),
        ("CloudWatch Logs GB (log lines with their EMF metrics, platform lines)", log_gb, log_gb * p["logs_gb"]),
        (f"X-Ray traces recorded (default sampling at {rate:g} webhooks/s)", traces, traces * p["xray_trace"]),
    ]  # fmt: skip
    return items, ingest_seconds, delivery_seconds


def table(m: Measured) -> str:
    lines = [
        f"Per million webhooks ({m.messages_per_webhook:.2f} SQS messages and {m.commands_per_webhook:.2f} Pushwoosh "
        f"calls each, as measured; assumed: SQS {SQS_MS:g} ms, DynamoDB {DYNAMODB_MS:g} ms, Pushwoosh "
        f"{PUSHWOOSH_MS:g} ms)",
        "",
        f"Log bytes measured: {m.ingest_log_bytes:.0f} per webhook, {m.delivery_log_bytes:.0f} per command.",
        "",
        f"| item | quiet: {QUIET_RATE:g} webhook/s, 1 message per delivery | | busy: {BUSY_RATE:g} webhooks/s, "
        "10 messages per delivery | |",
        "|---|---|---|---|---|",
    ]
    (quiet, ingest_s, quiet_s), (busy, _, busy_s) = (
        model(m, batch=1, rate=QUIET_RATE),
        model(m, batch=10, rate=BUSY_RATE),
    )
    for (item, q1, c1), (_, q10, c10) in zip(quiet, busy, strict=True):
        lines.append(f"| {item} | {q1:,.1f} | ${c1:,.2f} | {q10:,.1f} | ${c10:,.2f} |")
    lines.append(f"| **total** | | **${sum(c for *_, c in quiet):,.2f}** | | **${sum(c for *_, c in busy):,.2f}** |")
    lines.append(
        f"\nModelled invocations: ingest {ingest_s * 1000:.1f} ms; delivery {quiet_s * 1000:.0f} ms (quiet), "
        f"{busy_s * 1000:.0f} ms (busy). Not included: the free tiers (X-Ray's 100,000 traces a month), Secrets "
        "Manager reads (one per warm container every 5 minutes), idle SQS long polling."
    )
    return "\n".join(lines)
