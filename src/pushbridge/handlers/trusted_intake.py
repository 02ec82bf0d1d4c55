"""The ingest service for intakes from inside the AWS account (EventBridge, Cognito triggers):
the same configuration, rules and queue as the webhook path, and nothing to verify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pushbridge.domain.ingest import IngestService


def build_trusted_ingest(*, sqs_client: Any = None, queue: Any = None) -> IngestService:
    from pushbridge.adapters.command_queue import SqsCommandQueue
    from pushbridge.adapters.secrets import StaticJson
    from pushbridge.config.loader import load_config
    from pushbridge.config.placeholders import unusable_sources
    from pushbridge.domain.ingest import IngestService
    from pushbridge.settings import TriggerSettings

    settings = TriggerSettings.from_env()
    config = load_config(  # options validated per source on first use, as in handlers/ingest.py
        settings.pushbridge_config, default_application=settings.pushwoosh_application, options="on_first_use"
    )
    return IngestService(
        config,
        StaticJson({}),  # no signing secrets: nothing here arrives over the internet
        queue if queue is not None else SqsCommandQueue(settings.queue_url, client=sqs_client),
        unusable=unusable_sources(config),
    )
