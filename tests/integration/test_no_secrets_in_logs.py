"""Every log line of a whole flow (accepted, rejected, retried, parked, token rotated) is
captured and searched for what must never be logged."""

from __future__ import annotations

import base64
import json

from tests.support.pushwoosh_server import Fault
from tests.support.samples import CLERK_SECRET, PUSHWOOSH_TOKEN, STRIPE_SECRET, payload_bytes
from tests.support.signing import standard_webhook_headers, stripe_headers


def test_no_secret_token_signature_email_or_payload_in_any_log_line(stack, pushwoosh, capsys, log_lines):
    forbidden: set[str] = {
        STRIPE_SECRET,
        CLERK_SECRET,
        CLERK_SECRET.removeprefix("whsec_"),
        base64.b64decode(CLERK_SECRET.removeprefix("whsec_")).decode(),
        PUSHWOOSH_TOKEN,
        "pw-token-ROTATED",
        # personal data in the sample payloads
        "jenny.rosen@example.com",
        "example@example.org",
        "user_3078a",
        "user_29w83sxmDNGwOuEthce5gg56FcC",
        "Jenny Rosen",
        # distinctive pieces of whole payloads
        "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ",
        "customer_details",
        "unsafe_metadata",
    }

    def remember_signatures(headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if "signature" in name.lower():
                forbidden.add(value)
                # each signature alone, not the t= timestamp beside it
                parts = (p.split("=", 1)[-1] for p in value.replace(" ", ",").split(",") if not p.startswith("t="))
                forbidden.update(p for p in parts if not p.isdigit())
        return headers

    invoice = payload_bytes("stripe", "invoice.paid")
    checkout = payload_bytes("stripe", "checkout.session.completed")
    created = payload_bytes("clerk", "user.created")
    deleted = payload_bytes("clerk", "user.deleted")

    assert stack.post("stripe", invoice, remember_signatures(stripe_headers(invoice, STRIPE_SECRET)))[0] == 202
    assert stack.post("stripe", checkout, remember_signatures(stripe_headers(checkout, STRIPE_SECRET)))[0] == 202
    assert stack.post("clerk", created, remember_signatures(standard_webhook_headers(created, CLERK_SECRET)))[0] == 202
    assert stack.post("clerk", deleted, remember_signatures(standard_webhook_headers(deleted, CLERK_SECRET)))[0] == 202
    assert stack.post("stripe", invoice, remember_signatures(stripe_headers(invoice, "whsec_wrong")))[0] == 401
    assert (
        stack.post(
            "clerk", b"{}", remember_signatures({"svix-id": "x", "svix-timestamp": "1", "svix-signature": "v1,QUJD"})
        )[0]
        == 401
    )
    assert stack.post("stripe", b"not json", remember_signatures(stripe_headers(b"not json", STRIPE_SECRET)))[0] == 400

    stack.set_pushwoosh_token("pw-token-ROTATED")
    pushwoosh.script(
        Fault(401, {"message": "Unauthorized"}),
        Fault(500, {"status_code": 500}),
        Fault(200, {"status_code": 210, "status_message": "Event not found"}),
    )
    stack.drain()
    assert len(stack.dead_letters()) == 1

    out, err = capsys.readouterr()  # EMF metrics are printed, not logged
    logged = "\n".join(log_lines) + out + err
    messages = [json.loads(line)["message"] for line in log_lines if line.startswith("{")]
    assert len(messages) > 10, "the flow should have logged plenty"
    assert {"webhook", "Pushwoosh refused the command; parked in the DLQ"} <= set(messages)
    leaks = sorted(f for f in forbidden if len(f) >= 6 and f in logged)
    assert leaks == []


def test_the_log_scan_finds_nothing_with_debug_switches_on():
    """POWERTOOLS_LOGGER_LOG_EVENT=true and DEBUG everywhere (Powertools and the root logger, as
    ApplicationLogLevel DEBUG sets it): the flows that touch every secret, header and payload
    run again in a fresh interpreter (the switches are read at import) and the session's log
    scan must still find nothing: no raw event, no header value, no Secrets Manager answer."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = [
        "tests/integration/test_no_secrets_in_logs.py::test_no_secret_token_signature_email_or_payload_in_any_log_line",
        "tests/integration/test_flow.py",
        "tests/integration/test_intakes.py",
        "tests/integration/test_delivery_outcomes.py",
        "tests/integration/test_token_providers.py",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *modules],
        cwd=root, env=os.environ | {"PUSHBRIDGE_TEST_LOUD_LOGS": "1"}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    assert "payload markers looked for: 0 found" in summary, summary
    assert "LEAK" not in summary
