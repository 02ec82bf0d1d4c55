"""JMESPath expressions of the configuration, compiled once into plain Python closures.

The mapping resolves several expressions per webhook, and jmespath's tree interpreter walks
its AST node by node (~20 µs for ``a.b.c || d.e``). The expressions configurations use are
nearly all field paths, alternatives (``||``), indexes and literals: those become closures
with exactly the interpreter's semantics (``visit_field``, ``visit_or_expression``, ...);
anything else (filters, functions, projections) keeps jmespath's own ``search``, with
pushbridge's functions (``config/functions.py``: amounts and codes) added to JMESPath's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jmespath
from jmespath.exceptions import UnknownFunctionError

from pushbridge.config.functions import OPTIONS

Search = Callable[[Any], Any]


def compile_path(expression: str) -> Search:
    """Raises jmespath's ParseError (a JMESPathError) if the expression is invalid."""
    parsed = jmespath.compile(expression)
    _check_functions(parsed.parsed)
    try:
        return _closure(parsed.parsed)
    except _Unsupported:

        def interpreted(value: Any) -> Any:
            return parsed.search(value, options=OPTIONS)

        return interpreted


def _check_functions(node: dict[str, Any]) -> None:
    """jmespath looks a function up only when it runs: a misspelt name would fail the first
    webhook that reaches it, not the configuration's load."""
    if node.get("type") == "function_expression" and node["value"] not in OPTIONS.custom_functions.FUNCTION_TABLE:
        raise UnknownFunctionError(f"unknown function: {node['value']}()")
    for child in node.get("children", ()):
        if isinstance(child, dict):
            _check_functions(child)


class _Unsupported(Exception):
    pass


def _is_false(value: Any) -> bool:
    # jmespath's TreeInterpreter._is_false: JMESPath's falsy values, not Python's.
    return value == "" or value == [] or value == {} or value is None or value is False


def _closure(node: dict[str, Any]) -> Search:
    kind = node["type"]
    if kind == "field":
        key = node["value"]

        def field(value: Any) -> Any:
            try:
                return value.get(key)
            except AttributeError:
                return None

        return field
    if kind in ("subexpression", "index_expression"):
        steps = [_closure(child) for child in node["children"]]

        def chain(value: Any) -> Any:
            for step in steps:
                value = step(value)
            return value

        return chain
    if kind == "or_expression":
        left, right = (_closure(child) for child in node["children"])

        def either(value: Any) -> Any:
            matched = left(value)
            return right(value) if _is_false(matched) else matched

        return either
    if kind == "index":
        position = node["value"]

        def index(value: Any) -> Any:
            if not isinstance(value, list):
                return None
            try:
                return value[position]
            except IndexError:
                return None

        return index
    if kind == "literal":
        constant = node["value"]
        return lambda value: constant
    if kind == "current":
        return lambda value: value
    raise _Unsupported(kind)
