"""The configuration file: the shipped one validates, presets merge, and every mistake is
reported with the key that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pushbridge.config.loader import ConfigError, load_config, parse_config

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"


def test_the_shipped_config_is_valid_and_uses_the_presets():
    config = load_config(SHIPPED, default_application="ABCDE-12345")
    assert set(config.sources) == {
        "stripe",
        "paddle",
        "revenuecat",
        "lemonsqueezy",
        "apple",
        "googleplay",
        "clerk",
        "auth0",
        "okta",
        "workos",
        "kinde",
        "cognito",
        "backend",
    }
    stripe_rules = [name for name, _ in config.sources["stripe"].rules]
    assert stripe_rules == [
        "stripe-checkout-completed",
        "stripe-subscription-created",
        "stripe-subscription-updated",
        "stripe-subscription-deleted",
        "stripe-invoice-paid",
        "stripe-invoice-payment-failed",
    ]
    assert [rule.method for _, rule in config.sources["clerk"].rules] == [
        "register_user", "post_event", "register_user", "delete_user", "post_event"
    ]  # fmt: skip


def test_a_user_rule_with_a_preset_name_replaces_it_in_place_and_others_are_appended():
    config = parse_config(
        """
application: ABCDE-12345
sources:
  clerk:
    provider: clerk
    rules:
      - name: clerk-session-created
        match: session.created
        post_event: {event: SignIn}
      - match: "organization.*"
        post_event: {event: OrgChange, user_id: {path: data.created_by}}
"""
    )
    rules = config.sources["clerk"].rules
    assert [name for name, _ in rules] == [
        "clerk-user-created",
        "clerk-user-created-signup",
        "clerk-user-updated-register",
        "clerk-user-deleted",
        "clerk-session-created",
        "clerk-rule-1",
    ]
    assert rules[4][1].post_event.event.literal == "SignIn"
    assert rules[5][1].matches("organization.updated")


def test_preset_false_keeps_only_the_users_rules():
    config = parse_config(
        "application: A\nsources:\n  s:\n    provider: stripe\n    preset: false\n"
        "    rules: [{match: invoice.paid, post_event: {event: Paid}}]\n"
    )
    assert [name for name, _ in config.sources["s"].rules] == ["s-rule-0"]


def test_the_application_comes_from_the_source_the_file_or_the_environment():
    text = "sources:\n  s: {provider: stripe, application: SRC01-00000}\n  t: {provider: stripe}\n"
    config = parse_config(text, default_application="ENV00-00000")
    assert config.sources["s"].application == "SRC01-00000"
    assert config.sources["t"].application == "ENV00-00000"


@pytest.mark.parametrize(
    "text, message",
    [
        ("sources:\n  s: {provider: stripe}\n", "sources.s: no Pushwoosh application code"),
        ("application: A\nsources:\n  s: {provider: paypal}\n", "sources.s.provider: unknown provider 'paypal'"),
        ("application: A\nsources:\n  Bad Name: {provider: stripe}\n", "sources.Bad Name.[key]"),
        ("application: A\nsources:\n  s: {provider: stripe, tolerance: 5}\n", "sources.s.tolerance: Extra inputs are not permitted"),
        ("application: A\nsources: {}\n", "sources: Dictionary should have at least 1 item"),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{match: x, post_event: {event: E, user_id: {path: 'a..b'}}}]\n",
            "sources.s.rules.0.post_event.user_id: invalid JMESPath expression 'a..b'",
        ),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{match: x, post_event: {attributes: {}}}]\n",
            "sources.s.rules.0.post_event.event: Field required",
        ),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{match: x, delete_user: {}, post_event: {event: E}}]\n",
            "sources.s.rules.0: a rule emits exactly one of register_user, delete_user, post_event (got delete_user, post_event)",
        ),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{match: x, when: 'yes', delete_user: {}}]\n",
            "sources.s.rules.0.when: when must be {path: <JMESPath expression>}",
        ),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{match: x, delete_user: {user_id: [1]}}]\n",
            "sources.s.rules.0.delete_user.user_id: expected a literal or {path: <JMESPath expression>}",
        ),
        (
            "application: A\nsources:\n  s:\n    provider: stripe\n    rules: [{name: r, match: x, delete_user: {}}, {name: r, match: y, delete_user: {}}]\n",
            "sources.s.rules.1.name: duplicate rule name 'r'",
        ),
        ("sources: [\n", "(line 2): not valid YAML"),
        ("- just a list\n", "expected a mapping with `sources:`"),
    ],
    ids=["no-application", "unknown-provider", "bad-source-name", "unknown-key", "no-sources", "bad-jmespath",
         "no-event-name", "two-calls", "when-literal", "list-value", "duplicate-rule-name", "bad-yaml", "not-a-mapping"],
)  # fmt: skip
def test_errors_name_the_offending_key(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, origin="my.yaml")
    assert str(caught.value).startswith("my.yaml")
    assert message in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_config(tmp_path / "nope.yaml")
