"""Provider options: validated at load by default (`pushbridge check`, the dev server, tests),
or on the source's first use (the Lambda intakes): the same message either way, each source
validated once per container, and the placeholder check never validates."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, model_validator

from pushbridge.adapters.secrets import StaticJson
from pushbridge.config.loader import Config, ConfigError, load_config, parse_config
from pushbridge.config.placeholders import _placeholders, unusable_sources
from pushbridge.domain.ingest import IngestService
from pushbridge.errors import ConfigurationInvalid
from pushbridge.providers import PROVIDERS

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"
BAD_APPLE = """
application: ABCDE-12345
sources:
  stripe: {provider: stripe}
  apple: {provider: apple, options: {bundle_id: com.acme.app, environments: [Production]}}
  paddle: {provider: paddle, options: {secret_header: X}}
"""
APPLE_MESSAGE = "my.yaml: sources.apple.options: app_apple_id is required to accept Production notifications"
PADDLE_MESSAGE = "my.yaml: sources.paddle.options: provider 'paddle' takes no options"


class _NoQueue:
    def send(self, commands) -> None:
        raise AssertionError("nothing is sent here")


def _service(config: Config) -> IngestService:
    return IngestService(config, StaticJson({}), _NoQueue())


def test_eager_loading_fails_with_the_first_invalid_block():
    with pytest.raises(ConfigError) as caught:
        parse_config(BAD_APPLE, origin="my.yaml")
    assert str(caught.value) == APPLE_MESSAGE


def test_on_first_use_loads_and_each_source_fails_alone_with_the_same_message():
    config = parse_config(BAD_APPLE, origin="my.yaml", options="on_first_use")
    service = _service(config)
    assert service.source("stripe").options is None
    for name, message in (("apple", APPLE_MESSAGE), ("paddle", PADDLE_MESSAGE)):
        with pytest.raises(ConfigurationInvalid) as caught:
            service.source(name)
        key = message.removeprefix("my.yaml: ").split(": ")[0]
        assert (str(caught.value), caught.value.source, caught.value.reason) == (
            f"source {name!r} has invalid options: fix {key} (`pushbridge check` says why)", name,
            "configuration_invalid",
        )  # fmt: skip
        with pytest.raises(ConfigError, match="^" + message):  # the source itself, for tools
            config.sources[name].options  # noqa: B018


class CountingOptions(BaseModel):
    """Counts its validations; `valid: false` fails them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    validations: ClassVar[int] = 0
    valid: bool = True

    @model_validator(mode="after")
    def _count(self) -> CountingOptions:
        type(self).validations += 1
        if not self.valid:
            raise ValueError("not valid")
        return self


@pytest.mark.parametrize("valid", [True, False])
def test_options_are_validated_once_per_container(valid):
    text = (
        f"application: ABCDE-12345\nsources:\n  backend: {{provider: hmac, options: {{valid: {str(valid).lower()}}}}}\n"
    )
    config = parse_config(text, options="on_first_use")
    counting = dataclasses.replace(PROVIDERS["hmac"], options=f"{__name__}:CountingOptions")
    config.sources["backend"] = dataclasses.replace(config.sources["backend"], provider=counting)
    service = _service(config)
    CountingOptions.validations = 0
    for _ in range(3):
        if valid:
            assert service.source("backend").options.valid
        else:
            with pytest.raises(ConfigurationInvalid, match="fix sources.backend.options "):
                service.source("backend")
    assert CountingOptions.validations == 1


def test_the_placeholder_check_reads_the_block_as_written_and_validates_nothing():
    config = load_config(SHIPPED, default_application="ABCDE-12345", options="on_first_use")
    unusable = unusable_sources(config)
    assert unusable == {
        "apple": ["sources.apple.options.bundle_id", "sources.apple.options.app_apple_id"],
        "googleplay": [
            "sources.googleplay.options.audience", "sources.googleplay.options.service_account_email",
            "sources.googleplay.options.package_name",
        ],
        "kinde": ["sources.kinde.options.domain"],
    }  # fmt: skip
    assert not any("options" in vars(source) for source in config.sources.values())
    # The keys it found when it read the validated models (exclude_defaults, as JSON).
    for name, keys in unusable.items():
        dumped = config.sources[name].options.model_dump(mode="json", exclude_defaults=True)
        assert [f"sources.{name}.options.{key}" for key in _placeholders(dumped)] == keys


def test_the_answer_names_the_keys_and_only_the_log_says_why(log_lines):
    """Anyone can reach the URL before a signature is checked: a value quoted by a validator
    (here a URL with a password in it) must not be in the answer; the operator's log has it."""
    text = (
        "application: ABCDE-12345\nsources:\n  gp:\n    provider: googleplay\n    options:\n"
        "      audience: https://x.example/webhooks/gp\n      service_account_email: a@b.iam.gserviceaccount.com\n"
        "      api_url: http://user:s3cr3t@api.example\n"
    )
    service = _service(parse_config(text, origin="my.yaml", options="on_first_use"))
    with pytest.raises(ConfigurationInvalid) as caught:
        service.source("gp")
    assert "s3cr3t" not in str(caught.value)
    assert "fix sources.gp.options.api_url" in str(caught.value)
    logged = "\n".join(log_lines)
    assert '"invalid options"' in logged and "sources.gp.options.api_url" in logged and "my.yaml" not in logged


def test_an_option_expression_nested_thousands_deep_is_a_configuration_error():
    deep = "(" * 3000 + "a" + ")" * 3000
    text = (
        f"application: ABCDE-12345\nsources:\n  backend:\n    provider: hmac\n    options:\n      event_id: '{deep}'\n"
    )
    with pytest.raises(ConfigError, match="sources.backend.options: an expression is nested too deeply"):
        parse_config(text, origin="my.yaml")
    service = _service(parse_config(text, origin="my.yaml", options="on_first_use"))
    for _ in range(2):  # a 503, remembered: not a RecursionError and a 500 on every webhook
        with pytest.raises(ConfigurationInvalid, match="fix sources.backend.options "):
            service.source("backend")
