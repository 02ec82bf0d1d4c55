"""``pushbridge dlq list|redrive --stack NAME``: what sits in a deployed stack's DLQ, and
sending it back to the command queue (SQS's own message move task)."""

from __future__ import annotations

import argparse
import time

from pushbridge.models.command import parse_message
from pushbridge_dev.cli.aws import add_aws_arguments, open_stack, run_against_stack


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("dlq", help="list or redrive a deployed stack's dead-letter queue")
    parser.add_argument("action", choices=["list", "redrive"])
    add_aws_arguments(parser)
    parser.add_argument("--limit", type=int, default=100, help="most dead letters to list")
    parser.add_argument("--wait", action="store_true", help="with redrive: wait until the move task finishes")
    parser.set_defaults(run=run_against_stack(run))


def run(args: argparse.Namespace) -> int:
    from pushbridge.adapters.command_queue import DeadLetterAdmin

    stack = open_stack(args)
    admin = DeadLetterAdmin(
        stack.output("DeadLetterQueueUrl"), stack.output("CommandQueueUrl"), client=stack.client("sqs")
    )
    if args.action == "list":
        return _list(admin, args.limit)
    return _redrive(admin, args.wait)


def _list(admin, limit: int) -> int:
    letters = admin.peek(limit)
    print(f"{len(letters)} dead letter(s) in {admin.dlq_url}")
    for message in letters:
        attributes = {k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}
        receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        reason = attributes.get(
            "pushbridge-reason", "max_receives (failed transiently until the redrive policy moved it)"
        )
        try:
            commands = [c.to_dict() for c in parse_message(message["Body"])]
        except ValueError:
            commands = [{}]  # not a command at all: shown as such
        for command in commands:
            origin = command.get("origin", {})
            print(
                f"- {command.get('method', '?')} user={command.get('user_id', '?')} "
                f"from {origin.get('source', '?')}/{origin.get('event_type', '?')} (event {origin.get('event_id', '?')})"
            )
        status = attributes.get("pushbridge-status")
        print(f"    reason: {reason}" + (f", status {status}" if status else "") + f", received {receives}x")
        if attributes.get("pushbridge-detail"):
            print(f"    detail: {attributes['pushbridge-detail']}")
    return 0


def _redrive(admin, wait: bool) -> int:
    handle = admin.redrive()
    print(f"redrive started (task {handle}): dead letters move back to {admin.queue_url}")
    while wait:
        tasks = admin.move_tasks()
        current = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else {})
        status = current.get("Status", "UNKNOWN")
        print(f"  {status}: {current.get('ApproximateNumberOfMessagesMoved', 0)} moved")
        if status in ("COMPLETED", "FAILED", "CANCELLED"):
            return 0 if status == "COMPLETED" else 1
        time.sleep(5)
    return 0
