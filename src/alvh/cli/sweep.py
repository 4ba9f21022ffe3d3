"""``alvh sweep``: run a grid (or a random draw) of configs on Dask into one results table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console


def _fmt_s(s: float | None) -> str:
    if s is None:
        return "?"
    m, sec = divmod(round(s), 60)
    return f"{m}m{sec:02d}s" if m else f"{sec}s"


def _n(v: object, spec: str = ".2f") -> str:
    return "n/a" if not isinstance(v, int | float) else format(v, spec)


def _heat_keys(text: str | None, varies: list[Any]) -> tuple[str, str] | None:
    """Return the two keys of ``--heat KEY1,KEY2`` checked against the varied keys (or None)."""
    from alvh.errors import ConfigError
    from alvh.sweep.page import heat_pairs

    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise ConfigError("--heat", text, "two varied keys separated by a comma")
    pair = (parts[0], parts[1])
    if len(varies) < 2:
        raise ConfigError("--heat", text, "a sweep with at least two --vary keys")
    heat_pairs(varies, pair)  # checks both keys
    return pair


def verdict_lines(table: Any) -> list[str]:
    """Return one line per claim: how many ok configs it holds, fails or is inconclusive in."""
    ok = table[table["status"] == "ok"]
    if ok.empty or "claim1_verdict" not in ok:
        return []
    lines = []
    for n in (1, 2, 3):
        v = ok[f"claim{n}_verdict"].replace("", "n/a").value_counts()
        counts = ", ".join(f"{k} {int(v[k])}" for k in sorted(v.index, key=str))
        line = f"claim {n} across {len(ok)} configs: {counts}"
        kinds = ok.get(f"claim{n}_band_kind")
        if kinds is not None and (kinds != "").any():
            k = kinds[kinds != ""].value_counts()
            line += "; across its band: " + ", ".join(
                f"{x} {int(k[x])}" for x in sorted(k.index, key=str)
            )
        lines.append(line)
    return lines


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command."""

    @app.command("sweep")
    def sweep(
        config: Path | None = typer.Argument(None, help="Base run config TOML file."),
        preset: str | None = typer.Option(None, "--preset", help="Base preset: ic-ladder, cndr."),
        vary: list[str] = typer.Option(
            [],
            "--vary",
            help="KEY=V1,V2,... a config path and its values, e.g. "
            "tiers[0].strikes.short_delta=0.1,0.16 or hedge.preset=none,alvh-442 (repeatable; "
            "the grid is every combination).",
        ),
        random: int | None = typer.Option(
            None, "--random", help="Run only N configs drawn at random from the grid."
        ),
        seed: int = typer.Option(0, "--seed", help="Seed of the --random draw."),
        data: str | None = typer.Option(None, "--data", help="synthetic or store."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
        start: str | None = typer.Option(None, help="First session (YYYY-MM-DD)."),
        end: str | None = typer.Option(None, help="Last session (YYYY-MM-DD)."),
        out: Path = typer.Option(Path("out/sweep"), "--out", help="Sweep folder (resumable)."),
        workers: int = typer.Option(
            2, "--workers", help="Dask worker processes of a local cluster (0: in this process)."
        ),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="Use an existing Dask cluster: tcp://HOST:PORT."
        ),
        select: str = typer.Option(
            "sharpe",
            "--select",
            help="Metric that picks the best config for the luck figures (luck.json).",
        ),
        walk: str | None = typer.Option(
            None,
            "--walk-forward",
            help="train=5y,test=1y: pick the best config by --select on each training window, "
            "apply it to the next test window (walk_forward.csv/json).",
        ),
        heat: str | None = typer.Option(
            None,
            "--heat",
            help="KEY1,KEY2: the two varied keys of the heat map shown first (default the first "
            "two --vary); the page switches to any other pair.",
        ),
        keep_runs: bool = typer.Option(
            False, "--keep-runs", help="Keep each config's run directory under OUT/runs/."
        ),
        band: str | None = typer.Option(
            None,
            "--band",
            help="costs, surface or all: judge each hedged config's claims across that "
            "assumption band too, as alvh compare --band (two more runs per axis and config).",
        ),
    ) -> None:
        """Backtest every combination of --vary values; one row per config in results.parquet/csv.

        Every key and value is checked before anything runs. Rerun the same command to resume a
        sweep that was stopped: only configs without a row run. luck.json holds the best config
        by --select with its deflated Sharpe ratio, PBO (CSCV) and SPA p-value.
        """
        from alvh.cli.backtest import resolve_config
        from alvh.sweep.grid import grid_size, parse_vary
        from alvh.sweep.luck import check_select, luck_lines, luck_report
        from alvh.sweep.page import write_page
        from alvh.sweep.runner import Progress, run_sweep

        err = Console(stderr=True)
        cfg = resolve_config(config, preset, start, end, data, None)
        check_select(select)
        from alvh.sweep.band import parse_band
        from alvh.sweep.walkforward import parse_walk_forward, walk_forward

        wf_spec = parse_walk_forward(walk) if walk is not None else None
        bands = parse_band(band)
        varies = [parse_vary(v) for v in vary]
        heat_keys = _heat_keys(heat, varies)
        n_grid = grid_size(varies)
        n = n_grid if random is None else min(random, n_grid)
        where = scheduler or (f"{workers} local worker processes" if workers else "this process")
        err.print(f"sweep: {n} of {n_grid} configs on {cfg.data.source} data, {where} -> {out}")

        live = sys.stderr.isatty()
        status = err.status("starting workers...") if live else None
        if status is not None:
            status.start()

        def show(p: Progress) -> None:
            if status is not None:
                status.update(
                    f"{p.done}/{p.total} done, {p.failed} failed, {p.rate_per_s * 60:.1f}/min, "
                    f"ETA {_fmt_s(p.eta_s)}" + (f" ({p.skipped} already done)" if p.skipped else "")
                )

        try:
            o = run_sweep(
                cfg,
                varies,
                out,
                n_random=random,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                store=store,
                keep_runs=keep_runs,
                band=bands,
                progress=show,
            )
        finally:
            if status is not None:
                status.stop()
        ok = int((o.table["status"] == "ok").sum())
        err.print(
            f"{o.n_points} configs: {o.n_run} run now, {o.n_skipped} already done; "
            f"{ok} ok, {len(o.table) - ok} failed"
        )
        failed = o.table[o.table["status"] != "ok"]
        for r in failed.head(5).itertuples(index=False):
            err.print(f"  failed {r.config_hash}: {r.error}", highlight=False, soft_wrap=True)
        luck = luck_report(o.out, o.table, select)
        for line in luck_lines(luck):
            err.print(line, highlight=False)
        for line in verdict_lines(o.table):
            err.print(line, highlight=False)
        wf = walk_forward(o.out, o.table, wf_spec, select) if wf_spec is not None else None
        page = write_page(o.out, o.table, varies, select, luck, heat=heat_keys, walk=wf)
        if wf is not None:
            if "out_of_sample" in wf:
                a, b = wf["out_of_sample"], wf["insample_best_same_sessions"]
                err.print(
                    f"walk-forward ({len(wf['windows'])} windows, {a['start']}..{a['end']}): "
                    f"out of sample CAGR {_n(a['cagr_pct'])}%, Sharpe {_n(a['sharpe'])}, max DD "
                    f"{_n(a['max_drawdown_pct'], '.1f')}%; in-sample best over the same sessions "
                    f"CAGR {_n(b['cagr_pct'])}%, Sharpe {_n(b['sharpe'])}",
                    highlight=False,
                )
            else:
                err.print(f"walk-forward: {wf['reason']}")
        Console().print(f"results: {o.results_parquet}, {o.results_csv}, {page}")
