"""Run directories for the web dashboard tests, written by hand (no engine, no real data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from alvh.engine.journal import JournalEntry, write_journal_atomically

# The hand run: four sessions over two months, equity 1,000,000 -> 1,100,000 -> 990,000 ->
# 1,089,000 (hedged). Drawdown from the running peak: 0, 0, 990/1100 - 1 = -10 %, 1089/1100 - 1
# = -1 %. Month ends: Jan 1,100,000 (over the start 1,000,000: +10 %), Feb 1,089,000 (over
# 1,100,000: -1 %).
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
            f"r.{i:02d}", {"i": i, "x_usd": 1.5 * i}, "fired" if i == 7 else "clear",
            "add_layer" if i == 7 else "none", f"reason number {i}",
        )
        for i in range(HAND_RULES)
    ]  # fmt: skip
    sessions = [
        (pd.Timestamp("2020-01-30"), [JournalEntry("tier.short.entry", {}, "skipped")]),
        (day, entries),
        (pd.Timestamp("2020-02-03"), [JournalEntry("hedge.trigger.rsi", {"rsi": 71.0})]),
    ]
    write_journal_atomically(
        out / "journal.sqlite", "hand0001", {}, "syn-hand", "written by hand", sessions
    )
    return out
