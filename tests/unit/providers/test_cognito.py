"""Cognito triggers: event ids (once per confirmation, once per sign-in) and presets."""

from __future__ import annotations

import pytest

from pushbridge.providers.cognito import event_from_trigger
from tests.support.presets import RECEIVED_AT, post_event, requests_for
from tests.support.samples import payload

SUB = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def test_a_confirmation_has_one_id_per_user_and_each_sign_in_its_own_that_cognitos_retry_keeps():
    confirm = payload("cognito", "PostConfirmation_ConfirmSignUp")
    assert event_from_trigger(confirm, 1_800_000_000.0).id == event_from_trigger(confirm, 1_800_009_000.0).id
    login = payload("cognito", "PostAuthentication_Authentication")
    first = event_from_trigger(login, 1_800_000_001.0)
    assert event_from_trigger(login, 1_800_000_005.0).id == first.id  # Cognito's retry: same event, seconds later
    assert event_from_trigger(login, 1_800_000_125.0).id != first.id  # a later sign-in


# Cognito's triggers carry no time: the time the trigger ran stands in for it.
EXPECTED = {
    # custom:pushwoosh_hwid is client-writable unless the pool says otherwise: no hwid by default.
    ("cognito", "PostConfirmation_ConfirmSignUp"): [
        post_event("SignUp", {"provider": "cognito"}, RECEIVED_AT, user=SUB, hwid=None)
    ],
    ("cognito", "PostAuthentication_Authentication"): [
        post_event("Login", {"provider": "cognito"}, RECEIVED_AT, user=SUB, hwid=None)
    ],
    ("cognito", "PostConfirmation_ConfirmForgotPassword"): [],
}


@pytest.mark.parametrize("key", EXPECTED, ids=[k[1] for k in EXPECTED])
def test_preset_maps_the_sample_to_the_exact_request(key):
    assert requests_for(*key) == EXPECTED[key]
