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
# invocation, when the SystemLogLevel parameter lets them through (INFO, DEBUG; not WARN); and
# CloudWatch's 26 bytes of overhead per log event.
PLATFORM_LOG_BYTES = 420
EVENT_OVERHEAD_BYTES = 26
# What the HTTP API's access log line holds for a webhook, to fill in the template's Format.
ACCESS_LOG_VALUES = {"requestId": "Vx3pQi2oIAMEb1Q=", "identity.sourceIp": "203.0.113.10",
                     "requestTime": "28/Nov/2026:10:21:17 +0000", "routeKey": "POST /webhooks/{source}",
                     "path": "/webhooks/stripe", "status": "202", "responseLength": "74", "responseLatency": "31",
                     "integrationErrorMessage": "-"}  # fmt: skip
# X-Ray's default sampling rule for Lambda: the first request each second, then 5% of the rest.
QUIET_RATE, BUSY_RATE = 1.0, 50.0  # webhooks per second in the two scenarios
FIXED_ITEMS = ("HTTP API requests", "Lambda requests", "SQS FIFO requests", "DynamoDB")


def defaults() -> dict[str, str]:
    """The template's defaults that change the bill: Tracing and SystemLogLevel."""
    from tests.support.template import load_template

    parameters = load_template()["Parameters"]
    return {name: str(parameters[name]["Default"]) for name in ("Tracing", "SystemLogLevel")}


def access_log_bytes() -> int:
    """One access log line of the HTTP API, from the template's own Format."""
    import re

    from tests.support.template import resource

    line = resource("WebhookApi")["AccessLogSettings"]["Format"]
    return len(re.sub(r"\$context\.([\w.]+)", lambda m: ACCESS_LOG_VALUES[m.group(1)], line).encode())


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


def model(
    m: Measured, *, batch: int, rate: float, tracing: str | None = None
) -> tuple[list[tuple[str, float, float]], float, float]:
    """(item, quantity per million webhooks, USD) with ``batch`` messages per delivery
    invocation at ``rate`` webhooks per second, the template's defaults (or ``tracing``); and
    the modelled seconds of one ingest and one delivery invocation."""
    from bench.functions import memory_mb

    settings = defaults()
    traced = (tracing or settings["Tracing"]) == "Active"
    platform_bytes = PLATFORM_LOG_BYTES if settings["SystemLogLevel"] != "WARN" else 0

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
        + webhooks * (access_log_bytes() + EVENT_OVERHEAD_BYTES)
        + commands * (m.delivery_log_bytes + EVENT_OVERHEAD_BYTES)
        + (webhooks + invocations) * platform_bytes
    )
    log_gb = log_bytes / 1024**3
    # A delivery of one message continues the webhook's trace; a batch of several starts its own.
    traces = (webhooks + (invocations if batch > 1 else 0)) * sampled(rate) if traced else 0.0
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
        ("CloudWatch Logs GB (log lines with their EMF metrics, API access log"
         + (", platform lines)" if platform_bytes else "; SystemLogLevel WARN: no platform lines)"), log_gb,
         log_gb * p["logs_gb"]),
        (f"X-Ray traces recorded (Tracing {'Active' if traced else 'PassThrough'}, default sampling at "
         f"{rate:g} webhooks/s)", traces, traces * p["xray_trace"]),
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
    untraced = [sum(c for *_, c in model(m, batch=b, rate=r, tracing="PassThrough")[0])
                for b, r in ((1, QUIET_RATE), (10, BUSY_RATE))]  # fmt: skip
    lines.append(f"| total with Tracing=PassThrough | | ${untraced[0]:,.2f} | | ${untraced[1]:,.2f} |")
    # What no code change can lower: the per-request prices of the services DESIGN.md chose.
    floor = [sum(c for item, _, c in items if item.startswith(FIXED_ITEMS)) for items in (quiet, busy)]
    lines.append(f"| of which per-request charges (API, Lambda and SQS requests, DynamoDB units) | | ${floor[0]:,.2f} "
                 f"| | ${floor[1]:,.2f} |")  # fmt: skip
    lines.append(
        f"\nModelled invocations: ingest {ingest_s * 1000:.1f} ms; delivery {quiet_s * 1000:.0f} ms (quiet), "
        f"{busy_s * 1000:.0f} ms (busy). Not included: the free tiers (X-Ray's 100,000 traces a month), Secrets "
        "Manager reads (one per warm container every 5 minutes), idle SQS long polling."
    )
    return "\n".join(lines)
