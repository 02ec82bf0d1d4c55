"""Issue 11, item 8, through the real handlers: URLs that carry credentials or decide what is
verified refuse http://, and Pushwoosh's own error text never reaches logs or dead letters
verbatim."""

from __future__ import annotations

import pytest

from pushbridge.config.loader import ConfigError, parse_config
from pushbridge.handlers import delivery as delivery_handler
from pushbridge.settings import SettingsError
from tests.support.samples import STRIPE_SECRET, payload_bytes
from tests.support.signing import stripe_headers

NOW = 1_750_000_000


def test_the_delivery_function_refuses_an_http_pushwoosh_url(stack, pushwoosh, monkeypatch):
    stack.freeze_ingest_clock(NOW)
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))[0] == 202
    monkeypatch.setenv("PUSHWOOSH_API_URL", "http://api.pushwoosh.com")  # the token would travel in clear
    delivery_handler.use(None)
    with pytest.raises(SettingsError, match=r"PUSHWOOSH_API_URL .* must be an https:// URL"):
        stack.deliver_once()
    assert pushwoosh.calls() == []
    assert stack.queued() == 1  # nothing lost: delivered once the setting is fixed


@pytest.mark.parametrize(
    "url", ["https://api.pushwoosh.com", "http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:1"]
)
def test_https_or_loopback_pushwoosh_urls_are_accepted(url):
    from pushbridge.settings import DeliverySettings

    env = {"DLQ_URL": "q", "IDEMPOTENCY_TABLE": "t", "PUSHWOOSH_SECRET_ID": "s", "PUSHWOOSH_API_URL": url}
    assert DeliverySettings.from_env(env).pushwoosh_api_url == url


@pytest.mark.parametrize("option", ["certs_url", "api_url"])
@pytest.mark.parametrize("url", ["http://www.googleapis.com/oauth2/v1/certs", "http://127.0.0.1.nip.io/x", "ftp://x/y"])
def test_google_play_urls_must_be_https(option, url):
    text = f"""
application: A
sources:
  googleplay:
    provider: googleplay
    options: {{audience: "https://x.example/webhooks/googleplay", service_account_email: "a@b.iam.gserviceaccount.com", {option}: "{url}"}}
"""
    with pytest.raises(ConfigError, match=f"options.{option} must be an https:// URL"):
        parse_config(text)


def test_pushwoosh_error_text_is_cut_and_stripped_in_logs_and_dead_letters(stack, pushwoosh, log_lines):
    """Another system's text: newlines and ANSI escapes would forge log lines and terminal
    output, and its length is unbounded. Only a short printable hint is kept."""
    from tests.support.pushwoosh_server import Fault

    stack.freeze_ingest_clock(NOW)
    body = payload_bytes("stripe", "invoice.paid")
    assert stack.post("stripe", body, stripe_headers(body, STRIPE_SECRET, timestamp=NOW))[0] == 202
    hostile = 'Event not found\n{"level":"INFO","message":"forged"}\x1b[2J\r' + "x" * 5000
    pushwoosh.script(Fault(200, {"status_code": 210, "status_message": hostile}))
    stack.drain()
    [parked] = stack.dead_letters()
    detail = parked["MessageAttributes"]["pushbridge-detail"]["StringValue"]
    assert "Event not found" in detail
    assert len(detail) <= 160
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in detail)
    logged = [line for line in log_lines if "Event not found" in line]  # JSON: escapes would show as \n, \u001b
    assert logged and all("\\n" not in line and "\\u001b" not in line and "x" * 200 not in line for line in logged)
