"""``alvh backtest``: run a config or preset on the synthetic market or the store."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from alvh.cli.options import (
    check_data_source,
    fmt_value,
    is_terminal,
    parse_iso_date,
    require_session,
    synthetic_banner,
)
from alvh.errors import ConfigError, NoDataError

if TYPE_CHECKING:
    from alvh.config.run import RunConfig
    from alvh.market.data import MarketData


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
    from alvh.config.load import config_with_overrides, load_config, load_preset

    if (config is None) == (preset is None):
        raise ConfigError(
            "CONFIG/--preset", None, "exactly one of a CONFIG.toml path or --preset NAME"
        )
    cfg = load_config(config) if config is not None else load_preset(str(preset))
    over: dict[str, object] = {}
    for key, val in (("data.start", start), ("data.end", end)):
        if val is not None:
            over[key] = parse_iso_date(val, f"--{key.split('.')[1]}")
    first, last = over.get("data.start", cfg.data.start), over.get("data.end", cfg.data.end)
    if isinstance(first, date) and isinstance(last, date) and not first < last:
        raise ConfigError(
            "--end" if end is not None else "--start",
            (end if end is not None else start),
            f"a period with start before end (start {first}, end {last})",
            "the command line" if (start and end) else (config or f"preset {preset}"),
        )
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


def market_for(cfg: RunConfig, store: Path | None) -> MarketData:
    """Return the market a config runs on.

    Raises
    ------
    NoDataError
        When the store holds no session with both SPX and VIX bars (a run needs both) in the
        config's period; the message gives each series' span in the whole store.
    """
    from alvh.market.load import load_market

    d = cfg.data
    path = store or (Path(d.store_path) if d.store_path else None)
    if d.source == "store":
        check_store_covers(path, d.start, d.end)
    start = d.start.replace(year=d.start.year - 1)  # a year of history for indicators
    return load_market(path, source=d.source, seed=d.seed, start=start, end=d.end)


def check_store_covers(path: Path | None, start: date, end: date) -> None:
    """Refuse a period in which the store holds no day with both an SPX and a VIX bar.

    The spans come from the store's manifest (the whole store, not the window a run loads), so
    the message names what the data can serve.
    """
    import os

    from alvh.market.store import Store, default_store_path

    env = os.environ.get("ALVH_STORE")
    st = Store(path or (Path(env) if env else default_store_path()))
    if st.is_empty():
        return  # load_market says the store is empty
    spans = {s.series: (s.first, s.last) for s in st.summary() if s.table == "index_bars"}
    missing = [sym for sym in ("SPX", "VIX") if sym not in spans]
    if missing:
        raise NoDataError(
            f"the store at {st.root} holds no {' or '.join(missing)} bars; a backtest needs both "
            "SPX and VIX closes (run 'alvh data import' on their files)"
        )
    lo = max(spans["SPX"][0], spans["VIX"][0])
    hi = min(spans["SPX"][1], spans["VIX"][1])
    if end.isoformat() < lo or start.isoformat() > hi:
        raise NoDataError(
            f"no session between {start} and {end} has both SPX and VIX bars in the store at "
            f"{st.root} (SPX {spans['SPX'][0]}..{spans['SPX'][1]}, VIX "
            f"{spans['VIX'][0]}..{spans['VIX'][1]}); choose dates within {lo}..{hi}"
        )


def warn_config(cfg: RunConfig, console: Console) -> None:
    """Print what the config asks for that cannot happen (``alvh.config.check``)."""
    from alvh.config.check import config_warnings

    for w in config_warnings(cfg):
        console.print(f"[yellow]warning:[/] {escape(str(w))}", highlight=False)


def data_line(market: MarketData) -> str:
    """The line naming the data a command runs on (rich markup); loud when it is synthetic."""
    src = market.source
    if src.kind == "synthetic":
        return synthetic_banner(f"{src.description} (data id {src.data_id})")
    desc = (
        src.description
        if src.data_id in src.description
        else f"{src.description} (data id {src.data_id})"
    )
    return f"data: {desc}"


def print_run_summary(run_dir: Path, console: Console) -> None:
    """Print the headline numbers of a run directory."""
    s = json.loads((run_dir / "summary.json").read_text())
    synthetic = s["data"].get("kind") == "synthetic"
    t = Table(
        title=f"{s['config']['name']} · {s['period']['start']}..{s['period']['end']} · "
        + ("[bold yellow]SYNTHETIC DATA[/] · " if synthetic else "")
        + s["data"]["description"]
    )
    t.add_column("metric")
    for b in ("hedged", "unhedged"):
        t.add_column(b, justify="right")

    def fmt(v: object) -> str:
        return fmt_value(v.get("value") if isinstance(v, dict) else v)

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
    data_id = str(s["data"]["data_id"])
    ident = "" if data_id in s["data"]["description"] else f" · data id {data_id}"
    console.print(f"run id {s['run_id']}{ident} · written to {run_dir}")
    if synthetic:
        console.print(
            "[bold yellow]SYNTHETIC DATA[/]: these figures come from the seeded synthetic "
            "market, not market history; use --data store for real data"
        )


def run_with_progress(
    cfg: RunConfig, market: MarketData, out: Path, console: Console, label: str = "backtest"
) -> Path:
    """Run a backtest with a progress bar on a terminal (nothing when output is piped)."""
    from alvh.backtest import run_backtest

    with Progress(
        TextColumn(escape(label)),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} sessions"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not is_terminal(),
    ) as bar:
        task = bar.add_task("run", total=None)

        def progress(i: int, n: int) -> None:
            if i % 50 == 0 or i == n:
                bar.update(task, completed=i, total=n)

        return run_backtest(cfg, market, out, progress)


def _journal_blocks(rows: list[dict[str, object]], console: Console) -> None:
    """Print journal rows as blocks that fit any width: a head line, the reason, inputs."""
    last_day = None
    for r in rows:
        if r["date"] != last_day:
            console.rule(str(r["date"]), align="left", style="dim")
            last_day = r["date"]
        console.print(
            f"[bold]{escape(str(r['rule']))}[/]  {escape(str(r['outcome']))} -> "
            f"{escape(str(r['action']))}",
            highlight=False,
        )
        console.print(f"  {escape(str(r['reason']))}", highlight=False)
        inputs = r["inputs"]
        if isinstance(inputs, dict) and inputs:
            text = "   ".join(f"{k}: {fmt_value(v)}" for k, v in inputs.items())
            console.print(Padding(escape(text), (0, 0, 0, 4)), style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` and ``journal`` commands."""

    @app.command("backtest")
    def backtest(
        config: Path | None = typer.Argument(None, help="Run config TOML file."),
        preset: str | None = typer.Option(
            None, "--preset", help="A bundled preset: ic-ladder, cndr, bfly."
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
        console = Console()
        data = check_data_source(data, store)
        cfg = resolve_config(config, preset, start, end, data, seed, hedge)
        warn_config(cfg, Console(stderr=True))
        market = market_for(cfg, store)
        console.print(data_line(market), highlight=False)
        run_dir = run_with_progress(cfg, market, out, console)
        print_run_summary(run_dir, console)

    @app.command("journal")
    def journal(
        run_dir: Path = typer.Argument(..., help="A run directory written by 'alvh backtest'."),
        day: str | None = typer.Option(None, "--date", help="Session (YYYY-MM-DD)."),
        rule: str | None = typer.Option(
            None, "--rule", help="Rule name or prefix, e.g. hedge.trigger."
        ),
        csv: bool = typer.Option(False, "--csv", help="Print CSV (inputs as a JSON column)."),
        as_json: bool = typer.Option(
            False, "--json", help="Print JSON lines, one object per rule (inputs as an object)."
        ),
    ) -> None:
        """Print why the book did what it did: every rule's inputs, outcome, action and reason."""
        if csv and as_json:
            raise ConfigError("--csv/--json", "both", "at most one of --csv and --json")
        when = parse_iso_date(day, "--date") if day is not None else None
        day = when.isoformat() if when is not None else None
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
            if when is not None:
                # Only now load the exchange calendar (about 0.5 s): a weekend or holiday
                # says so and names the sessions either side.
                require_session(when, "--date")
            what = " and ".join(
                f"{k} {v}" for k, v in (("date", day), ("rule", rule)) if v is not None
            )
            with contextlib.closing(sqlite3.connect(f"file:{p}?mode=ro", uri=True)) as con:
                first, last = con.execute("SELECT min(date), max(date) FROM decisions").fetchone()
            raise RunDirError(
                f"{p}: no journal rows for {what or 'this run'}; the journal covers {first}..{last}"
            )
        rows = rows.drop(columns=["run_id", "seq"])
        if csv:
            typer.echo(rows.to_csv(index=False, lineterminator="\n"), nl=False)
            return
        records = [
            {
                "date": r.date,
                "rule": r.rule,
                "outcome": r.outcome,
                "action": r.action,
                "reason": r.reason,
                "inputs": json.loads(r.inputs_json) if r.inputs_json else {},
            }
            for r in rows.itertuples(index=False)
        ]
        if as_json:
            for rec in records:
                typer.echo(json.dumps(rec, sort_keys=False))
            return
        console = Console(highlight=False)
        console.print(f"journal {run_dir}" + (f" · {day}" if day else ""), style="bold")
        _journal_blocks(records, console)
