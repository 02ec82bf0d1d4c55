"""The one Logger, Tracer and Metrics every layer shares (Powertools).

Metric names (namespace ``Pushbridge``, set by POWERTOOLS_METRICS_NAMESPACE):
WebhooksReceived, WebhooksRejected{reason}, WebhooksIgnored, RulesSkipped{reason},
PostEventWithoutHwid, CommandsEnqueued, PushwooshCalls{method,outcome}, PushwooshLatency{method},
PushwooshAuthFailures, DeliveryLag, DuplicatesSuppressed, CommandsParked{reason}.

What must never be logged: secrets, tokens, signature headers, whole payloads, user ids
(``user_ref`` stands in for them).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "pushbridge"
NAMESPACE = "Pushbridge"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """A counter; with dimensions it is flushed at once as its own EMF record, because
    Powertools' shared Metrics object applies one set of dimensions to all its metrics."""
    if not dimensions:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    _dimensioned(name, MetricUnit.Count, value, dimensions)


def timing(name: str, milliseconds: float, **dimensions: str) -> None:
    if not dimensions:
        metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=milliseconds)
        return
    _dimensioned(name, MetricUnit.Milliseconds, milliseconds, dimensions)


def _dimensioned(name: str, unit: MetricUnit, value: float, dimensions: dict[str, str]) -> None:
    if is_metrics_disabled():  # single_metric prints even when metrics are disabled
        return
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        for key, dim_value in dimensions.items():
            metric.add_dimension(name=key, value=dim_value)
