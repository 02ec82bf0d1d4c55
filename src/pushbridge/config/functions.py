"""JMESPath functions for amounts and codes, available to every expression in a configuration.

Providers disagree on money: Stripe and Lemon Squeezy send integer minor units, Paddle sends
them as strings, Apple sends milliunits, Google micros, RevenueCat major units. One attribute
name must carry one unit, so the conversion belongs where the attribute is named: in the rule.
A function is a value like any other path (``{path: "minor_to_major(data.object.amount_paid,
data.object.currency)"}``), so a user's own rule can do the same, and the payload a rule sees
is the provider's own, unchanged.

- ``minor_to_major(amount, currency)``: minor units (integer or numeric text) -> major units,
  by the currency's ISO 4217 exponent (JPY 0, KWD 3, most others 2).
- ``scaled(amount, divisor)``: a fixed-scale amount -> major units (Apple milliunits: 1000,
  Google micros: 1000000).
- ``upper(text)`` / ``lower(text)``: Stripe's ``"usd"`` -> ``"USD"``, RevenueCat's
  ``"APP_STORE"`` -> ``"app_store"``.
- ``unix_seconds(time)``: seconds, milliseconds (number or digits) or ISO 8601 text -> whole
  unix seconds (``expires_at`` from Apple's and RevenueCat's ms, Paddle's and Lemon Squeezy's
  ISO times).

Each returns null rather than failing on a missing or unreadable value, so the attribute is
left out instead of the webhook being refused.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import jmespath
from jmespath import functions

from pushbridge.providers.base import MILLISECONDS_THRESHOLD  # one notion of 'milliseconds'

# ISO 4217 currencies whose minor unit is not 1/100 (Stripe's and Paddle's lists agree).
_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
         "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def _number(value: Decimal) -> int | float:
    """A JSON number without float noise: 1999 / 100 is 19.99, 1500 JPY stays 1500."""
    return int(value) if value == value.to_integral_value() else float(value)


def minor_to_major(amount: Any, currency: Any) -> int | float | None:
    number = _decimal(amount)
    if number is None or not isinstance(currency, str) or not currency.strip():
        return None
    return _number(number.scaleb(-currency_exponent(currency.strip())))


def scaled(amount: Any, divisor: Any) -> int | float | None:
    number, by = _decimal(amount), _decimal(divisor)
    if number is None or by is None or by == 0:
        return None
    return _number(number / by)


def unix_seconds(value: Any) -> int | None:
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        try:
            return int(datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    number = _decimal(value)
    if number is None:
        return None
    seconds = int(number)
    return seconds // 1000 if abs(seconds) >= MILLISECONDS_THRESHOLD else seconds


class _Functions(functions.Functions):
    @functions.signature({"types": []}, {"types": []})
    def _func_minor_to_major(self, amount: Any, currency: Any) -> Any:
        return minor_to_major(amount, currency)

    @functions.signature({"types": []}, {"types": ["number"]})
    def _func_scaled(self, amount: Any, divisor: Any) -> Any:
        return scaled(amount, divisor)

    @functions.signature({"types": []})
    def _func_upper(self, text: Any) -> Any:
        return text.upper() if isinstance(text, str) else None

    @functions.signature({"types": []})
    def _func_lower(self, text: Any) -> Any:
        return text.lower() if isinstance(text, str) else None

    @functions.signature({"types": []})
    def _func_unix_seconds(self, time: Any) -> Any:
        return unix_seconds(time)


OPTIONS = jmespath.Options(custom_functions=_Functions())
