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
# The switches someone turns on to debug a deployed function: the log scan must find nothing
# with them on either (tests/integration/test_no_secrets_in_logs.py runs part of the suite so).
LOUD_LOGS = os.environ.get("PUSHBRIDGE_TEST_LOUD_LOGS") == "1"
if LOUD_LOGS:
    os.environ.update({"POWERTOOLS_LOGGER_LOG_EVENT": "true", "POWERTOOLS_LOG_LEVEL": "DEBUG"})

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


@pytest.fixture
def capsys_and_logs(capsys, log_lines):
    """Printed EMF documents and the log lines both, as CloudWatch reads the log stream: a
    webhook's undimensioned metrics ride in its one log line, which capsys does not see (the
    Powertools logger keeps its own stream). The collector sits on the Powertools logger and on
    the root logger, so a line can reach it twice: once is kept."""

    class Both:
        def readouterr(self):
            out = capsys.readouterr()
            lines = list(dict.fromkeys(log_lines))
            log_lines.clear()
            return type(out)("\n".join([out.out, *lines]), out.err)

    return Both()


def pytest_terminal_summary(terminalreporter, config):
    """How many fuzz cases ran, and what the log scan found."""
    import sys

    scan = getattr(config, "_pushbridge_log_scan", None)
    if scan is not None:
        lines, checked, leaks = scan
        terminalreporter.section("log scan")
        terminalreporter.write_line(
            f"{lines} log lines from the whole run, {checked} secrets, tokens, signatures, e-mails and payload markers "
            f"looked for: {len(leaks)} found"
        )
        for leak in leaks[:20]:
            terminalreporter.write_line(f"  LEAK: {leak[:80]}")

    cases: dict[str, int] = {}
    for module in ("tests.fuzz.test_fuzz_ingest", "tests.fuzz.test_fuzz_grammars"):
        cases.update(getattr(sys.modules.get(module), "CASES", {}))
    if cases:
        terminalreporter.section("fuzzing")
        for target, count in sorted(cases.items()):
            terminalreporter.write_line(f"{count:>7} cases  {target}")
        terminalreporter.write_line(f"{sum(cases.values()):>7} cases  in all")


# --- the whole suite's logs, scanned at the end for what must never be logged -------------------

_SESSION_LOGS: list[str] = []
_PRESENTED: set[str] = set()  # every signature / auth header value that reached pushbridge
_RECORDING = {"on": True}  # off under fuzzing: random header values may equal words we log
_SIGNATURE_HEADER_HINTS = ("signature", "authorization", "x-hub-", "x-okta-verification")


@pytest.fixture(scope="session", autouse=True)
def _collect_every_log_line():
    from pushbridge.observability import logger
    from pushbridge.providers import base

    collector = _Collector(logger.registered_handler.formatter)
    logger._logger.addHandler(collector)
    logging.getLogger().addHandler(collector)
    if LOUD_LOGS:  # as Lambda's runtime sets it for ApplicationLogLevel DEBUG
        logging.getLogger().setLevel(logging.DEBUG)
    original_init = base.Headers.__init__

    def recording_init(self, headers=None):
        original_init(self, headers)
        if not _RECORDING["on"]:
            return
        for name, value in self._items.items():
            if any(hint in name for hint in _SIGNATURE_HEADER_HINTS) and len(value) >= 12:
                _PRESENTED.add(value)
                _PRESENTED.update(
                    part for part in value.replace(";", ",").replace(" ", ",").split(",") if len(part) >= 16
                )

    base.Headers.__init__ = recording_init
    yield
    base.Headers.__init__ = original_init
    _SESSION_LOGS.extend(collector.lines)


def _forbidden() -> set[str]:
    import json as _json
    import re
    from importlib import resources
    from pathlib import Path

    from tests.support import samples

    secrets = {v for v in samples.SIGNING_SECRETS.values()} | {samples.PUSHWOOSH_TOKEN, "pw-token-ROTATED"}
    sample = _json.loads(resources.files("pushbridge_dev.devtools").joinpath("sample_secrets.json").read_text())
    secrets |= {v for k, v in sample.items() if not k.startswith("_")}
    emails = set()
    for path in Path(samples.PAYLOADS).glob("*/*.json"):
        emails |= set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", path.read_text()))
    # Pieces only a whole payload would carry.
    payload_markers = {'"customer_details"', '"unsafe_metadata"', '"email_addresses"', '"subscriber_attributes"'}
    return {s for s in secrets | emails | payload_markers | _PRESENTED if len(s) >= 6}


def pytest_sessionfinish(session, exitstatus):
    if not _SESSION_LOGS:
        return
    forbidden = _forbidden()
    text = "\n".join(_SESSION_LOGS)
    leaks = sorted(f for f in forbidden if f in text)
    session.config._pushbridge_log_scan = (len(_SESSION_LOGS), len(forbidden), leaks)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
