"""The sources-and-rules file: schema (``schema``) and loading with presets (``loader``)."""
