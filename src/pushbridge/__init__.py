"""pushbridge: verified SaaS webhooks in, Pushwoosh User-centric API calls out.

Layers, top to bottom (nothing above ``adapters`` touches boto3 or urllib3,
nothing in ``domain`` reads the environment):

- ``handlers``   Lambda entry points: wiring only.
- ``domain``     verify -> parse -> map -> enqueue, and deliver.
- ``providers``  one module per webhook provider: verifier, parser, preset rules.
- ``config``     the sources-and-rules file: read, validated, presets merged.
- ``adapters``   Pushwoosh client, SQS queue, Secrets Manager, DLQ.
- ``models``     the data that crosses layers: provider events and commands.
"""

__version__ = "0.1.0"
