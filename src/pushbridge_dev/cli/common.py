"""What the subcommands share: finding and loading the configuration."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pushbridge.config.loader import Config, ConfigError, load_config

# Shown, not sent anywhere: only a real Pushwoosh call needs a real application code.
PLACEHOLDER_APPLICATION = "XXXXX-XXXXX"


def default_config_path() -> Path:
    local = Path("src/pushbridge.yaml")
    if local.exists():
        return local
    return Path(__file__).resolve().parents[2] / "pushbridge.yaml"


def add_config_argument(parser: argparse.ArgumentParser, *, positional: bool = False) -> None:
    help_text = "sources-and-rules file (default: src/pushbridge.yaml)"
    if positional:
        parser.add_argument("config", nargs="?", type=Path, default=None, help=help_text)
    else:
        parser.add_argument("--config", type=Path, default=None, help=help_text)


def load(path: Path | None) -> tuple[Config, Path]:
    path = path or default_config_path()
    application = os.environ.get("PUSHWOOSH_APPLICATION") or PLACEHOLDER_APPLICATION
    return load_config(path, default_application=application), path


def fail(message: str, code: int = 2) -> int:
    print(f"pushbridge: {message}", file=sys.stderr)
    return code


__all__ = ["ConfigError", "add_config_argument", "fail", "load"]
