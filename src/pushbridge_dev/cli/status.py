"""``pushbridge status``: how a deployed stack is doing right now: queue depths, the oldest
queued command, dead letters by reason, alarms in ALARM."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from pushbridge_dev.cli.aws import Stack, add_aws_arguments, open_stack, run_against_stack

MAX_RECEIVES = "max_receives"  # a dead letter without our reason attribute: the redrive policy moved it


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("status", help="queues, dead letters and alarms of a deployed stack")
    parser.add_argument("--limit", type=int, default=100, help="most dead letters to read for the reasons")
    add_aws_arguments(parser)
    parser.set_defaults(run=run_against_stack(run))


def run(args: argparse.Namespace, *, now: datetime | None = None) -> int:
    stack = open_stack(args)
    now = now or datetime.now(timezone.utc)
    sqs, cloudwatch = stack.client("sqs"), stack.client("cloudwatch")
    queue_url, dlq_url = stack.output("CommandQueueUrl"), stack.output("DeadLetterQueueUrl")

    print(f"stack {stack.name} ({stack.session.region_name})")
    queue = _depths(sqs, queue_url)
    print(f"  command queue:  {queue['waiting']} waiting, {queue['in_flight']} being delivered")
    oldest = _oldest_age(cloudwatch, _name(queue_url), now)
    print(
        f"  oldest command: {_age(oldest) if oldest is not None else 'no data in the last 15 minutes (an empty queue)'}"
    )
    dead = _depths(sqs, dlq_url)
    print(f"  dead letters:   {dead['waiting'] + dead['in_flight']}")
    for reason, count in _dead_letter_reasons(stack, dlq_url, args.limit).most_common():
        print(f"    {count:>5}  {reason}")
    alarms = _alarms_in_alarm(stack, cloudwatch)
    if not alarms:
        print("  alarms:         none in ALARM")
    else:
        print(f"  alarms in ALARM: {len(alarms)}")
        for alarm in alarms:
            since = alarm.get("StateUpdatedTimestamp")
            when = f" since {since:%Y-%m-%d %H:%M} UTC" if isinstance(since, datetime) else ""
            print(f"    {alarm['AlarmName']}{when}: {alarm.get('StateReason', '')}")
    return 1 if alarms else 0


def _name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def _depths(sqs: Any, url: str) -> dict[str, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return {"waiting": int(attributes.get(names[0], 0)), "in_flight": int(attributes.get(names[1], 0))}


def _oldest_age(cloudwatch: Any, queue_name: str, now: datetime) -> float | None:
    """SQS's ApproximateAgeOfOldestMessage (queue attributes do not carry it)."""
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": queue_name}],
        StartTime=now - timedelta(minutes=15), EndTime=now, Period=60, Statistics=["Maximum"],
    )  # fmt: skip
    points = sorted(answer.get("Datapoints", []), key=lambda p: p["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def _age(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _dead_letter_reasons(stack: Stack, dlq_url: str, limit: int) -> Counter[str]:
    from pushbridge.adapters.command_queue import DeadLetterAdmin

    admin = DeadLetterAdmin(dlq_url, stack.output("CommandQueueUrl"), client=stack.client("sqs"))
    reasons: Counter[str] = Counter()
    for message in admin.peek(limit):
        attributes = message.get("MessageAttributes", {})
        reason = attributes.get("pushbridge-reason", {}).get("StringValue", MAX_RECEIVES)
        status = attributes.get("pushbridge-status", {}).get("StringValue")
        reasons[f"{reason}, status {status}" if status else reason] += 1
    return reasons


def _alarms_in_alarm(stack: Stack, cloudwatch: Any) -> list[dict[str, Any]]:
    """The stack's own alarms (its resources) in ALARM; where the stack lists none (an old
    stack, or moto, whose CloudFormation does not create alarms), those named like CloudFormation
    names them: ``<stack>-<LogicalId>-<suffix>``."""
    names = [physical for logical, physical in stack.resources.items() if logical.endswith("Alarm") and physical]
    requests = [{"AlarmNames": names[i : i + 100]} for i in range(0, len(names), 100)]
    alarms: list[dict[str, Any]] = []
    for request in requests or [{"AlarmNamePrefix": f"{stack.name}-"}]:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(StateValue="ALARM", **request):
            alarms.extend(page.get("MetricAlarms", []) + page.get("CompositeAlarms", []))
    alarms = [a for a in alarms if a.get("StateValue") == "ALARM"]  # moto ignores StateValue with a prefix
    return sorted(alarms, key=lambda a: a["AlarmName"])
