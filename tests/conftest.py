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
