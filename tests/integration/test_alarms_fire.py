"""Each alarm that can be driven locally fires on the failure it is for, and not on what it must
let pass: the handlers run a fault, their EMF output is read back as CloudWatch would, and the
alarm of template.yaml (metric, dimensions, statistic, threshold) is evaluated against it."""

from __future__ import annotations

import pytest

from tests.support.cloudwatch import evaluate, parse_emf
from tests.support.pushwoosh_server import Fault
from tests.support.samples import CLERK_SECRET, STRIPE_SECRET, payload_bytes
from tests.support.signing import standard_webhook_headers, stripe_headers
from tests.support.template import load_template

T = load_template()
ALARM = {name: r["Properties"] for name, r in T["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
THRESHOLD = int(T["Parameters"]["AlarmSignatureFailures"]["Default"])


@pytest.fixture
def capsys(capsys_and_logs):
    return capsys_and_logs


def _metrics(capsys):
    return parse_emf(capsys.readouterr().out)


def test_a_rotated_stripe_secret_fires_the_signature_alarm_for_stripe_only(stack, capsys):
    body = payload_bytes("stripe", "invoice.paid")
    for _ in range(THRESHOLD + 1):  # the provider keeps sending with the secret we do not have
        assert stack.post("stripe", body, stripe_headers(body, "whsec_rotated_at_stripe"))[0] == 401
    clerk = payload_bytes("clerk", "user.created")
    assert stack.post("clerk", clerk, standard_webhook_headers(clerk, CLERK_SECRET))[0] == 202

    states = evaluate(ALARM["SignatureFailuresAlarm"], _metrics(capsys), T["Parameters"])
    assert states == {"stripe": "ALARM"}


def test_a_trickle_of_garbage_does_not_page(stack, capsys):
    body = payload_bytes("stripe", "invoice.paid")
    for _ in range(THRESHOLD):  # at the threshold, not above it
        assert (
            stack.post("stripe", body, {"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"})[0] == 401
        )
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202

    assert evaluate(ALARM["SignatureFailuresAlarm"], _metrics(capsys), T["Parameters"]) == {"stripe": "OK"}


def test_an_invalid_configuration_fires_its_own_alarm(stack, capsys, monkeypatch, tmp_path):
    from pushbridge.handlers import ingest

    broken = tmp_path / "pushbridge.yaml"
    broken.write_text("sources:\n  stripe:\n    provider: stripe\n    rules: not-a-list\n")
    monkeypatch.setenv("PUSHBRIDGE_CONFIG", str(broken))
    ingest.use(None)
    body = payload_bytes("stripe", "invoice.paid")
    status, answer = stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))
    assert (status, answer["reason"]) == (503, "configuration_invalid")

    points = _metrics(capsys)
    assert evaluate(ALARM["ConfigurationInvalidAlarm"], points, T["Parameters"]) == {"": "ALARM"}
    assert evaluate(ALARM["SignatureFailuresAlarm"], points, T["Parameters"]) == {}
    # Ingest5xxAlarm watches API Gateway's 5xx less the configuration_invalid answers: this one
    # 503 pages through ConfigurationInvalidAlarm only, not twice.
    five_xx = ALARM["Ingest5xxAlarm"]
    assert "FILL(api5xx, 0) - FILL(invalid, 0)" in [m.get("Expression") for m in five_xx["Metrics"]]
    [invalid] = [m["MetricStat"]["Metric"] for m in five_xx["Metrics"] if m["Id"] == "invalid"]
    wanted = {d["Name"]: d["Value"] for d in invalid["Dimensions"]}
    answered = sum(
        p.value
        for p in points
        if (p.namespace, p.name, p.dims) == (invalid["Namespace"], invalid["MetricName"], wanted)
    )
    api_5xx = 1  # what API Gateway counts for the one 503 above
    assert api_5xx - answered == 0


def test_no_application_fires_its_alarm(stack, capsys, monkeypatch, tmp_path):
    """An empty application is refused at start-up now; a rule whose application comes from the
    payload can still find none there, and that is the failure this alarm is for."""
    from pushbridge.handlers import ingest

    config = tmp_path / "pushbridge.yaml"
    config.write_text(
        "sources:\n  stripe:\n    provider: stripe\n    rules:\n"
        "      - name: stripe-invoice-paid\n        match: invoice.paid\n"
        "        post_event: {event: InvoicePaid, application: {path: data.object.metadata.pushwoosh_application}}\n"
    )
    monkeypatch.setenv("PUSHBRIDGE_CONFIG", str(config))
    ingest.use(None)
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[1]["status"] == "ignored"
    points = _metrics(capsys)
    assert {p.dims.get("reason") for p in points if p.name == "RulesSkipped"} == {"no_application"}
    assert evaluate(ALARM["NoApplicationAlarm"], points, T["Parameters"]) == {"": "ALARM"}


def test_rules_skipped_for_a_missing_user_id_leave_the_no_application_alarm_alone(stack, capsys):
    body = payload_bytes("stripe", "invoice.paid").replace(b'"user_id"', b'"someone_else"')
    stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))
    points = _metrics(capsys)
    assert {p.dims.get("reason") for p in points if p.name == "RulesSkipped"} == {"no_user_id"}
    assert evaluate(ALARM["NoApplicationAlarm"], points, T["Parameters"]) == {}


def test_pushwoosh_refusing_the_token_fires_the_auth_alarm(stack, pushwoosh, capsys):
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    pushwoosh.script(*[Fault(401, {"status_code": 401, "status_message": "Access denied"})] * 4)
    stack.deliver_once()

    assert evaluate(ALARM["PushwooshAuthAlarm"], _metrics(capsys), T["Parameters"]) == {"": "ALARM"}
