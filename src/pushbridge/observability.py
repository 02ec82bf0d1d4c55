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

import logging
import threading

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "pushbridge"
NAMESPACE = "Pushbridge"

logger = Logger(service=SERVICE)
# At DEBUG, botocore logs every request and response: Secrets Manager's answers (the signing
# secrets, the Pushwoosh token) and the credentials' headers. POWERTOOLS_LOG_LEVEL=DEBUG or a
# function's ApplicationLogLevel DEBUG must never print them: these stay at WARNING whatever
# the root logger's level.
QUIET_LIBRARIES = ("boto3", "botocore", "s3transfer", "urllib3")
for _name in QUIET_LIBRARIES:
    logging.getLogger(_name).setLevel(logging.WARNING)
# Not auto-patched at import: patching every library X-Ray knows imports them all (~70 ms of
# cold start). The two we call out through are patched when the first client is built.
tracer = Tracer(service=SERVICE, auto_patch=False)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

_patched = False
# Delivery runs message groups on threads: Powertools' metric set is a plain dict and its EMF
# lines are printed in pieces, so additions and flushes go through one lock.
_metrics_lock = threading.Lock()


def trace_outbound_calls() -> None:
    """X-Ray subsegments for AWS SDK calls (botocore) and Pushwoosh/Google calls (http.client,
    under urllib3). Called by the adapters before they build a client; a no-op after the first."""
    global _patched
    if not _patched:
        _patched = True
        tracer.patch(modules=("botocore", "httplib"))


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


def _dimensioned(name: str, unit: MetricUnit, value: float, dimensions: dict[str, str]) -> None:
    if is_metrics_disabled():  # single_metric prints even when metrics are disabled
        return
    with _metrics_lock, single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        for key, dim_value in dimensions.items():
            metric.add_dimension(name=key, value=dim_value)
