"""``alvh data``: commands (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``data`` commands (none yet)."""
