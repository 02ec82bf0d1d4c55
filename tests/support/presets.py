"""Map a sample payload through the shipped configuration to the exact Pushwoosh requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pushbridge.adapters.pushwoosh import request_for
from pushbridge.config.loader import load_config
from pushbridge.domain.mapping import map_event
from pushbridge_dev.devtools.samples import parse_sample
from tests.support.samples import APPLICATION, PAYLOADS

CONFIG = load_config(Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml", default_application=APPLICATION)
HWID = "8f65b16df378e7a6bece9614e1530fb2"
# When the sample webhooks are "received": the time of events whose provider gives none.
RECEIVED_AT = 1_790_000_000


def requests_for(source: str, sample: str) -> list[tuple[str, dict[str, Any]]]:
    body = (PAYLOADS / source / f"{sample}.json").read_bytes()
    found = []
    for event in parse_sample(CONFIG.sources[source], body, now=1):
        found += [request_for(c) for c in map_event(CONFIG.sources[source], event, received_at=RECEIVED_AT).commands]
    return found


def post_event(event: str, attributes: dict, timestamp: int, user: str = "user_3078a", hwid: str | None = HWID):
    request = {"hwid": hwid, "application": APPLICATION, "event": event, "attributes": attributes,
               "timestampUTC": timestamp, "userId": user}  # fmt: skip
    return ("/json/1.3/postEvent", {"request": {k: v for k, v in request.items() if v is not None}})


def register_user(user: str, hwid: str = HWID):
    return ("/json/1.3/registerUser", {"request": {"userId": user, "application": APPLICATION, "hwid": hwid}})


def delete_user(user: str):
    return ("/api/v2/device-api/deleteUser", {"application": APPLICATION, "user_id": user})
