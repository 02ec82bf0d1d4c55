"""The benchmark's verdicts and cost model (bench/): what `make bench` and CI decide from."""

from __future__ import annotations

import pytest

from bench.cost_model import EVENT_OVERHEAD_BYTES, MILLION, Measured, access_log_bytes, model
from bench.report import Row, failed

TIMING = {"what": "t", "measured": "", "limit": 2.0}


@pytest.mark.parametrize(
    ("row", "full", "quick"),
    [
        (Row(**TIMING, value=2.0), "pass", "pass"),
        # --quick (CI) never fails on a timing, however far off: a loaded machine is not a regression.
        (Row(**TIMING, value=2.9), "FAIL", "slow (not gated)"),
        (Row(**TIMING, value=30.0), "FAIL", "slow (not gated)"),
        (Row("n", "", value=2, limit=1, exact=True), "FAIL", "FAIL"),  # counts gate everywhere
        (Row(**TIMING, value=5.0, known_miss="why", ceiling=6.0), "MISS (known)", "MISS (known)"),
        (Row(**TIMING, value=9.5, known_miss="why", ceiling=6.0), "FAIL", "slow (not gated)"),  # past the ceiling
        (Row("info", "", value=40.0), "", ""),  # no target: shown for comparison only
    ],
)
def test_verdicts(row, full, quick):
    assert row.verdict(quick=False) == full
    assert row.verdict(quick=True) == quick
    assert (row in failed([row], quick=False)) == (full == "FAIL")
    assert (row in failed([row], quick=True)) == (quick == "FAIL")


def test_the_cost_model_counts_what_was_measured():
    measured = Measured(
        messages_per_webhook=1.0, commands_per_webhook=1.0, ingest_cpu_seconds=0.001, delivery_cpu_seconds=0.001,
        idempotency_writes_per_command=1.0, idempotency_reads_per_command=1.0, sqs_calls_per_webhook=1.0,
        ingest_log_bytes=1000, delivery_log_bytes=1000,
    )  # fmt: skip
    quiet, *_ = model(measured, batch=1, rate=1.0)
    busy, *_ = model(measured, batch=10, rate=21.0)
    q, b = (
        {item.split(" (")[0]: n for item, n, _ in quiet},
        {item.split(" (")[0]: n for item, n, _ in busy},
    )
    assert q["DynamoDB write units"] == MILLION
    assert q["DynamoDB read units"] == MILLION
    assert q["X-Ray traces recorded"] == MILLION  # one a second or less: every webhook is sampled
    assert b["X-Ray traces recorded"] == pytest.approx(1.1 * MILLION * 2 / 21)  # 1 + 5% of 20, per 21
    assert q["SQS FIFO requests"] == 3 * MILLION  # send, receive, delete
    assert b["SQS FIFO requests"] == 1.2 * MILLION
    assert q["Lambda requests"] == 2 * MILLION
    assert b["Lambda requests"] == 1.1 * MILLION
    costs = [cost for _, _, cost in quiet]
    assert all(cost > 0 for cost in costs)
    # Logs: each webhook's line and its API access log line, each command's line; no platform
    # lines at the default SystemLogLevel WARN.
    overhead = EVENT_OVERHEAD_BYTES
    expected = MILLION * ((1000 + overhead) * 2 + access_log_bytes() + overhead) / 1024**3
    assert q["CloudWatch Logs GB"] == pytest.approx(expected)
    untraced, *_ = model(measured, batch=1, rate=1.0, tracing="PassThrough")
    assert {item.split(" (")[0]: n for item, n, _ in untraced}["X-Ray traces recorded"] == 0
