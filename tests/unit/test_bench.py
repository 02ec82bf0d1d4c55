"""The benchmark's verdicts and cost model (bench/): what `make bench` and CI decide from."""

from __future__ import annotations

import pytest

from bench.cost_model import MILLION, Measured, model
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
        idempotency_writes_per_command=2.0, sqs_calls_per_webhook=1.0, ingest_log_bytes=1000, delivery_log_bytes=1000,
    )  # fmt: skip
    quiet, *_ = model(measured, batch=1)
    busy, *_ = model(measured, batch=10)
    q, b = {item: n for item, n, _ in quiet}, {item: n for item, n, _ in busy}
    assert q["DynamoDB write units (idempotency)"] == 2 * MILLION
    assert q["SQS FIFO requests (send + Lambda's receive/delete)"] == 3 * MILLION  # send, receive, delete
    assert b["SQS FIFO requests (send + Lambda's receive/delete)"] == 1.2 * MILLION
    assert q["Lambda requests (ingest + delivery)"] == 2 * MILLION
    assert b["Lambda requests (ingest + delivery)"] == 1.1 * MILLION
    costs = [cost for _, _, cost in quiet]
    assert all(cost > 0 for cost in costs)
