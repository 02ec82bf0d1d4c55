"""A real HTTP server on localhost standing in for Pushwoosh: records every request and
answers from a script of faults, then with success."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    """One scripted answer. ``drop`` closes the connection without answering; ``delay``
    answers late (past the client's read timeout, if it is long enough)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    fault: Fault | None = None  # None: answered with a prompt success
    answered_at: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.fault is None

    @property
    def json(self) -> Any:
        return json.loads(self.body)


SUCCESS = {"status_code": 200, "status_message": "OK", "response": None}


class FakePushwoosh:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.connections = 0  # TCP connections accepted
        self.latency = 0.0  # seconds every answer waits, as a distant server's would
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests being answered at one time
        self._rules: list[tuple[Callable[[Any], bool], Fault]] = []
        self._chaos: tuple[float, list[Fault], random.Random] | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePushwoosh:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *faults: Fault) -> None:
        """Answer the next requests with these, in order; then succeed."""
        with self._lock:
            self._script.extend(faults)

    def fail_when(self, matches: Callable[[Any], bool], fault: Fault) -> None:
        """Answer every request whose JSON body ``matches`` with ``fault`` (before the script)."""
        with self._lock:
            self._rules.append((matches, fault))

    def chaos(self, rate: float, faults: list[Fault], *, seed: int = 0) -> None:
        """Beyond the script, answer a ``rate`` share of requests with one of ``faults``."""
        with self._lock:
            self._chaos = (rate, faults, random.Random(seed))

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self._rules.clear()
            self._chaos = None
            self.max_in_flight = 0

    def calls(self, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def _next(self, body: bytes) -> Fault | None:
        with self._lock:
            for matches, fault in self._rules:
                try:
                    if matches(json.loads(body)):
                        return fault
                except ValueError:
                    pass
            if self._script:
                return self._script.popleft()
            if self._chaos is not None:
                rate, faults, rng = self._chaos
                if rng.random() < rate:
                    return rng.choice(faults)
            return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Pushwoosh's own endpoints do
            # Headers and body go out in separate writes: with Nagle on, each answer would
            # wait ~40 ms for the client's delayed ACK, which a real server does not.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                scripted = fake._next(body)
                recorded = Recorded("POST", self.path, dict(self.headers.items()), body, fault=scripted or None)
                with fake._lock:
                    fake.requests.append(recorded)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(scripted or Fault(200, SUCCESS))
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                        recorded.answered_at = time.monotonic()

            def _answer(self, fault: Fault) -> None:
                if fault.delay or fake.latency:
                    time.sleep(fault.delay or fake.latency)
                if fault.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = b"" if fault.body is None else json.dumps(fault.body).encode()
                try:
                    self.send_response(fault.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in fault.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (a read timeout)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        return Handler
