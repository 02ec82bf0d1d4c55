"""``pushbridge dev``: the whole pipeline on a laptop, no AWS account needed.

HTTP requests become API Gateway events for the *real* ingest Lambda handler; its commands go
to an in-process FIFO queue (``local_queue``) whose consumer calls the *real* delivery Lambda
handler, which calls Pushwoosh (``PUSHWOOSH_API_TOKEN`` set) or a dry-run sink that prints
each call. Only the adapters differ from AWS: secrets from a local file, queue and
idempotency store in memory.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from pushbridge.config.loader import Config
from pushbridge.models.command import Command
from pushbridge.urls import is_loopback
from pushbridge_dev.devtools.events import LambdaContext, http_api_event
from pushbridge_dev.devtools.local_queue import DeadLetter, LocalFifoQueue, Message

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's own limit; the ingest handler's is lower


class Console:
    """One readable line per webhook and per Pushwoosh call."""

    def __init__(self, out: Callable[[], TextIO] = lambda: sys.stdout) -> None:
        self._out = out
        self._lock = threading.Lock()

    def emit(self, text: str) -> None:
        with self._lock:  # one write per line: threads do not interleave
            out = self._out()
            out.write(text + "\n")
            out.flush()

    def line(self, kind: str, text: str) -> None:
        self.emit(f"{time.strftime('%H:%M:%S')}  {kind:<8} {text}")

    def webhook(self, source: str, status: int, answer: dict[str, Any]) -> None:
        if "verification" in answer:
            self.line("webhook", f"{source}  verification challenge -> {status} answered")
            return
        types = ", ".join(answer.get("event_types") or []) or "-"
        verdict = answer.get("status", "?")
        if verdict == "accepted":
            detail = "commands: " + ", ".join(c["method"] for c in answer.get("commands", []))
        elif verdict == "ignored":
            detail = "no rule matches"
        else:
            detail = f"{answer.get('reason', '')}: {answer.get('message', '')}"
        self.line("webhook", f"{source}  {types}  -> {status} {verdict}  {detail}")

    def call(self, command: Command, outcome: str, latency_ms: float) -> None:
        self.line("call", f"{command.method}  user={command.user_id}  -> {outcome}  ({latency_ms:.0f} ms)")


class ReportingPushwoosh:
    """Wraps the Pushwoosh client (or the dry-run sink) to print each call's outcome."""

    def __init__(self, inner: Any, console: Console) -> None:
        self._inner = inner
        self._console = console
        self.min_call_seconds = inner.min_call_seconds

    def send(self, command: Command, *, deadline: float | None = None) -> Any:
        started = time.monotonic()
        try:
            result = self._inner.send(command, deadline=deadline)
        except Exception as exc:
            detail = getattr(exc, "detail", str(exc))
            self._console.call(command, f"{type(exc).__name__}: {detail}", (time.monotonic() - started) * 1000)
            raise
        dry_run = isinstance(result.response, dict) and result.response.get("dry_run")
        outcome = "printed (dry run)" if dry_run else "delivered"
        outcome += f" after {result.attempts} attempts" if result.attempts > 1 else ""
        if command.method == "post_event" and getattr(command, "hwid", None) is None:
            outcome += ", without hwid: Customer Journeys need it"
        self._console.call(command, outcome, (time.monotonic() - started) * 1000)
        return result


def _forget_metrics() -> None:
    # With metrics disabled Powertools skips the flush but keeps the values, and prints them
    # once 100 pile up; a long-running dev server must drop them after each invocation.
    from pushbridge.observability import metrics

    metrics.clear_metrics()


@dataclass
class DevReport:
    queued: int
    dead_letters: list[DeadLetter]


def _host_name(header: str) -> str:
    """``Host`` without its port: ``127.0.0.1:3000`` -> ``127.0.0.1``, ``[::1]:3000`` -> ``::1``."""
    header = header.strip()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class DevServer:
    def __init__(
        self,
        config: Config,
        signing_secrets: dict[str, Any],
        pushwoosh: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        console: Console | None = None,
        max_receives: int = 5,
        base_backoff: float = 1.0,
        max_body_bytes: int = 1024 * 1024,
    ) -> None:
        from pushbridge.adapters.secrets import StaticJson
        from pushbridge.domain.ingest import IngestService
        from pushbridge.handlers import delivery, ingest
        from pushbridge_dev.devtools.memory_idempotency import InMemoryPersistenceLayer

        self.console = console or Console()
        if hasattr(pushwoosh, "emit"):  # the dry-run sink prints through the console
            pushwoosh.emit = self.console.emit
        self.queue = LocalFifoQueue(max_receives=max_receives, base_backoff=base_backoff)
        self.queue.on_retry = self._retrying
        self.queue.on_dead = self._dead
        self._ingest, self._delivery = ingest, delivery
        ingest.use(IngestService(config, StaticJson(signing_secrets), self.queue, max_body_bytes=max_body_bytes))
        delivery.use(
            delivery.build(
                ReportingPushwoosh(pushwoosh, self.console),
                self.queue,
                InMemoryPersistenceLayer(),
                ttl_seconds=7 * 24 * 3600,
            )
        )
        # Lambda runs one invocation per container at a time; so do we, per function.
        self._ingest_lock = threading.Lock()
        self._delivery_lock = threading.Lock()
        self._stopping = threading.Event()
        self._http = ThreadingHTTPServer((host, port), self._request_handler())
        self._http.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._http.serve_forever, name="pushbridge-http", daemon=True),
            threading.Thread(target=self._consume, name="pushbridge-delivery", daemon=True),
        ]

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DevServer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> DevReport:
        """Stop taking webhooks, let the batch being delivered finish, report what is left."""
        self._http.shutdown()
        self._stopping.set()
        self._threads[1].join(timeout=90)
        self._http.server_close()
        self._ingest.use(None)
        self._delivery.use(None)
        return DevReport(queued=self.queue.pending(), dead_letters=list(self.queue.dead_letters))

    # --- the event source mapping -------------------------------------------------------------

    def _consume(self) -> None:
        while not self._stopping.is_set():
            batch = self.queue.next_batch(timeout=0.25)
            if not batch:
                continue
            failed = self._invoke_delivery(batch)
            self.queue.settle(batch, failed)

    def _invoke_delivery(self, batch: list[Message]) -> set[str]:
        with self._delivery_lock:
            try:
                response = self._delivery.lambda_handler(self.queue.sqs_event(batch), LambdaContext("delivery", 60))
            except Exception as exc:  # an invocation error: Lambda would retry the whole batch
                self.console.line("error", f"delivery invocation failed: {type(exc).__name__}: {exc}")
                return {m.id for m in batch}
            finally:
                _forget_metrics()
        return {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}

    def _retrying(self, message: Message, delay: float) -> None:
        command = json.loads(message.body)
        self.console.line(
            "retry", f"{command.get('method')}  user={command.get('user_id')}  in {delay:.0f} s "
            f"(receive {message.receives} of {self.queue.max_receives})",
        )  # fmt: skip

    def _dead(self, letter: DeadLetter) -> None:
        command = json.loads(letter.body) if letter.body.startswith("{") else {}
        status = f" {letter.status}" if letter.status is not None else ""
        self.console.line(
            "dead", f"{command.get('method')}  user={command.get('user_id')}  {letter.reason}{status}: {letter.detail}"
        )

    # --- the API Gateway ------------------------------------------------------------------------

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "pushbridge-dev"

            def do_GET(self) -> None:  # noqa: N802
                if not self._host_served():
                    return
                if self.path.split("?")[0] == "/healthz":
                    self._answer(200, {"status": "ok", "queued": server.queue.pending(),
                                       "dead_letters": len(server.queue.dead_letters)})  # fmt: skip
                    return
                self._through_ingest("GET")

            def do_POST(self) -> None:  # noqa: N802
                if self._host_served():
                    self._through_ingest("POST")

            def _host_served(self) -> bool:
                """DNS rebinding: a web page on evil.example can point its own name at 127.0.0.1
                and drive this server from a browser (with the public sample secrets, and the
                real app when PUSHWOOSH_API_TOKEN is set). Its requests still say
                ``Host: evil.example``: only loopback names and the address served are answered."""
                host = _host_name(self.headers.get("Host") or "")
                if is_loopback(host) or (host and host == str(server._http.server_address[0])):
                    return True
                self.close_connection = True
                self._answer(421, {"status": "rejected", "reason": "host_not_allowed",
                                   "message": "pushbridge dev answers only requests for localhost / 127.0.0.1"})  # fmt: skip
                return False

            def _through_ingest(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    self.close_connection = True
                    self._answer(413, {"status": "rejected", "reason": "payload_too_large"})
                    return
                body = self.rfile.read(length)
                headers: dict[str, str] = {}
                for name, value in self.headers.items():  # repeated headers joined, as API Gateway does
                    key = name.lower()
                    headers[key] = f"{headers[key]},{value}" if key in headers else value
                path = self.path.split("?")[0]
                source = path.removeprefix("/webhooks/") if path.startswith("/webhooks/") else None
                event = http_api_event(source, body, headers, method=method, path=path)
                with server._ingest_lock:
                    try:
                        response = server._ingest.lambda_handler(event, LambdaContext("ingest", 10))
                    finally:
                        _forget_metrics()
                answer = json.loads(response.get("body") or "{}")
                self._answer(response["statusCode"], answer)
                server.console.webhook(source or path, response["statusCode"], answer)

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if self.close_connection:
                    # Said out loud: a client that reuses the connection would otherwise race
                    # the close (the unread request body is why it is closed).
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the console prints one line per webhook instead

        return Handler
