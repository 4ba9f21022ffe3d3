"""A sweep on the real store: rows equal separate backtests through the 2020 crash, and each
row's claims equal ``alvh report``'s on that run."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alvh.backtest import run
from alvh.cli.report import events_for_summary
from alvh.config.load import config_with_overrides, load_preset
from alvh.market.store import Store, import_paths
from alvh.report.analysis import analyze_run
from alvh.report.rundir import load_run
from alvh.runs import read_summary, summary_dict
from alvh.sweep.grid import parse_vary
from alvh.sweep.runner import run_sweep
from alvh.sweep.task import market_for_run

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def test_store_sweep_rows_equal_separate_runs_through_the_2020_crash(
    shared_data: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    files = sorted(p for p in shared_data.iterdir() if p.is_file() and p.suffix in (".csv", ".gz"))
    import_paths(Store(store), files)
    base = config_with_overrides(
        load_preset("ic-ladder"),
        **{"data.source": "store", "data.start": date(2020, 1, 2), "data.end": date(2020, 6, 30)},
    )
    o = run_sweep(
        base,
        [parse_vary("hedge.preset=none,alvh-442")],
        tmp_path / "sw",
        workers=0,
        store=store,
        keep_runs=True,
    )
    t = o.table.set_index("hedge.preset")
    assert (t["status"] == "ok").all(), t["error"].tolist()
    assert t["data_id"].nunique() == 1 and not t["data_id"].iloc[0].startswith("syn-")
    for preset in ("none", "alvh-442"):
        cfg = config_with_overrides(base, **{"hedge.preset": preset})
        market, _ = market_for_run(cfg, str(store))
        books: Any = summary_dict(run(cfg, market))["books"]
        h = books["hedged"]
        for col, v in (
            ("max_drawdown_pct", h["max_drawdown"]["max_drawdown_pct"]),
            ("cagr_pct", h["cagr_pct"]),
            ("sharpe", h["sharpe"]),
            ("worst_month_pct", h["worst_month_pct"]),
        ):
            assert isinstance(v, float), (col, v)
            assert math.isclose(t.loc[preset, col], v, rel_tol=1e-12), col
    # Unhedged, both books are one book; the hedge changes the hedged book in March 2020.
    assert t.loc["none", "hedge_cost_pct_per_month"] == 0.0
    assert t.loc["none", "cagr_pct"] == t.loc["none", "unhedged_cagr_pct"]
    assert t.loc["alvh-442", "max_drawdown_pct"] != t.loc["none", "max_drawdown_pct"]
    # Own sizing (the default, matched risk): the hedged book sizes its condors on its own
    # equity and its twin holds the same condors, so once the hedge moves the hedged equity the
    # twin of alvh-442 is not the none run's book (under twin sizing they would be equal).
    assert t.loc["alvh-442", "unhedged_cagr_pct"] != t.loc["none", "unhedged_cagr_pct"]
    # The claims on real FOMC/CPI/PPI dates: each row's verdicts are what `alvh report` says of
    # that config's run directory (its own events, its default bootstrap).
    for preset in ("none", "alvh-442"):
        kept = tmp_path / "sw" / "runs" / str(t.loc[preset, "config_hash"])
        a = analyze_run(load_run(kept), events_for_summary(read_summary(kept), store))
        for c in a.claims:
            assert t.loc[preset, f"claim{c.number}_verdict"] == c.verdict, (preset, c.number)
        if preset == "alvh-442":
            assert a.claims[0].extra["n_windows"] == t.loc[preset, "claim1_n_windows"] >= 10
            assert math.isclose(
                t.loc[preset, "claim3_cost_pct_per_month"], a.claims[2].estimate.value, rel_tol=1e-6
            )
