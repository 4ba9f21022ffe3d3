"""``alvh report`` (a run's evidence report) and ``alvh compare`` (presets side by side)."""

from __future__ import annotations

import shlex
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from alvh.cli.options import is_terminal
from alvh.errors import AlvhError, ConfigError

if TYPE_CHECKING:
    from alvh.config.run import RunConfig
    from alvh.market.data import MarketData
    from alvh.report.analysis import AnalysisSettings
    from alvh.report.compare import ComparisonResult
    from alvh.report.matched import BandRuns


def events_for_summary(summary: dict[str, object], store: Path | None = None) -> pd.DataFrame:
    """Return the macro events of the market a run used (its data kind, seed and period)."""
    from alvh.market.load import load_market

    def table(v: object) -> dict[str, object]:
        return v if isinstance(v, dict) else {}

    data = table(table(summary.get("config")).get("data"))
    kind = table(summary.get("data")).get("kind", "synthetic")
    period = table(summary.get("period"))
    start = data.get("start") or period.get("start")
    end = data.get("end") or period.get("end")
    path = store or (Path(str(data["store_path"])) if data.get("store_path") else None)
    market = load_market(
        path,
        source="store" if kind == "store" else "synthetic",
        seed=int(str(data.get("seed", 7))),
        start=str(start) if start else None,
        end=str(end) if end else None,
    )
    return market.tables["events"]


def _settings(reps: int, block: int, seed: int) -> AnalysisSettings:
    # Imported here, not at the top: the bootstrap pulls in arch, which every other command
    # (and ``alvh --help``) would otherwise load at start-up.
    from alvh.report.analysis import AnalysisSettings
    from alvh.report.bootstrap import BootstrapSettings

    if reps < 10:
        raise ConfigError("--reps", reps, "at least 10 bootstrap replications")
    return AnalysisSettings(
        BootstrapSettings(reps=reps, block_sessions=block if block > 0 else None, seed=seed)
    )


def parse_preset_tokens(text: str) -> list[tuple[str, str | None]]:
    """Parse ``none,alvh-442,alvh-442@margin`` into (hedge preset, notional base or None)."""
    from alvh.config.hedge import hedge_preset_names

    out = []
    for tok in (t.strip() for t in text.split(",")):
        if not tok:
            continue
        name, _, base = tok.partition("@")
        if name not in hedge_preset_names():
            raise ConfigError(
                "--presets", tok, f"hedge presets from {', '.join(hedge_preset_names())}"
            )
        if base and base not in ("max_loss", "margin", "spx_notional"):
            raise ConfigError("--presets", tok, "a notional base max_loss, margin or spx_notional")
        out.append((name, base or None))
    if not out:
        raise ConfigError("--presets", text, "a comma-separated list like none,alvh-442")
    return out


def compare_command(
    presets: str,
    config: Path | None,
    data: str | None,
    start: str | None,
    end: str | None,
    seed: int | None,
    store: Path | None,
    out: Path,
    reps: int,
    band: bool = False,
) -> str:
    """Return the ``alvh compare`` command line that reproduces a comparison (shell-quoted)."""
    args = ["alvh", "compare", "--presets", presets]
    for flag, v in (
        ("--config", config),
        ("--data", data),
        ("--start", start),
        ("--end", end),
        ("--seed", seed),
        ("--store", store),
    ):
        if v is not None:
            args += [flag, str(v)]
    if reps != 1000:
        args += ["--reps", str(reps)]
    if band:
        args.append("--band")
    args += ["--out", str(out)]
    return shlex.join(args)


def print_comparison(res: ComparisonResult, console: Console) -> None:
    """Print a comparison's runs and its 4/4/2 sensitivity as terminal tables."""
    from alvh.report.compare import capital_text, fmt_num

    def label(r: dict[str, object]) -> str:  # "alvh-442 (margin)" -> "alvh-442@margin": narrow
        return str(r["label"]).replace(" (", "@").replace(")", "")

    def pct(v: object, scale: float = 1.0, fmt: str = "{:.1f}") -> str:
        return fmt_num(v * scale if isinstance(v, int | float) else None, fmt)

    def add(t: Table, r: dict[str, object]) -> None:
        on = bool(r.get("hedge_enabled"))
        t.add_row(
            label(r),
            fmt_num(r.get("cagr_pct")),
            fmt_num(r.get("excess_cagr_pct")),
            pct(r.get("max_drawdown_pct")),
            pct(r.get("vs_none_dd_reduction"), 100.0) if on else "-",
            fmt_num(r.get("hedge_cost_pct_per_month"), "{:.2f}") if on else "-",
            pct(r.get("costs_pct_of_credit")),
        )

    def table(title: str) -> Table:
        t = Table(title=title)
        # Short headers, explained below the table, so 80 columns hold it unwrapped.
        t.add_column("run", justify="left", overflow="fold", min_width=12)
        for h in ("CAGR%", "xcash%", "maxDD%", "DDcut%", "hedge%/mo", "costs%"):
            t.add_column(h, justify="right", no_wrap=True)
        return t

    cap = capital_text(res.meta.get("capital_base_usd"))
    rows = res.rows
    sizing = sorted({str(r.get("sizing_label", "")) for r in rows})
    cash = next((r.get("cash_cagr_pct") for r in rows if r.get("cash_cagr_pct") is not None), None)
    t = table(f"Runs ({' / '.join(sizing)}; capital base {cap})")
    for r in rows:
        add(t, r)
    console.print(t)
    claims = Table(title="The hedge's three claims")
    claims.add_column("run", justify="left", overflow="fold", min_width=12)
    for h in ("drawdown cut", "surprise losses", "hedge cost"):
        claims.add_column(h, justify="left", no_wrap=True)
    for r in rows:
        claims.add_row(label(r), *(_verdict(r, n) for n in (1, 2, 3)))
    console.print(claims)
    by_label = {str(r["label"]): r for r in rows}
    sens = res.sensitivity
    if sens:
        s = table("Sensitivity: readings of 4/4/2 and notional bases")
        for row in sens:
            add(s, by_label[str(row["label"])])
        console.print(s)
    band_runs = sorted({str(r.get("band_runs")) for r in rows if r.get("claim1_band_kind")})
    console.print(
        f"CAGR% of each book; xcash%: its CAGR over cash alone (T-bills: {fmt_num(cash)}% a "
        "year); maxDD%: whole-period max drawdown; DDcut%: 1 - maxDD / maxDD of the run without "
        "a hedge (same sizing on own equity: matched risk); hedge%/mo: net hedge cost in % of "
        "capital a month; costs%: spread and fees in % of the condor credit collected."
    )
    console.print(
        "Claims (docs/report.md): drawdown cut 35-40% in FOMC/CPI stress; surprise losses: "
        "unhedged > 40%, hedged rarely > 18%; hedge cost 0.3-0.7% of capital a month. "
        "holds / fails / open (undecided) / depends (on an assumption of its band: see the "
        "headline) / n/a (no hedge)"
        + (f"; judged across bands of {', '.join(band_runs)} runs." if band_runs else ".")
    )
    for r in rows:
        if r.get("twin_sizing_note"):
            console.print(str(r["twin_sizing_note"]))


_STYLE = {"holds": "green", "does not hold": "red", "fails": "red", "inconclusive": "yellow"}
_WORD = {"does not hold": "fails", "inconclusive": "open"}


def _verdict(r: dict[str, object], n: int) -> str:
    """Return a claim's verdict in a word: the band's when a band ran, else the single run's."""
    kind = r.get(f"claim{n}_band_kind")
    if not r.get("hedge_enabled"):
        return "n/a"
    if isinstance(kind, str):
        if kind == "depends":
            return "[yellow]depends[/]"
        return f"[{_STYLE.get(kind, '')}]{_WORD.get(kind, kind)}[/]"
    v = str(r.get(f"claim{n}"))
    return f"[{_STYLE.get(v, '')}]{_WORD.get(v, v)}[/]"


def run_bands(
    run_dirs: list[Path],
    configs: list[RunConfig],
    market: MarketData,
    events: pd.DataFrame,
    settings: AnalysisSettings,
    out: Path,
    console: Console,
) -> dict[str, BandRuns]:
    """Run the verdict band of every hedged run; return its claims per row label.

    The base run is the comparison's own run; each other scenario (``band_scenarios``) is a
    full backtest through the public API, written under ``out/<run>/<n>-<axis>``.
    """
    import time

    from alvh.backtest import run_backtest
    from alvh.report.band import band_scenarios
    from alvh.report.compare import claim_verdicts
    from alvh.report.rundir import load_run

    t0, n_runs, n_reused = time.perf_counter(), 0, 0
    # A scenario equal to a run already made (another preset of the comparison, or another
    # band's scenario) reuses it: same config, same data, same result.
    done: dict[str, Path] = {c.model_dump_json(): d for d, c in zip(run_dirs, configs, strict=True)}
    verdicts: dict[Path, tuple[str, str, str]] = {}
    bands: dict[str, BandRuns] = {}
    for d, cfg in zip(run_dirs, configs, strict=True):
        if cfg.hedge.rule == "none":
            continue
        runs: list[tuple[str, str, tuple[str, str, str]]] = []
        for i, sc in enumerate(band_scenarios(cfg)):
            key = sc.config.model_dump_json()
            folder = done.get(key)
            if folder is None:
                slug = "".join(ch if ch.isalnum() else "-" for ch in f"{sc.axis}-{sc.level}")
                folder = out / d.name / f"{i:02d}-{slug.strip('-')}"
                console.print(f"band of {d.name}: {sc.label} ...")
                run_backtest(sc.config, market, folder)
                done[key] = folder
                n_runs += 1
            elif sc.axis != "base":
                n_reused += 1
            if folder not in verdicts:
                verdicts[folder] = claim_verdicts(folder, events, settings)
            runs.append((sc.axis, sc.level, verdicts[folder]))
        bands[load_run(d).label] = runs
    console.print(
        f"verdict bands: {n_runs} extra runs ({n_reused} scenarios reused a run already made) "
        f"in {time.perf_counter() - t0:.0f} s (one assumption moved at a time; docs/report.md)"
    )
    return bands


def register(app: typer.Typer) -> None:
    """Add the ``report`` and ``compare`` commands."""

    @app.command("report")
    def report(
        run_dir: Path = typer.Argument(..., help="A run directory written by 'alvh backtest'."),
        out: Path | None = typer.Option(
            None, "--out", help="HTML file (default RUN_DIR/report/report.html)."
        ),
        events: bool = typer.Option(
            True, "--events/--no-events", help="Load FOMC/CPI/PPI dates from the run's data."
        ),
        reps: int = typer.Option(1000, help="Bootstrap replications."),
        block: int = typer.Option(
            20, help="Mean bootstrap block length in sessions (0: automatic)."
        ),
        seed: int = typer.Option(20240101, help="Bootstrap seed."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Write a run's evidence report (HTML with charts) and print its summary."""
        from alvh.report.tearsheet import build_report, print_summary
        from alvh.runs import read_summary

        console = Console()
        summary = read_summary(run_dir)
        ev = None
        if events:
            try:
                ev = events_for_summary(summary, store)
            except AlvhError as e:
                console.print(f"[yellow]warning:[/] no macro events ({e}); event study skipped")
        with (
            console.status("writing the report (bootstrap, charts) ...")
            if is_terminal()
            else nullcontext()
        ):
            result = build_report(run_dir, out, ev, _settings(reps, block, seed))
        print_summary(result, console)

    @app.command("compare")
    def compare(
        presets: str = typer.Option(
            "none,alvh-442",
            "--presets",
            help="Hedge presets, comma-separated; NAME@BASE sets the notional base (max_loss, margin, spx_notional).",
        ),
        config: Path | None = typer.Option(
            None, "--config", help="Base run config TOML (default: preset ic-ladder)."
        ),
        data: str | None = typer.Option(None, "--data", help="synthetic or store."),
        start: str | None = typer.Option(None, help="First session (YYYY-MM-DD)."),
        end: str | None = typer.Option(None, help="Last session (YYYY-MM-DD)."),
        seed: int | None = typer.Option(None, help="Seed of the synthetic market."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
        out: Path = typer.Option(
            Path("out/compare"), "--out", help="Folder for the runs and the comparison."
        ),
        reps: int = typer.Option(1000, help="Bootstrap replications."),
        band: bool = typer.Option(
            False,
            "--band/--no-band",
            help="Judge each claim across its band of assumptions (costs, surface error, "
            "readings of 4/4/2, notional bases): more runs, one assumption moved at a time.",
        ),
    ) -> None:
        """Run several hedge presets on the same data and write one comparison report.

        Also writes OUT/headline.md: the command, data id, period, tables and verdicts as a
        markdown block for the README.
        """
        from alvh.cli.backtest import (
            data_line,
            market_for,
            resolve_config,
            run_with_progress,
            warn_config,
        )
        from alvh.cli.options import check_data_source
        from alvh.config.load import config_with_overrides
        from alvh.report.compare import compare_runs
        from alvh.report.headline import write_headline

        console = Console()
        tokens = parse_preset_tokens(presets)
        data = check_data_source(data, store)
        base = resolve_config(config, None if config else "ic-ladder", start, end, data, seed)
        warn_config(base, Console(stderr=True))
        market = market_for(base, store)
        console.print(data_line(market), highlight=False)
        run_dirs: list[Path] = []
        configs = []
        for name, notional in tokens:
            cfg = resolve_config(
                config, None if config else "ic-ladder", start, end, data, seed, name
            )
            if notional is not None:
                cfg = config_with_overrides(cfg, **{"hedge.sizing.notional_base": notional})
            folder = out / (name + (f"@{notional}" if notional else ""))
            console.print(f"running {folder.name} ({len(run_dirs) + 1}/{len(tokens)}) ...")
            run_dirs.append(run_with_progress(cfg, market, folder, console, folder.name))
            configs.append(cfg)
        settings = _settings(reps, 20, 20240101)
        events = market.tables["events"]
        bands = (
            run_bands(run_dirs, configs, market, events, settings, out / "band", console)
            if band
            else None
        )
        with (
            console.status("comparing the runs (bootstrap) ...") if is_terminal() else nullcontext()
        ):
            res = compare_runs(run_dirs, out, events=events, settings=settings, bands=bands)
        print_comparison(res, console)
        command = compare_command(presets, config, data, start, end, seed, store, out, reps, band)
        headline = write_headline(out, command)
        console.print(f"comparison: {res.html_path}; sensitivity: {res.sensitivity_md}")
        console.print(f"headline (markdown for the README): {headline}")
