"""Our own dependencies failing: SQS, DynamoDB, two deliveries racing. Nothing half-lands,
nothing is sent without the idempotency record, nothing is sent twice."""

from __future__ import annotations

import threading
import time

import pytest

from pushbridge.adapters.command_queue import SqsCommandQueue
from pushbridge.adapters.secrets import StaticJson
from pushbridge.domain.ingest import IngestService
from pushbridge.errors import DependencyUnavailable
from pushbridge.handlers import delivery, ingest
from tests.support.presets import CONFIG
from tests.support.pushwoosh_server import SUCCESS, Fault
from tests.support.samples import BACKEND_SECRET, SIGNING_SECRETS, payload_bytes
from tests.support.template import resource

BODY = payload_bytes("backend", "user.signed_up")  # maps to two commands: registerUser + postEvent


class FlakySqs:
    """The real (moto) client, but SendMessageBatch leaves its last entry failed while `flaky`."""

    def __init__(self, real) -> None:
        self.real, self.flaky = real, True

    def send_message_batch(self, **kwargs):
        answer = self.real.send_message_batch(**kwargs) if not self.flaky else self._half(**kwargs)
        return answer

    def _half(self, QueueUrl, Entries):  # noqa: N803 (boto3's names)
        answer = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[:-1]) if len(Entries) > 1 else {}
        failed = [{"Id": Entries[-1]["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}]
        return {"Successful": answer.get("Successful", []), "Failed": failed}


NOW = 1_750_000_000  # the ingest clock, frozen (tests/integration/conftest.py)


def _signed(now: int) -> dict[str, str]:
    from pushbridge_dev.devtools.samples import signed_headers

    return signed_headers(CONFIG.sources["backend"], BODY, BACKEND_SECRET, now=now)


def test_a_webhook_with_two_commands_for_one_user_never_half_lands(stack, pushwoosh):
    flaky = FlakySqs(stack.sqs)
    ingest.use(
        IngestService(
            CONFIG, StaticJson(SIGNING_SECRETS), SqsCommandQueue(stack.queue_url, client=flaky), clock=lambda: NOW
        )
    )
    status, answer = stack.post("backend", BODY, _signed(NOW))
    assert (status, answer["reason"]) == (503, "queue_unavailable")  # the provider will retry
    assert stack.queued() == 0  # both commands are one message: nothing landed

    flaky.flaky = False  # SQS recovers; the provider retries the same webhook
    assert stack.post("backend", BODY, _signed(NOW))[0] == 202
    assert [c["method"] for c in stack.peek()] == ["register_user", "post_event"]
    stack.drain()
    assert [c.path for c in pushwoosh.calls()] == ["/json/1.3/registerUser", "/json/1.3/postEvent"]


def test_a_batch_for_several_users_completes_on_the_providers_retry_each_command_once(stack, pushwoosh):
    import json

    from tests.support.samples import AUTH0_AUTH, payload

    other = payload("auth0", "s")
    other["log_id"] = other["data"]["log_id"] = "90020261126143512004000000000000001223372037487999999"
    other["data"]["user_id"] = "auth0|someone-else"
    body = (json.dumps(payload("auth0", "s")) + "\n" + json.dumps(other)).encode()  # JSON lines, two users
    flaky = FlakySqs(stack.sqs)
    ingest.use(
        IngestService(
            CONFIG, StaticJson(SIGNING_SECRETS), SqsCommandQueue(stack.queue_url, client=flaky), clock=lambda: NOW
        )
    )
    assert stack.post("auth0", body, {"Authorization": AUTH0_AUTH})[0] == 503
    assert stack.queued() == 1  # one user's message landed: users are independent groups
    flaky.flaky = False
    assert stack.post("auth0", body, {"Authorization": AUTH0_AUTH})[0] == 202
    assert stack.queued() == 2  # FIFO deduplication: the first one is not there twice
    stack.drain()
    assert sorted(c.json["request"]["userId"] for c in pushwoosh.calls()) == [
        "auth0|650c1f2e8a1b2c3d4e5f6a7b",
        "auth0|someone-else",
    ]


def test_idempotency_store_down_means_no_call_then_exactly_one(stack, pushwoosh):
    stack.freeze_ingest_clock(NOW)
    assert stack.post("backend", BODY, _signed(NOW))[0] == 202
    stack.dynamodb.delete_table(TableName=stack.table)
    response = stack.deliver_once()
    assert len(response["batchItemFailures"]) == 1  # retried later, never sent unprotected
    assert pushwoosh.calls() == []

    table = resource("IdempotencyTable")
    stack.dynamodb.create_table(TableName=stack.table, AttributeDefinitions=table["AttributeDefinitions"],
                                KeySchema=table["KeySchema"], BillingMode=table["BillingMode"])  # fmt: skip
    stack.drain()
    assert len(pushwoosh.calls()) == 2
    assert stack.queued() == 0


def test_two_deliveries_of_one_command_racing_make_one_call(stack, pushwoosh):
    stack.freeze_ingest_clock(NOW)
    assert stack.post("backend", BODY, _signed(NOW))[0] == 202
    [message] = [m for m in stack.peek() if m["method"] == "post_event"]
    import json

    body = json.dumps(message)
    pushwoosh.script(Fault(200, SUCCESS, delay=0.8))  # the first call is slow: the second arrives meanwhile
    service = delivery.delivery().service
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            outcomes.append(service.deliver(body, deadline=time.monotonic() + 30))
        except DependencyUnavailable as exc:
            outcomes.append(f"retry later ({exc.reason})")

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["delivered", "retry later (idempotency)"]
    assert len(pushwoosh.calls()) == 1
    assert service.deliver(body, deadline=time.monotonic() + 30) == "duplicate"  # and later: replayed, not called
    assert len(pushwoosh.calls()) == 1


@pytest.mark.parametrize("source", ["stripe", "clerk"])
def test_secrets_manager_down_on_a_warm_container_after_the_cache_expired_is_a_503(stack, source, monkeypatch):
    monkeypatch.setenv("SECRETS_MAX_AGE", "0")  # every request re-reads the secret
    ingest.use(None)
    stack.secrets.delete_secret(SecretId=stack.signing_secret_id, ForceDeleteWithoutRecovery=True)
    body = payload_bytes(source, "user.deleted" if source == "clerk" else "invoice.paid")
    status, answer = stack.post(source, body, {})
    assert (status, answer["reason"]) == (503, "secrets_unavailable")
    assert stack.queued() == 0


def test_two_containers_never_run_one_users_command_at_once_and_a_late_redelivery_is_replayed(stack, pushwoosh):
    """The guarantee the one-write idempotency layer relies on, on the (moto) FIFO queue: while
    one delivery holds a user's message, a second container polling the queue gets nothing of
    that group; a provider's retry after FIFO's 5-minute deduplication window (the same command
    queued again) is answered from the completed record without a second call."""
    import json

    assert stack.post("backend", BODY, _signed(int(time.time())))[0] == 202
    [message] = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10,
                                          AttributeNames=["All"], VisibilityTimeout=0)["Messages"]  # fmt: skip
    pushwoosh.script(Fault(200, SUCCESS, delay=0.8))  # the first delivery is slow
    answers: list[object] = []
    first = threading.Thread(target=lambda: answers.append(stack.deliver_once()))
    first.start()
    deadline = time.monotonic() + 30  # until the first container is calling Pushwoosh (recorded on arrival)
    while not pushwoosh.calls() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stack.deliver_once() is None  # a second container: nothing of that group to receive
    first.join()
    assert answers[0] == {"batchItemFailures": []}
    assert len(pushwoosh.calls()) == 2  # registerUser + postEvent, once each

    late = json.loads(message["Body"])  # the same commands, queued again much later
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody=json.dumps(late),
                           MessageGroupId=message["Attributes"]["MessageGroupId"],
                           MessageDeduplicationId="after-the-fifo-window")  # fmt: skip
    stack.drain()
    assert len(pushwoosh.calls()) == 2
    assert stack.queued() == 0
