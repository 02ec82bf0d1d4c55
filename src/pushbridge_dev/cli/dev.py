"""``pushbridge dev``: serve POST /webhooks/{source} on localhost with the Lambda code paths."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from pushbridge.urls import require_https
from pushbridge_dev.cli.common import ConfigError, add_config_argument, command_name, fail, load, reachability
from pushbridge_dev.devtools.local_secrets import LocalSecretsError, load_signing_secrets

# The same JSON lines the functions write to CloudWatch Logs, one file for both functions.
DEV_LOG = Path(".pushbridge/dev.log")


def _log_to_file(logger, path: Path | None, *, verbose: bool) -> Path | None:
    """INFO lines go to ``path`` (appended, like a log group); to the console only if verbose."""
    import logging

    logger.setLevel("INFO")
    logger.registered_handler.setLevel(logging.INFO if verbose else logging.CRITICAL)
    if not path or str(path) in ("", "."):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    return path


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("dev", help="run the whole pipeline locally (no AWS needed)")
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000; 0 picks a free one)")
    parser.add_argument("--secrets", help="signing secrets JSON file (default: PUSHBRIDGE_SIGNING_SECRETS, "
                        "./pushbridge.secrets.json, or the shipped samples)")  # fmt: skip
    parser.add_argument("--max-receives", type=int, default=5, help="deliveries before a command is dead-lettered")
    parser.add_argument("--backoff", type=float, default=1.0, help="first redelivery delay in seconds (doubles)")
    parser.add_argument("--verbose", action="store_true", help="also print pushbridge's JSON logs")
    parser.add_argument("--log-file", type=Path, default=DEV_LOG,
                        help=f"write the JSON log lines here for `pushbridge trace --local` (default {DEV_LOG}; '' for none)")  # fmt: skip
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

    log_path = _log_to_file(logger, args.log_file, verbose=args.verbose)
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
        if not source.provider.http:  # Cognito triggers are not webhooks: nothing to POST to
            continue
        why_not = reachability(source)
        note = f"; {why_not}" if why_not else ""
        print(
            f"  POST {server.url}/webhooks/{name}  ({source.provider.name}, {len(source.rules)} rules{note})",
            flush=True,
        )
    cli = command_name()
    print(f"Send a signed sample (second terminal):\n  {cli} sign stripe events/payloads/stripe/invoice.paid.json "
          f"--send {server.url}/webhooks/stripe", flush=True)  # fmt: skip
    if log_path is not None:
        print(f"Every JSON log line goes to {log_path}: `{cli} trace ID --local` reads it.", flush=True)
    print("Ctrl-C stops.", flush=True)

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
