"""The one Logger, Tracer and Metrics every layer shares (Powertools).

Metric names (namespace ``Pushbridge``, set by POWERTOOLS_METRICS_NAMESPACE):
WebhooksReceived, WebhooksRejected{reason}, WebhooksIgnored, RulesSkipped{reason},
PostEventWithoutHwid, CommandsEnqueued, PushwooshCalls{method,outcome}, PushwooshLatency{method},
PushwooshAuthFailures, DeliveryLag, DuplicatesSuppressed, CommandsParked{reason},
CognitoTriggerFailures, EventsSkipped{reason}, ValuesSanitised, CommandsFenced.

What must never be logged: secrets, tokens, signature headers, whole payloads, user ids
(``user_ref`` stands in for them).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "pushbridge"
NAMESPACE = "Pushbridge"

# No "location" key: the message names the line (~30 bytes a line).
logger = Logger(service=SERVICE, location=None)
# At DEBUG, botocore logs every request and response: Secrets Manager's answers (the signing
# secrets, the Pushwoosh token) and the credentials' headers. POWERTOOLS_LOG_LEVEL=DEBUG or a
# function's ApplicationLogLevel DEBUG must never print them: these stay at WARNING whatever
# the root logger's level.
QUIET_LIBRARIES = ("boto3", "botocore", "s3transfer", "urllib3")
for _name in QUIET_LIBRARIES:
    logging.getLogger(_name).setLevel(logging.WARNING)
_tracer: Any = None
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

_patched: set[str] = set()
# Delivery runs message groups on threads: Powertools' metric set is a plain dict and its EMF
# lines are printed in pieces, so additions and flushes go through one lock.
_metrics_lock = threading.Lock()


def _get_tracer() -> Any:
    """Built on first use: the X-Ray SDK (and wrapt) cost ~40 ms of a cold start, and ingest,
    which neither decorates its handler nor patches botocore, never loads them. Not auto-patched:
    patching every library X-Ray knows imports them all; the adapters patch what they call."""
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service=SERVICE, auto_patch=False)
    return _tracer


def __getattr__(name: str) -> Any:  # `from pushbridge.observability import tracer`
    if name == "tracer":
        return _get_tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def trace_outbound_calls(module: str) -> None:
    """X-Ray subsegments for AWS SDK calls ("botocore") or Pushwoosh/Google calls ("httplib",
    under urllib3), patched when the first client of that kind is built. Each module apart:
    ingest only talks to AWS, and the httplib wrappers cost every SQS call ~10% more CPU."""
    if module not in _patched and module not in _untraced:
        _patched.add(module)
        _get_tracer().patch(modules=(module,))
        if module == "httplib" and "botocore" in _untraced:
            # botocore's own HTTP requests go through httplib too: untraced means untraced there.
            from aws_xray_sdk.ext.httplib import add_ignored

            for connection in ("AWSHTTPConnection", "AWSHTTPSConnection"):
                add_ignored(subclass=f"botocore.awsrequest.{connection}")


_cold_start = True


def log_request_keys(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Logger.inject_lambda_context(clear_state=True), lighter: each line carries the request id
    and cold_start, not the function's name, ARN and memory size (the log group and Lambda's
    REPORT line say those): ~190 bytes less on every line, paid for in CloudWatch Logs. It never
    logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says (events carry secrets)."""

    @functools.wraps(handler)
    def decorate(event: Any, context: Any) -> Any:
        global _cold_start
        logger.clear_state()
        logger.append_keys(function_request_id=getattr(context, "aws_request_id", None), cold_start=_cold_start)
        _cold_start = False
        return handler(event, context)

    return decorate


def metrics_document() -> dict[str, Any]:
    """The metrics added so far as the keys of one EMF document (then cleared), for the one log
    line of a webhook to carry: one JSON line per webhook instead of a log line and a metrics
    line (DECISIONS "Log lines"). Empty when metrics are disabled (pushbridge dev)."""
    with _metrics_lock:
        if is_metrics_disabled() or not metrics.metric_set:
            metrics.clear_metrics()
            return {}
        document = metrics.serialize_metric_set()
        metrics.clear_metrics()
    return document


_untraced: set[str] = set()


def leave_untraced(module: str) -> None:
    """A function whose calls through ``module`` do not earn an X-Ray subsegment. The trace
    still reaches AWS: in Lambda botocore itself sends the X-Amzn-Trace-Id header on every call
    (so SQS messages carry AWSTraceHeader and delivery's trace links to the webhook's)."""
    _untraced.add(module)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """A counter; with dimensions it is flushed at once as its own EMF record, because
    Powertools' shared Metrics object applies one set of dimensions to all its metrics."""
    if not dimensions:
        with _metrics_lock:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    _dimensioned(name, MetricUnit.Count, value, dimensions)


def timing(name: str, milliseconds: float, **dimensions: str) -> None:
    if not dimensions:
        with _metrics_lock:
            metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=milliseconds)
        return
    _dimensioned(name, MetricUnit.Milliseconds, milliseconds, dimensions)


_carried = threading.local()  # per thread: dimensioned metrics waiting for the next log line


@contextlib.contextmanager
def metrics_carried_by_lines() -> Iterator[None]:
    """Dimensioned metrics recorded inside wait for the thread's next log line that takes
    :func:`carried_metrics` (one JSON line per delivery attempt, its metrics in it, instead
    of a line and an EMF document per metric); any left at the end are flushed on their own."""
    _carried.entries = []
    try:
        yield
    finally:
        left, _carried.entries = _carried.entries, None
        for name, unit, value, dimensions in left:
            _dimensioned(name, unit, value, dimensions)


def carried_metrics() -> dict[str, Any]:
    """The waiting metrics as the keys of one EMF document (several directives, one per
    dimension set), for a log line to carry; empty when none wait or metrics are disabled."""
    entries = getattr(_carried, "entries", None)
    if not entries:
        return {}
    document: dict[str, Any] = {"service": SERVICE}
    directives: list[dict[str, Any]] = []
    kept = []
    for name, unit, value, dimensions in entries:
        if name in document or any(document.get(k, v) != v for k, v in dimensions.items()):
            kept.append((name, unit, value, dimensions))  # would clash in one document: the next line
            continue
        document.update(dimensions)
        document[name] = round(value, 1) if isinstance(value, float) else value
        directives.append({"Namespace": NAMESPACE, "Dimensions": [["service", *dimensions]],
                           "Metrics": [{"Name": name, "Unit": unit.value}]})  # fmt: skip
    _carried.entries = kept
    document["_aws"] = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": directives}
    return document


def _dimensioned(name: str, unit: MetricUnit, value: float, dimensions: dict[str, str]) -> None:
    if is_metrics_disabled():  # single_metric prints even when metrics are disabled
        return
    waiting = getattr(_carried, "entries", None)
    if waiting is not None:
        waiting.append((name, unit, value, dimensions))
        return
    with _metrics_lock, single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        for key, dim_value in dimensions.items():
            metric.add_dimension(name=key, value=dim_value)
