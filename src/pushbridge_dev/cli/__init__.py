"""The ``pushbridge`` command: check the configuration, sign sample webhooks, run locally, and look
at a deployed stack (dead letters, a webhook's trace, status)."""

from __future__ import annotations

import argparse
import sys

from pushbridge_dev.cli import check, dev, dlq, sign, status, trace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pushbridge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (dev, check, sign, dlq, trace, status):
        module.register(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pushbridge check | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
