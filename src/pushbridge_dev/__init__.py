"""Development-only code: the `pushbridge` CLI, the local dev server and their samples.
Never shipped to Lambda (scripts/build_function.py copies src/pushbridge only)."""
