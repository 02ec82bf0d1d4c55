"""Each function's environment, read without pydantic, says what is wrong as the pydantic models did."""

from __future__ import annotations

import pytest

from pushbridge.settings import DeliverySettings, IngestSettings, SettingsError, TriggerSettings, default_config_path

BASE = {"DLQ_URL": "q", "IDEMPOTENCY_TABLE": "t", "PUSHWOOSH_SECRET_ID": "s"}


def test_defaults():
    settings = DeliverySettings.from_env(BASE | {"OTHER": "ignored"})
    assert (settings.dlq_url, settings.pushwoosh_api_url, settings.pushwoosh_connect_timeout) == (
        "q", "https://api.pushwoosh.com", 3.0,
    )  # fmt: skip
    assert (settings.delivery_concurrency, settings.secrets_max_age, settings.idempotency_ttl) == (10, 300, 2505600)


@pytest.mark.parametrize(
    ("env", "value"),
    [({"DELIVERY_CONCURRENCY": " 3 "}, 3), ({"DELIVERY_CONCURRENCY": "3.0"}, 3), ({"DELIVERY_CONCURRENCY": "+2"}, 2),
     ({"PUSHWOOSH_CONNECT_TIMEOUT": "2"}, 2.0), ({"PUSHWOOSH_READ_TIMEOUT": " 1e1 "}, 10.0), ({"DLQ_URL": ""}, "")],
)  # fmt: skip
def test_values_read_as_before(env, value):
    [(name, _)] = env.items()
    assert getattr(DeliverySettings.from_env(BASE | env), name.lower()) == value


# Each message as the pydantic model (pydantic 2.14) worded it.
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DLQ_URL: Field required; IDEMPOTENCY_TABLE: Field required; PUSHWOOSH_SECRET_ID: Field required"),
        (BASE | {"PUSHWOOSH_CONNECT_TIMEOUT": "0"}, "PUSHWOOSH_CONNECT_TIMEOUT: Input should be greater than 0"),
        (BASE | {"PUSHWOOSH_CONNECT_TIMEOUT": "11"},
         "PUSHWOOSH_CONNECT_TIMEOUT: Input should be less than or equal to 10"),
        (BASE | {"PUSHWOOSH_CONNECT_TIMEOUT": "x"},
         "PUSHWOOSH_CONNECT_TIMEOUT: Input should be a valid number, unable to parse string as a number"),
        (BASE | {"PUSHWOOSH_CONNECT_TIMEOUT": "nan"},
         "PUSHWOOSH_CONNECT_TIMEOUT: Input should be less than or equal to 10"),
        (BASE | {"PUSHWOOSH_CONNECT_TIMEOUT": "inf"},
         "PUSHWOOSH_CONNECT_TIMEOUT: Input should be less than or equal to 10"),
        (BASE | {"PUSHWOOSH_READ_TIMEOUT": "31"}, "PUSHWOOSH_READ_TIMEOUT: Input should be less than or equal to 30"),
        (BASE | {"DELIVERY_CONCURRENCY": "0"}, "DELIVERY_CONCURRENCY: Input should be greater than or equal to 1"),
        (BASE | {"DELIVERY_CONCURRENCY": "11"}, "DELIVERY_CONCURRENCY: Input should be less than or equal to 10"),
        (BASE | {"DELIVERY_CONCURRENCY": "2.5"},
         "DELIVERY_CONCURRENCY: Input should be a valid integer, unable to parse string as an integer"),
        (BASE | {"DELIVERY_CONCURRENCY": ""},
         "DELIVERY_CONCURRENCY: Input should be a valid integer, unable to parse string as an integer"),
        (BASE | {"IDEMPOTENCY_TTL_SECONDS": "299"},
         "IDEMPOTENCY_TTL_SECONDS: Input should be greater than or equal to 300"),
        (BASE | {"QUEUE_RETENTION_SECONDS": "59"}, "QUEUE_RETENTION_SECONDS: Input should be greater than or equal to 60"),
        (BASE | {"SECRETS_MAX_AGE": "-1"}, "SECRETS_MAX_AGE: Input should be greater than or equal to 0"),
        (BASE | {"PUSHWOOSH_API_URL": "ftp://x"},
         "PUSHWOOSH_API_URL: Value error, PUSHWOOSH_API_URL (it carries the API token) must be an https:// URL, got "
         "'ftp://x' (http:// is accepted only for a loopback host such as 127.0.0.1 or localhost, where tests and "
         "`pushbridge dev` run their stand-ins)"),
    ],
)  # fmt: skip
def test_errors_name_each_variable_as_before(env, message):
    with pytest.raises(SettingsError) as info:
        DeliverySettings.from_env(env)
    assert str(info.value) == f"invalid environment: {message}"


INGEST = {"QUEUE_URL": "q", "SIGNING_SECRET_ID": "s"}


def test_intake_defaults():
    settings = IngestSettings.from_env(INGEST | {"OTHER": "ignored"})
    assert (settings.queue_url, settings.signing_secret_id, settings.pushwoosh_application) == ("q", "s", None)
    assert (settings.pushbridge_config, settings.max_body_bytes, settings.secrets_max_age) == (
        default_config_path(), 1024 * 1024, 300,
    )  # fmt: skip
    trigger = TriggerSettings.from_env({"QUEUE_URL": "q", "PUSHBRIDGE_CONFIG": "/x.yaml"})
    assert (trigger.queue_url, trigger.pushbridge_config, trigger.pushwoosh_application) == ("q", "/x.yaml", None)
    assert IngestSettings.from_env(INGEST | {"MAX_BODY_BYTES": " 2048.0 "}).max_body_bytes == 2048


# Each message as the pydantic models (pydantic 2.14) worded them.
@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        (IngestSettings, {}, "QUEUE_URL: Field required; SIGNING_SECRET_ID: Field required"),
        (TriggerSettings, {"SIGNING_SECRET_ID": "s"}, "QUEUE_URL: Field required"),
        (IngestSettings, INGEST | {"MAX_BODY_BYTES": "1023"},
         "MAX_BODY_BYTES: Input should be greater than or equal to 1024"),
        (IngestSettings, INGEST | {"MAX_BODY_BYTES": str(6 * 1024 * 1024 + 1)},
         "MAX_BODY_BYTES: Input should be less than or equal to 6291456"),
        (IngestSettings, INGEST | {"MAX_BODY_BYTES": "1 MB"},
         "MAX_BODY_BYTES: Input should be a valid integer, unable to parse string as an integer"),
        (IngestSettings, {"QUEUE_URL": "q", "SECRETS_MAX_AGE": "-1"},
         "SIGNING_SECRET_ID: Field required; SECRETS_MAX_AGE: Input should be greater than or equal to 0"),
    ],
)  # fmt: skip
def test_intake_errors_name_each_variable_as_before(settings, env, message):
    with pytest.raises(SettingsError) as info:
        settings.from_env(env)
    assert str(info.value) == f"invalid environment: {message}"
