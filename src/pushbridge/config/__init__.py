"""The sources-and-rules file: its run-time model (``model``), read by ``quick`` where plainly
valid and by the pydantic ``schema`` otherwise, and loaded with presets (``loader``)."""
