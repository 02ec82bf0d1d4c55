"""Cold start: the wall time of a fresh ``python -c "import <handler module>"`` in the
environment Lambda gives the function, against a fresh ``python -c "import boto3"`` (the SDK
no function can avoid). Runs are interleaved in a shuffled order so that the machine's noise
falls on every subject alike; the first round only warms the file cache."""

from __future__ import annotations

import random
import statistics
import subprocess
import time

from bench.lambda_env import PYTHON, lambda_environment
from bench.report import Row, ms

BASELINE = "boto3"
HANDLERS = {
    "IngestFunction": "pushbridge.handlers.ingest",
    "DeliveryFunction": "pushbridge.handlers.delivery",
    "CognitoTriggerFunction": "pushbridge.handlers.cognito",
    "EventBridgeFunction": "pushbridge.handlers.eventbridge",
}
TARGET = 1.3


def fresh_import_seconds(module: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", f"import {module}"], env=env, check=True)
    return time.perf_counter() - started


def measure(rounds: int) -> list[Row]:
    env = lambda_environment("bench", 512)
    subjects = [BASELINE, *HANDLERS.values()]
    times: dict[str, list[float]] = {subject: [] for subject in subjects}
    for round_number in range(rounds + 1):
        order = random.sample(subjects, len(subjects))
        for subject in order:
            seconds = fresh_import_seconds(subject, env)
            if round_number:
                times[subject].append(seconds)
    baseline = statistics.median(times[BASELINE])
    rows = []
    for function, module in HANDLERS.items():
        median = statistics.median(times[module])
        rows.append(
            Row(
                f"cold start: import {module.rsplit('.', 1)[1]} handler ({function})",
                ms(median),
                f"import boto3: {ms(baseline)}",
                round(median / baseline, 2),
                TARGET,
            )
        )
    return rows
