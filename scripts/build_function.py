"""Build one Lambda function's artifact: the runtime package, the dependencies that function
imports, and compiled bytecode Python 3.13 uses as it is on a read-only /var/task.

    python3.13 scripts/build_function.py FUNCTION OUT_DIR [--platform manylinux2014_aarch64]

`sam build` runs it through src/Makefile (BuildMethod: makefile), so a plain `sam build` works
without Docker: pip installs binary wheels for the Lambda platform (`--platform ...
--only-binary=:all:`), never compiling anything for this machine.

- Only ``src/pushbridge/`` and ``src/pushbridge.yaml`` are copied: the CLI, the dev server and
  their samples live in ``src/pushbridge_dev/`` and never reach an artifact.
- boto3, botocore and s3transfer (and their python-dateutil and six) are removed after pip (the X-Ray SDK depends on botocore and
  would bring it back): the python3.13 runtime provides them (requirements/README.md).
- ``pushbridge.yaml.json``: the configuration's data, parsed from the copied ``pushbridge.yaml``
  by the artifact's own PyYAML (pushbridge/config/built.py), so that a cold start reads JSON and
  never imports PyYAML. It records the YAML's hash: a YAML it does not match is read as YAML.
- ``compileall --invalidation-mode unchecked-hash``: the interpreter loads these .pyc files
  without looking at the source's mtime or hash. Timestamp pycs would be valid too, but zip
  extraction and `sam build` copies do not preserve mtimes reliably, and a timestamp mismatch on
  a read-only file system means recompiling on every cold start; checked-hash costs a hash of
  every source file at import. Nothing edits the sources in /var/task, so unchecked is safe.
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
REQUIREMENTS = ROOT / "requirements"
# Function (logical id) -> its requirements file.
FUNCTIONS = {
    "IngestFunction": "intake.txt",
    "CognitoTriggerFunction": "intake.txt",
    "EventBridgeFunction": "intake.txt",
    "DeliveryFunction": "delivery.txt",
}
# Provided by the Lambda runtime (and pinned for dev/CI to its version: requirements/runtime.txt).
# Their own dependencies python-dateutil and six are there too.
RUNTIME_PROVIDED = {
    "boto3": ("boto3",),
    "botocore": ("botocore",),
    "s3transfer": ("s3transfer",),
    "python_dateutil": ("dateutil",),
    "six": ("six.py",),
}
# Never shipped: what neither the runtime nor our code imports at run time.
DROP = ("bin",)
PYTHON_VERSION = "3.13"


def install(function: str, out: Path, platform: str) -> None:
    requirements = REQUIREMENTS / FUNCTIONS[function]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(out), "--platform", platform, "--only-binary=:all:", "--python-version", PYTHON_VERSION,
         "--implementation", "cp", "-r", str(requirements)],
        check=True,
    )  # fmt: skip
    for dist, modules in RUNTIME_PROVIDED.items():
        for path in [*(out / m for m in modules), *out.glob(f"{dist}-*.dist-info")]:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    for name in DROP:
        shutil.rmtree(out / name, ignore_errors=True)


def copy_runtime_package(out: Path) -> None:
    shutil.copytree(SRC / "pushbridge", out / "pushbridge", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(SRC / "pushbridge.yaml", out / "pushbridge.yaml")


# Run by the artifact's Python packages (its PyYAML, pure Python if its wheel is another
# platform's), with nothing of this machine's site-packages and no bytecode written.
_WRITE_CONFIG_DATA = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from pushbridge.config.built import write_beside
write_beside(Path(sys.argv[1]) / "pushbridge.yaml")
"""


def write_config_data(out: Path) -> None:
    """Only for the functions that read the configuration: they are the ones shipping PyYAML."""
    if (out / "yaml").is_dir():
        subprocess.run([sys.executable, "-B", "-s", "-c", _WRITE_CONFIG_DATA, str(out)], check=True)


def compile_all(out: Path) -> None:
    ok = compileall.compile_dir(
        str(out), quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        ddir="/var/task",
    )  # fmt: skip
    if not ok:
        raise SystemExit("compileall failed")


def build(function: str, out: Path, platform: str) -> None:
    # Checked first, not after every wheel is downloaded: the bytecode is per Python version.
    if sys.version_info[:2] != tuple(int(p) for p in PYTHON_VERSION.split(".")):
        raise SystemExit(f"compile with Python {PYTHON_VERSION} (the runtime's): bytecode is per version")
    out.mkdir(parents=True, exist_ok=True)
    install(function, out, platform)
    copy_runtime_package(out)
    write_config_data(out)
    compile_all(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function", choices=sorted(FUNCTIONS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--platform", default="manylinux2014_aarch64")
    args = parser.parse_args(argv)
    build(args.function, args.out, args.platform)
    return 0


if __name__ == "__main__":
    sys.exit(main())
