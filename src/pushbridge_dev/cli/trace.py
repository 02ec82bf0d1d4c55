"""``pushbridge trace ID``: what happened to a webhook (provider event id), a command (command
id) or a user (app user id, matched through the hash the logs use), across both functions."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pushbridge_dev.cli.aws import StackError, add_aws_arguments, aws_errors, open_stack, run_against_stack
from pushbridge_dev.cli.common import fail
from pushbridge_dev.cli.dev import DEV_LOG
from pushbridge_dev.cli.log_search import FilterSearch, InsightsSearch, LocalLogSearch
from pushbridge_dev.cli.timeline import needles_for, render, timelines

MAX_WEBHOOKS = 50  # a user's trace reads the lines of at most this many webhooks
# The stack's log groups, and which function writes each.
LOG_GROUPS = {
    "IngestLogGroup": "ingest",
    "DeliveryLogGroup": "delivery",
    "CognitoTriggerLogGroup": "cognito",
    "EventBridgeLogGroup": "eventbridge",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("trace", help="the timeline of a webhook, a command or a user across both functions")
    parser.add_argument("id", help="a provider event id (evt_...), a command id, or your app's user id")
    parser.add_argument("--since", default="24h", help="how far back to look: 30m, 6h, 7d (default 24h)")
    parser.add_argument("--local", nargs="?", const=DEV_LOG, type=Path, metavar="LOG",
                        help=f"read the dev server's log instead of AWS (default {DEV_LOG})")  # fmt: skip
    parser.add_argument("--filter-log-events", action="store_true",
                        help="use FilterLogEvents instead of Logs Insights (slower; fewer permissions)")  # fmt: skip
    add_aws_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        return fail(str(exc))
    end = datetime.now(timezone.utc)
    start = end - since
    if args.local is not None:
        if not args.local.exists():
            return fail(f"{args.local}: no dev server log here (start `pushbridge dev`, or pass --local PATH)")
        entries = collect(LocalLogSearch(args.local), args.id, start, end)
        where = str(args.local)
    else:
        return run_against_stack(lambda a: _trace_stack(a, start, end))(args)
    return _print(args.id, entries, where, args.since)


def _trace_stack(args: argparse.Namespace, start: datetime, end: datetime) -> int:
    stack = open_stack(args)
    groups = {stack.resources[k]: f for k, f in LOG_GROUPS.items() if stack.resources.get(k)}
    if not groups:
        raise StackError(f"stack {args.stack!r} has no log groups of pushbridge's functions: is it a pushbridge stack?")
    logs = stack.client("logs")
    search = FilterSearch(logs, groups) if args.filter_log_events else InsightsSearch(logs, groups)
    try:
        with aws_errors("the log query"):
            entries = collect(search, args.id, start, end)
    except (TimeoutError, RuntimeError) as exc:  # a query that failed or did not finish
        raise StackError(str(exc)) from None
    return _print(args.id, entries, f"stack {stack.name} ({', '.join(sorted(groups))})", args.since)


def collect(search, identifier: str, start: datetime, end: datetime) -> list:
    """The lines that name ``identifier``, then every line of the webhooks they belong to: a
    user's or a command's trace also shows the webhook's other lines (which carry neither)."""
    from pushbridge_dev.cli.timeline import matches

    needles = needles_for(identifier)
    entries = search.search(needles, start, end)
    webhooks = sorted({e.correlation_id for e in entries if e.correlation_id and matches(e, needles)})[:MAX_WEBHOOKS]
    more = set(webhooks) - needles
    if more:
        seen = {(e.at, e.function, json.dumps(e.fields, sort_keys=True)) for e in entries}
        for entry in search.search(more, start, end):
            if (entry.at, entry.function, json.dumps(entry.fields, sort_keys=True)) not in seen:
                entries.append(entry)
    return entries


def _print(identifier: str, entries, where: str, since: str) -> int:
    found = timelines(entries, identifier)
    if not found:
        print(f"nothing about {identifier!r} in the last {since} of {where}")
        print("  (a webhook rejected before verification has no event id: look for its 401 with `sam logs`)")
        return 1
    for index, webhook in enumerate(found):
        if index:
            print()
        print("\n".join(render(webhook, identifier)))
    return 0


def parse_since(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)\s*([mhd])", text.strip())
    if match is None:
        raise ValueError(f"--since {text!r}: use minutes, hours or days, e.g. 30m, 6h, 7d")
    amount, unit = int(match[1]), match[2]
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
