"""``alvh presets`` and ``alvh config show|keys``: what a run can be told, without reading code."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _preset_summary(name: str) -> str:
    """The first comment line of a preset's TOML, without its ``# name:`` prefix."""
    from importlib import resources

    text = resources.files("alvh").joinpath("presets", f"{name}.toml").read_text("utf-8")
    first = next((ln for ln in text.splitlines() if ln.startswith("#")), "# ")
    return first.lstrip("# ").removeprefix(f"{name}:").strip()


def register(app: typer.Typer) -> None:
    """Add ``presets`` and the ``config`` group (show, keys)."""

    @app.command("presets")
    def presets() -> None:
        """List the condor presets and the hedge presets, one line each."""
        from alvh.config.hedge import HEDGE_PRESET_SUMMARIES, hedge_preset_names
        from alvh.config.load import preset_names

        console = Console(highlight=False)

        def grid(rows: list[tuple[str, str]]) -> Table:
            t = Table.grid(padding=(0, 2))
            t.add_column(no_wrap=True)
            t.add_column()
            for name, text in rows:
                t.add_row(f"  {name}", escape(text))
            return t

        console.print(
            escape('condor presets (alvh backtest --preset NAME; extends = "NAME")'), style="bold"
        )
        console.print(grid([(n, _preset_summary(n)) for n in preset_names()]))
        console.print(escape('hedge presets (--hedge NAME; [hedge] preset = "NAME")'), style="bold")
        console.print(grid([(n, HEDGE_PRESET_SUMMARIES.get(n, "")) for n in hedge_preset_names()]))
        console.print(
            "one resolved: alvh config show NAME; every key: alvh config keys", style="dim"
        )

    group = typer.Typer(help="Show a resolved config or every config key.", no_args_is_help=True)
    app.add_typer(group, name="config")

    @group.command("show")
    def show(
        preset: str | None = typer.Argument(None, help="A condor preset (default: ic-ladder)."),
        config: Path | None = typer.Option(None, "--config", help="A run config TOML file."),
        hedge: str | None = typer.Option(None, "--hedge", help="Hedge preset to lay on top."),
    ) -> None:
        """Print a preset or config file fully resolved, as TOML (every key, defaults included)."""
        from alvh.cli.backtest import resolve_config, warn_config
        from alvh.config.load import dump_toml
        from alvh.errors import ConfigError

        if preset is not None and config is not None:
            raise ConfigError("PRESET/--config", preset, "a preset name or --config FILE, not both")
        cfg = resolve_config(
            config, None if config else (preset or "ic-ladder"), None, None, None, None, hedge
        )
        warn_config(cfg, Console(stderr=True))
        typer.echo(dump_toml(cfg), nl=False)

    @group.command("keys")
    def keys(
        markdown: bool = typer.Option(False, "--markdown", help="Print a markdown table."),
    ) -> None:
        """List every config key: dotted path, type, default, allowed values and meaning."""
        from alvh.config.keys import config_keys, keys_markdown

        if markdown:
            typer.echo(keys_markdown(), nl=False)
            return
        console = Console(highlight=False)
        for k in config_keys():
            head = f"[bold]{escape(k.path)}[/]  {escape(k.type)}  default {escape(k.default)}"
            console.print(head + (f"  ({escape(k.allowed)})" if k.allowed else ""))
            if k.meaning:
                console.print(f"    {escape(k.meaning)}", style="dim")
