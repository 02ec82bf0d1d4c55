"""python -m bench [--quick] [--only SECTION ...]: measure, print one table, exit 1 on a miss.

Without --quick every target is strict. With --quick (CI) only counts gate (AWS calls per
webhook, writes per command, connections, MiB): timings are printed, never fail the run."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from bench import cold_start, cost_model, delivery_batch, functions, ingest_path
from bench.report import Row, failed, table

# section -> (what it measures, full settings, --quick settings)
SECTIONS = {
    "cold": (lambda n: cold_start.measure(n), 15, 5),
    "ingest": (lambda n: ingest_path.measure(n), 21, 9),
    "delivery": (lambda n: delivery_batch.measure(n), 15, 5),
    "functions": (lambda n: functions.measure(n, 1000), 7, 3),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds; gate on counts only, print timings")
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="run only these sections")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pushbridge")

    rows: list[Row] = []
    measured = None
    started = time.monotonic()
    for name in args.only or SECTIONS:
        measure, full, quick = SECTIONS[name]
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        result = measure(quick if args.quick else full)
        if isinstance(result, tuple):  # the functions section also feeds the cost model
            result, measured = result
        rows += result

    print(f"\npushbridge bench{' --quick' if args.quick else ''}: Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s; medians, each ratio against a baseline "
          "measured in the same run\n")  # fmt: skip
    print(table(rows, quick=args.quick))
    if measured is not None:
        print("\n" + cost_model.table(measured))
    misses = failed(rows, quick=args.quick)
    if args.quick:
        print("\n--quick: only counts gate; timings are printed (run `make bench` to judge them).")
    for row in rows:
        if row.verdict(quick=args.quick) == "MISS (known)":
            print(f"known miss: {row.what.strip()}: {row.known_miss}")
    if misses:
        print(f"\n{len(misses)} target(s) missed: " + "; ".join(r.what.strip() for r in misses))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
