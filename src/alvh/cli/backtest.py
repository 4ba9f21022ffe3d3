"""``alvh backtest``: run a config or preset on the synthetic market or the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from alvh.config.load import config_with_overrides, load_config, load_preset
from alvh.config.run import RunConfig
from alvh.errors import ConfigError


def resolve_config(
    config: Path | None,
    preset: str | None,
    start: str | None,
    end: str | None,
    data: str | None,
    seed: int | None,
    hedge: str | None = None,
) -> RunConfig:
    """Return the run config from a file or preset plus command-line overrides."""
    if (config is None) == (preset is None):
        raise ConfigError(
            "CONFIG/--preset", None, "exactly one of a CONFIG.toml path or --preset NAME"
        )
    cfg = load_config(config) if config is not None else load_preset(str(preset))
    over: dict[str, object] = {}
    for key, val in (("data.start", start), ("data.end", end)):
        if val is not None:
            try:
                over[key] = date.fromisoformat(val)
            except ValueError:
                raise ConfigError(f"--{key.split('.')[1]}", val, "a date as YYYY-MM-DD") from None
    if data is not None:
        over["data.source"] = data
    if seed is not None:
        over["data.seed"] = seed
    if over:
        cfg = config_with_overrides(cfg, **over)
    if hedge is not None:
        from alvh.config.hedge import hedge_preset

        cfg = cfg.model_copy(update={"hedge": hedge_preset(hedge)})
    return cfg


def market_for(cfg: RunConfig, store: Path | None):
    """Return the market a config runs on."""
    from alvh.market.load import load_market

    d = cfg.data
    path = store or (Path(d.store_path) if d.store_path else None)
    start = d.start.replace(year=d.start.year - 1)  # a year of history for indicators
    return load_market(path, source=d.source, seed=d.seed, start=start, end=d.end)


def print_run_summary(run_dir: Path, console: Console) -> None:
    """Print the headline numbers of a run directory."""
    s = json.loads((run_dir / "summary.json").read_text())
    t = Table(
        title=f"{s['config']['name']} · {s['period']['start']}..{s['period']['end']} · {s['data']['description']}"
    )
    t.add_column("metric")
    for b in ("hedged", "unhedged"):
        t.add_column(b, justify="right")

    def fmt(v: object) -> str:
        if isinstance(v, dict):
            return "n/a" if v.get("value") is None else f"{v['value']:.2f}"
        return "n/a" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))

    rows = [
        ("end equity $", lambda m: m["end_equity_usd"]),
        ("CAGR %", lambda m: m["cagr_pct"]),
        ("volatility %", lambda m: m["volatility_pct"]),
        ("Sharpe", lambda m: m["sharpe"]),
        ("max drawdown %", lambda m: m["max_drawdown"]["max_drawdown_pct"]),
        ("worst month %", lambda m: m["worst_month_pct"]),
        ("win rate %", lambda m: m["win_rate_pct"]),
        ("credit/week % of margin", lambda m: m["credit_per_week_pct_of_margin"]),
        # Return over cash and costs on their own line (alvh.report.excess).
        ("cash alone, CAGR %", lambda m: m.get("cash_cagr_pct")),
        ("CAGR over cash %", lambda m: m.get("excess_cagr_pct")),
        ("costs (spread + fees) $", lambda m: m.get("costs_usd")),
        ("costs % of credit", lambda m: m.get("costs_pct_of_credit")),
        ("costs % of equity/yr", lambda m: m.get("costs_pct_of_equity_per_year")),
        ("condor max loss % equity, peak", lambda m: m.get("condor_max_loss_pct_of_equity_peak")),
    ]
    for name, get in rows:
        t.add_row(name, *(fmt(get(s["books"][b])) for b in ("hedged", "unhedged")))
    console.print(t)
    sizing = s.get("definitions", {}).get("condor_sizing")
    if sizing:
        console.print(f"condor sizing: {sizing}")
    console.print(f"run id {s['run_id']} · data id {s['data']['data_id']} · written to {run_dir}")


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` and ``journal`` commands."""

    @app.command("backtest")
    def backtest(
        config: Path | None = typer.Argument(None, help="Run config TOML file."),
        preset: str | None = typer.Option(
            None, "--preset", help="A bundled preset: ic-ladder, cndr."
        ),
        hedge: str | None = typer.Option(
            None, "--hedge", help="Hedge preset to use instead of the config's."
        ),
        start: str | None = typer.Option(None, help="First session (YYYY-MM-DD)."),
        end: str | None = typer.Option(None, help="Last session (YYYY-MM-DD)."),
        data: str | None = typer.Option(None, "--data", help="synthetic or store."),
        seed: int | None = typer.Option(None, help="Seed of the synthetic market."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
        out: Path = typer.Option(Path("out/backtest"), "--out", help="Run directory to write."),
    ) -> None:
        """Backtest the condor book and its hedge; write summary, CSVs and the journal to --out."""
        from alvh.backtest import run_backtest

        console = Console()
        cfg = resolve_config(config, preset, start, end, data, seed, hedge)
        market = market_for(cfg, store)
        console.print(f"data: {market.source.description} (id {market.source.data_id})")
        with Progress(
            TextColumn("backtest"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} sessions"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("run", total=None)

            def progress(i: int, n: int) -> None:
                if i % 50 == 0 or i == n:
                    bar.update(task, completed=i, total=n)

            run_dir = run_backtest(cfg, market, out, progress)
        print_run_summary(run_dir, console)

    @app.command("journal")
    def journal(
        run_dir: Path = typer.Argument(..., help="A run directory written by 'alvh backtest'."),
        day: str | None = typer.Option(None, "--date", help="Session (YYYY-MM-DD)."),
        rule: str | None = typer.Option(
            None, "--rule", help="Rule name or prefix, e.g. hedge.trigger."
        ),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    ) -> None:
        """Print why the book did what it did: every rule's inputs, outcome, action and reason."""
        from alvh.engine.journal import Journal
        from alvh.runs import RunDirError

        p = run_dir / "journal.sqlite"
        if not p.is_file():
            raise RunDirError(
                f"{run_dir}: no journal.sqlite; is this a run directory from 'alvh backtest'?"
            )
        with Journal(p) as j:
            rows = j.read(date=day, rule=rule)
        if rows.empty:
            raise RunDirError(f"{p}: no journal rows for date={day} rule={rule}")
        rows = rows.drop(columns=["run_id", "seq"])
        if csv:
            typer.echo(rows.to_csv(index=False, lineterminator="\n"), nl=False)
            return
        t = Table(title=f"journal {run_dir}" + (f" · {day}" if day else ""), show_lines=False)
        for c in ("date", "rule", "outcome", "action", "reason", "inputs_json"):
            t.add_column(c, overflow="fold")
        for r in rows.itertuples(index=False):
            t.add_row(r.date, r.rule, r.outcome, r.action, r.reason, r.inputs_json)
        Console().print(t)
