"""Runs one function in a process of its own, as Lambda would, and reports in JSON.

    python -m bench.function_run first <ingest|delivery> EVENT_FILE
        seconds to import the handler module, then to answer the first event (cold start)
    python -m bench.function_run sdk <ingest|delivery> -
        the baseline: import boto3, build a client, then the one AWS call the function must make
        (ingest: a one-entry SQS SendMessageBatch; delivery: the idempotency write, a DynamoDB
        PutItem)
    python -m bench.function_run hot ingest WEBHOOKS_JSONL
        CPU per webhook, warm: the necessary work first (HMAC verify + json.loads + one
        SendMessageBatch with a reused, untraced client), then the handler as deployed (tracer on)
    python -m bench.function_run load <ingest|delivery> EVENTS_JSONL
        the first event (cold), then every other one warm: AWS API calls made on the warm
        path by operation, answers that were not what they should be, and peak RSS

The environment (Lambda's variables, the stack's resources on a moto server, the local
Pushwoosh) comes from the parent, bench.functions.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from collections import Counter
from typing import Any

MESSAGES = "messages sent"  # SQS messages in those batches, not a call
COMMANDS = "commands sent"  # Pushwoosh calls those messages carry
FENCING = "commands moving the fence"  # registerUser and deleteUser: the fence writes for those
ITEMS_READ = "DynamoDB items read"  # by GetItem and BatchGetItem: read units, not calls
HOT_BLOCK = 20  # webhooks per block of the hot-path measurement
MODULES = {"ingest": "pushbridge.handlers.ingest", "delivery": "pushbridge.handlers.delivery",
           "cognito": "pushbridge.handlers.cognito"}  # fmt: skip


def _ok(function: str, answer: dict[str, Any]) -> bool:
    if function == "ingest":
        return answer.get("statusCode") == 202
    if function == "cognito":  # it returns the event, queued or not: the log line says which
        return "triggerSource" in answer
    return answer.get("batchItemFailures") == []


def first(function: str, event_file: str) -> dict[str, Any]:
    started = time.perf_counter()
    handler = importlib.import_module(MODULES[function])
    imported = time.perf_counter()
    from pushbridge_dev.devtools.lambda_context import LambdaContext

    with open(event_file) as f:
        event = json.load(f)
    loaded = time.perf_counter()
    answer = handler.lambda_handler(event, LambdaContext())
    done = time.perf_counter()
    return {"import": imported - started, "first": done - loaded, "ok": _ok(function, answer)}


# Each function's one necessary AWS call: what its cold-start baseline makes (sdk() below).
BASELINE_CALL = {"ingest": "SendMessageBatch", "delivery": "PutItem"}


def sdk(function: str, event_file: str) -> dict[str, Any]:
    """The baseline: what the function's one necessary AWS call costs a cold process
    (DECISIONS "Baselines"): ingest sends its webhook's commands to SQS, delivery writes the
    command's idempotency record to DynamoDB. Untraced."""
    started = time.perf_counter()
    import os

    import boto3

    if function == "delivery":
        boto3.client("dynamodb").put_item(
            TableName=os.environ["IDEMPOTENCY_TABLE"],
            Item={"id": {"S": f"bench-baseline-{started}"}, "status": {"S": "COMPLETED"}, "data": {"S": "{}"}},
        )
    else:
        entry = {"Id": "0", "MessageBody": "{}", "MessageGroupId": "bench", "MessageDeduplicationId": str(started)}
        boto3.client("sqs").send_message_batch(QueueUrl=os.environ["QUEUE_URL"], Entries=[entry])
    return {"first": time.perf_counter() - started, "ok": True}


def hot(function: str, events_file: str) -> dict[str, Any]:
    """The necessary work and the handler, in alternating blocks of the same webhooks. The
    baseline stays untraced (DECISIONS "Baselines"): ingest leaves botocore untraced, and where
    httplib is patched (Google's certificates) botocore's connections are ignored by it."""
    import hashlib
    import hmac
    import os

    import boto3

    with open(events_file) as f:
        bodies = [json.loads(line)["body"].encode() for line in f]
    sqs, queue_url, key = boto3.client("sqs"), os.environ["QUEUE_URL"], os.urandom(32)
    signatures = [hmac.new(key, body, hashlib.sha256).hexdigest() for body in bodies]

    def necessary(n: int, body: bytes) -> None:
        if not hmac.compare_digest(hmac.new(key, body, hashlib.sha256).hexdigest(), signatures[n]):
            raise AssertionError("signature mismatch")
        json.loads(body)
        sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": "0", "MessageBody": body.decode(),
                               "MessageGroupId": f"g{n % 50}", "MessageDeduplicationId": f"floor{n}"}])  # fmt: skip

    necessary(0, bodies[0])  # the connection, as the handler's first (cold) webhook opens its own
    handler = importlib.import_module(MODULES[function])
    from pushbridge_dev.devtools.lambda_context import LambdaContext

    sign, context, bad, cpu, floor = _signer(), LambdaContext(), 0, 0.0, 0.0
    profile = _profiler(os.environ.get("BENCH_PROFILE"))

    def run_handler(n: int, event: dict[str, Any]) -> float:
        nonlocal bad
        if n and profile is not None:
            profile.enable()
        started = time.process_time()
        answer = handler.lambda_handler(event, context)
        spent = time.process_time() - started
        if profile is not None:
            profile.disable()
        bad += not _ok(function, answer)
        return spent

    run_handler(0, sign(_source_of(events_file, 0), bodies[0]))  # the cold webhook: not counted
    # In alternating blocks (the necessary work for 20 webhooks, the handler for the same 20, and
    # the other way round for the next 20): the machine's load drifting during the run moves both
    # sides alike, and each side still runs warm, as one container runs one after another.
    numbered = list(enumerate(bodies[1:], 1))
    for block, start in enumerate(range(0, len(numbered), HOT_BLOCK)):
        chunk = numbered[start : start + HOT_BLOCK]
        for side in ("floor", "handler") if block % 2 == 0 else ("handler", "floor"):
            for n, body in chunk:
                if side == "floor":
                    started = time.process_time()
                    necessary(n, body)
                    floor += time.process_time() - started
                else:
                    cpu += run_handler(n, sign(_source_of(events_file, n), body))
    if profile is not None:
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    warm = len(bodies) - 1
    return {"units": warm, "bad": bad, "handler_cpu": cpu / warm, "floor_cpu": floor / warm}


_SOURCES: dict[str, list[str]] = {}


def _source_of(events_file: str, n: int) -> str:
    if events_file not in _SOURCES:
        with open(events_file) as f:
            _SOURCES[events_file] = [json.loads(line)["source"] for line in f]
    return _SOURCES[events_file][n]


def _profiler(path: str | None) -> Any:
    if not path:
        return None
    import cProfile

    return cProfile.Profile()


def load(function: str, events_file: str) -> dict[str, Any]:
    import boto3

    calls: Counter[str] = Counter()
    counting = False

    def count_call(model: Any, **_: Any) -> None:
        if counting:
            calls[f"{model.service_model.service_id} {model.name}"] += 1
            calls[ITEMS_READ] += model.name == "GetItem"

    def count_items_read(params: Any, **_: Any) -> None:  # what DynamoDB bills, whatever the call
        if counting:
            calls[ITEMS_READ] += sum(len(table["Keys"]) for table in params["RequestItems"].values())

    def count_messages(params: Any, **_: Any) -> None:  # the API's own parameters
        if counting:
            from pushbridge.models.command import parse_message

            calls[MESSAGES] += len(params["Entries"])
            for entry in params["Entries"]:  # an envelope holds one or more commands
                commands = parse_message(entry["MessageBody"])
                calls[COMMANDS] += len(commands)
                calls[FENCING] += sum(command.method != "post_event" for command in commands)

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call", count_call)
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.sqs.SendMessageBatch", count_messages)
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.dynamodb.BatchGetItem", count_items_read)
    handler = importlib.import_module(MODULES[function])
    from pushbridge_dev.devtools.lambda_context import LambdaContext

    sign = _signer() if function == "ingest" else None
    context, warm, bad, units, examples = LambdaContext(), 0, 0, 0, []
    cpu = 0.0  # CPU seconds inside the handler on the warm path (not the signing)
    with open(events_file) as lines:
        for number, line in enumerate(lines):
            event = json.loads(line)
            if sign is not None:  # signed now: Paddle allows a webhook 5 seconds
                event = sign(event["source"], event["body"].encode())
            started = time.process_time()
            answer = handler.lambda_handler(event, context)
            spent = time.process_time() - started
            if not _ok(function, answer):
                bad += 1
                examples = [*examples, answer][:3]
            if number == 0:
                counting = True  # from here on the container is warm
                after_first = peak_rss_mib()
                continue
            warm += 1
            units += len(event["Records"]) if function == "delivery" else 1
            cpu += spent
    return {"warm_invocations": warm, "units": units, "bad": bad, "examples": examples, "calls": dict(calls),
            "cpu_seconds": cpu, "peak_rss_mib": peak_rss_mib(), "rss_after_first_mib": after_first}  # fmt: skip


def peak_rss_mib() -> float:
    """This process's peak RSS. VmHWM rather than ru_maxrss: Linux carries ru_maxrss over
    from the parent across fork and exec, so a child would report the bench's own peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere


def _signer() -> Any:
    """Sign as each provider does, just before the webhook is handled (as it would arrive)."""
    from pushbridge.config.loader import load_config
    from pushbridge.settings import IngestSettings
    from pushbridge_dev.devtools.events import http_api_event
    from pushbridge_dev.devtools.local_secrets import load_signing_secrets
    from pushbridge_dev.devtools.samples import signed_headers

    settings = IngestSettings.from_env()
    config = load_config(settings.pushbridge_config, default_application=settings.pushwoosh_application)
    secrets, _ = load_signing_secrets()

    def sign(source: str, body: bytes) -> dict[str, Any]:
        headers = signed_headers(config.sources[source], body, secrets[source], now=int(time.time()))
        return http_api_event(source, body, headers)

    return sign


def main(argv: list[str]) -> int:
    mode, function, path = argv
    result = {"first": first, "sdk": sdk, "hot": hot, "load": load}[mode](function, path)
    sys.stdout.flush()
    print("BENCH-RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
