"""Write events/apigw/*.json and events/sqs/*.json from the payloads in events/payloads, for
``sam local invoke -e`` and the tests.

The files in events/ are made at a fixed time with ids seeded by the file name, so ``make
events`` changes nothing in git unless a payload, a preset or the event shapes changed. Their
signatures are therefore long expired (the replay window is 300 s): ``make fresh-events`` signs
the same requests now into .pushbridge/events/apigw/, for ``sam local invoke`` right after.
SQS events carry the commands each payload maps to; they do not expire.

Usage: python -m pushbridge_dev.devtools.sample_events [EVENTS_DIR] [--fresh OUT_DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pushbridge.config.loader import load_config
from pushbridge.domain.mapping import map_event
from pushbridge_dev.devtools.events import http_api_event, sqs_event_for
from pushbridge_dev.devtools.local_secrets import first_secret, load_signing_secrets
from pushbridge_dev.devtools.samples import parse_sample, signed_headers

SAMPLE_APPLICATION = "XXXXX-XXXXX"
# 2026-11-26T18:00:00Z, after every sample payload's own event time: when the committed
# sample events were "received".
FIXED_NOW = 1795716000


def seeded_uuids(seed: str) -> Callable[[], uuid.UUID]:
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def write_sample_events(
    events_dir: Path, config_path: Path, *, now: int = FIXED_NOW, out_dir: Path | None = None, sqs: bool = True
) -> list[Path]:
    config = load_config(config_path, default_application=SAMPLE_APPLICATION)
    secrets, _ = load_signing_secrets()
    out_dir = out_dir or events_dir
    written = []
    for payload_file in sorted((events_dir / "payloads").glob("*/*.json")):
        source = config.sources[payload_file.parent.name]
        body = payload_file.read_bytes()
        name = f"{source.name}-{payload_file.stem.replace('.', '-')}.json"

        if source.provider.sign is not None:  # token-based providers' samples are decoded claims
            headers = signed_headers(source, body, first_secret(secrets, source.name), now=now)
            apigw = out_dir / "apigw" / name
            apigw.parent.mkdir(parents=True, exist_ok=True)
            event = http_api_event(source.name, body, {**headers, "content-type": "application/json"}, now=now,
                                   uuids=seeded_uuids(f"apigw/{name}"))  # fmt: skip
            written.append(_write(apigw, event))

        if not sqs:
            continue
        commands = []
        for provider_event in parse_sample(source, body, now=now):
            commands.extend(map_event(source, provider_event, received_at=now).commands)
        if commands:  # an ignored event (RevenueCat's TEST) has nothing to deliver
            path = out_dir / "sqs" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            written.append(_write(path, sqs_event_for(commands, uuids=seeded_uuids(f"sqs/{name}"))))
    return written


def _write(path: Path, event: dict) -> Path:
    text = json.dumps(event, indent=2) + "\n"
    if not path.exists() or path.read_text() != text:  # leave unchanged files' mtimes alone
        path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sample_events", description=__doc__.split("\n\n")[0])
    parser.add_argument("events_dir", nargs="?", type=Path, default=Path("events"))
    parser.add_argument("--fresh", type=Path, help="sign the API Gateway events now, into this directory")
    args = parser.parse_args(argv)
    config = Path("src/pushbridge.yaml")
    if args.fresh:
        paths = write_sample_events(args.events_dir, config, now=int(time.time()), out_dir=args.fresh, sqs=False)
    else:
        paths = write_sample_events(args.events_dir, config)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
