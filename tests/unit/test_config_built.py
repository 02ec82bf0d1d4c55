"""The configuration's data written by the build (pushbridge.yaml.json, config/built.py): the
loader uses it only for the very YAML text it came from, and the data is what the YAML says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pushbridge.config import built
from pushbridge.config.loader import ConfigError, load_config

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "pushbridge.yaml"
SMALL = "application: FILE-00001\nsources:\n  stripe:\n    provider: stripe\n"


def _shipped_copy(tmp_path: Path) -> Path:
    path = tmp_path / "pushbridge.yaml"
    shutil.copy2(SHIPPED, path)
    return path


def test_the_built_data_loads_the_same_configuration_as_the_yaml(tmp_path):
    path = _shipped_copy(tmp_path)
    from_yaml = load_config(path, default_application="ABCDE-12345")
    assert built.write_beside(path)
    assert built.read(path, path.read_text(encoding="utf-8")) is not None
    assert load_config(path, default_application="ABCDE-12345") == from_yaml


def test_the_loader_reads_the_built_data_of_a_matching_yaml(tmp_path):
    path = tmp_path / "pushbridge.yaml"
    path.write_text(SMALL)
    assert built.write_beside(path)
    # The same hash over other data: were the JSON ignored, the application would be the YAML's.
    document = json.loads(built.path_for(path).read_text())
    document["data"]["application"] = "JSON-00002"
    built.path_for(path).write_text(json.dumps(document))
    assert load_config(path).sources["stripe"].application == "JSON-00002"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_text(SMALL.replace("FILE-00001", "EDIT-00003")),  # the YAML edited after the build
        lambda path: built.path_for(path).write_text("{not json"),
        lambda path: built.path_for(path).write_text('["a list"]'),
        lambda path: built.path_for(path).unlink(),
    ],
    ids=["yaml-edited", "garbage", "not-a-document", "absent"],
)
def test_otherwise_the_yaml_wins(tmp_path, spoil):
    path = tmp_path / "pushbridge.yaml"
    path.write_text(SMALL)
    assert built.write_beside(path)
    spoil(path)
    expected = "EDIT-00003" if "EDIT" in path.read_text() else "FILE-00001"
    assert load_config(path).sources["stripe"].application == expected


@pytest.mark.parametrize(
    "text",
    [
        "sources: [\n",  # not YAML: the runtime reports it, with its line
        "application: X\nsources:\n  1: {provider: stripe}\n",  # an int key would come back a string
        "application: X\nwhen: 2026-01-02\nsources: {}\n",  # a date is not JSON
        "application: X\nratio: .nan\nsources: {}\n",
    ],
    ids=["bad-yaml", "int-key", "date", "nan"],
)
def test_nothing_is_written_for_what_json_cannot_say_exactly(tmp_path, text):
    path = tmp_path / "pushbridge.yaml"
    path.write_text(text)
    assert built.write_beside(path) is False
    assert not built.path_for(path).exists()
    with pytest.raises(ConfigError):  # and the loader still says what is wrong, from the YAML
        load_config(path)
