import argparse
import os
import sys

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")

from tests.soak.run import run_soak  # noqa: E402

parser = argparse.ArgumentParser(prog="python -m tests.soak", description="pushbridge fault soak")
parser.add_argument("--webhooks", type=int, default=2000)
parser.add_argument("--fault-rate", type=float, default=0.3)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()
result = run_soak(args.webhooks, fault_rate=args.fault_rate, seed=args.seed)
print(result.table())
for line in result.rejected[:10]:
    print("rejected:", line)
for line in result.violations[:5]:
    print("order:", line)
sys.exit(0 if result.lost == result.duplicated == result.order_violations == 0 and not result.rejected else 1)
