"""Golden layer: every sample payload through the real handlers on moto and the local
Pushwoosh, compared with a reviewed file. The stack is the integration layer's."""

from tests.integration.conftest import stack  # noqa: F401  (the same moto stack fixture)
