"""Run configuration: frozen pydantic models, strict about unknown keys, loaded from TOML.

Data-only: imports nothing from the project but ``alvh.errors``; strategy, engine and CLI read it.
"""
