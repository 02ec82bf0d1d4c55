"""Pushwoosh User-centric API client: the three calls, their exact wire format, and a typed
outcome for every answer.

Wire format (``shared/pushwoosh-user-centric-api.md``, from Pushwoosh's API reference):
- ``POST /json/1.3/registerUser`` and ``/json/1.3/postEvent``: body wrapped in ``request``;
- ``POST /api/v2/device-api/deleteUser``: flat body;
- header ``Authorization: Token <Device API token>``;
- success is a 2xx with ``status_code`` 200, or an ``/api/v2`` 2xx without one; ``status_code``
  210 is an argument error (see ``_classify``).

Retries here are short and bounded by the invocation's deadline; anything longer is the
queue's job (the command becomes a batch item failure and comes back after the visibility
timeout).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3

from pushbridge.adapters.http import shared_pool
from pushbridge.errors import AuthDeliveryError, PermanentDeliveryError, TransientDeliveryError
from pushbridge.models.command import Command, DeleteUser, PostEvent, RegisterUser

DEFAULT_API_URL = "https://api.pushwoosh.com"
# Pushwoosh's own SDKs retry exactly these (besides connection failures).
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_MAX_BACKOFF = 2.0
_SAFETY_MARGIN = 0.5  # seconds kept back from the deadline for bookkeeping after the call


@dataclass(frozen=True)
class CallResult:
    status: int
    attempts: int
    latency_ms: float
    response: Any


def request_for(command: Command) -> tuple[str, dict[str, Any]]:
    """Path and JSON body for a command, exactly as the reference specifies."""
    if isinstance(command, DeleteUser):
        return "/api/v2/device-api/deleteUser", {"application": command.application, "user_id": command.user_id}
    if isinstance(command, RegisterUser):
        request: dict[str, Any] = {
            "userId": command.user_id,
            "application": command.application,
            "hwid": command.hwid,
            "tz_offset": command.tz_offset,
            "device_type": command.device_type,
        }
        return "/json/1.3/registerUser", {"request": _without_none(request)}
    assert isinstance(command, PostEvent)
    request = {
        # Without a known hwid the user id stands in for it (the reference allows userId
        # alone); the mapper counts and warns, because Customer Journeys need the hwid.
        "hwid": command.hwid,
        "application": command.application,
        "event": command.event,
        "attributes": command.attributes,
        "timestampUTC": command.timestamp_utc,
        "timestampCurrent": command.timestamp_current,
        "userId": command.user_id,
        "device_type": command.device_type,
    }
    return "/json/1.3/postEvent", {"request": _without_none(request)}


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


class PushwooshClient:
    def __init__(
        self,
        token: Callable[..., str],
        *,
        base_url: str = DEFAULT_API_URL,
        http: urllib3.PoolManager | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
        base_backoff: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``token(force=False)`` returns the Device API token; ``force=True`` re-reads it."""
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._http = http
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._sleep = sleep
        self._clock = clock

    @property
    def min_call_seconds(self) -> float:
        """Time a call may take; the caller does not start one with less left."""
        return self._connect_timeout + self._read_timeout + _SAFETY_MARGIN

    def send(self, command: Command, *, deadline: float | None = None) -> CallResult:
        """Make the call, retrying what is transient while time allows.

        Raises :class:`PermanentDeliveryError`, :class:`TransientDeliveryError` or
        :class:`AuthDeliveryError` (a 401 that survived one token refresh).
        """
        path, body = request_for(command)
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        started = self._clock()
        token = self._token(force=False)
        refreshed = False
        attempt = 0
        unanswered = False
        while True:
            attempt += 1
            try:
                status, answer = self._post(path, payload, token, deadline)
                _classify(status, answer, path)
                return CallResult(status, attempt, (self._clock() - started) * 1000, answer)
            except PermanentDeliveryError as exc:
                exc.after_unanswered = unanswered
                raise
            except AuthDeliveryError:
                if refreshed:
                    raise
                # The token may have been rotated: re-read it once, then try again at once.
                token, refreshed = self._token(force=True), True
                attempt -= 1
            except TransientDeliveryError as exc:
                unanswered = exc.unanswered = unanswered or exc.unanswered
                delay = self._backoff(attempt, exc.retry_after)
                if attempt >= self._max_attempts or not self._time_for(delay, deadline):
                    raise
                self._sleep(delay)

    def _post(self, path: str, payload: bytes, token: str, deadline: float | None) -> tuple[int, Any]:
        read_timeout = self._read_timeout
        if deadline is not None:
            read_timeout = max(
                0.1, min(read_timeout, deadline - self._clock() - self._connect_timeout - _SAFETY_MARGIN)
            )
        try:
            response = (self._http or shared_pool()).request(
                "POST",
                self._base_url + path,
                body=payload,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
                timeout=urllib3.Timeout(connect=self._connect_timeout, read=read_timeout),
                retries=False,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            # Connection refused or reset, timeouts, TLS and protocol errors: no answer came.
            raise TransientDeliveryError(f"no answer from Pushwoosh: {type(exc).__name__}", unanswered=True) from None
        try:
            answer = json.loads(response.data) if response.data else None
        except ValueError:
            answer = None
        if response.status in (429, 503):
            retry_after = _retry_after(response.headers.get("Retry-After"), time.time())
            if retry_after is not None:
                raise TransientDeliveryError(
                    f"HTTP {response.status}: retry after {retry_after:.0f} s",
                    status=response.status,
                    retry_after=retry_after,
                )
        return response.status, answer

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        # Full jitter: spreads retries of many containers hitting the same outage.
        return random.uniform(0, min(_MAX_BACKOFF, self._base_backoff * 2 ** (attempt - 1)))

    def _time_for(self, delay: float, deadline: float | None) -> bool:
        if deadline is None:
            return True
        return self._clock() + delay + self.min_call_seconds < deadline


def _classify(status: int, answer: Any, path: str) -> None:
    """Any 2xx whose status_code is 200 is success, and so is an /api/v2 2xx without one (the
    asynchronous deleteUser may answer 202, maybe with no body); status_code 210 is an
    argument error (permanent); any other 2xx is not an answer we understand: retried."""
    message = _message(answer)
    if 200 <= status < 300:
        code = answer.get("status_code") if isinstance(answer, dict) else None
        if code == 200 or (code is None and path.startswith("/api/v2/")):
            return
        if code == 210:
            raise PermanentDeliveryError(f"status_code 210: {message}", status=210)
        # Not Pushwoosh's JSON (a proxy page?), an internal error, a code we do not know.
        raise TransientDeliveryError(f"HTTP {status}, status_code {code}: {message}", status=status)
    if status == 401:
        raise AuthDeliveryError(f"HTTP 401: {message}", status=status)
    if status in _TRANSIENT_STATUSES or status >= 500:
        raise TransientDeliveryError(f"HTTP {status}: {message}", status=status)
    raise PermanentDeliveryError(f"HTTP {status}: {message}", status=status)


# Pushwoosh's error text goes into log lines and dead-letter attributes. Kept short and printable:
# it is another system's text (it may echo back request values such as a user id, or hold
# newlines and ANSI escapes that forge log lines or terminal output), and an SQS message attribute
# is limited anyway. The status and our own reason carry the meaning; this is a hint.
MESSAGE_LIMIT = 120
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


def _message(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    # /json/1.3 answers status_message; /api/v2 may answer {"message": ...}.
    text = answer.get("status_message") or answer.get("message") or ""
    return sanitized(str(text))


def sanitized(text: str) -> str:
    """ASCII-printable only (control characters, escapes, newlines become one space), at most
    MESSAGE_LIMIT characters, marked when cut."""
    text = _UNPRINTABLE.sub(" ", text[: MESSAGE_LIMIT * 4]).strip()
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
