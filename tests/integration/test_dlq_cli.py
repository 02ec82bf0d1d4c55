"""`pushbridge dlq` against a deployed stack (moto): list what was parked and why; redrive
with SQS's own message move task."""

from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber

from pushbridge.adapters.command_queue import DeadLetterAdmin
from pushbridge_dev.cli import main
from tests.support.pushwoosh_server import Fault
from tests.support.samples import STRIPE_SECRET, payload_bytes
from tests.support.signing import stripe_headers


def _deploy_outputs(stack) -> None:
    """A CloudFormation stack whose outputs name the test queues, as `sam deploy` leaves."""
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"DeadLetterQueueUrl": {"Value": stack.dlq_url}, "CommandQueueUrl": {"Value": stack.queue_url}},
    }
    boto3.client("cloudformation").create_stack(StackName="pushbridge-test", TemplateBody=json.dumps(template))


def test_dlq_list_shows_each_parked_command_with_its_reason(stack, pushwoosh, capsys):
    _deploy_outputs(stack)
    body = payload_bytes("stripe", "invoice.payment_failed")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    pushwoosh.script(Fault(200, {"status_code": 210, "status_message": "Event PaymentFailed not found"}))
    stack.drain()

    assert main(["dlq", "list", "--stack", "pushbridge-test"]) == 0
    out = capsys.readouterr().out
    assert "1 dead letter(s)" in out
    assert "post_event user=user_3078a from stripe/invoice.payment_failed (event evt_1QCsMDJqVb3uS0kRinvFail1)" in out
    assert "reason: pushwoosh_rejected, status 210" in out
    assert "detail: status_code 210: Event PaymentFailed not found" in out
    # Listing does not consume: the letter is still there, visible, for the redrive.
    assert len(stack.dead_letters()) == 1


def test_dlq_list_of_an_unknown_stack_fails_clearly(stack, capsys):
    assert main(["dlq", "list", "--stack", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == "pushbridge: stack 'nope' does not exist in this account and region (--stack, --region, --profile?)\n"


def test_dlq_without_credentials_says_so_not_a_traceback(monkeypatch, tmp_path, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["dlq", "list", "--region", "eu-west-1"]) == 2
    assert capsys.readouterr().err.startswith("pushbridge: no AWS credentials: run `aws configure`")


def test_dlq_with_an_unknown_profile_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main(["dlq", "list", "--profile", "nope"]) == 2
    assert capsys.readouterr().err == "pushbridge: no AWS profile named 'nope' (see ~/.aws/config)\n"


def test_redrive_starts_a_message_move_task_from_the_dlq_to_the_command_queue():
    # moto has no message move tasks: check the exact request SQS receives instead.
    sqs = boto3.client("sqs", region_name="eu-west-1")
    dlq_arn = "arn:aws:sqs:eu-west-1:123456789012:pushbridge-DeadLetterQueue.fifo"
    queue_arn = "arn:aws:sqs:eu-west-1:123456789012:pushbridge-CommandQueue.fifo"
    with Stubber(sqs) as stub:
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": dlq_arn}},
            {"QueueUrl": "dlq", "AttributeNames": ["QueueArn"]},
        )
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": queue_arn}},
            {"QueueUrl": "queue", "AttributeNames": ["QueueArn"]},
        )
        stub.add_response(
            "start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": dlq_arn, "DestinationArn": queue_arn}
        )
        assert DeadLetterAdmin("dlq", "queue", client=sqs).redrive() == "task-1"
        stub.assert_no_pending_responses()


def test_dlq_list_reads_letters_parked_before_and_after_the_v3_envelope(stack, capsys):
    from pushbridge.models.command import Envelope, Origin, PostEvent

    _deploy_outputs(stack)
    origin = Origin(source="stripe", event_id="evt_old", event_type="commands", rule="r", received_at=1.0)
    command = PostEvent(id="c1", application="ABCDE-12345", user_id="commands", origin=origin, event="commands")
    for n, body in enumerate([command.to_json(), Envelope(commands=[command]).to_json()]):
        stack.sqs.send_message(
            QueueUrl=stack.dlq_url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId=f"d{n}",
            MessageAttributes={"pushbridge-reason": {"DataType": "String", "StringValue": "pushwoosh_rejected"}},
        )  # fmt: skip

    assert main(["dlq", "list", "--stack", "pushbridge-test"]) == 0
    out = capsys.readouterr().out
    assert "2 dead letter(s)" in out
    assert out.count("- post_event user=commands from stripe/commands (event evt_old)") == 2
