"""The auth presets through the real handlers, for each defect issue 10 found: a failed or
unknown-user sign-in is not a Login, a Clerk sign-up without an hwid is still a SignUp, and an
hwid the end user can write never reaches registerUser."""

from __future__ import annotations

import copy
import json

import pytest

from tests.support.samples import APPLICATION, CLERK_SECRET, OKTA_AUTH, payload
from tests.support.signing import standard_webhook_headers

HWID = "8f65b16df378e7a6bece9614e1530fb2"


def _okta(stack, envelope):
    body = json.dumps(envelope).encode()
    return stack.post("okta", body, {"Authorization": OKTA_AUTH})


@pytest.mark.parametrize("result", ["FAILURE", "DENY", "CHALLENGE", "UNKNOWN", "SKIPPED"])
def test_an_okta_sign_in_that_did_not_succeed_is_not_a_login(stack, pushwoosh, result):
    envelope = payload("okta", "user.session.start.failure")
    envelope["data"]["events"][0]["outcome"]["result"] = result
    status, answer = _okta(stack, envelope)
    assert (status, answer["status"]) == (200, "ignored")
    stack.drain()
    assert pushwoosh.calls() == []


def test_an_okta_sign_in_with_an_unknown_username_never_becomes_a_user(stack, pushwoosh):
    status, answer = _okta(stack, payload("okta", "user.session.start.unknown_user"))
    assert (status, answer["status"]) == (200, "ignored")
    stack.drain()
    assert pushwoosh.calls() == []


def test_a_successful_okta_sign_in_next_to_a_failed_one_is_the_only_login(stack, pushwoosh):
    envelope = payload("okta", "user.session.start")
    failed = payload("okta", "user.session.start.unknown_user")["data"]["events"][0]
    envelope["data"]["events"].insert(0, failed)
    status, answer = _okta(stack, envelope)
    assert status == 202 and [c["method"] for c in answer["commands"]] == ["post_event"]
    stack.drain()
    [login] = pushwoosh.calls()
    assert login.json["request"]["event"] == "Login"
    assert login.json["request"]["userId"] == "00ub0oNGTSWTBKOLGLNR"


def _clerk(stack, body_json):
    body = json.dumps(body_json).encode()
    return stack.post("clerk", body, standard_webhook_headers(body, CLERK_SECRET))


def test_a_clerk_sign_up_without_an_hwid_is_still_a_sign_up(stack, pushwoosh):
    created = copy.deepcopy(payload("clerk", "user.created"))
    created["data"]["public_metadata"] = {}
    status, _ = _clerk(stack, created)
    assert status == 202
    stack.drain()
    [call] = pushwoosh.calls()
    assert call.path == "/json/1.3/postEvent"
    assert call.json["request"] == {
        "application": APPLICATION,
        "event": "SignUp",
        "attributes": {"provider": "clerk"},
        "timestampUTC": 1795710500,
        "userId": "567772",
    }


def test_an_hwid_in_clerks_unsafe_metadata_never_reaches_pushwoosh(stack, pushwoosh):
    status, _ = _clerk(stack, payload("clerk", "user.created.unsafe_metadata"))
    assert status == 202
    stack.drain()
    calls = pushwoosh.calls()
    assert [c.path for c in calls] == ["/json/1.3/postEvent"]  # SignUp, and no registerUser
    assert HWID not in json.dumps([c.json for c in calls])
