"""config/quick.py reads a plainly valid file without pydantic; the pydantic schema reads the
rest. They must never disagree: wherever quick answers, the schema accepts the same data and
builds the same run-time configuration (and quick answers for every preset and the shipped
file, or the cold start would load pydantic after all)."""

from __future__ import annotations

import copy
import subprocess
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pushbridge.config import model, quick
from pushbridge.config.loader import ConfigError, config_from_data
from pushbridge.config.model import Expr
from pushbridge.config.schema import ConfigFile
from pushbridge.config.schema import Rule as RuleSchema
from pushbridge.providers import PROVIDERS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "pushbridge.yaml"


def _schema_file(data: Any) -> Any:
    try:
        return ConfigFile.model_validate(data).to_model()
    except ValidationError:
        return None


def _schema_rule(data: Any) -> Any:
    try:
        return RuleSchema.model_validate(data).to_model()
    except ValidationError:
        return None


def _same(mine: Any, theirs: Any) -> None:
    """Equal, and each expression compiled alike (Expr's equality leaves the closure out)."""
    assert mine == theirs
    assert type(mine) is type(theirs)
    if isinstance(mine, Expr):
        assert (mine._compiled is None) == (theirs._compiled is None) == (mine.path is None)
    elif is_dataclass(mine):
        for field in fields(mine):
            _same(getattr(mine, field.name), getattr(theirs, field.name))
    elif isinstance(mine, dict):
        for key in mine:
            _same(mine[key], theirs[key])
    elif isinstance(mine, tuple):
        for a, b in zip(mine, theirs, strict=True):
            _same(a, b)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_quick_reads_every_preset_rule_as_the_schema_does(provider):
    for rule in PROVIDERS[provider].preset:
        mine = quick.read_rule(rule)
        assert mine is not None, rule  # else every cold start would load pydantic for the presets
        _same(mine, _schema_rule(rule))


def test_quick_reads_the_shipped_file_as_the_schema_does():
    data = yaml.safe_load(SHIPPED.read_text())
    mine = quick.read_file(data)
    assert mine is not None
    _same(mine, _schema_file(data))


PLAIN = {
    "application": "ABCDE-12345",
    "sources": {
        "billing": {
            "provider": "stripe",
            "tolerance_seconds": 600,
            "user_id": {"path": "data.object.metadata.user_id || data.object.client_reference_id"},
            "event_names": "previous",
            "sandbox": True,
            "options": {"anything": [1, 2]},
            "rules": [
                {
                    "name": "paid",
                    "match": "invoice.paid",
                    "post_event": {"event": "Paid", "attributes": {"path": "data"}},
                },
                {
                    "match": ["customer.*", "x"],
                    "when": {"path": "data.object.livemode"},
                    "register_user": {"hwid": "h", "stored_hwid": {"path": "a.b"}, "tz_offset": 3600},
                },
                {"match": "gone", "delete_user": {}, "post_event": None},
                {"match": "e", "post_event": {"event": None, "attributes": {"amount": 1.5, "plan": {"path": "p"}}}},
            ],
        }
    },
}


def test_quick_reads_a_file_using_every_field():
    mine = quick.read_file(PLAIN)
    assert mine is not None
    _same(mine, _schema_file(PLAIN))
    rules = mine.sources["billing"].rules
    assert [rule.method for rule in rules] == ["post_event", "register_user", "delete_user", "post_event"]
    assert rules[0].post_event.attributes == Expr.of_path("data")


@pytest.mark.parametrize(
    "change",
    [
        {"version": True},  # pydantic's lax mode decides what a bool means for Literal[1]
        {"sources": {"billing": {"provider": "stripe", "tolerance_seconds": "600"}}},  # lax: "600" -> 600
        {"sources": {"billing": {"provider": "stripe", "preset": "yes"}}},
        {"sources": {"billing": {"provider": "stripe", "rules": [{"match": ("a",), "delete_user": {}}]}}},
        {"sources": {"Billing": {"provider": "stripe"}}},
        {"sources": {"billing": {"provider": "stripe", "rules": [{"match": "a", "delete_user": {}, "x": 1}]}}},
        {"sources": {"billing": {"provider": "stripe", "user_id": {"path": "a[?"}}}},
        {"sources": {"billing": {"provider": "stripe", "rules": [{"name": "n\n", "match": "a", "delete_user": {}}]}}},
    ],
)
def test_quick_leaves_whatever_is_not_plain_to_the_schema(change):
    assert quick.read_file(PLAIN | change) is None


def test_a_mistake_is_still_reported_by_the_schema_with_its_key():
    data = PLAIN | {"sources": {"billing": {"provider": "stripe", "rules": [{"match": "a", "post_event": {}}]}}}
    with pytest.raises(ConfigError, match=r"my.yaml: sources.billing.rules.0.post_event.event: Field required"):
        config_from_data(data, origin="my.yaml")


def test_lax_data_the_schema_accepts_gives_the_same_configuration():
    lax = PLAIN | {"sources": {"billing": {"provider": "stripe", "tolerance_seconds": "600"}}}
    plain = PLAIN | {"sources": {"billing": {"provider": "stripe", "tolerance_seconds": 600}}}
    assert config_from_data(lax, origin="a") == config_from_data(plain, origin="a")


# The grammar of the file: plainly valid files, then up to three mutations, each putting what a
# careless hand writes (a wrong type, an extra key, a bad expression, a missing key) in one place.
_PATHS = ["a.b", "data.object.metadata.user_id || data.id", "items[0].price", "to_number(x)", "`1`", 'a."b c"']
_HOSTILE = [None, 1, 0, 3601, True, "x", "10", 1.5, [], {}, ("a",), {"path": 1}, {"path": "a[?"}, {"path": "nope("},
            {"path": "a", "x": 1}, "n\n", "Bad Name", ["a", 2], {1: 2}]  # fmt: skip
_scalars = st.one_of(st.none(), st.text(max_size=4), st.integers(-2, 4000), st.floats(allow_nan=False), st.booleans())
_paths = st.sampled_from(_PATHS).map(lambda p: {"path": p})
_values = st.one_of(_scalars, _paths)
_SPEC_KEYS = {
    "register_user": ["user_id", "hwid", "stored_hwid", "tz_offset", "device_type", "application"],
    "delete_user": ["user_id", "application"],
    "post_event": ["previous_event", "attributes", "user_id", "hwid", "stored_hwid", "device_type", "timestamp_utc",
                   "timestamp_current", "application"],
}  # fmt: skip


@st.composite
def _spec(draw: Any, method: str) -> dict[str, Any]:
    spec = {key: draw(_values) for key in draw(st.lists(st.sampled_from(_SPEC_KEYS[method]), unique=True, max_size=4))}
    if "stored_hwid" in spec:
        spec["stored_hwid"] = draw(_paths)
    if "previous_event" in spec:
        spec["previous_event"] = draw(st.sampled_from([None, "OldName"]))
    if "attributes" in spec:
        spec["attributes"] = draw(st.one_of(_paths, st.dictionaries(st.sampled_from(["plan", "path", "a"]), _values)))
    if method == "post_event":
        spec["event"] = draw(_values)
    return spec


@st.composite
def _rule(draw: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "match": draw(st.one_of(st.just("a.b"), st.lists(st.sampled_from(["a", "b*", "c.?"]), min_size=1)))
    }
    if draw(st.booleans()):
        rule["name"] = draw(st.sampled_from([None, "ok-name.1", "Paid:v2"]))
    if draw(st.booleans()):
        rule["when"] = draw(st.one_of(st.none(), _paths))
    method = draw(st.sampled_from(sorted(_SPEC_KEYS)))
    rule[method] = draw(_spec(method))
    for other in draw(st.lists(st.sampled_from(sorted(set(_SPEC_KEYS) - {method})), max_size=1)):
        rule[other] = None
    return rule


_SOURCE_FIELDS = {
    "application": st.sampled_from([None, "ABCDE-12345"]),
    "preset": st.booleans(),
    "tolerance_seconds": st.one_of(st.none(), st.integers(1, 3600)),
    "user_id": st.one_of(st.none(), _values),
    "hwid": st.one_of(st.none(), _values),
    "event_type": st.one_of(st.none(), _values),
    "options": st.sampled_from([{}, {"a": 1}, {"b": {"c": [1]}}]),
    "rules": st.lists(_rule(), max_size=3),
    "event_names": st.sampled_from(["lifecycle", "previous"]),
    "sandbox": st.booleans(),
    "reuse_stored_hwid": st.booleans(),
}


@st.composite
def _source(draw: Any) -> dict[str, Any]:
    source: dict[str, Any] = {"provider": draw(st.sampled_from(["stripe", "clerk"]))}
    for key in draw(st.lists(st.sampled_from(sorted(_SOURCE_FIELDS)), unique=True, max_size=6)):
        source[key] = draw(_SOURCE_FIELDS[key])
    return source


@st.composite
def _plain_file(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sources": draw(st.dictionaries(st.sampled_from(["stripe", "a_b-1", "z9"]), _source(), min_size=1))
    }
    if draw(st.booleans()):
        data["version"] = 1
    if draw(st.booleans()):
        data["application"] = draw(st.sampled_from([None, "ABCDE-12345"]))
    return data


def _places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in the data, containers included."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        found.append((node, key))
        found += _places(value)
    return found


@st.composite
def _mutated(draw: Any, plain: Any) -> Any:
    data = copy.deepcopy(draw(plain))  # sampled values are shared objects: never mutate them
    for _ in range(draw(st.integers(0, 3))):
        places = _places(data)
        if not places:
            break
        container, key = places[draw(st.integers(0, len(places) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "extra", "delete"]))
        if action == "replace":
            container[key] = copy.deepcopy(draw(st.sampled_from(_HOSTILE)))
        elif action == "extra" and isinstance(container, dict):
            container[draw(st.sampled_from(["extra", "Match", 1]))] = 1
        elif action == "delete" and isinstance(container, dict):
            del container[key]
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(_rule()))
def test_quick_never_disagrees_with_the_schema_on_a_rule(rule):
    mine = quick.read_rule(rule)
    if mine is not None:
        _same(mine, _schema_rule(rule))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(_plain_file()))
def test_quick_never_disagrees_with_the_schema_on_a_file(data):
    mine = quick.read_file(data)
    if mine is not None:
        _same(mine, _schema_file(data))


def test_the_generated_files_reach_both_answers():
    """The grammar above is worth something only if quick answers some of its files."""
    seen = {"answered": 0, "refused": 0}

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutated(_plain_file()))
    def tally(data: Any) -> None:
        seen["answered"] += quick.read_file(data) is not None
        seen["refused"] += _schema_file(data) is None

    tally()
    assert seen["answered"] > 30 and seen["refused"] > 30, seen


def test_reading_a_plain_configuration_does_not_load_pydantic(tmp_path):
    """The point of quick: a cold start with a valid file never imports pydantic."""
    config = tmp_path / "pushbridge.yaml"
    billing = {
        key: value for key, value in PLAIN["sources"]["billing"].items() if key != "options"
    }  # stripe takes none
    config.write_text(
        yaml.safe_dump({"application": "ABCDE-12345", "sources": {"billing": billing, "clerk": {"provider": "clerk"}}})
    )
    code = (
        "import sys; from pushbridge.config.loader import load_config; "
        f"config = load_config({str(config)!r}); assert len(config.sources) == 2; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


_KNOWN_KEYS = sorted(
    {f.name for cls in (model.FileSpec, model.SourceSpec, model.Rule, *model.SPECS.values()) for f in fields(cls)}
    | {"version"}
)


def test_every_place_of_a_plain_file_with_every_hostile_value():
    """Exhaustive where the property test samples: each value of PLAIN replaced, and each known
    key added to each mapping, with each hostile value (boundaries included)."""
    variants = 0
    for hostile in [*_HOSTILE, -1, 3600, 1, 65 * "x", "lifecycle", "previous", "other"]:
        for index in range(len(_places(PLAIN))):
            data = copy.deepcopy(PLAIN)
            container, key = _places(data)[index]
            container[key] = copy.deepcopy(hostile)
            variants += 1
            if (mine := quick.read_file(data)) is not None:
                _same(mine, _schema_file(data))
            if isinstance(container, dict):
                for known in _KNOWN_KEYS:
                    data = copy.deepcopy(PLAIN)
                    _places(data)[index][0][known] = copy.deepcopy(hostile)
                    variants += 1
                    if (mine := quick.read_file(data)) is not None:
                        _same(mine, _schema_file(data))
    assert variants > 1000


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="ab.*?[]!-_", min_size=1, max_size=6), min_size=1, max_size=3),
    st.text(alphabet="ab.*?[]!-_\n", max_size=8),
)
def test_a_rule_matches_as_fnmatchcase_does(patterns, event_type):
    import fnmatch

    rule = model.Rule(match=tuple(patterns), delete_user=model.DeleteUserSpec())
    assert rule.matches(event_type) == any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


def test_a_rule_without_patterns_cannot_be_built():
    """Both readers refuse an empty `match`; a Rule built in code must not match everything."""
    with pytest.raises(ValueError, match="at least one event type"):
        model.Rule(match=(), delete_user=model.DeleteUserSpec())


def test_a_path_nested_thousands_deep_is_reported_not_raised():
    deep = "(" * 3000 + "a" + ")" * 3000
    data = {"sources": {"s": {"provider": "stripe", "user_id": {"path": deep}}}}
    assert quick.read_file(data) is None
    with pytest.raises(ConfigError, match="sources.s.user_id: JMESPath expression nested too deeply"):
        config_from_data(data, origin="my.yaml")
