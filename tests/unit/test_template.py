"""template.yaml: passes cfn-lint, and keeps the promises the design makes about it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.template import TEMPLATE, load_template

T = load_template()
R = T["Resources"]


def test_cfn_lint_passes():
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


def test_functions_run_python_3_13_on_arm64_from_src():
    function_globals = T["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["CodeUri"] == "src/"


def _statements(role: str) -> list[dict]:
    return [s for policy in R[role]["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


ROLES = [name for name, r in R.items() if r["Type"] == "AWS::IAM::Role"]


def test_every_function_has_its_own_role():
    functions = [name for name, r in R.items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(R[f]["Properties"]["Role"]["Fn::GetAtt"].removesuffix(".Arn") for f in functions) == sorted(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_iam_is_least_privilege(role):
    for statement in _statements(role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        if statement["Resource"] == "*":
            # Only X-Ray, which has no resource-level permissions, may use "*".
            assert all(action.startswith("xray:") for action in actions), statement
    assert "ManagedPolicyArns" not in R[role]["Properties"]


def test_each_function_reads_only_its_own_secret():
    def secrets(role):
        return [s["Resource"] for s in _statements(role) if "secretsmanager:GetSecretValue" in str(s["Action"])]

    assert secrets("IngestRole") == [{"Ref": "SigningSecret"}]
    assert secrets("DeliveryRole") == [{"Ref": "PushwooshSecret"}]
    assert secrets("CognitoTriggerRole") == secrets("EventBridgeRole") == []
    for function in ("IngestFunction", "DeliveryFunction"):
        assert R[function]["Properties"]["Role"] == {"Fn::GetAtt": f"{function.replace('Function', 'Role')}.Arn"}


def test_no_secret_in_parameters_or_environment():
    assert all(not p.get("NoEcho") for p in T["Parameters"].values())
    for function in ("IngestFunction", "DeliveryFunction", "CognitoTriggerFunction", "EventBridgeFunction"):
        variables = R[function]["Properties"]["Environment"]["Variables"]
        assert not any("TOKEN" in name or name.endswith("SECRET") for name in variables), variables


def test_queue_visibility_is_at_least_six_times_the_delivery_timeout():
    assert R["CommandQueue"]["Properties"]["VisibilityTimeout"] >= 6 * R["DeliveryFunction"]["Properties"]["Timeout"]


def test_fifo_queue_with_fifo_dlq_and_redrive():
    queue = R["CommandQueue"]["Properties"]
    assert queue["FifoQueue"] and R["DeadLetterQueue"]["Properties"]["FifoQueue"]
    assert queue["ContentBasedDeduplication"] is False
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": "DeadLetterQueue.Arn"}


def test_delivery_reports_batch_item_failures():
    source = R["DeliveryFunction"]["Properties"]["Events"]["Commands"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BatchSize"] <= 10


def test_http_api_is_throttled():
    routes = R["WebhookApi"]["Properties"]["DefaultRouteSettings"]
    assert routes["ThrottlingRateLimit"] and routes["ThrottlingBurstLimit"]


def test_idempotency_table_is_on_demand_with_ttl():
    table = R["IdempotencyTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    # Powertools' DynamoDB persistence layer's default attribute names.
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_alarms_cover_dlq_ingest_5xx_and_pushwoosh_auth():
    # The rest of the alarms: tests/unit/test_alarms_and_dashboard.py.
    alarms = set()
    for r in R.values():
        if r["Type"] == "AWS::CloudWatch::Alarm":
            alarms.add(r["Properties"].get("MetricName"))
            alarms |= {
                m["MetricStat"]["Metric"]["MetricName"] for m in r["Properties"].get("Metrics", []) if "MetricStat" in m
            }
    assert {"ApproximateNumberOfMessagesVisible", "5xx", "PushwooshAuthFailures"} <= alarms


def test_the_cognito_trigger_fits_cognitos_five_seconds_and_eventbridge_failures_are_kept():
    assert R["CognitoTriggerFunction"]["Properties"]["Timeout"] <= 5
    assert R["CognitoInvokePermission"]["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
    on_failure = R["EventBridgeFunction"]["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": "IntakeFailureQueue.Arn"}


def test_the_webhook_url_is_an_output():
    assert "/webhooks/" in str(T["Outputs"]["WebhookBaseUrl"]["Value"])


@pytest.mark.parametrize(("function", "parameter"), [("IngestFunction", "IngestMemorySize"),
                                                     ("DeliveryFunction", "DeliveryMemorySize")])  # fmt: skip
def test_memory_is_a_parameter_with_room_over_the_measured_peak(function, parameter):
    # `make bench`: peak RSS ~75 MiB after 1,000 webhooks or commands (docs/performance.md).
    assert R[function]["Properties"]["MemorySize"] == {"Ref": parameter}
    assert T["Parameters"][parameter]["MinValue"] >= 128
    assert T["Parameters"][parameter]["Default"] >= 256


def test_snapstart_is_a_parameter_off_by_default_on_published_versions():
    assert T["Parameters"]["SnapStart"]["Default"] == "false"
    for function in ("IngestFunction", "DeliveryFunction"):
        properties = R[function]["Properties"]
        assert properties["SnapStart"] == {"ApplyOn": {"Fn::If": ["UseSnapStart", "PublishedVersions", "None"]}}
        assert properties["AutoPublishAlias"] == "live"  # the API and the queue invoke the version


def test_delivery_concurrency_is_bounded_by_parameters():
    properties = R["DeliveryFunction"]["Properties"]
    assert properties["Environment"]["Variables"]["DELIVERY_CONCURRENCY"] == {"Ref": "DeliveryConcurrency"}
    assert (
        T["Parameters"]["DeliveryConcurrency"]["MaxValue"]
        == properties["Events"]["Commands"]["Properties"]["BatchSize"]
    )
    scaling = properties["Events"]["Commands"]["Properties"]["ScalingConfig"]
    assert scaling == {"MaximumConcurrency": {"Ref": "DeliveryMaximumConcurrency"}}


def test_idempotency_and_fences_outlive_the_queue_and_the_dead_letters():
    """A redrive in the DLQ's last hour must still find the idempotency record and the fence:
    both retentions come from the parameters the delivery function reads them from."""
    from pushbridge.settings import RETENTION_MARGIN, DeliverySettings

    queue, dlq = R["CommandQueue"]["Properties"], R["DeadLetterQueue"]["Properties"]
    env = R["DeliveryFunction"]["Properties"]["Environment"]["Variables"]
    assert queue["MessageRetentionPeriod"] == env["QUEUE_RETENTION_SECONDS"] == {"Ref": "QueueRetentionSeconds"}
    assert dlq["MessageRetentionPeriod"] == env["DLQ_RETENTION_SECONDS"] == {"Ref": "DeadLetterRetentionSeconds"}
    for queue_s, dlq_s in [(None, None), (60, 60), (1209600, 1209600), (3600, 1209600)]:
        values = {
            "QUEUE_RETENTION_SECONDS": queue_s or T["Parameters"]["QueueRetentionSeconds"]["Default"],
            "DLQ_RETENTION_SECONDS": dlq_s or T["Parameters"]["DeadLetterRetentionSeconds"]["Default"],
        }
        settings = DeliverySettings.from_env(
            {"DLQ_URL": "q", "IDEMPOTENCY_TABLE": "t", "PUSHWOOSH_SECRET_ID": "s"}
            | {k: str(v) for k, v in values.items()}
        )
        needed = int(values["QUEUE_RETENTION_SECONDS"]) + int(values["DLQ_RETENTION_SECONDS"]) + RETENTION_MARGIN
        assert settings.idempotency_ttl >= needed
    assert RETENTION_MARGIN >= 3600


def test_samconfig_ships_no_empty_application_so_the_guided_deploy_asks_for_it():
    import tomllib

    from tests.support.template import TEMPLATE

    config = tomllib.loads((TEMPLATE.parent / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert "PushwooshApplication" not in deploy.get("parameter_overrides", "")
    assert deploy["capabilities"] == "CAPABILITY_IAM" and deploy["confirm_changeset"] is True


def test_the_application_parameter_has_no_empty_default_and_refuses_empty():
    import re

    parameter = T["Parameters"]["PushwooshApplication"]
    assert "Default" not in parameter
    pattern = re.compile(parameter["AllowedPattern"])
    assert not pattern.match("") and pattern.match("ABCDE-12345")
    samconfig = (Path(__file__).resolve().parents[2] / "samconfig.toml").read_text()
    assert "PushwooshApplication" not in samconfig  # sam deploy --guided asks for it


def test_the_delivery_role_allows_every_dynamodb_call_the_delivery_code_makes():
    """The idempotency layer and the GDPR fence share the table: a call the role does not allow
    is an AccessDenied on every command in production, which moto does not enforce."""
    import re
    from pathlib import Path

    adapters = Path(__file__).resolve().parents[2] / "src" / "pushbridge" / "adapters"
    called = set()
    for name in ("idempotency.py", "fences.py", "prefetch.py"):
        for op in re.findall(
            r"\b(get_item|batch_get_item|put_item|update_item|delete_item|transact_write_items)\b",
            (adapters / name).read_text(),
        ):
            called.add("dynamodb:" + "".join(part.title() for part in op.split("_")))
    statements = R["DeliveryRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    allowed = {a for s in statements if s["Sid"] == "IdempotencyRecords" for a in s["Action"]}
    assert "dynamodb:BatchGetItem" in called and called <= allowed, called - allowed


def test_every_function_logs_json_without_lambdas_per_invocation_lines_unless_asked():
    """LogFormat JSON (Powertools' lines and EMF pass as they are) with the SystemLogLevel
    parameter, WARN by default: START/END/REPORT cost ~420 bytes an invocation (docs/performance.md)."""
    parameters = T["Parameters"]
    assert parameters["SystemLogLevel"]["Default"] == "WARN"
    assert set(parameters["SystemLogLevel"]["AllowedValues"]) == {"WARN", "INFO", "DEBUG"}
    functions = [name for name, r in R.items() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == 4
    for name in functions:
        logging = R[name]["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON" and logging["SystemLogLevel"] == {"Ref": "SystemLogLevel"}, name
        assert logging["ApplicationLogLevel"] == "INFO" and "LogGroup" in logging, name


def test_tracing_is_a_parameter_active_by_default():
    assert T["Parameters"]["Tracing"]["Default"] == "Active"
    assert T["Globals"]["Function"]["Tracing"] == {"Ref": "Tracing"}
