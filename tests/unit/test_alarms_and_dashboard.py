"""The dashboard and the alarms of template.yaml watch metrics the code really emits (names,
namespace, dimensions), each alarm names a runbook section that exists, and thresholds are
parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cloudwatch import NAMESPACE, emitted_in_source, metric_insights_query
from tests.support.template import load_template

T = load_template()
R = T["Resources"]
P = T["Parameters"]
EMITTED = emitted_in_source()
RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"
ALARMS = sorted(name for name, r in R.items() if r["Type"] == "AWS::CloudWatch::Alarm")
# Names PLAN.md contracts that another branch has not emitted yet (none since presets-engine was
# merged); only the dashboard may show such a name, never an alarm.
CONTRACTED_ELSEWHERE: set[str] = set()


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def _dashboard_text() -> str:
    body, variables = R["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(variables) == {"CognitoFunctionName", "EventBridgeFunctionName"}
    return body


def _dashboard_body() -> dict:
    template = _dashboard_text()
    # ${Resource.Attr} inside strings, ${Parameter} as a bare number: any number stands in for both.
    return json.loads(re.sub(r"\$\{[^}]+\}", "0", template))


def _dashboard_metrics() -> list[tuple[str, str, frozenset[str]]]:
    """(namespace, metric, dimension names) of every metric and SEARCH in the dashboard."""
    found = []
    for widget in _dashboard_body()["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], str):
                names = [item for item in row[2:] if isinstance(item, str)][::2]
                found.append((row[0], row[1], frozenset(names)))
                continue
            for search in re.finditer(r"SEARCH\('\{([^}]*)\} MetricName=\"(\w+)\"", row[0]["expression"]):
                namespace, *dims = search[1].split(",")
                found.append((namespace, search[2], frozenset(dims)))
    return found


def _alarm_metrics(name: str) -> list[tuple[str, str, frozenset[str], dict[str, str]]]:
    props = R[name]["Properties"]
    if "MetricName" in props:
        dims = {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
        return [(props["Namespace"], props["MetricName"], frozenset(dims), dims)]
    found = []
    for query in props["Metrics"]:
        if "Expression" in query and query["Expression"].startswith("SELECT"):
            _, metric, schema, where, _, namespace = metric_insights_query(query["Expression"])
            found.append((namespace, metric, frozenset(schema), where))
        elif "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], frozenset(dims), dims))
    return found


def test_the_emitted_set_is_read_from_the_code():
    # Guards the reader itself: a few the code has always emitted, with their dimensions.
    assert frozenset({"service", "reason"}) in EMITTED["WebhooksRejected"]
    assert frozenset({"service", "method", "outcome"}) in EMITTED["PushwooshCalls"]
    assert frozenset({"service", "source"}) in EMITTED["SignatureFailures"]
    assert frozenset({"service"}) in EMITTED["WebhooksReceived"]


def test_every_pushbridge_metric_on_the_dashboard_is_emitted_with_those_dimensions():
    ours = [(metric, dims) for namespace, metric, dims in _dashboard_metrics() if namespace == NAMESPACE]
    assert len(ours) >= 15
    for metric, dims in ours:
        if metric in CONTRACTED_ELSEWHERE:
            continue
        assert dims in EMITTED.get(metric, set()), (
            f"dashboard shows {metric}{sorted(dims)}; the code emits {EMITTED.get(metric)}"
        )


def test_dashboard_shows_what_the_issue_asks_for():
    shown = {(namespace, metric) for namespace, metric, _ in _dashboard_metrics()}
    for wanted in [
        (NAMESPACE, "WebhooksReceived"), (NAMESPACE, "WebhooksRejected"), (NAMESPACE, "WebhooksIgnored"),
        (NAMESPACE, "SignatureFailures"), (NAMESPACE, "PushwooshCalls"), (NAMESPACE, "PushwooshLatency"),
        (NAMESPACE, "CommandsParked"), (NAMESPACE, "ColdStart"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"), ("AWS/Lambda", "Duration"),
    ]:  # fmt: skip
        assert wanted in shown, wanted
    body = _dashboard_text()
    assert "'p50'" in body and "'p99'" in body
    assert "DashboardUrl" in T["Outputs"]
    # Each function's Lambda metrics, the optional ones included, by exact name.
    for function in ("IngestFunction", "DeliveryFunction", "CognitoFunctionName", "EventBridgeFunctionName"):
        assert body.count(f'\\"${{{function}}}\\"') == 5, function


@pytest.mark.parametrize("alarm", ALARMS)
def test_alarm_watches_a_metric_the_code_emits(alarm):
    for namespace, metric, dims, values in _alarm_metrics(alarm):
        if namespace != NAMESPACE:
            assert namespace in ("AWS/SQS", "AWS/Lambda", "AWS/ApiGateway"), namespace
            continue
        assert metric not in CONTRACTED_ELSEWHERE
        assert dims in EMITTED.get(metric, set()), (
            f"{alarm}: {metric}{sorted(dims)}; the code emits {EMITTED.get(metric)}"
        )
        for key, value in values.items():
            if key == "service":
                assert value == "pushbridge"
            else:  # a fixed dimension value (reason=no_application) is one the code produces
                assert any(
                    f'"{value}"' in p.read_text()
                    for p in Path(__file__).resolve().parents[2].glob("src/pushbridge/**/*.py")
                ), value


@pytest.mark.parametrize("alarm", ALARMS)
def test_alarm_description_names_a_runbook_section_that_exists(alarm):
    description = json.dumps(R[alarm]["Properties"]["AlarmDescription"])
    (anchor,) = re.findall(r"docs/runbook\.md#([\w-]+)", description)
    assert anchor in _anchors(RUNBOOK.read_text()), anchor


@pytest.mark.parametrize("alarm", ALARMS)
def test_alarm_notifies_the_topic_and_missing_data_is_not_an_alarm(alarm):
    props = R[alarm]["Properties"]
    assert props["AlarmActions"] == {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}
    assert props["TreatMissingData"] == "notBreaching"


def test_thresholds_that_depend_on_traffic_are_parameters():
    for alarm, parameter in [
        ("SignatureFailuresAlarm", "AlarmSignatureFailures"), ("OldestCommandAlarm", "AlarmOldestCommandSeconds"),
        ("DeadLettersExpiringAlarm", "AlarmDeadLetterExpiryDays"), ("IngestErrorsAlarm", "AlarmLambdaErrors"),
        ("DeliveryErrorsAlarm", "AlarmLambdaErrors"),
    ]:  # fmt: skip
        assert R[alarm]["Properties"]["Threshold"] == {"Ref": parameter}
        assert "Default" in P[parameter]
    window = R["SignatureFailuresAlarm"]["Properties"]["Metrics"][0]["Period"]
    assert window == {"Ref": "AlarmSignatureWindowSeconds"}


def test_dead_letters_expiring_alarm_fires_before_the_dlq_retention_ends():
    retention = R["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"]
    assert retention == {"Ref": "DeadLetterRetentionSeconds"}  # a parameter, shipped at SQS's maximum
    retention_days = P["DeadLetterRetentionSeconds"]["Default"] / 86400
    assert P["AlarmDeadLetterExpiryDays"]["Default"] < P["AlarmDeadLetterExpiryDays"]["MaxValue"] < retention_days


def test_the_optional_intakes_alarms_exist_only_with_them():
    assert R["CognitoTriggerFailuresAlarm"]["Condition"] == "HasCognito"
    assert R["IntakeFailureQueueAlarm"]["Condition"] == "HasEventBridge"
    skipped = _alarm_metrics("NoApplicationAlarm")
    assert skipped[0][3] == {"service": "pushbridge", "reason": "no_application"}  # never no_user_id (DECISIONS)
