"""The webhooks and commands the measurements replay: every HTTP provider's webhook, signed as
that provider signs (the generators of the fault soak), an Auth0 batch of several users
(several SQS messages from one webhook), and command batches of ten users."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from pushbridge.models.command import Origin, PostEvent, RegisterUser, messages_for
from pushbridge_dev.devtools.events import http_api_event, sqs_record
from pushbridge_dev.devtools.local_secrets import load_signing_secrets
from pushbridge_dev.devtools.samples import signed_headers
from tests.soak.run import GENERATORS
from tests.support.presets import CONFIG
from tests.support.samples import APPLICATION, payload


def _auth0_batch(i: int, user: str) -> list[dict[str, Any]]:
    logs = []
    for n in range(5):
        log = payload("auth0", "s")
        log["log_id"] = log["data"]["log_id"] = f"bench{i:024d}{n:06d}"
        log["data"]["user_id"] = f"{user}-{n}"
        logs.append(log)
    return logs


SOURCES = [*GENERATORS, ("auth0", _auth0_batch)]


def webhooks(count: int) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(source, body, API Gateway event) for ``count`` webhooks, round-robin over SOURCES."""
    secrets, _ = load_signing_secrets()
    for i in range(count):
        source, make = SOURCES[i % len(SOURCES)]
        body = json.dumps(make(i, f"user_{i % 50:03d}")).encode()
        headers = signed_headers(CONFIG.sources[source], body, secrets[source], now=int(time.time()))
        yield source, body, http_api_event(source, body, headers)


def command_batches(count: int, *, users_per_batch: int = 10, tag: str = "") -> Iterator[dict[str, Any]]:
    """SQS events of ten commands for ten users each (ids unique per ``tag``)."""
    for start in range(0, count, users_per_batch):
        records = []
        for n in range(start, min(start + users_per_batch, count)):
            origin = Origin(source="stripe", event_id=f"evt_{tag}{n}", event_type="invoice.paid", rule="paid",
                            received_at=time.time())  # fmt: skip
            command = (RegisterUser if n % 2 else PostEvent)(
                id=f"cmd-{tag}{n}", application=APPLICATION, user_id=f"user-{tag}{n}", origin=origin,
                **({"hwid": f"hwid{n:028d}"} if n % 2 else {"event": "PurchaseCompleted", "attributes": {"n": n}}),
            )  # fmt: skip
            [message] = messages_for([command])
            records.append(sqs_record(message.body, group_id=message.group_id, dedup_id=message.dedup_id))
        yield {"Records": records}
