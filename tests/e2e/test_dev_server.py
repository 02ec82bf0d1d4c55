"""`pushbridge dev` end to end: webhooks signed by the providers' official SDKs over real
HTTP, through the embedded queue, to a local Pushwoosh server (or the dry-run sink)."""

from __future__ import annotations

import json
import time

from tests.support.pushwoosh_server import SUCCESS, Fault
from tests.support.samples import APPLICATION, CLERK_SECRET, PUSHWOOSH_TOKEN, STRIPE_SECRET, payload_bytes
from tests.support.signing import standard_webhook_headers, stripe_headers

HWID = "8f65b16df378e7a6bece9614e1530fb2"
CLERK_USER = "567772"  # the sample's external_id


def _wait_for_calls(pushwoosh, n: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(pushwoosh.calls()) < n:
        time.sleep(0.05)
    return pushwoosh.calls()


def test_signed_webhooks_reach_pushwoosh_exactly(start_dev, pushwoosh):
    dev = start_dev()
    invoice = payload_bytes("stripe", "invoice.paid")
    created, deleted = payload_bytes("clerk", "user.created"), payload_bytes("clerk", "user.deleted")

    assert dev.post("stripe", invoice, stripe_headers(invoice, STRIPE_SECRET))[0] == 202
    assert dev.post("clerk", created, standard_webhook_headers(created, CLERK_SECRET))[0] == 202
    assert dev.post("clerk", deleted, standard_webhook_headers(deleted, CLERK_SECRET, prefix="webhook"))[0] == 202

    calls = _wait_for_calls(pushwoosh, 4)  # InvoicePaid; registerUser + SignUp; deleteUser
    by_path = {c.path: c for c in calls if c.json.get("request", {}).get("event") != "SignUp"}
    assert len(calls) == 4
    assert all(c.headers["Authorization"] == f"Token {PUSHWOOSH_TOKEN}" for c in calls)
    assert by_path["/json/1.3/postEvent"].json["request"]["event"] == "InvoicePaid"
    assert by_path["/json/1.3/registerUser"].json == {
        "request": {"userId": CLERK_USER, "application": APPLICATION, "hwid": HWID}
    }
    assert by_path["/api/v2/device-api/deleteUser"].json == {"application": APPLICATION, "user_id": CLERK_USER}
    paths = [c.path for c in calls]
    assert paths.index("/json/1.3/registerUser") < paths.index("/api/v2/device-api/deleteUser")

    # The console: one line per webhook, one per call.
    dev.wait_for(lambda line: "webhook  stripe  invoice.paid  -> 202 accepted  commands: post_event" in line)
    dev.wait_for(lambda line: f"call     delete_user  user={CLERK_USER}  -> delivered" in line)


def test_dry_run_prints_each_call_it_would_make(start_dev, pushwoosh):
    dev = start_dev(token=False)
    deleted = payload_bytes("clerk", "user.deleted")
    assert dev.post("clerk", deleted, standard_webhook_headers(deleted, CLERK_SECRET))[0] == 202
    line = dev.wait_for(lambda line: line.startswith("DRY-RUN POST "))
    url, body = line.removeprefix("DRY-RUN POST ").split(" ", 1)
    assert url == f"{pushwoosh.url}/api/v2/device-api/deleteUser"
    assert json.loads(body) == {"application": APPLICATION, "user_id": CLERK_USER}
    assert pushwoosh.calls() == []  # nothing was sent


def test_rejections_healthz_and_a_clean_stop(start_dev, pushwoosh):
    dev = start_dev()
    invoice = payload_bytes("stripe", "invoice.paid")
    status, answer = dev.post("stripe", invoice, stripe_headers(invoice, "whsec_wrong"))
    assert (status, answer["reason"]) == (401, "signature_invalid")
    assert dev.post("nosuch", invoice, {})[0] == 404
    health = dev.http.request("GET", f"{dev.url}/healthz")
    assert health.status == 200 and json.loads(health.data)["status"] == "ok"
    assert dev.stop() == 0
    dev.wait_for(lambda line: line.startswith("stopped. 0 command(s) still queued, 0 dead-lettered."))


def test_faults_are_retried_by_the_queue_and_permanent_errors_dead_lettered(start_dev, pushwoosh):
    dev = start_dev("--backoff", "0.2", "--max-receives", "4")
    pushwoosh.script(
        *[Fault(500, {"status_code": 500})] * 3,  # outlasts the client's own retries: back to the queue
        Fault(429, {"message": "slow down"}, headers={"Retry-After": "1"}),
        Fault(200, SUCCESS, delay=1.5),  # past the 1 s read timeout
        Fault(drop=True),
    )
    webhooks = [
        payload_bytes("stripe", n)
        for n in ("invoice.paid", "checkout.session.completed", "customer.subscription.created")
    ]
    for body in webhooks:
        assert dev.post("stripe", body, stripe_headers(body, STRIPE_SECRET))[0] == 202
    dev.wait_for(lambda line: "  retry " in line, timeout=30)

    deadline = time.monotonic() + 30
    wanted = {"InvoicePaid", "CheckoutCompleted", "SubscriptionCreated"}
    while time.monotonic() < deadline and not wanted <= {
        c.json["request"]["event"] for c in pushwoosh.calls() if c.succeeded
    }:
        time.sleep(0.1)

    # A permanent error for a fourth webhook: dead-lettered with the reason, not retried.
    failed = payload_bytes("stripe", "invoice.payment_failed")
    pushwoosh.script(Fault(200, {"status_code": 210, "status_message": "Event PaymentFailed not found"}))
    calls_before = len(pushwoosh.calls())
    assert dev.post("stripe", failed, stripe_headers(failed, STRIPE_SECRET))[0] == 202
    dev.wait_for(lambda line: " dead " in line and "pushwoosh_rejected 210" in line)
    time.sleep(0.5)
    assert len(pushwoosh.calls()) == calls_before + 1

    assert dev.stop() == 0
    dev.wait_for(lambda line: line.startswith("stopped. 0 command(s) still queued, 1 dead-lettered."))
    # Nothing lost, nothing doubled: each of the three got exactly one prompt success,
    # whatever faults its earlier attempts met.
    events = [c.json["request"]["event"] for c in pushwoosh.calls() if c.succeeded]
    assert sorted(events) == ["CheckoutCompleted", "InvoicePaid", "SubscriptionCreated"]
    assert sum(1 for c in pushwoosh.calls() if not c.succeeded) == 7  # every scripted fault, the 210 too


def test_lists_only_routes_it_can_take_and_prints_commands_that_run(start_dev):
    dev = start_dev()
    dev.wait_for(lambda line: line == "Ctrl-C stops.")
    routes = [line.strip() for line in dev.lines if line.strip().startswith("POST ")]
    assert routes and not any("/webhooks/cognito" in r for r in routes)  # a trigger, not a route
    for source in ("apple", "googleplay", "kinde"):
        (route,) = [r for r in routes if r.split()[1].endswith(f"/webhooks/{source}")]
        assert f"not sendable locally: {source} signs with its own private key" in route
    # Run as `python -m pushbridge_dev.cli`, so the hint names the command on PATH.
    assert any(line.strip().startswith("pushbridge sign stripe ") for line in dev.lines)


def test_trace_local_reads_the_dev_servers_log_for_an_event_and_for_a_user(start_dev, pushwoosh, capsys):
    from pushbridge_dev.cli import main

    dev = start_dev()
    invoice = payload_bytes("stripe", "invoice.paid")
    assert dev.post("stripe", invoice, stripe_headers(invoice, STRIPE_SECRET))[0] == 202
    assert len(_wait_for_calls(pushwoosh, 1)) == 1
    deadline = time.monotonic() + 20  # the delivery's log line follows Pushwoosh's answer
    while time.monotonic() < deadline and '"command_id"' not in dev.log_path.read_text():
        time.sleep(0.05)

    assert main(["trace", "evt_1QCsM9JqVb3uS0kRinvPaid01", "--local", str(dev.log_path)]) == 0
    by_event = capsys.readouterr().out
    lines = by_event.splitlines()
    assert lines[0] == "evt_1QCsM9JqVb3uS0kRinvPaid01  stripe  invoice.paid"
    assert "ingest    received, verified" in lines[1] and "1 command(s) queued" in lines[1]
    assert any(" delivery  post_event  command " in line and "-> delivered" in line for line in lines)
    assert lines[-1] == "  => 1 delivered, 0 parked, 0 still being retried"

    assert main(["trace", "user_3078a", "--local", str(dev.log_path)]) == 0  # through its hash
    by_user = capsys.readouterr().out
    assert "user a10fc1dd5bfcd286  <-" in by_user  # the user's command is marked
    assert by_user.replace("  <-", "") == by_event
    assert "user_3078a" not in dev.log_path.read_text()  # the raw user id is never logged


def test_a_request_for_another_host_is_refused_dns_rebinding(start_dev, pushwoosh):
    """A page on evil.example that re-points its name at 127.0.0.1 reaches `pushbridge dev` from
    the browser, but its requests say `Host: evil.example`: refused before anything runs."""
    dev = start_dev()
    invoice = payload_bytes("stripe", "invoice.paid")
    port = dev.url.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", ""):
        headers = {**stripe_headers(invoice, STRIPE_SECRET), "Host": host}
        status, answer = dev.post("stripe", invoice, headers)
        assert (status, answer["reason"]) == (421, "host_not_allowed"), host
        health = dev.http.request("GET", f"{dev.url}/healthz", headers={"Host": host}, retries=False)
        assert health.status == 421
    assert pushwoosh.calls() == []
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):  # what a browser or curl on this machine sends
        assert dev.post("stripe", invoice, {**stripe_headers(invoice, STRIPE_SECRET), "Host": host})[0] == 202


def test_an_http_pushwoosh_url_that_is_not_loopback_is_refused():
    """The token would cross the network in clear: `pushbridge dev` does not start."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PUSHWOOSH_API_URL": "http://api.pushwoosh.com", "PUSHWOOSH_API_TOKEN": PUSHWOOSH_TOKEN}
    done = subprocess.run([sys.executable, "-m", "pushbridge_dev.cli", "dev", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0
    assert "must be an https:// URL" in done.stderr
