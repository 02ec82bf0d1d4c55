"""The context object the Lambda runtime passes a handler, in a module of its own that imports
nothing of pushbridge: a cold-start measurement imports it before the handler without loading
what the handler's first event should pay for (pydantic, the command models)."""

from __future__ import annotations

import time
import uuid

__all__ = ["LambdaContext"]


class LambdaContext:
    """What the Lambda runtime passes a handler: enough for Powertools and our deadline."""

    def __init__(self, name: str = "pushbridge-local", timeout_s: float = 60.0, memory_mb: int = 512) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
