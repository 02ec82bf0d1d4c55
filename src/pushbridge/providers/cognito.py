"""Amazon Cognito user pool triggers: not a webhook, a Lambda trigger inside the account.

Sources checked:
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
  and ``...-post-authentication.html``: ``triggerSource`` is ``PostConfirmation_ConfirmSignUp``,
  ``PostConfirmation_ConfirmForgotPassword`` or ``PostAuthentication_Authentication``;
  ``request.userAttributes`` holds ``sub`` and the custom attributes (``custom:...``); the
  function must return the event; Cognito waits at most 5 seconds for it.
- Powertools ``PostConfirmationTriggerEvent`` / ``PostAuthenticationTriggerEvent`` data classes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pushbridge.errors import MalformedPayload, SignatureInvalid
from pushbridge.models.event import ProviderEvent
from pushbridge.providers.base import Provider


def event_from_trigger(event: dict[str, Any], request_id: str) -> ProviderEvent:
    trigger = event.get("triggerSource")
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    if not isinstance(trigger, str) or not isinstance(attributes, dict):
        raise MalformedPayload("not a Cognito trigger event")
    subject = attributes.get("sub") or event.get("userName") or ""
    # A confirmation happens once per user; every sign-in is its own event.
    once = trigger.startswith("PostConfirmation")
    event_id = f"{event.get('userPoolId')}:{subject}:{trigger}" if once else request_id
    return ProviderEvent(id=event_id, type=trigger, time=None, payload=event)


def _not_http(*args: Any, **kwargs: Any) -> None:
    raise SignatureInvalid("Cognito triggers are not webhooks")


def parse(body: bytes, headers: Any = None, *, options=None, verified: Any = None) -> list[ProviderEvent]:
    """For the local tools, which hand a sample trigger event over as `verified`."""
    if not isinstance(verified, dict):
        raise MalformedPayload("a Cognito trigger event is passed in, not posted")
    return [event_from_trigger(verified, request_id="sample-" + hashlib.sha256(body).hexdigest()[:16])]


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
