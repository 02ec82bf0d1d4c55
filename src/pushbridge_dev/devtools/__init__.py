"""Local tooling: sample secrets, event builders, the dev server. Never used by the Lambda
handlers (they read Secrets Manager only)."""
