"""Write events/apigw/*.json and events/sqs/*.json from the payloads in events/payloads, for
``sam local invoke -e`` and the tests.

API Gateway events carry a signature made now with the sample secrets, and signatures
expire (the replay window is 300 s): run ``make events`` right before ``sam local invoke``.
SQS events carry the commands each payload maps to; they do not expire.

Usage: python -m pushbridge_dev.devtools.sample_events [EVENTS_DIR]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pushbridge.config.loader import load_config
from pushbridge.domain.mapping import map_event
from pushbridge_dev.devtools.events import http_api_event, sqs_event_for
from pushbridge_dev.devtools.local_secrets import first_secret, load_signing_secrets
from pushbridge_dev.devtools.samples import parse_sample, signed_headers

SAMPLE_APPLICATION = "XXXXX-XXXXX"


def write_sample_events(events_dir: Path, config_path: Path) -> list[Path]:
    config = load_config(config_path, default_application=SAMPLE_APPLICATION)
    secrets, _ = load_signing_secrets()
    written = []
    now = int(time.time())
    for payload_file in sorted((events_dir / "payloads").glob("*/*.json")):
        source = config.sources[payload_file.parent.name]
        body = payload_file.read_bytes()
        name = f"{source.name}-{payload_file.stem.replace('.', '-')}.json"

        if source.provider.sign is not None:  # token-based providers' samples are decoded claims
            headers = signed_headers(source, body, first_secret(secrets, source.name), now=now)
            apigw = events_dir / "apigw" / name
            apigw.parent.mkdir(exist_ok=True)
            event = http_api_event(source.name, body, {**headers, "content-type": "application/json"}, now=now)
            apigw.write_text(json.dumps(event, indent=2) + "\n")
            written.append(apigw)

        commands = []
        for provider_event in parse_sample(source, body, now=now):
            commands.extend(map_event(source, provider_event, received_at=now).commands)
        if commands:  # an ignored event (RevenueCat's TEST) has nothing to deliver
            sqs = events_dir / "sqs" / name
            sqs.parent.mkdir(exist_ok=True)
            sqs.write_text(json.dumps(sqs_event_for(commands), indent=2) + "\n")
            written.append(sqs)
    return written


def main() -> int:
    events_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("events")
    for path in write_sample_events(events_dir, Path("src/pushbridge.yaml")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
