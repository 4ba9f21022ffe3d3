"""``alvh demo``: the main job on the embedded synthetic market.

Backtests the three-tier condor ladder with the default ALVH hedge (4/4/2) and its unhedged twin
on the seeded synthetic market, writes the run directory and the evidence report, and prints
where they are. Works offline on a fresh machine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

DEMO_PRESET = "ic-ladder"
DEMO_HEDGE = "alvh-442"


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("out/demo"), help="Run directory to write."),
        seed: int = typer.Option(7, help="Seed of the synthetic market."),
        start: str = typer.Option("2008-01-02", help="First session."),
        end: str = typer.Option("2024-12-31", help="Last session."),
        hedge: str = typer.Option(
            DEMO_HEDGE, help="Hedge preset (none, alvh-442, alvh-123, alvh-vega, vxth)."
        ),
    ) -> None:
        """Backtest the condor ladder with the ALVH hedge on the synthetic market; write the report."""
        from alvh.cli.backtest import (
            data_line,
            market_for,
            print_run_summary,
            resolve_config,
            run_with_progress,
        )
        from alvh.report.tearsheet import build_report, print_summary

        console = Console()
        cfg = resolve_config(None, DEMO_PRESET, start, end, "synthetic", seed, hedge)
        market = market_for(cfg, None)
        console.print(data_line(market), highlight=False)
        console.print(
            f"alvh demo: preset '{DEMO_PRESET}' with hedge '{hedge}' on the embedded synthetic market "
            f"(seed {seed}), {start}..{end}"
        )
        run_dir = run_with_progress(cfg, market, out, console)
        print_run_summary(run_dir, console)
        with console.status("writing the evidence report..."):
            report = build_report(run_dir, events=market.tables["events"])
        print_summary(report, console)
        console.print(f"\n[bold]outputs[/]: {run_dir.resolve()}")
        console.print(f"  report: {report.html_path.resolve()}")
        console.print(
            f"  journal: alvh journal {run_dir} --date {date.fromisoformat(end).isoformat()}"
        )
        console.print("  data: synthetic (not real market history); see README for real-data runs")
