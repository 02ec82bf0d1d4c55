"""Read a plainly valid sources-and-rules file without pydantic (issue 12: pydantic and the
schema's models were ~0.35 of ingest's cold-start baseline, paid on every cold start to
validate a file that the deploy had already checked).

Every reader here accepts only data whose meaning is beyond doubt (exact types, known keys,
values in range) and builds exactly what config/schema.py would build from it; for anything
else it answers None, and the loader asks the schema, which accepts what pydantic's lax mode
accepts and names the key of each mistake. So quick never decides that a file is wrong, and
never accepts one the schema would refuse (tests/unit/test_config_quick.py checks both, on
every preset, the shipped file and generated files).
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from pushbridge.config.model import (
    METHODS,
    RULE_NAME_PATTERN,
    SOURCE_NAME_PATTERN,
    SPECS,
    Expr,
    FileSpec,
    Rule,
    SourceSpec,
    Spec,
    to_expr,
)

_SOURCE_NAME = re.compile(SOURCE_NAME_PATTERN)
_RULE_NAME = re.compile(RULE_NAME_PATTERN)
_FILE_KEYS = frozenset({"version", "application", "sources"})


def _written(cls: type) -> frozenset[str]:
    """The keys a file may write: the dataclass's fields that its constructor takes."""
    return frozenset(field.name for field in fields(cls) if field.init)


_SOURCE_KEYS = _written(SourceSpec)
_RULE_KEYS = _written(Rule)
_SPEC_KEYS = {method: _written(spec) for method, spec in SPECS.items()}
_PATH_ONLY = frozenset({"when", "stored_hwid"})


class _Unsure(Exception):
    """Not plainly valid: the schema decides."""


def read_file(data: Any) -> FileSpec | None:
    """``pushbridge.yaml``'s data -> FileSpec, or None where the schema must decide."""
    try:
        return _file(data)
    except _Unsure:
        return None


def read_rule(data: Any) -> Rule | None:
    """One rule (a preset's, or a file's) -> Rule, or None where the schema must decide."""
    try:
        return _rule(data)
    except _Unsure:
        return None


def _file(data: Any) -> FileSpec:
    _keys(data, _FILE_KEYS)
    if "version" in data and not (type(data["version"]) is int and data["version"] == 1):
        raise _Unsure
    sources = data.get("sources")
    if type(sources) is not dict or not sources:
        raise _Unsure
    for name in sources:
        if type(name) is not str or not _SOURCE_NAME.fullmatch(name):
            raise _Unsure
    return FileSpec(
        sources={name: _source(source) for name, source in sources.items()},
        application=_optional(data, "application", str),
    )


def _source(data: Any) -> SourceSpec:
    _keys(data, _SOURCE_KEYS)
    tolerance = _optional(data, "tolerance_seconds", int)
    if tolerance is not None and not 1 <= tolerance <= 3600:
        raise _Unsure
    options = data.get("options", {})
    if type(options) is not dict or any(type(key) is not str for key in options):
        raise _Unsure
    rules = data.get("rules", [])
    if type(rules) is not list:
        raise _Unsure
    event_names = data.get("event_names", "lifecycle")
    if event_names not in ("lifecycle", "previous") or type(event_names) is not str:
        raise _Unsure
    return SourceSpec(
        provider=_required(data, "provider", str),
        application=_optional(data, "application", str),
        preset=_flag(data, "preset", True),
        tolerance_seconds=tolerance,
        user_id=_value(data, "user_id"),
        hwid=_value(data, "hwid"),
        event_type=_value(data, "event_type"),
        options=dict(options),
        rules=tuple(_rule(rule) for rule in rules),
        event_names=event_names,
        sandbox=_flag(data, "sandbox", False),
        reuse_stored_hwid=_flag(data, "reuse_stored_hwid", False),
    )


def _rule(data: Any) -> Rule:
    _keys(data, _RULE_KEYS)
    name = _optional(data, "name", str)
    if name is not None and not _RULE_NAME.fullmatch(name):
        raise _Unsure
    match = data.get("match")
    match = [match] if type(match) is str else match
    if type(match) is not list or not match or any(type(pattern) is not str for pattern in match):
        raise _Unsure
    calls = {method: _spec(method, data[method]) for method in METHODS if data.get(method) is not None}
    if len(calls) != 1:
        raise _Unsure
    return Rule(match=tuple(match), name=name, when=_value(data, "when"), **calls)  # type: ignore[arg-type]


def _spec(method: str, data: Any) -> Spec:
    _keys(data, _SPEC_KEYS[method])
    fields: dict[str, Any] = {key: _value(data, key) for key in data if key not in ("previous_event", "attributes")}
    if method == "post_event":
        if "event" not in data:
            raise _Unsure
        fields["event"] = _expr(data["event"])  # required, so null is the literal null
        fields["previous_event"] = _optional(data, "previous_event", str)
        fields["attributes"] = _attributes(data.get("attributes", {}))
    return SPECS[method](**fields)


def _attributes(data: Any) -> dict[str, Expr] | Expr:
    if type(data) is not dict or any(type(key) is not str for key in data):
        raise _Unsure
    if set(data) == {"path"}:  # one expression yielding the whole object
        return _path(data)
    return {key: _expr(value) for key, value in data.items()}


def _value(data: dict[str, Any], key: str) -> Expr | None:
    """An optional value: null or absent is None; ``when`` and ``stored_hwid`` are paths."""
    value = data.get(key)
    if value is None:
        return None
    return _path(value) if key in _PATH_ONLY else _expr(value)


def _path(value: Any) -> Expr:
    expr = _expr(value)
    if expr.path is None:
        raise _Unsure
    return expr


def _expr(value: Any) -> Expr:
    if type(value) not in (str, int, float, bool, dict) and value is not None:
        raise _Unsure
    try:
        return to_expr(value)
    except ValueError:  # not {path: ...}, or an expression that does not compile
        raise _Unsure from None


def _keys(data: Any, allowed: frozenset[str]) -> None:
    if type(data) is not dict or not allowed.issuperset(data):
        raise _Unsure


def _required(data: dict[str, Any], key: str, kind: type) -> Any:
    if type(data.get(key)) is not kind:
        raise _Unsure
    return data[key]


def _optional(data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if value is not None and type(value) is not kind:
        raise _Unsure
    return value


def _flag(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if type(value) is not bool:
        raise _Unsure
    return value
