"""Run directories for the web dashboard tests, written by hand (no engine, no real data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from alvh.engine.journal import write_journal_atomically
from alvh.strategy.rules import JournalEntry

# The hand run: four sessions over two months, equity 1,000,000 -> 1,100,000 -> 990,000 ->
# 1,089,000 (hedged). Drawdown from the running peak: 0, 0, 990/1100 - 1 = -10 %, 1089/1100 - 1
# = -1 %. Month ends: Jan 1,100,000 (over the start 1,000,000: +10 %), Feb 1,089,000 (over
# 1,100,000: -1 %).
# The day the Book page tests read their book on (its positions were opened before it).
BOOK_DAY = "2026-09-15"
HAND_DATES = ["2020-01-30", "2020-01-31", "2020-02-03", "2020-02-28"]
HAND_HEDGED = [1_000_000.0, 1_100_000.0, 990_000.0, 1_089_000.0]
HAND_UNHEDGED = [1_000_000.0, 1_050_000.0, 1_000_000.0, 1_000_000.0]
HAND_COSTS = [0.0, 12.5, 0.0, 7.5]  # cumulative 0, 12.5, 12.5, 20
# 30 journal rows on 2020-01-31 (rules r.00 .. r.29) so paging has something to page.
HAND_RULES = 30


def write_hand_run(out: Path) -> Path:
    """Write the hand run directory described above to ``out``."""
    out.mkdir(parents=True)
    summary = {
        "run_id": "hand0001",
        "alvh_version": "0.0.0",
        "data": {"kind": "synthetic", "data_id": "syn-hand", "description": "written by hand"},
        "period": {"start": HAND_DATES[0], "end": HAND_DATES[-1]},
        "sessions": 4,
        "config": {"name": "hand-preset", "hedge": {"preset": "hand-hedge"}},
        "definitions": {"capital_base_usd": 1_000_000.0},
        "books": {
            "hedged": {"cagr_pct": 12.5, "max_drawdown": {"max_drawdown_pct": -10.0}},
            # Fields missing or of another type must show blank, not break the page.
            "unhedged": {"cagr_pct": "n/a", "sharpe": None},
        },
        "a_field_from_a_newer_version": {"x": 1},
    }
    (out / "summary.json").write_text(json.dumps(summary))
    pd.DataFrame(
        {
            "date": HAND_DATES,
            "hedged_equity_usd": HAND_HEDGED,
            "unhedged_equity_usd": HAND_UNHEDGED,
            "hedged_margin_usd": [0.0, 5000.0, 5000.0, 0.0],
            "costs_usd": HAND_COSTS,
            "pnl_tier_short_usd": [0.0, 50_000.0, -50_000.0, 0.0],
            "pnl_hedge_vx_futures_usd": [0.0, 50_000.0, -60_000.0, 99_000.0],
            "spx": [3200.0, 3225.5, 3240.0, 2954.2],
            "vix": [14.0, 18.8, 17.0, 40.1],
        }
    ).to_csv(out / "equity.csv", index=False)
    pd.DataFrame(
        {
            "date": ["2020-01-31", "2020-02-03", "2020-02-28"],
            "layer": ["vx_futures"] * 3,
            "instrument": ["vx_futures"] * 3,
            "contracts": [2.0, 2.0, 5.0],
            "market_value_usd": [0.0, 10.0, 20.0],
        }
    ).to_csv(out / "hedge_layers.csv", index=False)
    pd.DataFrame(
        {
            "date": ["2020-01-31"],
            "book": ["hedged"],
            "tier_or_layer": ["vx_futures"],
            "instrument": ["vx_future"],
            "contract": ["VXH20"],
            "side": ["buy"],
            "qty": [2.0],
            "price": [17.25],
            "fees_usd": [4.2],
            "reason": ["add layer 1 <b>tranche</b>"],  # markup in a reason must be escaped
        }
    ).to_csv(out / "trades.csv", index=False)
    pd.DataFrame(
        {
            "condor_id": [0, 1],
            "tier": ["short", "short"],
            "open_date": ["2020-01-30", "2020-01-31"],
            "close_date": ["2020-02-03", None],
            "expiry": ["2020-02-14", "2020-02-21"],
            "long_put": [3000.0, 3010.0],
            "short_put": [3025.0, 3035.0],
            "short_call": [3350.0, 3360.0],
            "long_call": [3375.0, 3385.0],
            "contracts": [3, 4],
            "credit_usd": [900.0, 1000.0],
        }
    ).to_csv(out / "condors.csv", index=False)
    day = pd.Timestamp("2020-01-31")
    entries = [
        JournalEntry(
            f"r.{i:02d}",
            {"i": i, "x_usd": 1.5 * i},
            "fired" if i == 7 else "clear",
            "add_layer" if i == 7 else "none",
            f"reason number {i}",
        )
        for i in range(HAND_RULES)
    ]
    sessions = [
        (pd.Timestamp("2020-01-30"), [JournalEntry("tier.short.entry", {}, "skipped")]),
        (day, entries),
        (pd.Timestamp("2020-02-03"), [JournalEntry("hedge.trigger.rsi", {"rsi": 71.0})]),
    ]
    write_journal_atomically(
        out / "journal.sqlite", "hand0001", {}, "syn-hand", "written by hand", sessions
    )
    return out


# The hand sweep: keys a in {1, 2}, b in {x, y}, c in {10, 20}; 8 configs in grid order (a
# slowest). sharpe = 2 a + 10 [b = y] + c / 10; cagr_pct = 2 sharpe. Config #7 (a=2, b=y,
# c=20) failed; the best is #6 (a=2, b=y, c=10): 4 + 10 + 1 = 15. Heat map of sharpe over a (x)
# and b (y), each cell the mean over c:
#   (a=1, b=x): (3 + 4) / 2 = 3.5, n 2      (a=2, b=x): (5 + 6) / 2 = 5.5, n 2
#   (a=1, b=y): (13 + 14) / 2 = 13.5, n 2   (a=2, b=y): only c=10, 15, n 1
SWEEP_KEYS = ("a", "b", "c")
SWEEP_GRID = [(a, b, c) for a in (1, 2) for b in ("x", "y") for c in (10, 20)]
SWEEP_FAILED = 7


def sweep_hash(i: int) -> str:
    """The hand sweep's config hash of grid point ``i`` (16 hex digits)."""
    return f"{i:x}" * 16  # "0000...", "1111...", ...


def hand_sharpe(a: int, b: str, c: int) -> float:
    return 2.0 * a + (10.0 if b == "y" else 0.0) + c / 10.0


# Equity of two configs over six sessions, for the walk-forward curves. Window 0 tests
# D2..D3 with config #0, window 1 tests D4..D5 with config #6. The stitched out-of-sample
# curve starts at 1 on D1 (the session before the first test window):
#   D2: 121 / 110 = 1.1, D3: 110 / 110 = 1.0, then config #6 from D3 (100): D4 1.0 x 120 / 100
#   = 1.2, D5 1.0 x 150 / 100 = 1.5 (total return +50 %).
# The in-sample best (#6) over the same sessions, over its D1 value 100: 1, .8, 1, 1.2, 1.5.
WF_DATES = ["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07", "2021-01-08", "2021-01-11"]
WF_EQUITY = {
    0: [100.0, 110.0, 121.0, 110.0, 99.0, 100.0],
    6: [100.0, 100.0, 80.0, 100.0, 120.0, 150.0],
}
WF_OOS_GROWTH = [1.0, 1.1, 1.0, 1.2, 1.5]
WF_IB_GROWTH = [1.0, 0.8, 1.0, 1.2, 1.5]


def write_hand_sweep(out: Path, keep_run_of: int | None = 6) -> Path:
    """Write the hand sweep folder to ``out``; keep config ``keep_run_of``'s run directory."""
    out.mkdir(parents=True)
    manifest = {
        "base_config_hash": "f" * 16,
        "vary": [
            {"key": "a", "values": [1, 2]},
            {"key": "b", "values": ["x", "y"]},
            {"key": "c", "values": [10, 20]},
        ],
        "random": None,
        "seed": 0,
        "points": [{"index": i, "config_hash": sweep_hash(i)} for i in range(8)],
    }
    (out / "sweep.json").write_text(json.dumps(manifest))
    rows = []
    for i, (a, b, c) in enumerate(SWEEP_GRID):
        bad = i == SWEEP_FAILED
        s = float("nan") if bad else hand_sharpe(a, b, c)
        rows.append(
            {
                "index": i,
                "config_hash": sweep_hash(i),
                "a": a,
                "b": b,
                "c": c,
                "status": "error" if bad else "ok",
                "error": "margin call <script>x</script>" if bad else None,
                "run_id": None if bad else f"run{i}",
                "data_id": "syn-hand",
                "sharpe": s,
                "cagr_pct": 2 * s,
                "volatility_pct": 10.0 + i,
                "max_drawdown_pct": -5.0 - i,
                # A column a newer alvh sweep may add: read and shown, not required.
                "claim_verdict": None if bad else ("supported" if b == "y" else "not supported"),
            }
        )
    df = pd.DataFrame(rows)
    df.to_parquet(out / "results.parquet", index=False)
    df.to_csv(out / "results.csv", index=False)
    for i, eq in WF_EQUITY.items():
        e = pd.DataFrame(
            {"hedged_equity_usd": eq, "unhedged_equity_usd": [100.0] * 6},
            index=pd.DatetimeIndex(pd.to_datetime(WF_DATES), name="date"),
        )
        (out / "equity").mkdir(exist_ok=True)
        e.to_parquet(out / "equity" / f"{sweep_hash(i)}.parquet", index=True)
    luck = {
        "select": "sharpe",
        "n_configs_tried": 7,
        "selected": {"config_hash": sweep_hash(6), "index": 6, "sharpe": 15.0},
        "deflated_sharpe": {"dsr": 0.4321, "n_trials": 7},
        "pbo": {"pbo": 0.25, "n_splits": 252, "n_blocks": 10},
        "spa": {
            "p_lower": 0.01,
            "p_consistent": 0.0375,
            "p_upper": 0.05,
            "reps": 1000,
            "benchmark": "the selected config's unhedged book",
        },
    }
    (out / "luck.json").write_text(json.dumps(luck))
    wf = {
        "select": "sharpe",
        "train_months": 12,
        "test_months": 6,
        "assumption": "each config's returns are those of its one continuous backtest",
        "insample_best": sweep_hash(6),
        "windows": [
            {
                "window": 0,
                "train_start": WF_DATES[0],
                "test_start": WF_DATES[2],
                "test_end": WF_DATES[3],
                "selected": sweep_hash(0),
                "train_sharpe": 1.0,
                "test_return_pct": 0.0,
                "insample_best_test_return_pct": 0.0,
            },
            {
                "window": 1,
                "train_start": WF_DATES[1],
                "test_start": WF_DATES[4],
                "test_end": WF_DATES[5],
                "selected": sweep_hash(6),
                "train_sharpe": 2.0,
                "test_return_pct": 50.0,
                "insample_best_test_return_pct": 50.0,
            },
        ],
        "out_of_sample": {
            "start": WF_DATES[1],
            "end": WF_DATES[5],
            "total_return_pct": 50.0,
            "cagr_pct": 1.0,
            "sharpe": 1.0,
            "max_drawdown_pct": -9.0909,
        },
        "insample_best_same_sessions": {
            "start": WF_DATES[1],
            "end": WF_DATES[5],
            "total_return_pct": 50.0,
            "cagr_pct": 1.0,
            "sharpe": 1.0,
            "max_drawdown_pct": -20.0,
        },
    }
    (out / "walk_forward.json").write_text(json.dumps(wf))
    if keep_run_of is not None:
        write_hand_run(out / "runs" / sweep_hash(keep_run_of))
    return out


# The hand fidelity report: one index (PUT) with an out-of-sample window that meets every goal
# but the drawdown gap (-4.5 pp), one chain, no VIX section.
def write_hand_fidelity(out: Path) -> Path:
    """Write a hand ``fidelity.json`` (and a stand-in ``fidelity.html``) to ``out``."""
    out.mkdir(parents=True)

    def window(start: str, end: str, corr: float, dd_gap: float) -> dict[str, object]:
        return {
            "start": start,
            "end": end,
            "n_days": 2000,
            "n_months": 96,
            "monthly_corr": corr,
            "te_monthly_ann_pct": 1.5,
            "te_daily_ann_pct": 2.5,
            "cagr_replica_pct": 6.1,
            "cagr_index_pct": 5.6,
            "cagr_gap_pp": 0.5,
            "max_dd_replica_pct": -30.0,
            "max_dd_index_pct": -30.0 - dd_gap,
            "max_dd_gap_pp": dd_gap,
            "sign_agree_years": 2,
            "n_years": 2,
            "breaks_used": [],
            "years": [
                {
                    "year": 2016,
                    "replica_pct": 7.5,
                    "index_pct": 7.0,
                    "gap_pp": 0.5,
                    "signs_agree": True,
                    "full": True,
                    "has_break": False,
                },
                {
                    "year": 2017,
                    "replica_pct": -1.25,
                    "index_pct": -1.0,
                    "gap_pp": -0.25,
                    "signs_agree": True,
                    "full": False,
                    "has_break": False,
                },
            ],
        }

    rep = {
        "data": {"data_id": "hand-store-0001", "description": "written by hand"},
        "surface_params": "v2-handhandhand",
        "surface_params_note": "hand parameters",
        "split": "2015-12-31",
        "definitions": {"iv_error": "model minus market mid IV", "delta": "market delta"},
        "indexes": [
            {
                "name": "PUT",
                "real_file_id": "abcdef0123456789",
                "breaks": ["2007-01-03"],
                "windows": {
                    "in_sample": window("2007-01-03", "2015-12-31", 0.94, 1.0),
                    "out_of_sample": window("2015-12-31", "2017-12-29", 0.97, -4.5),
                },
            },
        ],
        "chains": [
            {
                "source": "chain <b>one</b>.csv",
                "source_id": "0123456789abcdef",
                "quote_dates": ["2019-06-26"],
                "options_compared": 12,
                "headline": {
                    "P": {"count": 8, "mean_abs_error_pts": 0.19, "mean_error_pts": 0.05},
                    "C": {"count": 4, "mean_abs_error_pts": 0.3, "mean_error_pts": -0.1},
                },
                "by_delta": [
                    {
                        "right": "P",
                        "delta_bucket": "5-10",
                        "count": 8,
                        "mean_error_pts": 0.05,
                        "mean_abs_error_pts": 0.19,
                        "median_abs_error_pts": 0.18,
                        "rmse_pts": 0.2,
                    }
                ],
                "by_dte": [
                    {
                        "right": "P",
                        "dte_bucket": "14-30",
                        "count": 8,
                        "mean_error_pts": 0.05,
                        "mean_abs_error_pts": 0.19,
                        "median_abs_error_pts": 0.18,
                        "rmse_pts": 0.2,
                    }
                ],
                "per_date": [],
            },
        ],
        "vix": None,
        "notes": ["chain 2018-01-31: no usable out-of-the-money quote"],
    }
    (out / "fidelity.json").write_text(json.dumps(rep))
    (out / "fidelity.html").write_text("<!doctype html><title>fidelity</title><p>as written</p>")
    return out
