"""``pushbridge sign SOURCE PAYLOAD.json``: sign a payload now, as the source's provider does,
with the configured (or sample) secret; print the headers, an API Gateway event for
``sam local invoke -e`` (``--apigw``), or post it (``--send URL``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pushbridge_dev.cli.common import ConfigError, add_config_argument, fail, load
from pushbridge_dev.devtools.events import http_api_event
from pushbridge_dev.devtools.local_secrets import LocalSecretsError, first_secret, load_signing_secrets
from pushbridge_dev.devtools.samples import CannotSign, signed_headers


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sign", help="sign a payload as the provider would, now")
    parser.add_argument("source", help="source name, as in POST /webhooks/{source}")
    parser.add_argument("payload", type=Path, help="the provider's JSON payload")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--apigw", action="store_true", help="print an API Gateway HTTP API event (sam local invoke -e)"
    )
    output.add_argument("--send", metavar="URL", help="POST it to URL (e.g. http://127.0.0.1:3000/webhooks/stripe)")
    parser.add_argument("--secrets", type=Path, help="signing secrets JSON file (default: see README)")
    add_config_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, _ = load(args.config)
        source = config.sources.get(args.source)
        if source is None:
            return fail(f"no source named {args.source!r} (known: {', '.join(config.sources)})")
        body = args.payload.read_bytes()
        secret = (
            first_secret(load_signing_secrets(args.secrets)[0], args.source)
            if source.provider.secret == "required"
            else ""
        )
        headers = {**signed_headers(source, body, secret, now=int(time.time())), "Content-Type": "application/json"}
    except (ConfigError, LocalSecretsError, CannotSign) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{args.payload}: {exc.strerror}")

    if args.apigw:
        json.dump(http_api_event(source.name, body, headers), sys.stdout, indent=2)
        print()
        return 0
    if args.send:
        return _send(args.send, body, headers)
    for name, value in headers.items():
        print(f"{name}: {value}")
    return 0


def _send(url: str, body: bytes, headers: dict[str, str]) -> int:
    import urllib3

    try:
        response = urllib3.request("POST", url, body=body, headers=headers, timeout=10.0, retries=False)
    except urllib3.exceptions.HTTPError as exc:
        return fail(f"could not reach {url}: {type(exc).__name__}")
    print(f"HTTP {response.status} {response.data.decode('utf-8', 'replace')}")
    return 0 if response.status < 300 else 1
