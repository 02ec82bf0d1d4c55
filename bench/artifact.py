"""Cold start as shipped: import + first event run from a `sam build` artifact (an x86_64 twin
build of template.yaml: this machine cannot import arm64 wheels) with Python 3.13, the runtime's
boto3 beside it (compiled, as /var/runtime has it), PYTHONDONTWRITEBYTECODE=1, against the same
process doing only "import boto3 + client + the one AWS call the function must make": for ingest
a one-entry SendMessageBatch, for delivery the idempotency write, a DynamoDB PutItem (DECISIONS
"Baselines").

    python -m bench.artifact BUILD_DIR RUNTIME_DIR [ROUNDS [OTHER_BUILD_DIR]]

BUILD_DIR holds IngestFunction/ and DeliveryFunction/ (sam build --build-dir). RUNTIME_DIR holds
boto3/botocore compiled for 3.13 (pip install --target, then compileall). `make bench` (the
"artifact" section) builds both itself: build_and_measure(). OTHER_BUILD_DIR (e.g. main's build)
is measured in the same rounds, interleaved, against the same baselines: on a shared machine the
baseline moves between runs by more than a change moves the ratio, so a before/after read from
two runs says little."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.function_run import BASELINE_CALL
from bench.functions import local_world, memory_mb
from bench.lambda_env import ROOT, SRC
from bench.report import Row, ms
from bench.workload import command_batches, webhooks

PYTHON313 = os.environ.get("PYTHON313", "python3.13")
FULL_CORE_MB = 1769


def _run(mode: str, function: str, event: Path, env: dict[str, str]) -> dict:
    out = subprocess.run([PYTHON313, "-m", "bench.function_run", mode, function, str(event)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)  # fmt: skip
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH-RESULT "))
    result = json.loads(line.removeprefix("BENCH-RESULT "))
    if function == "cognito":  # the trigger answers the same whether it queued or not
        result["ok"] = result["ok"] and '"status":202,"outcome":"accepted"' in out.stdout
    return result


def measure(build: Path, runtime: Path, rounds: int, other: Path | None = None) -> list[Row]:
    builds = {"": build} | ({f" {other}": other} if other is not None else {})
    subjects = [(f"{kind}{label}", label, function, event, "first") for label in builds
                for kind, function, event in (("ingest", "IngestFunction", "webhook.json"),
                                              ("delivery", "DeliveryFunction", "batch.json"),
                                              # CognitoTriggerFunction's artifact is IngestFunction's
                                              # (same package, same requirements: intake.txt).
                                              ("cognito", "IngestFunction", "cognito.json"))]  # fmt: skip
    subjects += [("sdk ingest", "", "IngestFunction", "-", "sdk"), ("sdk delivery", "", "DeliveryFunction", "-", "sdk")]
    times: dict[str, list[float]] = {name: [] for name, *_ in subjects}
    with tempfile.TemporaryDirectory() as scratch, local_world() as world:
        tasks = {label: Path(scratch) / f"task{n}" for n, label in enumerate(builds)}
        for label, source in builds.items():
            for function in ("IngestFunction", "DeliveryFunction"):
                shutil.copytree(source / function, tasks[label] / function)
        for n in range(rounds + 1):
            _, _, webhook = next(webhooks(1))
            (Path(scratch) / "webhook.json").write_text(json.dumps(webhook))
            (Path(scratch) / "batch.json").write_text(json.dumps(next(command_batches(1, tag=f"art{n}-"))))
            (Path(scratch) / "cognito.json").write_text(json.dumps(_cognito_event(n)))
            for name, label, function, event, mode in subjects if n % 2 else reversed(subjects):
                kind = name.removeprefix("sdk ").removesuffix(label)
                env = world.env("delivery" if kind == "delivery" else "ingest")
                task = tasks[label] / function
                env |= {"LAMBDA_TASK_ROOT": str(task), "PYTHONDONTWRITEBYTECODE": "1",
                        "PYTHONPATH": os.pathsep.join([str(task), str(runtime), str(SRC), str(ROOT)])}  # fmt: skip
                result = _run(mode, kind, Path(scratch) / event, env)
                if not result["ok"]:
                    raise RuntimeError(f"{name}: first event not handled")
                if n:
                    times[name].append(result["first"] + result.get("import", 0.0))
    rows = []
    for name, memory in (("ingest", memory_mb("IngestFunction")), ("delivery", memory_mb("DeliveryFunction"))):
        call = BASELINE_CALL[name]
        median, sdk = statistics.median(times[name]), statistics.median(times[f"sdk {name}"])
        share = memory / FULL_CORE_MB
        rows.append(Row(f"cold start from the artifact, Python 3.13: import + first event ({name})", ms(median),
                        f"boto3 + client + 1 {call}: {ms(sdk)}", round(median / sdk, 2), 1.5))  # fmt: skip
        rows.append(Row(f"  at {memory} MB (CPU share {share:.0%}), modelled", ms(median / share), "Okta 3 s"
                        if name == "ingest" else "no caller waits"))  # fmt: skip
        if name == "ingest":  # the Cognito trigger: Cognito fails the sign-up after 5 s
            cognito = statistics.median(times["cognito"])
            rows.append(Row("cold start from the artifact: import + first PostConfirmation (Cognito trigger)",
                            ms(cognito), f"boto3 + client + 1 {call}: {ms(sdk)}", round(cognito / sdk, 2)))  # fmt: skip
            cognito_mb = memory_mb("CognitoTriggerFunction")
            rows.append(Row(f"  at {cognito_mb} MB (CPU share {cognito_mb / FULL_CORE_MB:.0%}), modelled",
                            ms(cognito / (cognito_mb / FULL_CORE_MB)), "Cognito waits 5 s"))  # fmt: skip
        for label in list(builds)[1:]:
            median = statistics.median(times[f"{name}{label}"])
            rows.append(Row(f"  the same, build{label}", ms(median), f"the same baseline: {ms(sdk)}",
                            round(median / sdk, 2)))  # fmt: skip
    return rows


def _cognito_event(n: int) -> dict:
    """Cognito's PostConfirmation sample (events/payloads/cognito), a new user each round."""
    from tests.support.samples import payload

    event = payload("cognito", "PostConfirmation_ConfirmSignUp")
    event["userName"] = f"bench-user-{n}"
    event["request"]["userAttributes"]["sub"] = f"00000000-0000-4000-8000-{n:012d}"
    return event


CACHE = ROOT / ".bench-cache"
RUNTIME_EXTRAS = ["jmespath==1.1.0", "python-dateutil==2.9.0.post0", "six==1.17.0", "urllib3==2.8.0"]


def build_and_measure(rounds: int) -> list[Row]:
    """Build the x86_64 twin of both artifacts (scripts/build_function.py, what `sam build` runs)
    and the runtime's SDK (requirements/runtime.txt, compiled), then measure. Skipped, with a
    row saying so, where Python 3.13 is not installed."""
    probe = subprocess.run([PYTHON313, "-c", "import sys; assert sys.version_info[:2] == (3, 13)"],
                           capture_output=True) if shutil.which(PYTHON313) else None  # fmt: skip
    if probe is None or probe.returncode:
        return [Row("cold start from the artifact: skipped", f"{PYTHON313} is not Python 3.13 (set PYTHON313=...)")]
    build, runtime = CACHE / "build", CACHE / "runtime"
    shutil.rmtree(build, ignore_errors=True)
    for function in ("IngestFunction", "DeliveryFunction"):
        subprocess.run([PYTHON313, str(ROOT / "scripts" / "build_function.py"), function, str(build / function),
                        "--platform", "manylinux2014_x86_64"], check=True, capture_output=True)  # fmt: skip
    if not (runtime / "boto3").is_dir():
        pip = [PYTHON313, "-m", "pip", "install", "--quiet", "--target", str(runtime)]
        # The locked SDK with its hashes, then what the runtime ships beside it (unlocked).
        subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(ROOT / "requirements" / "runtime.txt")],
                       check=True)  # fmt: skip
        subprocess.run([*pip, "--no-deps", *RUNTIME_EXTRAS], check=True)
        subprocess.run([PYTHON313, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(runtime)],
                       check=True)  # fmt: skip
    return measure(build, runtime, rounds)


if __name__ == "__main__":
    from bench.report import table

    build_dir, runtime_dir, *rest = sys.argv[1:]
    rounds, other = int(rest[0]) if rest else 5, Path(rest[1]) if len(rest) > 1 else None
    print(table(measure(Path(build_dir), Path(runtime_dir), rounds, other), quick=False))
