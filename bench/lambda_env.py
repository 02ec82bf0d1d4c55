"""The environment a deployed function sees, for the measurements that start a process:
Lambda's own variables, the template's, and local stand-ins for the AWS resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support.template import load_template

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# What the Lambda service sets (and what makes Powertools and the X-Ray SDK behave as they do
# in Lambda: the tracer is on, the X-Ray recorder uses its Lambda context).
LAMBDA = {
    "LAMBDA_TASK_ROOT": str(SRC),
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "_X_AMZN_TRACE_ID": "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
}
# What every function gets from template.yaml (Globals.Function.Environment).
GLOBALS: dict[str, str] = load_template()["Globals"]["Function"]["Environment"]["Variables"]


def lambda_environment(function: str, memory_mb: int, **variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))}
    env |= LAMBDA | GLOBALS
    env["AWS_LAMBDA_FUNCTION_NAME"] = f"pushbridge-{function}"
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(memory_mb)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # as in the read-only /var/task (bytecode is shipped)
    env.update(variables)
    return env


PYTHON = sys.executable
