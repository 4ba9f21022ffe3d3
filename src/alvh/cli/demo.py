"""``alvh demo``: the main job on the embedded synthetic market (grows with the project)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("out/demo"), help="Folder for the outputs."),
        seed: int = typer.Option(7, help="Seed of the synthetic market."),
    ) -> None:
        """Run the main job on the embedded synthetic market and print where its output is."""
        typer.echo(f"alvh demo: nothing to run yet (out={out}, seed={seed})")
