"""The fault soak: N webhooks from every HTTP provider, some twice and some out of order, through
`pushbridge dev` (the real ingest and delivery handlers, the embedded FIFO queue) to a local
Pushwoosh that fails a share of calls. Then every accepted webhook is accounted for: each
expected Pushwoosh call made exactly once, or dead-lettered with its reason; per-user order kept.

`python -m tests.soak --webhooks 2000` (what `make soak` runs) prints the table.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import urllib3

from pushbridge.adapters.pushwoosh import PushwooshClient, request_for
from pushbridge.domain.mapping import map_event
from pushbridge.models.command import parse_message
from pushbridge_dev.devtools import local_queue
from pushbridge_dev.devtools.dev_server import Console, DevServer
from pushbridge_dev.devtools.samples import parse_sample, signed_headers
from tests.support.presets import CONFIG
from tests.support.pushwoosh_server import FakePushwoosh, Fault
from tests.support.samples import PUSHWOOSH_TOKEN, SIGNING_SECRETS, payload

BASE = 1_795_710_000
HWID = "8f65b16df378e7a6bece9614e1530fb2"


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _stripe(kind: str) -> Callable[[int, str], dict]:
    def make(i: int, user: str) -> dict:
        body = payload("stripe", kind)
        body["id"], body["created"] = f"evt_soak_{i}", BASE + i
        body["data"]["object"]["metadata"] = {"user_id": user, "pushwoosh_hwid": HWID}
        return body

    return make


def _clerk(kind: str) -> Callable[[int, str], dict]:
    # registerUser and deleteUser bodies carry no timestamp: a device of its own and a user of
    # its own keep every expected body distinct, so the accounting below is exact.
    def make(i: int, user: str) -> dict:
        body = payload("clerk", kind)
        body["timestamp"] = (BASE + i) * 1000
        if kind == "user.created":
            body["data"]["unsafe_metadata"]["pushwoosh_hwid"] = f"hwid{i:028d}"
        body["data"]["user_id" if kind == "session.created" else "id"] = (
            f"user_gone_{i}" if kind == "user.deleted" else user
        )
        return body

    return make


def _paddle(i: int, user: str) -> dict:
    body = payload("paddle", "subscription.created")  # a subscription's first payment maps to nothing
    body["event_id"], body["occurred_at"] = f"evt_soak_{i}", _iso(BASE + i)
    body["data"]["custom_data"]["user_id"] = user
    return body


def _revenuecat(i: int, user: str) -> dict:
    body = payload("revenuecat", "RENEWAL")
    body["event"].update(id=f"soak-{i}", app_user_id=user, event_timestamp_ms=(BASE + i) * 1000)
    return body


def _auth0(i: int, user: str) -> dict:
    body = payload("auth0", "s")
    body["log_id"] = body["data"]["log_id"] = f"soak{i:030d}"
    body["data"].update(user_id=user, date=_iso(BASE + i))
    return body


def _okta(i: int, user: str) -> dict:
    body = payload("okta", "user.session.start")
    event = body["data"]["events"][0]
    event.update(uuid=f"soak-{i}", published=_iso(BASE + i))
    event["actor"]["id"] = user
    return body


def _workos(i: int, user: str) -> dict:
    body = payload("workos", "session.created")
    body.update(id=f"event_soak_{i}", created_at=_iso(BASE + i))
    body["data"]["user_id"] = user
    return body


def _lemonsqueezy(i: int, user: str) -> dict:
    body = payload("lemonsqueezy", "subscription_payment_success")
    body["meta"]["custom_data"]["user_id"] = user
    body["data"]["id"] = f"soak{i}"
    body["data"]["attributes"]["updated_at"] = _iso(BASE + i)
    return body


def _backend(i: int, user: str) -> dict:
    body = payload("backend", "user.signed_up")
    return {**body, "id": f"evt_soak_{i}", "user_id": user, "occurred_at": BASE + i, "hwid": f"hwid{i:028d}"}


GENERATORS: list[tuple[str, Callable[[int, str], dict]]] = [
    ("stripe", _stripe("invoice.paid")),
    ("stripe", _stripe("invoice.payment_failed")),
    ("clerk", _clerk("user.created")),
    ("clerk", _clerk("session.created")),
    ("clerk", _clerk("user.deleted")),
    ("paddle", _paddle),
    ("revenuecat", _revenuecat),
    ("auth0", _auth0),
    ("okta", _okta),
    ("workos", _workos),
    ("lemonsqueezy", _lemonsqueezy),
    ("backend", _backend),
]

FAULTS = [
    Fault(500, {"status_code": 500, "status_message": "Internal error"}),
    Fault(503, {"message": "Service unavailable"}),
    Fault(429, {"message": "Too many requests"}, headers={"Retry-After": "1"}),
    Fault(200, {"status_code": 200, "status_message": "OK"}, delay=0.6),  # past the 0.3 s read timeout
    Fault(drop=True),
]


@dataclass
class SoakResult:
    webhooks: int = 0
    posted_twice: int = 0
    accepted: int = 0
    commands: int = 0
    calls: int = 0
    faults: int = 0
    retries: int = 0
    dead_lettered: int = 0
    dead_then_redelivered: int = 0
    lost: int = 0
    duplicated: int = 0
    order_violations: int = 0
    wall_seconds: float = 0.0
    rejected: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [
            ("webhooks", self.webhooks), ("posted twice", self.posted_twice), ("accepted", self.accepted),
            ("commands", self.commands), ("Pushwoosh calls", self.calls), ("faults injected", self.faults),
            ("retries", self.retries), ("dead-lettered (with reason)", self.dead_lettered),
            ("  of which redelivered later", self.dead_then_redelivered), ("lost", self.lost),
            ("duplicated", self.duplicated), ("per-user order violations", self.order_violations),
            ("wall time (s)", f"{self.wall_seconds:.1f}"),
        ]  # fmt: skip
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"| {name:<{width}} | {value:>8} |" for name, value in rows)


def _canonical(path: str, body: Any) -> str:
    return path + " " + json.dumps(body, sort_keys=True)


def _user_of(body: dict) -> str:
    return body.get("user_id") or body["request"]["userId"]


def run_soak(webhooks: int = 2000, *, fault_rate: float = 0.3, seed: int = 7) -> SoakResult:
    rng = random.Random(seed)
    result = SoakResult(webhooks=webhooks)
    pushwoosh = FakePushwoosh().start()
    # Transient faults, and now and then a permanent refusal (about 1% of calls) for the DLQ.
    faults = FAULTS * 6 + [Fault(200, {"status_code": 210, "status_message": "Event not found"})]
    pushwoosh.chaos(fault_rate, faults, seed=seed)
    local_queue.DEDUPLICATION_WINDOW = 2.0  # so that late duplicates reach the idempotency store
    client = PushwooshClient(
        lambda force=False: PUSHWOOSH_TOKEN, base_url=pushwoosh.url, connect_timeout=0.5, read_timeout=0.3,
        max_attempts=2, base_backoff=0.01,
    )  # fmt: skip
    quiet = Console(out=lambda: _Null())
    server = DevServer(
        CONFIG, SIGNING_SECRETS, client, port=0, console=quiet, max_receives=8, base_backoff=0.05
    ).start()
    http = urllib3.PoolManager(maxsize=4)
    started = time.monotonic()
    try:
        plan = []
        for i in range(webhooks):
            source, make = GENERATORS[i % len(GENERATORS)]
            plan.append((i, source, json.dumps(make(i, f"user_{rng.randrange(50):03d}")).encode()))
        # Providers deliver out of order: shuffle within small windows.
        for start in range(0, len(plan), 5):
            window = plan[start : start + 5]
            rng.shuffle(window)
            plan[start : start + 5] = window
        repeat = set(rng.sample(range(webhooks), webhooks // 10))
        late = []
        expected: Counter[str] = Counter()
        accepted_order: dict[str, list[str]] = defaultdict(list)
        reposted: set[str] = set()

        def post(source: str, body: bytes) -> tuple[int, dict]:
            headers = signed_headers(CONFIG.sources[source], body, SIGNING_SECRETS[source], now=int(time.time()))
            response = http.request(
                "POST", f"{server.url}/webhooks/{source}", body=body, headers=headers, retries=False
            )
            return response.status, json.loads(response.data)

        for i, source, body in plan:
            status, answer = post(source, body)
            if status != 202:
                result.rejected.append(f"{source}#{i}: {status} {answer}")
                continue
            result.accepted += 1
            keys = [
                _canonical(*request_for(command))
                for event in parse_sample(CONFIG.sources[source], body, now=int(time.time()))
                for command in map_event(CONFIG.sources[source], event, received_at=0).commands
            ]
            for key in keys:
                expected[key] += 1
                accepted_order[_user_of(json.loads(key.split(" ", 1)[1]))].append(key)
            if i in repeat:
                reposted.update(keys)
                result.posted_twice += 1
                if rng.random() < 0.5:
                    post(source, body)  # at once: the provider's retry before our answer arrived
                else:
                    late.append((source, body))
        _wait_until_idle(server)
        time.sleep(local_queue.DEDUPLICATION_WINDOW + 0.1)
        for source, body in late:  # long after: only the idempotency record stands in the way
            post(source, body)
        _wait_until_idle(server)
        report = server.stop()
    finally:
        result.wall_seconds = time.monotonic() - started
        pushwoosh.stop()
        local_queue.DEDUPLICATION_WINDOW = 300.0

    # Different commands may carry identical bodies (deleteUser has no timestamp), so calls are
    # counted per body: each body must be delivered exactly as often as commands asked for it.
    calls = pushwoosh.calls()
    result.calls, result.faults = len(calls), sum(1 for c in calls if not c.succeeded)
    delivered: Counter[str] = Counter()
    delivered_order: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        if call.succeeded:
            key = _canonical(call.path, call.json)
            delivered[key] += 1
            delivered_order[_user_of(call.json)].append(key)
    dead: Counter[str] = Counter(
        _canonical(*request_for(command)) for letter in report.dead_letters for command in parse_message(letter.body)
    )
    result.commands = sum(expected.values())
    result.dead_lettered = sum(dead.values())
    result.retries = result.calls - sum(delivered.values())
    # A command parked for good (or after its retry budget) is delivered after all when the
    # provider redelivers the webhook later: then the DLQ entry is stale (a redrive is a no-op).
    result.dead_then_redelivered = sum(min(dead[k], max(0, delivered[k] + dead[k] - expected[k])) for k in dead)
    result.duplicated = sum(max(0, delivered[k] - expected[k]) for k in delivered)
    result.lost = sum(max(0, n - delivered[k] - dead[k]) for k, n in expected.items())
    # Order: each user's commands are delivered in the order they were accepted. A webhook the
    # provider sent twice may legitimately come back later, so its commands are left out here.
    # A dead-lettered command is missing from what was delivered: where its body is identical to
    # another command's of the same user (registerUser and deleteUser carry no timestamp), which
    # of them was parked is not known, so up to that many of that body may be missing anywhere.
    for user, accepted in accepted_order.items():
        want = [k for k in accepted if k not in reposted and delivered[k]]
        got = [k for k in delivered_order.get(user, []) if k not in reposted]
        if not _in_order(want, got, dead):
            result.order_violations += 1
            result.violations.append(f"{user}: accepted {want} delivered {got}")
    return result


def _in_order(want: list[str], got: list[str], droppable: Counter[str]) -> bool:
    """``got`` is ``want`` with at most ``droppable[k]`` occurrences of each body ``k`` left out
    (greedy: matching an equal body first never prevents a later match)."""
    budget = Counter(droppable)
    position = 0
    for key in want:
        if position < len(got) and got[position] == key:
            position += 1
        elif budget[key] > 0:
            budget[key] -= 1
        else:
            return False
    return position == len(got)


def _wait_until_idle(server: DevServer, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while server.queue.pending() and time.monotonic() < deadline:
        time.sleep(0.05)


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
