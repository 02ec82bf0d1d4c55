"""`pushbridge trace` and `pushbridge status` against a deployed stack on moto (CloudFormation,
CloudWatch Logs, SQS, CloudWatch), and `trace --local` against the dev server's log.

moto runs StartQuery / GetQueryResults but does not apply the query's filter (it answers every
line of the groups): what these tests prove on moto is the plumbing (groups found from the
stack, the query started and read, rows parsed) and that trace's own matching keeps only the
lines about the id; the query text itself is pinned in tests/unit/test_timeline.py."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from moto import mock_aws

from pushbridge.models.command import user_ref
from pushbridge_dev.cli import main

EVENT, OTHER = "evt_1QCsM9JqVb3uS0kRinvPaid01", "evt_other"
USER = "user_3078a"
COMMAND = "d4" * 32

TEMPLATE = {
    "Resources": {
        "IngestLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "pb-ingest"}},
        "DeliveryLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "pb-delivery"}},
        "DeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "pb-dlq.fifo", "FifoQueue": True}},
        "CommandQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "pb-commands.fifo", "FifoQueue": True}},
    },
    "Outputs": {
        "CommandQueueUrl": {"Value": {"Ref": "CommandQueue"}},
        "DeadLetterQueueUrl": {"Value": {"Ref": "DeadLetterQueue"}},
    },
}  # fmt: skip


@pytest.fixture
def deployed():
    with mock_aws():
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(StackName="pb", TemplateBody=json.dumps(TEMPLATE))
        logs = boto3.client("logs")
        now = int(time.time() * 1000)
        lines = {
            "pb-ingest": [
                {"message": "webhook", "source": "stripe", "status": 202, "outcome": "accepted", "correlation_id": EVENT,
                 "event_ids": [EVENT], "event_types": ["invoice.paid"],
                 "commands": [{"id": COMMAND, "method": "post_event", "rule": "stripe-invoice-paid", "user": user_ref(USER)}]},
                {"message": "webhook", "source": "clerk", "status": 202, "outcome": "accepted", "correlation_id": OTHER,
                 "event_ids": [OTHER], "event_types": ["user.created"], "commands": []},
            ],
            "pb-delivery": [
                {"message": "delivery", "command_id": COMMAND, "method": "post_event", "user": user_ref(USER),
                 "correlation_id": EVENT, "outcome": "delivered", "status": 200, "latency_ms": 143},
            ],
        }  # fmt: skip
        for group, messages in lines.items():
            logs.create_log_stream(logGroupName=group, logStreamName="2026/11/28/[live]abc")
            logs.put_log_events(
                logGroupName=group, logStreamName="2026/11/28/[live]abc",
                logEvents=[{"timestamp": now - 60_000 + i, "message": json.dumps(m)} for i, m in enumerate(messages)],
            )  # fmt: skip
        # moto's CloudFormation does not create alarms: made as CloudFormation names them.
        cloudwatch = boto3.client("cloudwatch")
        for logical, metric, queue, threshold in [
            ("OldestCommandAlarm", "ApproximateAgeOfOldestMessage", "pb-commands.fifo", 900),
            ("DeadLetterQueueAlarm", "ApproximateNumberOfMessagesVisible", "pb-dlq.fifo", 0),
        ]:
            cloudwatch.put_metric_alarm(
                AlarmName=f"pb-{logical}-1A2B3C", Namespace="AWS/SQS", MetricName=metric, Statistic="Maximum",
                Dimensions=[{"Name": "QueueName", "Value": queue}], Period=60, EvaluationPeriods=1,
                Threshold=threshold, ComparisonOperator="GreaterThanThreshold",
            )  # fmt: skip
        yield boto3.client("sqs")


@pytest.mark.parametrize("via", [[], ["--filter-log-events"]], ids=["logs-insights", "filter-log-events"])
@pytest.mark.parametrize("identifier", [EVENT, USER, COMMAND])
def test_trace_prints_the_webhook_and_its_delivery_from_the_stacks_log_groups(deployed, capsys, via, identifier):
    assert main(["trace", identifier, "--stack", "pb", "--since", "1h", *via]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{EVENT}  stripe  invoice.paid"
    assert "ingest    received, verified -> 202 accepted; 1 command(s) queued" in out
    assert f"delivery  post_event  command {COMMAND[:12]} -> delivered (Pushwoosh 200, 143 ms)" in out
    assert OTHER not in out  # moto answered its line too; trace kept only what is about the id


def test_trace_of_nothing_says_so(deployed, capsys):
    assert main(["trace", "evt_nope", "--stack", "pb"]) == 1
    assert "nothing about 'evt_nope' in the last 24h of stack pb" in capsys.readouterr().out


def test_trace_and_status_of_a_missing_stack_say_so_without_a_traceback(deployed, capsys):
    assert main(["trace", EVENT, "--stack", "nope"]) == 2
    assert main(["status", "--stack", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("pushbridge: stack 'nope' does not exist in this account and region") == 2


def test_status_shows_queues_oldest_command_dead_letters_by_reason_and_alarms(deployed, capsys):
    sqs = deployed
    queue = sqs.get_queue_url(QueueName="pb-commands.fifo")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="pb-dlq.fifo")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody="{}", MessageGroupId=f"g{i}", MessageDeduplicationId=f"d{i}")
    parked = {"pushbridge-reason": {"DataType": "String", "StringValue": "pushwoosh_rejected"},
              "pushbridge-status": {"DataType": "String", "StringValue": "210"}}  # fmt: skip
    sqs.send_message(
        QueueUrl=dlq, MessageBody="{}", MessageGroupId="a", MessageDeduplicationId="p1", MessageAttributes=parked
    )
    sqs.send_message(
        QueueUrl=dlq, MessageBody="{}", MessageGroupId="b", MessageDeduplicationId="p2", MessageAttributes=parked
    )
    sqs.send_message(QueueUrl=dlq, MessageBody="{}", MessageGroupId="c", MessageDeduplicationId="m1")
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="AWS/SQS", MetricData=[{
        "MetricName": "ApproximateAgeOfOldestMessage", "Value": 1260,
        "Timestamp": datetime.now(timezone.utc) - timedelta(minutes=2),
        "Dimensions": [{"Name": "QueueName", "Value": "pb-commands.fifo"}]}])  # fmt: skip
    cloudwatch.set_alarm_state(
        AlarmName="pb-DeadLetterQueueAlarm-1A2B3C", StateValue="ALARM", StateReason="Threshold Crossed"
    )

    assert main(["status", "--stack", "pb"]) == 1  # something is in ALARM
    out = capsys.readouterr().out
    assert "command queue:  3 waiting, 0 being delivered" in out
    assert "oldest command: 21 min 0 s" in out
    assert "dead letters:   3" in out
    assert "    2  pushwoosh_rejected, status 210" in out and "    1  max_receives" in out
    assert "alarms in ALARM: 1" in out and "pb-DeadLetterQueueAlarm-1A2B3C" in out and "OldestCommandAlarm" not in out
    assert len(sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]) == 3  # status does not consume
