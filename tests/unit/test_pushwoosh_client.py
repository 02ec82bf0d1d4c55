"""The Pushwoosh client against a real HTTP server on localhost: wire format and the typed
outcome of every kind of answer."""

from __future__ import annotations

import pytest

from pushbridge.adapters.pushwoosh import PushwooshClient, _retry_after
from pushbridge.errors import AuthDeliveryError, PermanentDeliveryError, TransientDeliveryError
from pushbridge.models.command import DeleteUser, Origin, PostEvent, RegisterUser
from tests.support.pushwoosh_server import SUCCESS, Fault

ORIGIN = Origin(source="s", event_id="e", event_type="t", rule="r", received_at=0.0)


class Tokens:
    def __init__(self, *tokens: str) -> None:
        self.tokens, self.forced = list(tokens), 0

    def __call__(self, *, force: bool = False) -> str:
        if force:
            self.forced += 1
            self.tokens.pop(0)
        return self.tokens[0]


def client(server, tokens=None, **kw) -> PushwooshClient:
    kw.setdefault("read_timeout", 1.0)
    kw.setdefault("connect_timeout", 0.5)
    kw.setdefault("sleep", lambda s: None)
    return PushwooshClient(tokens or Tokens("tok-1"), base_url=server.url, **kw)


def post_event(**kw) -> PostEvent:
    fields = {"id": "c1", "application": "ABCDE-12345", "user_id": "u1", "origin": ORIGIN, "event": "Purchase"}
    return PostEvent(**(fields | kw))


def test_register_user_wire_format(pushwoosh):
    command = RegisterUser(id="c", application="ABCDE-12345", user_id="user_3078a", origin=ORIGIN,
                           hwid="8f65b16df378e7a6bece9614e1530fb2", tz_offset=-3600, device_type=3)  # fmt: skip
    client(pushwoosh).send(command)
    [call] = pushwoosh.calls()
    assert (call.method, call.path) == ("POST", "/json/1.3/registerUser")
    assert call.headers["Authorization"] == "Token tok-1"
    assert call.headers["Content-Type"] == "application/json"
    assert call.json == {"request": {"userId": "user_3078a", "application": "ABCDE-12345",
                                     "hwid": "8f65b16df378e7a6bece9614e1530fb2", "tz_offset": -3600, "device_type": 3}}  # fmt: skip


def test_delete_user_wire_format_is_flat(pushwoosh):
    client(pushwoosh).send(DeleteUser(id="c", application="ABCDE-12345", user_id="user_3078a", origin=ORIGIN))
    [call] = pushwoosh.calls()
    assert call.path == "/api/v2/device-api/deleteUser"
    assert call.json == {"application": "ABCDE-12345", "user_id": "user_3078a"}


def test_post_event_wire_format(pushwoosh):
    command = post_event(hwid="h1", attributes={"login": "facebook"}, timestamp_utc=1435228403,
                         timestamp_current=1435253603, device_type=1, user_id="someuser@user.com")  # fmt: skip
    client(pushwoosh).send(command)
    assert pushwoosh.calls()[0].json == {
        "request": {"hwid": "h1", "application": "ABCDE-12345", "event": "Purchase", "attributes": {"login": "facebook"},
                    "timestampUTC": 1435228403, "timestampCurrent": 1435253603, "userId": "someuser@user.com", "device_type": 1}
    }  # fmt: skip


def test_post_event_without_hwid_sends_user_id_alone_and_empty_attributes(pushwoosh):
    client(pushwoosh).send(post_event())
    assert pushwoosh.calls()[0].json == {
        "request": {"application": "ABCDE-12345", "event": "Purchase", "attributes": {}, "userId": "u1"}
    }


@pytest.mark.parametrize(
    "fault, error",
    [
        (Fault(200, {"status_code": 210, "status_message": "Argument error"}), PermanentDeliveryError),
        (Fault(400, {"message": "bad"}), PermanentDeliveryError),
        (Fault(403, {"message": "forbidden"}), PermanentDeliveryError),
        (Fault(404, None), PermanentDeliveryError),
    ],
    ids=["200/210", "400", "403", "404"],
)
def test_permanent_answers_are_not_retried(pushwoosh, fault, error):
    pushwoosh.script(fault)
    with pytest.raises(error):
        client(pushwoosh).send(post_event())
    assert len(pushwoosh.calls()) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_then_succeed(pushwoosh, status):
    pushwoosh.script(Fault(status, {"status_code": status}))
    result = client(pushwoosh).send(post_event())
    assert result.attempts == 2 and result.status == 200
    assert len(pushwoosh.calls()) == 2


def test_transient_failures_give_up_after_max_attempts(pushwoosh):
    pushwoosh.script(*[Fault(500)] * 5)
    with pytest.raises(TransientDeliveryError) as caught:
        client(pushwoosh, max_attempts=3).send(post_event())
    assert caught.value.status == 500
    assert len(pushwoosh.calls()) == 3


def test_200_without_pushwoosh_json_is_transient_not_success(pushwoosh):
    pushwoosh.script(*[Fault(200, None)] * 3)
    with pytest.raises(TransientDeliveryError):
        client(pushwoosh).send(post_event())


def test_read_timeout_and_dropped_connection_are_transient(pushwoosh):
    pushwoosh.script(Fault(200, SUCCESS, delay=1.5), Fault(drop=True))
    result = client(pushwoosh, read_timeout=0.5).send(post_event())
    assert result.attempts == 3


def test_connection_refused_is_transient():
    class Nowhere:
        url = "http://127.0.0.1:9"  # discard port: nothing listens

    with pytest.raises(TransientDeliveryError, match="no answer"):
        client(Nowhere, max_attempts=2).send(post_event())


def test_401_refreshes_the_token_once_then_succeeds(pushwoosh):
    tokens = Tokens("old", "new")
    pushwoosh.script(Fault(401, {"message": "Unauthorized"}))
    client(pushwoosh, tokens).send(post_event())
    assert [c.headers["Authorization"] for c in pushwoosh.calls()] == ["Token old", "Token new"]
    assert tokens.forced == 1


def test_401_twice_is_an_auth_error_which_is_transient(pushwoosh):
    pushwoosh.script(Fault(401), Fault(401))
    with pytest.raises(AuthDeliveryError) as caught:
        client(pushwoosh, Tokens("old", "still-bad")).send(post_event())
    assert isinstance(caught.value, TransientDeliveryError)
    assert len(pushwoosh.calls()) == 2


def test_retry_after_is_honoured_in_seconds(pushwoosh):
    slept: list[float] = []
    pushwoosh.script(Fault(429, headers={"Retry-After": "3"}))
    client(pushwoosh, sleep=slept.append).send(post_event())
    assert slept == [3.0]


def test_a_retry_after_beyond_the_deadline_hands_the_command_back(pushwoosh):
    import time

    pushwoosh.script(Fault(429, headers={"Retry-After": "120"}))
    with pytest.raises(TransientDeliveryError) as caught:
        client(pushwoosh).send(post_event(), deadline=time.monotonic() + 30)
    assert caught.value.retry_after == 120
    assert len(pushwoosh.calls()) == 1


def test_backoff_is_jittered_and_bounded(pushwoosh):
    slept: list[float] = []
    pushwoosh.script(Fault(500), Fault(500))
    client(pushwoosh, sleep=slept.append, base_backoff=0.2).send(post_event())
    assert len(slept) == 2
    assert 0 <= slept[0] <= 0.2 and 0 <= slept[1] <= 0.4


def test_retry_after_parses_seconds_and_http_dates():
    assert _retry_after("7", now=0) == 7.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480) == 10.0
    assert _retry_after("soon", now=0) is None
    assert _retry_after(None, now=0) is None


def test_connections_are_reused_across_calls(pushwoosh):
    import urllib3

    pool = urllib3.PoolManager(maxsize=1)
    before = pushwoosh.connections
    c = client(pushwoosh, http=pool)
    for _ in range(5):
        c.send(post_event())
    assert pushwoosh.connections - before == 1


def test_the_settings_default_is_the_clients_default():
    from pushbridge.adapters.pushwoosh import DEFAULT_API_URL
    from pushbridge.settings import DEFAULT_PUSHWOOSH_API_URL

    assert DEFAULT_PUSHWOOSH_API_URL == DEFAULT_API_URL


def delete_user() -> DeleteUser:
    return DeleteUser(id="c", application="ABCDE-12345", user_id="user_3078a", origin=ORIGIN)


@pytest.mark.parametrize(
    "command, fault",
    [
        (delete_user, Fault(202, None)),  # the asynchronous deleteUser: accepted, no body
        (delete_user, Fault(202, {"status_code": 200, "status_message": "OK"})),
        (delete_user, Fault(204, None)),
        (post_event, Fault(202, SUCCESS)),  # any 2xx whose status_code is 200
    ],
    ids=["v2-202-empty", "v2-202-ok", "v2-204", "json-202-ok"],
)
def test_2xx_answers_pushwoosh_counts_as_success_are_delivered_once(pushwoosh, command, fault):
    pushwoosh.script(fault)
    result = client(pushwoosh).send(command())
    assert (result.attempts, result.status) == (1, fault.status)
    assert len(pushwoosh.calls()) == 1


@pytest.mark.parametrize(
    "fault",
    [Fault(202, None), Fault(200, {"status_code": 211, "status_message": "?"}), Fault(206, {"status_code": 500})],
    ids=["json-202-empty", "200-unknown-code", "206-500"],
)
def test_other_2xx_are_retried_not_parked(pushwoosh, fault):
    pushwoosh.script(fault)
    result = client(pushwoosh).send(post_event())
    assert result.attempts == 2 and len(pushwoosh.calls()) == 2
