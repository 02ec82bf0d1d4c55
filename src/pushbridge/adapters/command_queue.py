"""The SQS FIFO command queue (ingest side) and the DLQ where delivery parks what Pushwoosh
refused for good. Both keep the command's JSON as the message body unchanged, so that a
DLQ redrive (SQS's own message move task) puts it back exactly as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pushbridge.adapters.aws import client as aws_client
from pushbridge.adapters.aws import error_code
from pushbridge.errors import DependencyUnavailable
from pushbridge.models.command import SQS_MAX_BYTES, Command, Message, messages_for

_BATCH = 10  # SendMessageBatch's limit
_ATTEMPTS = 3


class _Sqs:
    """An injectable SQS client, built on first use."""

    def __init__(self, *, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client("sqs")
        return self._client

    def use_client(self, client: Any) -> None:
        """Send through ``client`` from now on (the Cognito trigger bounds each invocation's)."""
        self._client = client

    def after_restore(self) -> None:
        """SnapStart: drop pooled connections; the client opens new ones when next used."""
        if self._client is not None:
            self._client.close()


class SqsCommandQueue(_Sqs):
    def __init__(self, queue_url: str, *, client: Any = None) -> None:
        super().__init__(client=client)
        self._queue_url = queue_url

    def send(self, commands: Sequence[Command]) -> None:
        """Enqueue every command or raise :class:`DependencyUnavailable`.

        A webhook's commands for one user are one message (all or nothing). A partial failure
        across users is retried entry by entry; if some entries still fail, the caller answers
        503 and the provider redelivers the whole webhook. Entries that did land are not
        duplicated: FIFO deduplication (5 minutes) and the delivery idempotency record both
        key on the deterministic command ids.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        for batch in _batches(messages_for(list(commands))):
            pending = {
                str(index): {
                    "Id": str(index),
                    "MessageBody": message.body,
                    "MessageGroupId": message.group_id,
                    "MessageDeduplicationId": message.dedup_id,
                }
                for index, message in enumerate(batch)
            }
            for _ in range(_ATTEMPTS):
                try:
                    answer = self.client.send_message_batch(QueueUrl=self._queue_url, Entries=list(pending.values()))
                except (BotoCoreError, ClientError) as exc:
                    raise DependencyUnavailable(
                        f"SQS send failed: {error_code(exc)}", reason="queue_unavailable"
                    ) from None
                failed = {entry["Id"] for entry in answer.get("Failed", [])}
                pending = {key: entry for key, entry in pending.items() if key in failed}
                if not pending:
                    break
            else:
                raise DependencyUnavailable(f"SQS refused {len(pending)} of the commands", reason="queue_unavailable")


def _batches(messages: list[Message]) -> list[list[Message]]:
    """SendMessageBatch takes at most 10 entries *and* 256 KiB in all: two users' large
    messages go in separate calls rather than failing as one too-long batch (which read as
    an SQS outage, 503, on every retry)."""
    batches: list[list[Message]] = []
    size = 0
    for message in messages:
        length = len(message.body.encode())
        if not batches or len(batches[-1]) == _BATCH or size + length > SQS_MAX_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(message)
        size += length
    return batches


class SqsDeadLetters(_Sqs):
    """Parks a command in the FIFO DLQ with why, as message attributes."""

    def __init__(self, dlq_url: str, *, client: Any = None) -> None:
        super().__init__(client=client)
        self._dlq_url = dlq_url

    def park(self, body: str, *, group_id: str, dedup_id: str, reason: str, status: int | None, detail: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        attributes = {
            "pushbridge-reason": {"DataType": "String", "StringValue": reason},
            "pushbridge-detail": {"DataType": "String", "StringValue": detail[:1000] or "-"},
        }
        if status is not None:
            attributes["pushbridge-status"] = {"DataType": "Number", "StringValue": str(status)}
        try:
            self.client.send_message(
                QueueUrl=self._dlq_url,
                MessageBody=body,
                MessageGroupId=group_id,
                MessageDeduplicationId=dedup_id,
                MessageAttributes=attributes,
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"DLQ send failed: {error_code(exc)}", reason="dlq_unavailable") from None


class DeadLetterAdmin(_Sqs):
    """What an operator does with the DLQ of a deployed stack: look, then redrive."""

    def __init__(self, dlq_url: str, queue_url: str, *, client: Any = None) -> None:
        super().__init__(client=client)
        self.dlq_url = dlq_url
        self.queue_url = queue_url

    @classmethod
    def for_stack(cls, stack_name: str, *, cloudformation: Any = None, sqs: Any = None) -> DeadLetterAdmin:
        from botocore.exceptions import BotoCoreError, ClientError

        cloudformation = cloudformation or aws_client("cloudformation")
        try:
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot describe stack {stack_name!r}: {error_code(exc)}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        try:
            return cls(outputs["DeadLetterQueueUrl"], outputs["CommandQueueUrl"], client=sqs)
        except KeyError as missing:
            raise DependencyUnavailable(
                f"stack {stack_name!r} has no output {missing}: is it a pushbridge stack?"
            ) from None

    def peek(self, limit: int = 100) -> list[dict[str, Any]]:
        """Read up to ``limit`` dead letters and make them visible again at once."""
        seen: dict[str, dict[str, Any]] = {}
        handles = []
        while len(seen) < limit:
            batch = self.client.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=min(10, limit - len(seen)), VisibilityTimeout=60,
                AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=1,
            ).get("Messages", [])  # fmt: skip
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen[message["MessageId"]] = message
                handles.append(message["ReceiptHandle"])
        for start in range(0, len(handles), 10):
            self.client.change_message_visibility_batch(
                QueueUrl=self.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                    for i, h in enumerate(handles[start : start + 10])
                ],
            )
        return list(seen.values())

    def redrive(self) -> str:
        """Move every dead letter back to the command queue with SQS's own message move task."""
        arns = {}
        for name, url in (("source", self.dlq_url), ("destination", self.queue_url)):
            arns[name] = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
        # Commands parked by the delivery function were sent, not redriven, to the DLQ: SQS knows
        # no source queue for them, so the destination is named explicitly.
        answer = self.client.start_message_move_task(SourceArn=arns["source"], DestinationArn=arns["destination"])
        return answer["TaskHandle"]

    def move_tasks(self) -> list[dict[str, Any]]:
        source = self.client.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return self.client.list_message_move_tasks(SourceArn=source, MaxResults=10).get("Results", [])
