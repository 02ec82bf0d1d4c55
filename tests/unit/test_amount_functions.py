"""The JMESPath functions that give every payment preset one unit for `amount`: major units of
the currency, as a JSON number, whatever unit the provider sent."""

from __future__ import annotations

import json

import pytest

from pushbridge.config.model import Expr
from pushbridge.config.paths import compile_path


@pytest.mark.parametrize(
    ("amount", "currency", "major"),
    [
        (1999, "usd", 19.99),  # Stripe: integer cents, lower-case code
        ("1999", "EUR", 19.99),  # Paddle: string of the lowest denomination
        (1500, "jpy", 1500),  # no minor unit
        (1234, "KWD", 1.234),  # three decimals
        (5000, "bhd", 5),
        (0, "usd", 0),
        (-250, "usd", -2.5),  # a refund's negative amount keeps its sign
        (12345678901, "usd", 123456789.01),
    ],
)
def test_minor_to_major_uses_the_currency_exponent(amount, currency, major):
    found = compile_path("minor_to_major(a, c)")({"a": amount, "c": currency})
    assert found == major
    assert type(found) is type(major)  # 1500 JPY is the integer 1500, not 1500.0


@pytest.mark.parametrize(
    "payload", [{"a": None, "c": "usd"}, {"a": 1999}, {"a": "n/a", "c": "usd"}, {"a": True, "c": "usd"}]
)
def test_minor_to_major_is_null_when_it_cannot_say(payload):
    assert compile_path("minor_to_major(a, c)")(payload) is None


@pytest.mark.parametrize(
    ("expression", "payload", "major"),
    [
        ("scaled(p, `1000`)", {"p": 19990}, 19.99),  # Apple milliunits
        ("scaled(p, `1000`)", {"p": 1500000}, 1500),  # Apple, JPY
        ("scaled(p, `1000000`)", {"p": "4990000"}, 4.99),  # Google micros, as text
        ("scaled(p, `1000`)", {}, None),
    ],
)
def test_scaled(expression, payload, major):
    assert compile_path(expression)(payload) == major


def test_no_float_noise_in_the_json_sent():
    found = compile_path("minor_to_major(a, c)")({"a": 1999, "c": "usd"})
    assert json.dumps({"amount": found}) == '{"amount": 19.99}'


def test_upper():
    assert compile_path("upper(c)")({"c": "usd"}) == "USD"
    assert compile_path("upper(c)")({"c": 3}) is None


def test_jmespaths_own_functions_still_work():
    assert compile_path("length(items)")({"items": [1, 2]}) == 2


def test_a_misspelt_function_fails_the_configuration_not_a_webhook():
    with pytest.raises(ValueError, match="unknown function"):
        Expr.of_path("minor_to_majr(a, c)")


def test_lower():
    assert compile_path("lower(s)")({"s": "APP_STORE"}) == "app_store"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (1659331174000, 1659331174),  # RevenueCat / Apple milliseconds
        ("1659331174000", 1659331174),  # Google: milliseconds as text
        (1659331174, 1659331174),  # already seconds
        ("2024-04-12T10:18:49.111Z", 1712917129),  # Paddle
        ("2021-08-11T13:47:27+00:00", 1628689647),  # Lemon Squeezy
        ("soon", None),
        (None, None),
    ],
)
def test_unix_seconds(value, seconds):
    assert compile_path("unix_seconds(t)")({"t": value}) == seconds
