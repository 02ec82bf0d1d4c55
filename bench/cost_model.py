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
    "logs_gb": 0.50,  # CloudWatch Logs ingestion, standard class
}


@dataclass(frozen=True)
class Measured:
    messages_per_webhook: float
    commands_per_webhook: float
    ingest_cpu_seconds: float  # per webhook, warm
    delivery_cpu_seconds: float  # per command, warm
    idempotency_writes_per_command: float
    sqs_calls_per_webhook: float
    ingest_log_bytes: float  # per webhook: log lines and EMF metrics
    delivery_log_bytes: float  # per command


def model(m: Measured, *, batch: int) -> tuple[list[tuple[str, float, float]], float, float]:
    """(item, quantity per million webhooks, USD) with ``batch`` messages per delivery
    invocation; and the modelled seconds of one ingest and one delivery invocation."""
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
    log_gb = (webhooks * m.ingest_log_bytes + commands * m.delivery_log_bytes) / 1024**3
    p = PRICES
    items = [
        ("HTTP API requests", webhooks, webhooks * p["http_api_request"]),
        (f"Lambda GB-s, ingest ({ingest_mb} MB)", gb_seconds_ingest, gb_seconds_ingest * p["lambda_gb_second"]),
        (f"Lambda GB-s, delivery ({delivery_mb} MB)", gb_seconds_delivery,
         gb_seconds_delivery * p["lambda_gb_second"]),
        ("Lambda requests (ingest + delivery)", webhooks + invocations, (webhooks + invocations) * p["lambda_request"]),
        ("SQS FIFO requests (send + Lambda's receive/delete)", sqs_requests, sqs_requests * p["sqs_fifo_request"]),
        ("DynamoDB write units (idempotency)", writes, writes * p["dynamodb_write_unit"]),
        ("CloudWatch Logs GB (log lines + EMF metrics)", log_gb, log_gb * p["logs_gb"]),
    ]  # fmt: skip
    return items, ingest_seconds, delivery_seconds


def table(m: Measured) -> str:
    lines = [
        f"Per million webhooks ({m.messages_per_webhook:.2f} SQS messages and {m.commands_per_webhook:.2f} Pushwoosh "
        f"calls each, as measured; assumed: SQS {SQS_MS:g} ms, DynamoDB {DYNAMODB_MS:g} ms, Pushwoosh "
        f"{PUSHWOOSH_MS:g} ms)",
        "",
        "| item | quiet: 1 message per delivery | | busy: 10 messages per delivery | |",
        "|---|---|---|---|---|",
    ]
    (quiet, ingest_s, quiet_s), (busy, _, busy_s) = model(m, batch=1), model(m, batch=10)
    for (item, q1, c1), (_, q10, c10) in zip(quiet, busy, strict=True):
        lines.append(f"| {item} | {q1:,.1f} | ${c1:,.2f} | {q10:,.1f} | ${c10:,.2f} |")
    lines.append(f"| **total** | | **${sum(c for *_, c in quiet):,.2f}** | | **${sum(c for *_, c in busy):,.2f}** |")
    lines.append(
        f"\nModelled invocations: ingest {ingest_s * 1000:.1f} ms; delivery {quiet_s * 1000:.0f} ms (quiet), "
        f"{busy_s * 1000:.0f} ms (busy). Not included: Lambda's own START/END/REPORT log lines, X-Ray traces, "
        "Secrets Manager reads (one per warm container every 5 minutes), idle SQS long polling."
    )
    return "\n".join(lines)
