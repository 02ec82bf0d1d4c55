"""Amazon Cognito user pool triggers: not a webhook, a Lambda trigger inside the account.

Sources checked:
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
  and ``...-post-authentication.html``: ``triggerSource`` is ``PostConfirmation_ConfirmSignUp``,
  ``PostConfirmation_ConfirmForgotPassword`` or ``PostAuthentication_Authentication``;
  ``request.userAttributes`` holds ``sub`` and the custom attributes (``custom:...``); the
  function must return the event; Cognito waits at most 5 seconds for it.
- Powertools ``PostConfirmationTriggerEvent`` / ``PostAuthenticationTriggerEvent`` data classes.
- https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
  Cognito invokes the trigger synchronously and waits 5 seconds; when the call fails or times
  out in a way it deems retryable, it calls again (up to three attempts in all), with the same
  event and a new Lambda request id. The event carries no time of its own.

Event ids, which command ids (and so FIFO deduplication and idempotency) derive from:
- a confirmation happens once per user: pool + sub + trigger;
- a sign-in is pool + sub + trigger + app client + the minute it was received in. Cognito's
  retries (seconds apart, same event) get the same id; the request id, which each retry
  changes, is not used. Cost of the choice: two sign-ins of one user in the same minute are
  one Login, and a retry that straddles a minute boundary is a second one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Provider

SIGN_IN_WINDOW = 60  # seconds: a sign-in's id is the same for Cognito's retries within it


def event_from_trigger(event: dict[str, Any], received_at: float) -> ProviderEvent:
    trigger = event.get("triggerSource")
    request = event.get("request")
    attributes = request.get("userAttributes") if isinstance(request, dict) else None
    if not isinstance(trigger, str) or not isinstance(attributes, dict):
        raise MalformedPayload("not a Cognito trigger event")
    subject = attributes.get("sub") or event.get("userName") or ""
    parts = [str(event.get("userPoolId")), str(subject), trigger]
    if not trigger.startswith("PostConfirmation"):  # a confirmation happens once per user
        caller = event.get("callerContext")
        parts += [str(caller.get("clientId") if isinstance(caller, dict) else None), str(received_at // SIGN_IN_WINDOW)]
    # Hashed: the id is the logs' correlation id, and the sub is a user id.
    event_id = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return ProviderEvent(id=event_id, type=trigger, time=None, payload=event)


def _not_http(*args: Any, **kwargs: Any) -> None:
    raise SignatureInvalid("Cognito triggers are not webhooks")


def parse(body: bytes, headers: Any = None, *, options=None, verified: Any = None) -> list[ProviderEvent]:
    """For the local tools, which hand a sample trigger event over as `verified`."""
    if not isinstance(verified, dict):
        raise MalformedPayload("a Cognito trigger event is passed in, not posted")
    # A fixed receipt time: sample events (make events) are the same on every run.
    return [event_from_trigger(verified, received_at=0.0)]


PRESET = [
    {
        # Only for a source that opted in with `hwid:` (no default: see PROVIDER.hwid).
        "name": "cognito-signup-register",
        "match": "PostConfirmation_ConfirmSignUp",
        "register_user": {},
    },
    {"name": "cognito-signup", "match": "PostConfirmation_ConfirmSignUp", "post_event": {"event": "SignUp", "attributes": {"provider": "cognito"}}},
    {"name": "cognito-login", "match": "PostAuthentication_Authentication", "post_event": {"event": "Login", "attributes": {"provider": "cognito"}}},
]  # fmt: skip

PROVIDER = Provider(
    name="cognito",
    verify=_not_http,
    parse=parse,
    preset=PRESET,
    user_id="request.userAttributes.sub",
    # No default hwid: an app client may write every custom attribute unless its write
    # permissions say otherwise, and SignUp takes attributes from the client. A pool whose app
    # clients cannot write custom:pushwoosh_hwid (the backend sets it with
    # AdminUpdateUserAttributes) opts in with `hwid: {path: 'request.userAttributes."custom:pushwoosh_hwid"'}`.
    hwid=None,
    secret="none",
    http=False,
    docs="https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-identity-pools-working-with-aws-lambda-triggers.html",
)
