"""A made-up but plausible backtest result written as a run directory (no engine needed).

The numbers are seeded noise with the shape of the real thing: condor tiers that earn a small
carry and lose in volatility spikes, a hedge that bleeds a little and pays in spikes, the hedged
book equal to the unhedged one plus the hedge's P&L.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alvh.engine.result import TRADE_COLUMNS, BacktestResult
from alvh.market.data import DataSource
from alvh.runs import write_run_dir
from alvh.strategy.rules import JournalEntry

CAPITAL_USD = 1_000_000.0
TIERS = ("short", "medium", "long")
LAYERS = ("vx_futures", "vix_calls", "vix_etf")


def fixture_events(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Return FOMC every ~30 sessions, CPI and PPI monthly, on the fixture's sessions."""
    rows = []
    for i in range(5, len(index) - 3, 30):
        rows.append(("FOMC", index[i]))
    for p in index.to_period("M").unique():
        days = index[index.to_period("M") == p]
        if len(days) > 12:
            rows.append(("CPI", days[8]))
            rows.append(("PPI", days[10]))
    return pd.DataFrame(rows, columns=["kind", "date"])


def fixture_result(
    n_sessions: int = 400, seed: int = 3, start: str = "2019-06-03", hedge: bool = True
) -> BacktestResult:
    """Return a BacktestResult with ``n_sessions`` sessions of seeded made-up numbers."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(start, periods=n_sessions, name="date")
    # Volatility regime: calm with two spikes, the second one large.
    vix = 15.0 + 2.0 * np.sin(np.arange(n_sessions) / 25.0)
    for centre, height in ((n_sessions // 3, 12.0), (2 * n_sessions // 3, 30.0)):
        vix += height * np.exp(-0.5 * ((np.arange(n_sessions) - centre) / 6.0) ** 2)
    # Condors lose and the hedge gains on the regime's rises, not on day-to-day noise.
    rise = np.maximum(np.r_[0.0, np.diff(vix)], 0.0)
    vix += rng.normal(0, 0.5, n_sessions)
    dvix = np.r_[0.0, np.diff(vix)]
    spx_ret = -0.004 * dvix + rng.normal(0.0003, 0.006, n_sessions)
    spx = 3000.0 * np.cumprod(1.0 + spx_ret)
    daily: dict[str, np.ndarray] = {}
    for i, t in enumerate(TIERS):
        carry = 300.0 * (1 + i * 0.5)
        daily[f"pnl_tier_{t}_usd"] = (
            carry - (1500.0, 2500.0, 4000.0)[i] * rise + rng.normal(0, 300, n_sessions)
        )
    on = 1.0 if hedge else 0.0
    for i, layer in enumerate(LAYERS):
        bleed = -(60.0 + 20.0 * i)
        daily[f"pnl_hedge_{layer}_usd"] = on * (
            bleed + (2000.0, 1300.0, 700.0)[i] * rise + rng.normal(0, 50, n_sessions)
        )
    daily["costs_usd"] = rng.uniform(20, 80, n_sessions)
    for c in daily:
        daily[c][0] = 0.0
    condor_pnl = sum(daily[f"pnl_tier_{t}_usd"] for t in TIERS)
    hedge_pnl = sum(daily[f"pnl_hedge_{layer}_usd"] for layer in LAYERS)
    unhedged = CAPITAL_USD + np.cumsum(condor_pnl)
    hedged = unhedged + np.cumsum(hedge_pnl)
    for b, eq in (("hedged", hedged), ("unhedged", unhedged)):
        daily[f"{b}_equity_usd"] = eq
        daily[f"{b}_cash_usd"] = eq * 0.7
        daily[f"{b}_margin_usd"] = np.full(n_sessions, 150_000.0)
        daily[f"{b}_delta_usd"] = rng.normal(0, 20_000, n_sessions)
        daily[f"{b}_vega_usd_per_vol_pt"] = -8000.0 + (4000.0 * on if b == "hedged" else 0.0)
        daily[f"{b}_theta_usd_per_day"] = np.full(n_sessions, 900.0)
    daily["spx"], daily["vix"] = spx, vix
    daily["vx1"], daily["vx2"] = vix + 1.0 - 0.1 * dvix, vix + 2.0 - 0.2 * dvix
    frame = pd.DataFrame(daily, index=idx)
    layer_rows = [
        (d, layer, layer, 10.0 * (k + 1), 5000.0 * (k + 1) * (1 + vix[j] / 20))
        for j, d in enumerate(idx)
        if hedge and vix[j] > 18
        for k, layer in enumerate(LAYERS)
    ]
    hedge_layers = pd.DataFrame(
        layer_rows, columns=["date", "layer", "instrument", "contracts", "market_value_usd"]
    )
    condors = pd.DataFrame(
        {
            "condor_id": [1, 2, 3],
            "tier": ["short", "medium", "long"],
            "open_date": [idx[1], idx[5], idx[10]],
            "close_date": [idx[15], idx[40], None],
            "expiry": [idx[20], idx[45], idx[80]],
            "long_put": [2800.0, 2750.0, 2700.0],
            "short_put": [2850.0, 2800.0, 2750.0],
            "short_call": [3150.0, 3200.0, 3250.0],
            "long_call": [3200.0, 3250.0, 3300.0],
            "contracts": [10, 10, 10],
            "credit_usd": [12_000.0, 15_000.0, 18_000.0],
            "max_loss_usd": [38_000.0, 35_000.0, 32_000.0],
            "pnl_usd": [6_000.0, -9_000.0, None],
            "exit_rule": ["profit_target", "stop", "open"],
        }
    )
    trades = pd.DataFrame(
        [(idx[1], "both", "short", "SPXW", "P2850", "sell", 10, 12.0, 6.5, "entry")],
        columns=list(TRADE_COLUMNS),
    )
    iv_shift = np.r_[np.zeros(2), vix[2:] / vix[:-2] - 1.0]
    journal = []
    for j, d in enumerate(idx):
        fired = hedge and iv_shift[j] >= 0.15
        entries = [
            JournalEntry(
                "hedge.trigger.iv_shift",
                {"iv_change": float(iv_shift[j]), "threshold": 0.15},
                "fired" if fired else "clear",
                "add layer" if fired else "none",
                f"IV change {iv_shift[j]:.1%}",
            ),
            JournalEntry("tier.short.entry", {"dte_days": 14}, "clear"),
        ]
        journal.append((d, entries))
    preset = "alvh-442" if hedge else "none"
    config = {
        "name": "fixture",
        "capital": {"initial_usd": CAPITAL_USD},
        "hedge": {
            "preset": preset,
            "rule": "alvh" if hedge else "none",
            "sizing": {"notional_base": "max_loss"},
        },
    }
    return BacktestResult(
        run_id=f"fixture-{seed}-{preset}",
        source=DataSource("synthetic", "fixture0000", "made-up fixture, seed 3"),
        config=config,
        definitions={"capital_base_usd": CAPITAL_USD, "notional_base": "max_loss"},
        daily=frame,
        trades=trades,
        condors=condors,
        hedge_layers=hedge_layers,
        journal=journal,
    )


def write_fixture_run(out: Path, **kw: object) -> Path:
    """Write a fixture run directory to ``out`` and return it."""
    return write_run_dir(fixture_result(**kw), out, "# fixture config\n")  # type: ignore[arg-type]
