"""``pushbridge dev``: serve POST /webhooks/{source} on localhost with the Lambda code paths."""

from __future__ import annotations

import argparse
import os
import signal
import threading

from pushbridge.urls import require_https
from pushbridge_dev.cli.common import ConfigError, add_config_argument, fail, load
from pushbridge_dev.devtools.local_secrets import LocalSecretsError, load_signing_secrets


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("dev", help="run the whole pipeline locally (no AWS needed)")
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000; 0 picks a free one)")
    parser.add_argument("--secrets", help="signing secrets JSON file (default: PUSHBRIDGE_SIGNING_SECRETS, "
                        "./pushbridge.secrets.json, or the shipped samples)")  # fmt: skip
    parser.add_argument("--max-receives", type=int, default=5, help="deliveries before a command is dead-lettered")
    parser.add_argument("--backoff", type=float, default=1.0, help="first redelivery delay in seconds (doubles)")
    parser.add_argument("--verbose", action="store_true", help="also print pushbridge's JSON logs")
    add_config_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Locally the console lines say it all: no EMF metrics, logs only when asked.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from pushbridge.adapters.pushwoosh import DEFAULT_API_URL, PushwooshClient
    from pushbridge.observability import logger
    from pushbridge_dev.devtools.dev_server import DevServer
    from pushbridge_dev.devtools.dry_run import DryRunPushwoosh

    logger.setLevel("INFO" if args.verbose else "CRITICAL")
    # Powertools prints the ColdStart metric even with metrics disabled; locally there is none.
    from aws_lambda_powertools.metrics.provider import cold_start

    cold_start.is_cold_start = False
    try:
        config, config_path = load(args.config)
        secrets, secrets_from = load_signing_secrets(args.secrets)
    except (ConfigError, LocalSecretsError) as exc:
        return fail(str(exc))

    api_url = os.environ.get("PUSHWOOSH_API_URL") or DEFAULT_API_URL
    token = os.environ.get("PUSHWOOSH_API_TOKEN")
    try:
        require_https(api_url, what="PUSHWOOSH_API_URL (it carries the API token)")
    except ValueError as exc:
        return fail(str(exc))
    if token:
        pushwoosh = PushwooshClient(lambda force=False: token, base_url=api_url,
                                    read_timeout=float(os.environ.get("PUSHWOOSH_READ_TIMEOUT", "10")))  # fmt: skip
        target = f"Pushwoosh at {api_url}"
    else:
        pushwoosh = DryRunPushwoosh(api_url)
        target = "dry run: printing each call (set PUSHWOOSH_API_TOKEN to call Pushwoosh)"

    try:
        server = DevServer(config, secrets, pushwoosh, port=args.port, max_receives=args.max_receives,
                           base_backoff=args.backoff).start()  # fmt: skip
    except OSError as exc:
        return fail(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror} (try --port)")
    print(f"pushbridge dev on {server.url}", flush=True)
    print(f"  config:  {config_path}", flush=True)
    print(f"  secrets: {secrets_from}", flush=True)
    print(f"  calls:   {target}", flush=True)
    for name, source in config.sources.items():
        if source.provider.http:  # Cognito triggers are not webhooks: nothing to POST to
            print(
                f"  POST {server.url}/webhooks/{name}  ({source.provider.name}, {len(source.rules)} rules)", flush=True
            )
    print("Send a signed sample:  pushbridge sign stripe events/payloads/stripe/invoice.paid.json "
          f"--send {server.url}/webhooks/stripe    (Ctrl-C stops)", flush=True)  # fmt: skip

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("\nstopping: finishing the batch in delivery...", flush=True)
    report = server.stop()
    print(f"stopped. {report.queued} command(s) still queued, {len(report.dead_letters)} dead-lettered.", flush=True)
    for letter in report.dead_letters:
        print(f"  dead: {letter.reason} {letter.status or ''} {letter.detail}  {letter.body}", flush=True)
    return 0
