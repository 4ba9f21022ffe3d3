"""Summarise the costs of a backtest run directory and check its fills against the tick rules.

Usage::

    .venv/bin/python scripts/cost_check.py OUT_DIR [OUT_DIR ...]

For each run (``alvh backtest ... --out OUT_DIR``) prints, for the unhedged book: CAGR, max
drawdown, total costs (spread paid + fees, ``costs_usd`` of equity.csv), condor credit collected
and costs as a % of it, then over every traded fill (settlements at expiry excluded): fills below
zero, fills below one tick (``alvh.book.costs.tick_rule`` in force on the fill's date) and fills
off their grid -- SPX legs off the penny grid and condor net credits off the $0.05 complex grid
(``condor_fill = "net"``, the default), other products off their tick grid. The modelled ETF is
not on a cent grid and is skipped. A run made with ``condor_fill = "legs"`` has its SPX legs on
the single-leg grid, which this check does not test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.book.costs import PENNY_TICKS, tick_rule


def check(out: Path) -> dict[str, float]:
    """Return the cost figures and tick checks of one run directory."""
    summary = json.loads((out / "summary.json").read_text())
    book = summary["books"]["unhedged"]
    equity = pd.read_csv(out / "equity.csv")
    condors = pd.read_csv(out / "condors.csv")
    trades = pd.read_csv(out / "trades.csv", parse_dates=["date"])
    traded = trades[~trades["reason"].astype(str).str.contains("settle", case=False)]
    traded = traded[traded["instrument"] != "etf"]
    below_tick = off_grid = 0
    for (product, day), g in traded.groupby(["instrument", traded["date"].dt.date]):
        rule = tick_rule(str(product), day)
        px = g["price"].to_numpy()
        below_tick += int(np.sum(px < rule.small_tick - 1e-9))
        grid = PENNY_TICKS if product == "spx_option" else rule
        off_grid += int(np.sum(~grid.is_on_grid(px)))
    costs = float(equity["costs_usd"].sum())
    credit = float(condors["credit_usd"].sum())
    net = condors["credit_usd"].to_numpy() / (100.0 * condors["contracts"].to_numpy())
    nets_off = int(np.sum(np.abs(np.round(net / 0.05) * 0.05 - net) > 1e-6))
    return {
        "cagr_pct": book["cagr_pct"],
        "max_dd_pct": book["max_drawdown"]["max_drawdown_pct"],
        "costs_usd": costs,
        "credit_usd": credit,
        "costs_pct_of_credit": 100.0 * costs / credit,
        "fills": float(len(traded)),
        "fills_below_zero": float(np.sum(traded["price"].to_numpy() < 0.0)),
        "fills_below_one_tick": float(below_tick),
        "fills_off_grid": float(off_grid),
        "condor_nets_off_0.05": float(nets_off),
    }


def main() -> None:
    for arg in sys.argv[1:]:
        r = check(Path(arg))
        print(arg)
        for k, v in r.items():
            print(f"  {k:22s} {v:,.2f}")


if __name__ == "__main__":
    main()
