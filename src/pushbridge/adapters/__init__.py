"""Adapters: the only code that talks to AWS (boto3) or Pushwoosh (urllib3). Each takes an
injectable client; the default one is built lazily, once per container."""
