"""A sweep's rows against separate backtests; resume after a stop; failures; Dask workers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.backtest import run_backtest
from alvh.config.run import RunConfig
from alvh.errors import ConfigError
from alvh.sweep import SweepError
from alvh.sweep.grid import Vary, parse_vary, sweep_points
from alvh.sweep.runner import Progress, SweepOutcome, run_sweep
from alvh.sweep.task import market_for_run


def _metric(v: object) -> float:
    if isinstance(v, dict):
        v = v.get("value")
    return math.nan if v is None else float(v)  # type: ignore[arg-type]


def test_each_row_equals_a_separate_backtest(
    serial_sweep: SweepOutcome, base_config: RunConfig, varies: list[Vary], tmp_path: Path
) -> None:
    t = serial_sweep.table
    assert len(t) == 4 and (t["status"] == "ok").all()
    for p in sweep_points(base_config, varies):
        market, _ = market_for_run(p.config, None)
        run_dir = run_backtest(p.config, market, tmp_path / p.config_hash)
        s = json.loads((run_dir / "summary.json").read_text())
        h, u = s["books"]["hedged"], s["books"]["unhedged"]
        row = t[t["config_hash"] == p.config_hash].iloc[0]
        assert row["run_id"] == s["run_id"]
        assert row["data_id"] == s["data"]["data_id"]
        for col, v in [
            ("cagr_pct", h["cagr_pct"]),
            ("volatility_pct", h["volatility_pct"]),
            ("sharpe", h["sharpe"]),
            ("sortino", h["sortino"]),
            ("max_drawdown_pct", h["max_drawdown"]["max_drawdown_pct"]),
            ("worst_month_pct", h["worst_month_pct"]),
            ("end_equity_usd", h["end_equity_usd"]),
            ("unhedged_cagr_pct", u["cagr_pct"]),
            ("unhedged_max_drawdown_pct", u["max_drawdown"]["max_drawdown_pct"]),
            ("return_over_cash_pct", h["excess_cagr_pct"]),
        ]:
            np.testing.assert_allclose(row[col], _metric(v), rtol=1e-12, err_msg=col)
        # Hedge cost by hand from equity.csv: net hedge P&L per calendar month with >= 15
        # sessions, as % of the initial capital, sign flipped (a cost is positive), averaged.
        eq = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=["date"])
        pnl = eq[[c for c in eq.columns if c.startswith("pnl_hedge_")]].sum(axis=1)
        months = pnl.groupby(pnl.index.to_period("M")).agg(["sum", "size"])
        full = months[months["size"] >= 15]
        expect = float((-full["sum"] / p.config.capital.initial_usd * 100.0).mean())
        # equity.csv holds 6 decimals: 1e-8 relative is well above that rounding.
        np.testing.assert_allclose(row["hedge_cost_pct_per_month"], expect, rtol=1e-8, atol=1e-12)
        if p.varied["hedge.preset"] == "none":
            assert row["hedge_cost_pct_per_month"] == 0.0
            # Unhedged: both books are the same book.
            assert row["cagr_pct"] == row["unhedged_cagr_pct"]


def test_row_verdicts_equal_alvh_report_on_the_same_run(
    serial_sweep: SweepOutcome, base_config: RunConfig, varies: list[Vary], tmp_path: Path
) -> None:
    """Each row's three claims equal what ``alvh report`` says of a separate backtest."""
    from alvh.cli.report import events_for_summary
    from alvh.report.analysis import AnalysisSettings, analyze_run
    from alvh.report.rundir import load_run

    t = serial_sweep.table
    for p in sweep_points(base_config, varies):
        market, _ = market_for_run(p.config, None)
        run_dir = run_backtest(p.config, market, tmp_path / p.config_hash)
        run = load_run(run_dir)
        # The report's own path: events of the run's market, its default bootstrap settings.
        a = analyze_run(run, events_for_summary(run.summary), AnalysisSettings())
        row = t[t["config_hash"] == p.config_hash].iloc[0]
        c1, c2, c3 = a.claims
        assert [row["claim1_verdict"], row["claim2_verdict"], row["claim3_verdict"]] == [
            c1.verdict,
            c2.verdict,
            c3.verdict,
        ]
        if p.varied["hedge.preset"] == "none":
            assert {c1.verdict, c2.verdict, c3.verdict} == {"n/a"}
            assert math.isnan(row["claim1_dd_cut_pct"]) and math.isnan(row["claim3_cost_lo_pct"])
            continue
        assert "n/a" not in {c1.verdict, c2.verdict, c3.verdict}
        # The numbers behind them, from the in-memory table against equity.csv's 6 decimals.
        for col, v in [
            ("claim1_dd_cut_pct", c1.estimate.value * 100),
            ("claim1_dd_cut_lo_pct", c1.estimate.lo * 100),
            ("claim1_dd_cut_hi_pct", c1.estimate.hi * 100),
            ("claim1_n_windows", c1.extra["n_windows"]),
            ("claim2_unhedged_worst_loss_pct", c2.estimate.value),
            ("claim3_cost_pct_per_month", c3.estimate.value),
            ("claim3_cost_lo_pct", c3.estimate.lo),
            ("claim3_cost_hi_pct", c3.estimate.hi),
        ]:
            np.testing.assert_allclose(row[col], float(v), rtol=1e-6, atol=1e-9, err_msg=col)  # type: ignore[arg-type]
        assert row["claim1_n_windows"] >= 3  # a quarter holds FOMC and CPI releases


def test_varied_values_and_equity_are_kept_per_row(serial_sweep: SweepOutcome) -> None:
    t = serial_sweep.table
    assert list(t["tiers[0].strikes.short_delta"]) == [0.1, 0.1, 0.16, 0.16]
    assert list(t["hedge.preset"]) == ["none", "alvh-442", "none", "alvh-442"]
    # The wider short strike (0.1 delta) and the narrower one are different books.
    assert t.loc[0, "cagr_pct"] != t.loc[2, "cagr_pct"]
    for h in t["config_hash"]:
        eq = pd.read_parquet(serial_sweep.out / "equity" / f"{h}.parquet")
        assert list(eq.columns) == ["hedged_equity_usd", "unhedged_equity_usd"]
    on_disk = pd.read_parquet(serial_sweep.results_parquet)
    pd.testing.assert_frame_equal(on_disk, t)
    csv = pd.read_csv(serial_sweep.results_csv)
    np.testing.assert_allclose(csv["sharpe"], t["sharpe"], rtol=1e-9)


def test_stopped_sweep_rerun_gives_the_uninterrupted_table(
    serial_sweep: SweepOutcome, base_config: RunConfig, varies: list[Vary], tmp_path: Path
) -> None:
    out = tmp_path / "stopped"

    def stop_after_two(p: Progress) -> None:
        if p.done == 2:
            raise KeyboardInterrupt  # as a Ctrl-C between two configs

    with pytest.raises(KeyboardInterrupt):
        run_sweep(base_config, varies, out, workers=0, progress=stop_after_two)
    assert len(list((out / "rows").glob("*.json"))) == 2
    assert not (out / "results.csv").exists()
    # A row file half-written when the process died is a temp file: it does not count.
    (out / "rows" / ".deadbeef.json.123.partial").write_text('{"index": 0')
    again = run_sweep(base_config, varies, out, workers=0)
    assert (again.n_run, again.n_skipped) == (2, 2)
    pd.testing.assert_frame_equal(again.table, serial_sweep.table)
    assert again.results_csv.read_bytes() == serial_sweep.results_csv.read_bytes()
    # A third run has nothing left to do and writes the same table.
    third = run_sweep(base_config, varies, out, workers=0)
    assert (
        third.n_run == 0 and third.results_csv.read_bytes() == serial_sweep.results_csv.read_bytes()
    )


def test_other_arguments_into_the_same_folder_are_refused(
    serial_sweep: SweepOutcome, base_config: RunConfig, tmp_path: Path
) -> None:
    out = tmp_path / "s"
    run_sweep(base_config, [parse_vary("hedge.preset=none")], out, workers=0)
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(base_config, [parse_vary("hedge.preset=none,vxth")], out, workers=0)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not a sweep folder"):
        run_sweep(base_config, [parse_vary("hedge.preset=none")], tmp_path / "other", workers=0)


def test_bad_key_refused_before_anything_runs(base_config: RunConfig, tmp_path: Path) -> None:
    out = tmp_path / "never"
    with pytest.raises(ConfigError, match="short_delt"):
        run_sweep(base_config, [parse_vary("tiers[0].strikes.short_delt=0.1")], out, workers=0)
    assert not out.exists()


def test_failing_config_records_its_error_and_the_sweep_goes_on(
    base_config: RunConfig, varies: list[Vary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alvh.backtest

    real = alvh.backtest.run

    def flaky(cfg: RunConfig, data: object, progress: object = None, **kw: bool) -> object:
        if (
            getattr(cfg.tiers[0].strikes, "short_delta", None) == 0.16
            and cfg.hedge.preset == "none"
        ):
            raise ZeroDivisionError("boom")
        return real(cfg, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(alvh.backtest, "run", flaky)
    o = run_sweep(base_config, varies, tmp_path / "f", workers=0)
    assert o.n_failed == 1
    t = o.table.set_index("index")
    assert t.loc[2, "status"] == "error" and t.loc[2, "error"] == "ZeroDivisionError: boom"
    assert math.isnan(t.loc[2, "sharpe"])
    assert (t.drop(index=2)["status"] == "ok").all()


@pytest.mark.slow
def test_two_worker_local_cluster_gives_the_same_table(
    serial_sweep: SweepOutcome, base_config: RunConfig, varies: list[Vary], tmp_path: Path
) -> None:
    o = run_sweep(base_config, varies, tmp_path / "dask", workers=2, keep_runs=True)
    pd.testing.assert_frame_equal(o.table, serial_sweep.table)
    # Each worker process loaded the market once, however many configs it ran.
    assert 1 <= len(o.market_loads) <= 2 and set(o.market_loads.values()) == {1}
    # The first config of each worker is the one that loaded the market (the warm-up).
    assert len(o.warm_up) == len(o.market_loads) and o.warm_up <= set(o.task_seconds)
    assert all(v > 0 for v in o.task_cpu_seconds.values())
    kept = json.loads(
        (tmp_path / "dask" / "runs" / o.table.loc[1, "config_hash"] / "summary.json").read_text()
    )
    assert kept["run_id"] == o.table.loc[1, "run_id"]


def test_row_numbers_are_the_same_whether_or_not_the_orders_are_priced(
    base_config: RunConfig, tmp_path: Path
) -> None:
    """A row skips pricing orders.csv (a tenth of a run) unless --keep-runs keeps the run."""
    from alvh.config.load import canonical_json, config_with_overrides
    from alvh.sweep.task import run_config

    cfg = config_with_overrides(base_config, **{"hedge.preset": "alvh-442"})
    lean = run_config(canonical_json(cfg))
    kept = run_config(canonical_json(cfg), None, str(tmp_path / "run"))
    assert lean.row["status"] == kept.row["status"] == "ok"
    assert lean.row.keys() == kept.row.keys()
    for k, v in lean.row.items():
        w = kept.row[k]
        assert v == w or (isinstance(v, float) and math.isnan(v) and math.isnan(w)), k
    pd.testing.assert_frame_equal(lean.equity, kept.equity, check_exact=True)
    # The kept run's orders.csv is priced (model and limit prices of every order).
    orders = pd.read_csv(tmp_path / "run" / "orders.csv")
    assert len(orders) and orders["model_price"].notna().all()


def test_band_judges_each_hedged_row_across_costs_and_surface(
    base_config: RunConfig, tmp_path: Path
) -> None:
    """--band costs,surface: each hedged row's claims across the four moved runs, folded as
    ``alvh compare --band`` folds them; an unhedged row is n/a without extra runs."""
    from alvh.config.load import canonical_json, config_with_overrides
    from alvh.report.band import band_verdict
    from alvh.sweep.task import run_config

    varies = [parse_vary("hedge.preset=none,alvh-442")]
    o = run_sweep(base_config, varies, tmp_path / "b", workers=0, band=("costs", "surface"))
    t = o.table.set_index("hedge.preset")
    assert t.loc["none", "band_runs"] == 1 and t.loc["none", "claim1_band"] == "n/a"
    row = t.loc["alvh-442"]
    assert row["band_runs"] == 5
    hedged = config_with_overrides(base_config, **{"hedge.preset": "alvh-442"})
    moves: list[tuple[str, str, dict[str, object]]] = [
        ("costs", "low (spread band)", {"execution.spread_band": "low"}),
        ("costs", "high (spread band)", {"execution.spread_band": "high"}),
        ("surface", "model IV x0.95", {"assumptions.iv_scale": 0.95}),
        ("surface", "model IV x1.05", {"assumptions.iv_scale": 1.05}),
    ]
    rows = {
        lv: run_config(canonical_json(config_with_overrides(hedged, **over))).row
        for _, lv, over in moves
    }
    for n in (1, 2, 3):
        runs = [("base", "base", row[f"claim{n}_verdict"])]
        runs += [(ax, lv, rows[lv][f"claim{n}_verdict"]) for ax, lv, _ in moves]
        b = band_verdict(runs)
        assert (row[f"claim{n}_band"], row[f"claim{n}_band_kind"]) == (b.text, b.kind)
    # The moved runs are other books: the high-cost run's hedge costs more than the low one's.
    lo, hi = rows["low (spread band)"], rows["high (spread band)"]
    assert hi["claim3_cost_pct_per_month"] > lo["claim3_cost_pct_per_month"]
    # Another --band into the same folder is another sweep.
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(base_config, varies, tmp_path / "b", workers=0, band=("costs",))
