"""What the subcommands share: finding and loading the configuration."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tomllib
from pathlib import Path

from pushbridge.config.loader import Config, ConfigError, Source, load_config
from pushbridge.config.placeholders import PLACEHOLDER_APPLICATION  # shown locally, sent nowhere


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
    application = deployed_application(path) or PLACEHOLDER_APPLICATION
    return load_config(path, default_application=application), path


def command_name() -> str:
    """How to run ``pushbridge`` again from here, as typed: ``pushbridge`` when that is the one
    on PATH, else the path that ran this one (``.venv/bin/pushbridge`` after ``make dev``)."""
    import shutil

    invoked = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if invoked is None or invoked.name != "pushbridge":
        return "pushbridge"
    on_path = shutil.which("pushbridge")
    if on_path and Path(on_path).resolve() == invoked.resolve():
        return "pushbridge"
    try:
        return str(invoked.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(invoked)


def reachability(source: Source) -> str | None:
    """Why a source cannot be sent to locally, or None when `pushbridge sign --send` can."""
    if not source.provider.http:
        return "not a webhook: Amazon Cognito calls the CognitoTriggerFunction directly"
    if source.provider.sign is None:
        return f"not sendable locally: {source.provider.name} signs with its own private key"


def deployed_application(config_path: Path) -> str | None:
    """The application the deployed functions will get for sources without their own: the
    PUSHWOOSH_APPLICATION environment variable, else the PushwooshApplication parameter in
    samconfig.toml (what `sam deploy --guided` saved)."""
    return os.environ.get("PUSHWOOSH_APPLICATION") or samconfig_parameter("PushwooshApplication", config_path)


def samconfig_parameter(name: str, config_path: Path) -> str | None:
    for candidate in (Path("samconfig.toml"), config_path.resolve().parent.parent / "samconfig.toml"):
        try:
            document = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        overrides = document.get("default", {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
        items = overrides if isinstance(overrides, list) else shlex.split(str(overrides))
        for item in items:
            key, sep, value = str(item).partition("=")
            if sep and key.strip() == name:
                return value.strip().strip('"') or None
        return None
    return None


def fail(message: str, code: int = 2) -> int:
    print(f"pushbridge: {message}", file=sys.stderr)
    return code


__all__ = ["ConfigError", "add_config_argument", "fail", "load"]
