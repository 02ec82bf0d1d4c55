"""Load ``pushbridge.yaml``: validate it, merge each source's preset rules, and report any
mistake with the key that holds it (``sources.stripe.rules.2.post_event.event: ...``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pushbridge.config import built, quick
from pushbridge.config.model import EventNames, Expr, FileSpec, Rule, SourceSpec
from pushbridge.errors import ConfigError
from pushbridge.providers import PROVIDERS, Provider

# When each source's `options:` are validated: at load ("eager": `pushbridge check`, the dev
# server, the tests), or on the source's first use ("on_first_use": the Lambda intakes, whose
# cold start then loads no pydantic for options, and where a bad block fails only its source).
OptionsValidation = Literal["eager", "on_first_use"]


@dataclass(frozen=True)
class Source:
    """A source as the ingest path uses it: provider resolved, presets merged."""

    name: str
    provider: Provider
    application: str | None
    tolerance_seconds: int
    user_id: Expr | None
    hwid: Expr | None
    event_type: Expr | None
    rules: tuple[tuple[str, Rule], ...]  # (stable rule name, rule)
    raw_options: dict[str, Any] = field(default_factory=dict)  # as the user wrote them
    event_names: EventNames = "lifecycle"
    sandbox: bool = False
    reuse_stored_hwid: bool = False
    environment: Expr | None = None  # the provider's environment path, compiled
    origin: str = "pushbridge.yaml"  # the file, for the options' error messages

    @cached_property  # a frozen dataclass without slots: cached in the instance's __dict__
    def options(self) -> Any:
        """The provider's options model, validated on first access; ConfigError (not cached:
        IngestService remembers the failure) if the block is invalid."""
        return _options(self.origin, self.name, self.provider, self.raw_options)


@dataclass(frozen=True)
class Config:
    sources: dict[str, Source]


def load_config(
    path: str | Path, *, default_application: str | None = None, options: OptionsValidation = "eager"
) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
    data = built.read(path, text)  # the build's JSON of this very text (an artifact), if any
    if data is None:
        return parse_config(text, origin=str(path), default_application=default_application, options=options)
    return config_from_data(data, origin=str(path), default_application=default_application, options=options)


def parse_config(
    text: str,
    *,
    origin: str = "pushbridge.yaml",
    default_application: str | None = None,
    options: OptionsValidation = "eager",
) -> Config:
    import yaml  # here, not at the top: a built artifact reads its configuration from JSON

    try:
        # libyaml's parser when PyYAML has it (its wheels do): the same safe constructor, a
        # fraction of the pure-Python parser's time on every cold start.
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise ConfigError(f"{origin}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return config_from_data(raw, origin=origin, default_application=default_application, options=options)


def config_from_data(
    raw: Any, *, origin: str, default_application: str | None = None, options: OptionsValidation = "eager"
) -> Config:
    """The parsed file's data (from YAML, or the build's JSON of it) -> the validated Config."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: expected a mapping with `sources:` at the top")
    parsed = quick.read_file(raw) or _validated_file(raw, origin)

    sources = {}
    for name, source in parsed.sources.items():
        where = f"{origin}: sources.{name}"
        provider = PROVIDERS.get(source.provider)
        if provider is None:
            known = ", ".join(sorted(PROVIDERS))
            raise ConfigError(f"{where}.provider: unknown provider {source.provider!r} (known: {known})")
        application = source.application or parsed.application or default_application
        rules = _merge_rules(where, name, provider, source)
        sources[name] = Source(
            name=name,
            provider=provider,
            application=application,
            tolerance_seconds=source.tolerance_seconds or provider.default_tolerance,
            user_id=source.user_id or _default_path(provider.user_id),
            hwid=source.hwid or _default_path(provider.hwid),
            event_type=source.event_type or _default_path(provider.event_type),
            rules=tuple(rules),
            raw_options=source.options,
            event_names=source.event_names,
            sandbox=source.sandbox,
            reuse_stored_hwid=source.reuse_stored_hwid,
            environment=_default_path(provider.environment),
            origin=origin,
        )
        if options == "eager":
            sources[name].options  # noqa: B018 (validates now; ConfigError names the key)
        if application is None and any(rule.spec.application is None for _, rule in rules):
            raise ConfigError(
                f"{where}: no Pushwoosh application code; set `application:` at the top of the file "
                "or on this source, or the PUSHWOOSH_APPLICATION environment variable"
            )
    return Config(sources=sources)


def _validated_file(raw: dict[str, Any], origin: str) -> FileSpec:
    """What quick.read_file was not sure of: the pydantic schema accepts it or names each mistake."""
    return _by_schema("ConfigFile", raw, origin)


def _validated_rule(raw: Any, origin: str) -> Rule:
    return _by_schema("Rule", raw, origin)  # a preset's: a mistake is a bug in pushbridge


def _by_schema(model: str, raw: Any, origin: str) -> Any:
    from pydantic import ValidationError

    from pushbridge.config import schema

    try:
        return getattr(schema, model).model_validate(raw).to_model()
    except ValidationError as exc:
        raise ConfigError(_describe(origin, _problems(exc))) from None


def _options(origin: str, source_name: str, provider: Provider, options: dict[str, Any]) -> Any:
    block = f"sources.{source_name}.options"
    model = provider.options_model()
    if model is None:
        if options:
            raise _invalid_options(origin, ((block, f"provider {provider.name!r} takes no options"),))
        return None
    from pydantic import ValidationError

    try:
        return model.model_validate(options)
    except ValidationError as exc:
        raise _invalid_options(origin, _problems(exc, key_prefix=f"{block}.")) from None
    except RecursionError:  # a JMESPath option nested thousands deep: pydantic does not wrap it
        raise _invalid_options(origin, ((block, "an expression is nested too deeply"),)) from None


def _invalid_options(origin: str, problems: tuple[tuple[str, str], ...]) -> ConfigError:
    return ConfigError(_describe(origin, problems), problems=problems)


def _merge_rules(where: str, source_name: str, provider: Provider, source: SourceSpec) -> list[tuple[str, Rule]]:
    """Preset rules first, in order; a user rule with a preset's name replaces it in place,
    other user rules follow. Unnamed rules are named by position (name them if you reorder:
    the name is part of each command id, which is what deduplicates redeliveries)."""
    merged: dict[str, Rule] = {}
    if source.preset:
        for index, preset_rule in enumerate(provider.preset):
            rule = quick.read_rule(preset_rule) or _validated_rule(preset_rule, f"preset {provider.name}, rule {index}")
            merged[rule.name or f"{provider.name}-{index}"] = rule
    seen: set[str] = set()
    for index, rule in enumerate(source.rules):
        name = rule.name or f"{source_name}-rule-{index}"
        if name in seen:
            raise ConfigError(f"{where}.rules.{index}.name: duplicate rule name {name!r}")
        seen.add(name)
        merged[name] = rule
    return list(merged.items())


def _default_path(path: str | None) -> Expr | None:
    return Expr.of_path(path) if path else None


def _problems(exc: Any, key_prefix: str = "") -> tuple[tuple[str, str], ...]:
    """A pydantic ValidationError -> (key, message) pairs."""
    return tuple(
        # A model-level validator's error has no field: its key is the options block itself.
        ((key_prefix + ".".join(str(part) for part in error["loc"])).rstrip(".") or "(top level)",
         error["msg"].removeprefix("Value error, "))
        for error in exc.errors(include_url=False)
    )  # fmt: skip


def _describe(origin: str, problems: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{origin}: {key}: {message}" for key, message in problems)
