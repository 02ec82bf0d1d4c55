"""Secrets Manager through Powertools Parameters: cached per container (``max_age``),
refreshed on demand (``force``) when a secret may have rotated."""

from __future__ import annotations

import threading
from typing import Any

from pushbridge.adapters.aws import client as aws_client
from pushbridge.adapters.aws import error_code
from pushbridge.errors import DependencyUnavailable


class SecretsManagerJson:
    """One JSON secret, e.g. ``{"stripe": "whsec_..."}`` or ``{"api_token": "..."}``."""

    def __init__(self, secret_id: str, *, client: Any = None, max_age: int = 300) -> None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        self._secret_id = secret_id
        self._max_age = max_age
        self._client = client if client is not None else aws_client("secretsmanager")
        self._provider = SecretsProvider(boto3_client=self._client)
        # Delivery threads share this: the first to miss the cache reads the secret, the
        # others wait for it instead of each calling Secrets Manager.
        self._lock = threading.Lock()

    def after_restore(self) -> None:
        """SnapStart: the secret may have been rotated since the snapshot; read it afresh."""
        with self._lock:
            self._provider.clear_cache()
        self._client.close()

    def get(self, *, force: bool = False) -> dict[str, Any]:
        with self._lock:
            return self._get(force=force)

    def _get(self, *, force: bool) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.parameters.exceptions import (
            GetParameterError,
            TransformParameterError,
        )

        try:
            value = self._provider.get(self._secret_id, transform="json", max_age=self._max_age, force_fetch=force)
        except TransformParameterError:
            raise DependencyUnavailable("secret is not a JSON object", reason="secret_malformed") from None
        except GetParameterError as exc:
            # The message names the secret and the AWS error code, never its value.
            raise DependencyUnavailable(
                f"cannot read secret: {error_code(exc)}", reason="secrets_unavailable"
            ) from None
        if not isinstance(value, dict):
            raise DependencyUnavailable("secret is not a JSON object", reason="secret_malformed")
        return value


class StaticJson:
    """The same interface over a fixed mapping: the local dev server and tests."""

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value
        self.reads = 0

    def get(self, *, force: bool = False) -> dict[str, Any]:
        self.reads += 1
        return self.value
