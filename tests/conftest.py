"""Shared by every test layer: a clean, offline AWS environment and Powertools set for tests.

Set before anything imports Powertools, which reads these at import time."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "pushbridge",
        "POWERTOOLS_METRICS_NAMESPACE": "Pushbridge",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
)
os.environ.pop("AWS_PROFILE", None)

import logging  # noqa: E402

import pytest  # noqa: E402

from tests.support.pushwoosh_server import FakePushwoosh  # noqa: E402


@pytest.fixture(scope="session")
def pushwoosh_server():
    server = FakePushwoosh().start()
    yield server
    server.stop()


@pytest.fixture
def pushwoosh(pushwoosh_server):
    """The local Pushwoosh, emptied for each test."""
    pushwoosh_server.reset()
    yield pushwoosh_server
    pushwoosh_server.reset()


class _Collector(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    """Every line pushbridge logs during the test, formatted exactly as Lambda would ship it
    (Powertools' JSON formatter), plus anything else that reaches the root logger."""
    from pushbridge.observability import logger

    collector = _Collector(logger.registered_handler.formatter)
    root = logging.getLogger()
    logger._logger.addHandler(collector)
    root.addHandler(collector)
    yield collector.lines
    logger._logger.removeHandler(collector)
    root.removeHandler(collector)


def pytest_terminal_summary(terminalreporter):
    """How many fuzz cases ran, per target (issue: 'print how many cases ran')."""
    import sys

    fuzz = sys.modules.get("tests.fuzz.test_fuzz_ingest")
    if fuzz is not None and fuzz.CASES:
        terminalreporter.section("fuzzing")
        for target, count in sorted(fuzz.CASES.items()):
            terminalreporter.write_line(f"{count:>7} cases  {target}")
        terminalreporter.write_line(f"{sum(fuzz.CASES.values()):>7} cases  in all")
