"""End-to-end layer: `pushbridge dev` as a subprocess, driven over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3

from tests.support.samples import APPLICATION, PUSHWOOSH_TOKEN, SIGNING_SECRETS


class DevProcess:
    def __init__(self, env: dict[str, str], *args: str, log_path: Path) -> None:
        self.lines: list[str] = []
        self.log_path = log_path  # the JSON log lines `pushbridge trace --local` reads
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pushbridge_dev.cli", "dev", "--port", "0", "--log-file", str(log_path), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        first = self.wait_for(lambda line: line.startswith("pushbridge dev on "), timeout=30)
        self.url = first.removeprefix("pushbridge dev on ").strip()
        self.http = urllib3.PoolManager()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if predicate(line):
                    return line
            seen = len(self.lines)
            if self.process.poll() is not None and seen == len(self.lines):
                break
            time.sleep(0.05)
        raise AssertionError("not printed in time; output was:\n" + "\n".join(self.lines))

    def post(self, source: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        response = self.http.request("POST", f"{self.url}/webhooks/{source}", body=body, headers=headers, retries=False)
        return response.status, json.loads(response.data)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=5)
        return code


@pytest.fixture
def start_dev(pushwoosh, tmp_path) -> Iterator[Callable[..., DevProcess]]:
    started: list[DevProcess] = []

    def start(*args: str, token: bool = True) -> DevProcess:
        env = {
            **os.environ,
            "PUSHBRIDGE_SIGNING_SECRETS": json.dumps(SIGNING_SECRETS),
            "PUSHWOOSH_APPLICATION": APPLICATION,
            "PUSHWOOSH_API_URL": pushwoosh.url,
            "PUSHWOOSH_READ_TIMEOUT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PUSHWOOSH_API_TOKEN", None)
        if token:
            env["PUSHWOOSH_API_TOKEN"] = PUSHWOOSH_TOKEN
        process = DevProcess(env, *args, log_path=tmp_path / f"dev-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
