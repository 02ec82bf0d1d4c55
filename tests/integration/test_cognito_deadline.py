"""The Cognito trigger returns in time (issue 11, item 5): SQS accepting connections but never
answering must not hold a sign-in past Cognito's 5 seconds. A local TCP server stands in for
SQS (AWS_ENDPOINT_URL_SQS), the real handler builds its real boto3 client."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from pushbridge.handlers import cognito
from pushbridge.models.command import user_ref
from tests.support.apigw import LambdaContext
from tests.support.samples import APPLICATION, payload

CONFIG = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"
SUB = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


class SilentServer:
    """Accepts every connection, reads what is sent, never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.connections: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self._stop = True
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_sqs(monkeypatch):
    server = SilentServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", server.url)
    monkeypatch.setenv("QUEUE_URL", f"{server.url}/123456789012/pushbridge-commands.fifo")
    monkeypatch.setenv("PUSHBRIDGE_CONFIG", str(CONFIG))
    monkeypatch.setenv("PUSHWOOSH_APPLICATION", APPLICATION)
    cognito.use(None)
    yield server
    cognito.use(None)
    server.close()


@pytest.mark.parametrize("remaining", [5.0, 3.0, 1.5])
def test_sqs_that_never_answers_cannot_hold_a_sign_up_past_the_invocations_time(
    silent_sqs, remaining, log_lines, capsys
):
    event = payload("cognito", "PostConfirmation_ConfirmSignUp")
    context = LambdaContext("cognito", remaining)

    started = time.monotonic()
    answer = cognito.lambda_handler(copy.deepcopy(event), context)
    elapsed = time.monotonic() - started

    assert answer == event
    assert elapsed < remaining, f"took {elapsed:.2f} s of {remaining} s"
    assert silent_sqs.connections, "the trigger did try SQS"
    failures = [json.loads(line) for line in log_lines if '"could not queue"' in line]
    assert "post_event" in {f["method"] for f in failures}  # the SignUp, and registerUser where mapped
    for failure in failures:
        assert failure["level"] == "ERROR" and failure["source"] == "cognito"
        assert failure["user"] == user_ref(SUB) and len(failure["command_id"]) == 64
        assert failure["event_type"] == "PostConfirmation_ConfirmSignUp" and failure["time"] > 0
    logged = "\n".join(log_lines)
    assert SUB not in logged and "hwid-" not in logged.lower()
    assert '"CognitoTriggerFailures":[1.0]' in capsys.readouterr().out.replace(" ", "")
