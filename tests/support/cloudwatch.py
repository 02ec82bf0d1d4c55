"""CloudWatch, as far as the alarms need it locally: the metrics the code emits (read from the
source with ``ast``, and from the EMF documents a run prints), and an alarm of template.yaml
evaluated against those documents the way CloudWatch would within one period."""

from __future__ import annotations

import ast
import json
import operator
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src" / "pushbridge"
NAMESPACE = "Pushbridge"


@dataclass(frozen=True)
class Datapoint:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    value: float

    @property
    def dims(self) -> dict[str, str]:
        return dict(self.dimensions)


def emitted_in_source() -> dict[str, set[frozenset[str]]]:
    """Metric name -> the dimension-name sets it is emitted with, from every ``count(...)`` and
    ``timing(...)`` call in src/pushbridge (the ``service`` dimension is always added), plus the
    ColdStart metric Powertools emits for ``capture_cold_start_metric=True``."""
    emitted: dict[str, set[frozenset[str]]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("count", "timing") or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                dims = {kw.arg for kw in node.keywords if kw.arg not in (None, "value", "milliseconds")}
                emitted[first.value].add(frozenset(dims | {"service"}))
    if any("capture_cold_start_metric=True" in p.read_text() for p in (SRC / "handlers").glob("*.py")):
        emitted["ColdStart"].add(frozenset({"function_name", "service"}))
    return emitted


def parse_emf(output: str) -> list[Datapoint]:
    """Every metric value in the EMF documents of ``output`` (what Lambda turns into metrics)."""
    points = []
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"] or [[]]:
                dims = tuple(sorted((d, str(document[d])) for d in dimension_set))
                for metric in directive["Metrics"]:
                    values = document[metric["Name"]]
                    for value in values if isinstance(values, list) else [values]:
                        points.append(Datapoint(directive["Namespace"], metric["Name"], dims, float(value)))
    return points


_OPERATORS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
_STATISTICS = {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": len}
_INSIGHTS = re.compile(
    r"SELECT (?P<fn>SUM|MAX|MIN|AVG|COUNT)\((?P<metric>\w+)\) FROM SCHEMA\((?P<schema>[^)]*)\)"
    r"(?: WHERE (?P<where>.+?))?(?: GROUP BY (?P<group>\w+))?$"
)


def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "Ref" in value:
        return parameters[value["Ref"]]["Default"]
    return value


def metric_insights_query(expression: str) -> tuple[str, str, list[str], dict[str, str], str | None, str]:
    """(function, metric, schema dimensions, where equalities, group by, namespace) of the
    Metrics Insights queries the template uses."""
    match = _INSIGHTS.match(expression.strip())
    if match is None:
        raise ValueError(f"not a Metrics Insights query this evaluator reads: {expression}")
    namespace, *dims = [part.strip().strip('"') for part in match["schema"].split(",")]
    where = {}
    for clause in (match["where"] or "").split(" AND "):
        if clause:
            key, value = (part.strip().strip("'\"") for part in clause.split("="))
            where[key] = value
    return match["fn"], match["metric"], dims, where, match["group"], namespace


def evaluate(alarm: dict[str, Any], points: list[Datapoint], parameters: dict[str, Any]) -> dict[str, str]:
    """The alarm's state per contributor ("" for a single-series alarm): ALARM or OK, with all
    ``points`` in one period. Missing data is not breaching (every alarm here says so)."""
    threshold = float(resolve(alarm["Threshold"], parameters))
    compare = _OPERATORS[alarm["ComparisonOperator"]]
    series: dict[str, list[float]] = defaultdict(list)
    if "MetricName" in alarm:
        wanted = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        for p in points:
            if (p.namespace, p.name) == (alarm["Namespace"], alarm["MetricName"]) and p.dims == wanted:
                series[""].append(p.value)
        reduce = _STATISTICS[alarm["Statistic"]]
    else:
        (query,) = [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData", True)]
        fn, metric, schema, where, group, namespace = metric_insights_query(query)
        for p in points:
            dims = p.dims
            if (p.namespace, p.name) != (namespace, metric) or set(dims) != set(schema):
                continue  # SCHEMA(...) matches exactly that set of dimensions
            if all(dims.get(k) == v for k, v in where.items()):
                series[dims[group] if group else ""].append(p.value)
        reduce = {"SUM": sum, "MAX": max, "MIN": min, "COUNT": len, "AVG": lambda v: sum(v) / len(v)}[fn]
    return {key: "ALARM" if compare(reduce(values), threshold) else "OK" for key, values in series.items()}
