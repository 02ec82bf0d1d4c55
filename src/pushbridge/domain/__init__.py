"""The domain: ingest (verify -> parse -> map -> enqueue) and delivery. No boto3, no urllib3,
no environment variables: adapters and settings are passed in."""
