"""Why the unhedged ladder loses: its P&L by tier as the costs are taken away one at a time.

The ``ic-ladder`` preset loses money on the real data at the base assumptions (README, "Does
the hedge pay?"). This script reruns the unhedged ladder with one cost assumption removed at a
time, and once without its short tier, and prints each run's CAGR, maximum
drawdown, the costs it paid and the P&L of each tier (net of that run's costs):

1. base: fitted SPX half-spreads, fills at mid +/- half the half-spread, fees, CBOE ticks;
2. the low spread band (half-spreads x0.6, ``execution.spread_band = "low"``);
3. fills at mid (``execution.slippage_frac_of_half_spread = 0``), fitted spreads;
4. fills at mid and no SPX fees: what is left in "costs" is the tick rounding of net condor
   orders against the trader and the sub-tick rules (docs/costs.md);
5. base costs, medium and long tiers only.

Usage::

    .venv/bin/python scripts/ladder_costs.py --store DIR [--start 2006-01-03] [--end 2026-12-31]
        [--out out/ladder-costs/ladder-costs.md]

Runs five 20-year backtests (about a minute on an idle 2-core machine). The markdown it writes
is copied to docs/results/ladder-costs.md.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pandas as pd

from alvh.backtest import run
from alvh.config.load import config_with_overrides, load_preset
from alvh.config.run import RunConfig
from alvh.market.store import Store

_NO_SPX_FEES = {
    "execution.fees.spx_option.commission_usd": 0.0,
    "execution.fees.spx_option.exchange_fee_usd": 0.0,
}
_MID = {"execution.slippage_frac_of_half_spread": 0.0}


def _cases(base: RunConfig) -> list[tuple[str, RunConfig]]:
    return [
        ("1. base (fitted spreads, half the half-spread, fees, ticks)", base),
        (
            "2. low spread band (half-spreads x0.6)",
            config_with_overrides(base, **{"execution.spread_band": "low"}),
        ),
        ("3. fills at mid", config_with_overrides(base, **_MID)),
        ("4. fills at mid, no SPX fees", config_with_overrides(base, **_MID, **_NO_SPX_FEES)),
        ("5. base, medium and long tiers only", base.model_copy(update={"tiers": base.tiers[1:]})),
    ]


def _cagr_pct(equity: pd.Series) -> float:
    years = (equity.index[-1] - equity.index[0]).days / 365.25
    return ((equity.iloc[-1] / equity.iloc[0]) ** (1 / years) - 1) * 100


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, type=Path)
    ap.add_argument("--start", default="2006-01-03", type=date.fromisoformat)
    ap.add_argument("--end", default="2026-12-31", type=date.fromisoformat)
    ap.add_argument("--out", default=Path("out/ladder-costs/ladder-costs.md"), type=Path)
    a = ap.parse_args()
    market = Store(a.store).load()
    base = config_with_overrides(
        load_preset("ic-ladder"), **{"data.start": a.start, "data.end": a.end}
    )
    rows = []
    for name, cfg in _cases(base):
        d = run(cfg, market).daily
        eq = d["unhedged_equity_usd"]
        tiers = {
            t: d[f"pnl_tier_{t}_usd"].sum() / 1e3 if f"pnl_tier_{t}_usd" in d else float("nan")
            for t in ("short", "medium", "long")
        }
        rows.append(
            f"| {name} | {_cagr_pct(eq):.2f} | {((eq / eq.cummax()) - 1).min() * 100:.1f} | "
            f"{d['costs_usd'].sum() / 1e3:,.0f} | "
            + " | ".join("-" if pd.isna(v) else f"{v:,.0f}" for v in tiers.values())
            + " |"
        )
        print(rows[-1], flush=True)
        period = f"{d.index[0].date()}..{d.index[-1].date()}"
    head = (
        f"# Why the unhedged ladder loses: costs and tiers\n\n"
        f"Data: {market.source.description}, {period}, "
        f"preset `ic-ladder` unhedged, $1,000,000 initial equity, regime-fitted surface, only listed "
        f"expiries. Reproduce: `.venv/bin/python scripts/ladder_costs.py --store S`.\n\n"
        f"Row 2 narrows the spreads; row 3 fills at mid (the spread then costs nothing); row 4 also "
        f"drops the SPX fees. Tier P&L is in $ thousands, "
        f"net of that run's costs (commissions, exchange fees, half-spread slippage and tick "
        f"rounding, summed over the run in `costs`). Each book sizes condors on its own equity, "
        f"so a run that loses less also trades larger later.\n\n"
        f"| run | CAGR % | max DD % | costs $k | short tier $k | medium tier $k | long tier $k |\n"
        f"|---|---|---|---|---|---|---|\n"
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(head + "\n".join(rows) + "\n")
    print(f"written {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
