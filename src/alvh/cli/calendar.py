"""``alvh calendar``: commands (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``calendar`` commands (none yet)."""
