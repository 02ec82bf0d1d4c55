"""The compiled configuration paths (config/paths.py) against jmespath itself: for random
expressions of the forms they compile (fields, quoted fields, ``||``, indexes, literals,
``@``) over random JSON documents, the same answer as ``jmespath.search``; any other form is
left to jmespath."""

from __future__ import annotations

import json

import jmespath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pushbridge.config import paths
from pushbridge.config.paths import compile_path
from tests.fuzz.test_fuzz_ingest import CASES, FUZZ

KEYS = ["a", "b", "0", "with space"]  # few keys: most paths then lead somewhere
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "x", "user_1"])
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12,
)


def _field(key: str) -> str:
    return key if key.isidentifier() else json.dumps(key)  # quoted identifier


@st.composite
def expressions(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["path", "path", "or", "literal", "current"] if depth < 2 else ["path"]))
    if kind == "or":
        return f"{draw(expressions(depth + 1))} || {draw(expressions(depth + 1))}"
    if kind == "literal":
        return "`" + json.dumps(draw(scalars)) + "`"
    if kind == "current":
        return "@"
    parts = [_field(draw(st.sampled_from(KEYS)))]
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            parts.append("." + _field(draw(st.sampled_from(KEYS))))
        else:
            parts.append(f"[{draw(st.integers(-2, 2))}]")
    return "".join(parts)


@FUZZ
@given(expression=expressions(), document=documents)
def test_compiled_paths_answer_as_jmespath_does(expression, document):
    CASES["compiled JMESPath paths"] += 1
    expected = jmespath.search(expression, document)
    got = compile_path(expression)(document)
    assert got == expected and type(got) is type(expected), expression


@pytest.mark.parametrize(
    ("expression", "document"),
    [
        ("a || b", {"a": 0, "b": 1}),  # 0 is true in JMESPath, unlike Python
        ("a || b", {"a": False, "b": 1}),
        ("a || b", {"a": [], "b": 1}),
        ("a || b", {"a": {}, "b": 1}),
        ("a || b", {"a": "", "b": None}),
        ("a.b", {"a": "text"}),
        ("a.b", {"a": [{"b": 1}]}),
        ("a[0]", {"a": "text"}),
        ("a[-1]", {"a": [1, 2]}),
        ("a[5]", {"a": [1]}),
        ("a[0].b", {"a": [None]}),
        ("`0` || a", {"a": 1}),
        ('"with space"', {"with space": 1}),
    ],
)
def test_edge_cases_answer_as_jmespath_does(expression, document):
    expected = jmespath.search(expression, document)
    got = compile_path(expression)(document)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "expression", ["items[?n > `1`].id", "length(items)", "items[*].id", "{a: a}", "a && b", "!a", "items[0:1]"]
)
def test_other_forms_are_left_to_jmespath(expression):
    document = {"items": [{"n": 1, "id": "x"}, {"n": 2, "id": "y"}], "a": 1, "b": 2}
    search = compile_path(expression)
    assert search.__qualname__ == "compile_path.<locals>.interpreted"  # jmespath's interpreter
    assert search(document) == jmespath.search(expression, document)


def test_the_forms_configurations_use_are_compiled():
    for expression in ("data.object.metadata.user_id", "a || b.c", "events[0].actor.id", "`1`", "@", '"x-y".z'):
        assert compile_path(expression).__module__ == paths.__name__, expression


def test_an_invalid_expression_is_refused():
    with pytest.raises(jmespath.exceptions.JMESPathError):
        compile_path("a..b")
