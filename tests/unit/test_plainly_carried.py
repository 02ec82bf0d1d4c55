"""mapping.plainly_carried lets a command skip the sanitiser's walk: it must say True only
where the walk would change nothing and refuse nothing."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pushbridge.domain.mapping import plainly_carried
from pushbridge.domain.values import MAX_VALUE_DEPTH, Sanitiser, ValueTooDeep

_text = st.text(alphabet=st.sampled_from(["a", "é", "{", "[", "\ud800", "\udfff", "😀", "\x00"]), max_size=5)
_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _text)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=12,
)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def _commands(draw: Any) -> dict[str, Any]:
    attributes = draw(st.dictionaries(_text, st.one_of(_values, st.integers(25, 40).map(_nested)), max_size=3))
    return {"id": "c", "user_id": draw(_text), "origin": {"event_type": draw(_text)}, "attributes": attributes}


@settings(max_examples=800, deadline=None)
@given(_commands())
def test_plain_means_the_walk_changes_and_refuses_nothing(values):
    if not plainly_carried(values):
        return
    sanitiser = Sanitiser()
    try:
        cleaned = sanitiser.clean(values, depth=-2)
    except ValueTooDeep:
        raise AssertionError("plainly_carried let a value through that the walk refuses") from None
    assert sanitiser.replaced == 0
    assert cleaned == values or repr(cleaned) == repr(values)  # NaN != NaN


def test_what_the_walk_must_see_is_not_plain():
    assert plainly_carried({"id": "c", "attributes": {"plan": "café 😀"}})
    assert not plainly_carried({"id": "c", "user_id": "a\ud800b"})
    assert not plainly_carried({"id": "c", "attributes": {"k\udfff": 1}})
    assert not plainly_carried({"id": "c", "attributes": {"deep": _nested(MAX_VALUE_DEPTH)}})


def test_a_value_nested_past_the_recursion_limit_is_walked_not_raised():
    # A webhook body json.loads still parses (~945 levels through the ingest handler) is too
    # deep for json.dumps from mapping's deeper stack: RecursionError was a 500, the walk a 400.
    values = {"id": "c", "attributes": {"deep": _nested(sys.getrecursionlimit() + 10)}}
    assert not plainly_carried(values)
