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


def _signed(now: int) -> dict[str, str]:
    from pushbridge.devtools.samples import signed_headers

    return signed_headers(CONFIG.sources["backend"], BODY, BACKEND_SECRET, now=now)


def test_a_partially_failed_enqueue_is_a_503_and_the_retry_lands_each_command_once(stack, pushwoosh):
    flaky = FlakySqs(stack.sqs)
    ingest.use(IngestService(CONFIG, StaticJson(SIGNING_SECRETS), SqsCommandQueue(stack.queue_url, client=flaky)))
    status, answer = stack.post("backend", BODY, _signed(int(time.time())))
    assert (status, answer["reason"]) == (503, "queue_unavailable")  # the provider will retry
    assert stack.queued() == 1  # one of the two did land meanwhile

    flaky.flaky = False  # SQS recovers; the provider retries the same webhook
    assert stack.post("backend", BODY, _signed(int(time.time())))[0] == 202
    assert stack.queued() == 2  # FIFO deduplication: the first command is not there twice
    stack.drain()
    assert sorted(c.path for c in pushwoosh.calls()) == ["/json/1.3/postEvent", "/json/1.3/registerUser"]


def test_idempotency_store_down_means_no_call_then_exactly_one(stack, pushwoosh):
    assert stack.post("backend", BODY, _signed(int(time.time())))[0] == 202
    stack.dynamodb.delete_table(TableName=stack.table)
    response = stack.deliver_once()
    assert len(response["batchItemFailures"]) == 2  # retried later, never sent unprotected
    assert pushwoosh.calls() == []

    table = resource("IdempotencyTable")
    stack.dynamodb.create_table(TableName=stack.table, AttributeDefinitions=table["AttributeDefinitions"],
                                KeySchema=table["KeySchema"], BillingMode=table["BillingMode"])  # fmt: skip
    stack.drain()
    assert len(pushwoosh.calls()) == 2
    assert stack.queued() == 0


def test_two_deliveries_of_one_command_racing_make_one_call(stack, pushwoosh):
    assert stack.post("backend", BODY, _signed(int(time.time())))[0] == 202
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
