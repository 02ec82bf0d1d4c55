"""What `sam build` ships: each function's artifact, built by the same script `sam build` runs
(src/Makefile -> scripts/build_function.py, BuildMethod: makefile), holds the runtime package
and its dependencies only, compiled for Python 3.13, and never the dev tools or sample secrets.

Runs without AWS credentials and without Docker; needs Python 3.13 (``PYTHON313``, default
``python3.13``: the bytecode must be the runtime's) and a package index for pip."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# The two dependency sets (requirements/README.md): every function gets one of them.
BUILT = ("IngestFunction", "DeliveryFunction")
SECRET_SHAPED = re.compile(rb"whsec_[A-Za-z0-9+/=]{8,}")
DEV_ONLY = ("pushbridge_dev", "pushbridge/cli", "pushbridge/devtools", "sample_secrets.json")
PROVIDERS_LIBS = ("appstoreserverlibrary", "google/auth", "jwt", "OpenSSL")
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")


# pyenv's shim runs python3.13 only with that version selected; without pyenv it is ignored.
ENV = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.13.0")}


def _python313() -> str:
    python = os.environ.get("PYTHON313", "python3.13")
    found = shutil.which(python) and subprocess.run([python, "--version"], env=ENV, capture_output=True).returncode == 0
    if not found:
        pytest.fail(f"{python} not found: the artifact is compiled for Python 3.13 (PYENV_VERSION=3.13.0 or PYTHON313)")
    return python


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Iterator[dict[str, Path]]:
    python, out = _python313(), tmp_path_factory.mktemp("artifacts")
    built = {}
    for function in BUILT:
        # Exactly what `sam build` runs for the function (its Makefile target), x86_64 wheels
        # so that this machine could import them; the files checked are the same on arm64.
        subprocess.run(
            ["make", "--no-print-directory", "-f", str(ROOT / "src" / "Makefile"), f"build-{function}",
             f"ARTIFACTS_DIR={out / function}", f"PYTHON313={python}", "PLATFORM=manylinux2014_x86_64"],
            check=True, cwd=ROOT / "src", stdout=subprocess.DEVNULL, env=ENV,
        )  # fmt: skip
        built[function] = out / function
    yield built


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_every_function_is_built_by_the_makefile_target():
    resources = load_template()["Resources"]
    functions = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    makefile = (ROOT / "src" / "Makefile").read_text()
    assert functions
    for name in functions:
        assert resources[name].get("Metadata", {}).get("BuildMethod") == "makefile", name
        assert f"build-{name}" in makefile, name


@pytest.mark.parametrize("function", BUILT)
def test_no_dev_only_code_or_sample_secret_reaches_an_artifact(artifacts, function):
    root = artifacts[function]
    assert (root / "pushbridge" / "handlers" / "ingest.py").is_file()  # the build did run
    relative = [p.relative_to(root).as_posix() for p in _files(root)]
    assert [p for p in relative if any(dev in p for dev in DEV_ONLY)] == []
    assert [p for p in relative if p.startswith(("tests/", "bench/", "events/", "scripts/"))] == []
    leaked = [p.relative_to(root).as_posix() for p in _files(root) if SECRET_SHAPED.search(p.read_bytes())]
    assert leaked == []


@pytest.mark.parametrize("function", BUILT)
def test_the_runtime_sdk_is_not_bundled(artifacts, function):
    tops = {p.name for p in artifacts[function].iterdir()}
    assert not tops & set(RUNTIME_PROVIDED)  # the X-Ray SDK's botocore dependency is removed too


def test_delivery_ships_none_of_the_providers_libraries(artifacts):
    tops = [p.relative_to(artifacts["DeliveryFunction"]).as_posix() for p in artifacts["DeliveryFunction"].rglob("*")]
    assert [t for t in tops if t.split("/")[0] in {lib.split("/")[0] for lib in PROVIDERS_LIBS} - {"google"}] == []
    assert not (artifacts["DeliveryFunction"] / "google" / "auth").exists()
    assert (artifacts["IngestFunction"] / "appstoreserverlibrary").is_dir()


@pytest.mark.parametrize("function", BUILT)
def test_every_module_has_bytecode_python_313_uses_without_writing(artifacts, function):
    root = artifacts[function]
    missing, checked = [], []
    for source in root.rglob("*.py"):
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if not pyc.is_file():
            missing.append(source.relative_to(root).as_posix())
            continue
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        if flags != 0b01:  # hash-based, source not checked (PEP 552): valid on a read-only /var/task
            checked.append(source.relative_to(root).as_posix())
    assert missing == []
    assert checked == []


def test_the_configuration_ships_as_json_of_the_copied_yaml(artifacts):
    """The function that reads pushbridge.yaml gets its data as JSON too (its cold start never
    imports PyYAML), made from the very YAML file the build copied; delivery reads no configuration."""
    root = artifacts["IngestFunction"]
    document = json.loads((root / "pushbridge.yaml.json").read_text())
    text = (root / "pushbridge.yaml").read_text(encoding="utf-8")
    assert document["yaml_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert text == (ROOT / "src" / "pushbridge.yaml").read_text(encoding="utf-8")
    assert set(document["data"]["sources"]) >= {"stripe", "apple", "cognito"}
    assert not (artifacts["DeliveryFunction"] / "pushbridge.yaml.json").exists()
    # Loaded by the artifact's own code and packages (bytecode as shipped), as a cold start does.
    script = (
        "import sys; from pushbridge.config.loader import load_config; "
        f"config = load_config({str(root / 'pushbridge.yaml')!r}, default_application='ABCDE-12345'); "
        "print(len(config.sources), sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', '_yaml')))"
    )
    env = {**ENV, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([_python313(), "-s", "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split(" ", 1) == [str(len(document["data"]["sources"])), "[]\n"]
