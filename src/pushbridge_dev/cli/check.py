"""``pushbridge check [CONFIG] [--source S --event FILE]``: validate the configuration and
show what each rule would call; with an event, the exact Pushwoosh request it produces."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pushbridge.adapters.pushwoosh import request_for
from pushbridge.config.loader import Config, Source
from pushbridge.config.placeholders import unusable_sources
from pushbridge.domain.mapping import map_event
from pushbridge.errors import WebhookRejected
from pushbridge_dev.cli.common import ConfigError, add_config_argument, fail, load
from pushbridge_dev.devtools.samples import parse_sample


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("check", help="validate the configuration; show what an event would become")
    add_config_argument(parser, positional=True)
    parser.add_argument(
        "--event", type=Path, help="a provider payload (JSON) to map, e.g. events/payloads/stripe/invoice.paid.json"
    )
    parser.add_argument("--source", help="the source the event arrives at (default: the payload's folder name)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, path = load(args.config)
    except ConfigError as exc:
        return fail(f"invalid configuration:\n{exc}")
    if args.event is None:
        print(f"{path}: valid, {len(config.sources)} source(s)")
        for source in config.sources.values():
            _describe_source(source)
        return _ready_to_deploy(config, path)
    return _check_event(config, args.source or args.event.parent.name, args.event)


def _ready_to_deploy(config: Config, path: Path) -> int:
    """Placeholders pass validation (the dev server runs on them) but not a deploy: the
    deployed function would answer 503 configuration_invalid for those sources."""
    problems = unusable_sources(config)
    if not problems:
        return 0
    keys = [key for source_keys in problems.values() for key in source_keys]
    per_source = [key for key in keys if ".application " in key]
    if len(per_source) == len(config.sources):  # the shared default: one key to fix
        keys = ["application (top level), PUSHWOOSH_APPLICATION or PushwooshApplication in samconfig.toml"] + [
            key for key in keys if key not in per_source
        ]
    return fail(
        f"{path}: not ready to deploy; still placeholders (those sources would answer 503 configuration_invalid):\n"
        + "\n".join(f"  {key}" for key in keys)
        + "\nSet the application in the file, PUSHWOOSH_APPLICATION, or PushwooshApplication in samconfig.toml"
        " (sam deploy --guided); remove the sources you do not use.",
        code=1,
    )


def _describe_source(source: Source) -> None:
    if source.provider.http:
        print(f"\nPOST /webhooks/{source.name}  provider={source.provider.name}  application={source.application}")
    else:  # a Cognito trigger: no route, the user pool invokes its own function
        print(
            f"\n{source.name}: Cognito trigger (CognitoTriggerFunction, no HTTP route)  application={source.application}"
        )
    if source.user_id is not None:
        print(f"  user id: {source.user_id.path}")
    if source.hwid is not None:
        print(f"  hwid:    {source.hwid.path}")
    for name, rule in source.rules:
        spec = rule.spec
        detail = ""
        if rule.method == "post_event":
            event = spec.event  # type: ignore[union-attr]
            detail = f" {event.literal!r}" if event.path is None else f" {{path: {event.path}}}"
        condition = f" when {rule.when.path}" if rule.when is not None else ""
        print(f"  {name}: {' | '.join(rule.match)}{condition} -> {rule.method}{detail}")


def _check_event(config: Config, source_name: str, event_file: Path) -> int:
    source = config.sources.get(source_name)
    if source is None:
        return fail(f"no source named {source_name!r} (known: {', '.join(config.sources)}); pass --source")
    try:
        body = event_file.read_bytes()
    except OSError as exc:
        return fail(f"{event_file}: {exc.strerror}")
    try:
        events = parse_sample(source, body, now=int(time.time()))
    except (WebhookRejected, ValueError) as exc:
        return fail(f"{event_file}: {exc}")
    produced = 0
    for event in events:
        print(f"{source.name}: event {event.type!r} (id {event.id})")
        mapped = map_event(source, event, received_at=time.time())
        if not mapped.matched:
            print('  no rule matches: answered 200 {"status": "ignored"}')
        for skipped in mapped.skipped:
            print(f"  rule {skipped.rule}: skipped ({skipped.reason})")
        for command in mapped.commands:
            path, request = request_for(command)
            produced += 1
            print(f"  rule {command.origin.rule}: {command.method}")
            print(f"    POST {path}")
            print("    " + json.dumps(request, indent=2, ensure_ascii=False).replace("\n", "\n    "))
            if command.method == "post_event" and command.hwid is None:
                print("    warning: no hwid; sent with the user id only, and Customer Journeys need the hwid")
    return 0
