"""Fit the SPX surface parameters on real SPXW chains and print the error tables.

Reads, at run time and read-only, the January-2018 SPXW end-of-day chains
(``calibration/spx_options_eod_2018-01_hod_format.csv.gz``) and the VIX / VIX9D / VIX3M / SKEW /
SPX closes and IRX rates of the shared data folder (``$ALVH_SHARED_DATA`` or ../shared/data).
Nothing from those files is written anywhere; the tables printed here are pasted into
docs/calibration.md (appendix) and the fitted numbers into ``LEGACY_SURFACE_PARAMS`` (the default
before the regime fit of scripts/calibrate_regimes.py).

Method
------
- Market side, per quote date: the forward from put-call parity near the money, IRX discounting,
  implied vols of out-of-the-money mids (one smile per date), and deltas on that smile.
- Model side: ``SpxVolSurface.from_snapshot`` on a ``MarketData`` holding the real index closes
  and rates (the same code path the engine runs), with candidate parameters.
- Fit: least squares of model IV - market IV over strikes with market |delta| in [0.03, 0.60],
  each date weighted equally, dates with at least one full day to expiry.

Usage: ``.venv/bin/python scripts/calibrate_surface.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from alvh.kernel.black import black76_greeks
from alvh.market.chains import read_hod_chains
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import EVENTS, VX_SETTLEMENTS, index_known_at
from alvh.market.surface import LEGACY_SURFACE_PARAMS, SpxVolSurface, SurfaceParams
from alvh.market.surface_quotes import implied_vols

CHAIN_FILE = "calibration/spx_options_eod_2018-01_hod_format.csv.gz"
DELTAS = (0.05, 0.10, 0.16, 0.25, 0.50)
FIT_DELTA_RANGE = (0.03, 0.60)
MIN_DTE_DAYS = 3.0


def default_data_dir() -> Path:
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _index_bars(data: Path, start: str, end: str) -> pd.DataFrame:
    files = {
        "SPX": ("spx_daily_1927_2026.csv", "close"),
        "VIX": ("vix_daily_cboe_1990_2026.csv", "close"),
        "VIX9D": ("vix9d_daily_cboe_2011_2026.csv", "close"),
        "VIX3M": ("vix3m_daily_2006_2026.csv", "close"),
        "SKEW": ("skew_daily_cboe_1990_2026.csv", "skew"),
    }
    frames = []
    for symbol, (name, col) in files.items():
        raw = pd.read_csv(data / name, parse_dates=["date"])
        raw = raw[(raw["date"] >= start) & (raw["date"] <= end)]
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "date": raw["date"].to_numpy(),
                    "close": raw[col].to_numpy(float),
                    "known_at": index_known_at(symbol, pd.DatetimeIndex(raw["date"])).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_market(data: Path, start: str = "2017-12-01", end: str = "2018-01-31") -> MarketData:
    """Return a MarketData of the real index closes and IRX rates around January 2018."""
    irx = pd.read_csv(data / "tbill_13w_irx_daily_yahoo_2000_2026.csv", parse_dates=["date"])
    irx = irx[(irx["date"] >= start) & (irx["date"] <= end)]
    rates = pd.DataFrame(
        {
            "series": "IRX",
            "date": irx["date"].to_numpy(),
            "value_pct": irx["irx_close_pct"].to_numpy(float),
            "known_at": (irx["date"] + pd.Timedelta(hours=16)).to_numpy(),
        }
    )
    empty = {"vx_settlements": VX_SETTLEMENTS.empty(), "events": EVENTS.empty()}
    return MarketData(
        {"index_bars": _index_bars(data, start, end), "rates": rates, **empty},
        DataSource("store", "calibration", "real closes 2017-12..2018-01 (calibration)"),
    )


def market_smiles(chains: pd.DataFrame, market: MarketData) -> pd.DataFrame:
    """Return one row per (quote date, strike): market forward, T, OTM IV and mids of both rights."""
    out = []
    for day, g in chains.groupby("quote_date", sort=True):
        snap = market.snapshot(pd.Timestamp(day) + pd.Timedelta(hours=16, minutes=15))
        model = SpxVolSurface.from_snapshot(snap)
        expiry = g["expiry"].iloc[0]
        t = model.t_years(expiry, am_settled=False)  # SPXW month-end: PM-settled
        if t * 365.0 < MIN_DTE_DAYS - 1e-9:
            continue
        df = float(model.discount(t))
        wide = g.pivot_table(index="strike", columns="right", values=["bid", "ask"])
        bid_c, ask_c = wide[("bid", "C")], wide[("ask", "C")]
        bid_p, ask_p = wide[("bid", "P")], wide[("ask", "P")]
        mid_c, mid_p = (bid_c + ask_c) / 2, (bid_p + ask_p) / 2
        strikes = wide.index.to_numpy(float)
        spot = float(g["underlying"].iloc[0])
        both = (bid_c > 0) & (bid_p > 0)
        near = np.argsort(np.abs(np.where(both, strikes, np.inf) - spot))[:5]
        fwd = float(np.median(strikes[near] + (mid_c - mid_p).to_numpy()[near] / df))
        is_call = strikes >= fwd
        otm_mid = np.where(is_call, mid_c, mid_p)
        otm_bid = np.where(is_call, bid_c, bid_p)
        iv = implied_vols(otm_mid, fwd, strikes, t, df, is_call)
        iv = np.where(otm_bid > 0, iv, np.nan)
        greeks_put = black76_greeks(fwd, strikes, t, np.nan_to_num(iv, nan=1e-9), df, False)
        greeks_call = black76_greeks(fwd, strikes, t, np.nan_to_num(iv, nan=1e-9), df, True)
        out.append(
            pd.DataFrame(
                {
                    "quote_date": pd.Timestamp(day),
                    "t_years": t,
                    "spot": spot,
                    "forward": fwd,
                    "discount": df,
                    "strike": strikes,
                    "iv": iv,
                    # spot deltas: Black-76 forward delta times F/S
                    "delta_put": greeks_put.delta * fwd / spot,
                    "delta_call": greeks_call.delta * fwd / spot,
                    "mid_put": mid_p.to_numpy(),
                    "mid_call": mid_c.to_numpy(),
                    "rate": float(-np.log(df) / t),
                    "skew_index": model.skew_index,
                    "vix": snap.close("VIX"),
                    "vix9d": snap.close("VIX9D"),
                }
            )
        )
    return pd.concat(out, ignore_index=True).dropna(subset=["iv"])


def model_iv(params: SurfaceParams, market: MarketData, smiles: pd.DataFrame) -> np.ndarray:
    """Return model IVs at every (quote date, strike) row of ``smiles``."""
    out = np.empty(len(smiles))
    for day, idx in smiles.groupby("quote_date", sort=True).indices.items():
        snap = market.snapshot(pd.Timestamp(day) + pd.Timedelta(hours=16, minutes=15))
        surf = SpxVolSurface.from_snapshot(snap, params)
        rows = smiles.iloc[idx]
        out[idx] = surf.iv(rows["t_years"].to_numpy(), rows["strike"].to_numpy())
    return out


# gamma is held at 0.5 (SPEC: skew ~ 1/sqrt(T); also the no-arbitrage upper bound): with one
# expiry and T of 5-29 days, eta and gamma trade off along a ridge (gamma 0.33..0.5 fit equally
# well, eta moving 1.5..5), so the sample cannot pin gamma down.
_FREE = ("vix_atm_ratio", "eta_ref", "rho", "skew_beta")
_LOWER = (0.6, 0.05, -0.99, -2.0)
_UPPER = (1.1, 5.0, 0.0, 2.0)


def fit(market: MarketData, smiles: pd.DataFrame) -> SurfaceParams:
    """Return the least-squares fit of the free parameters (each date weighted equally)."""
    lo, hi = FIT_DELTA_RANGE
    put_side = smiles["strike"] < smiles["forward"]
    delta_abs = np.where(put_side, -smiles["delta_put"], smiles["delta_call"])
    use = smiles[(delta_abs >= lo) & (delta_abs <= hi)].reset_index(drop=True)
    counts = use.groupby("quote_date")["strike"].transform("size").to_numpy(float)
    weight = 1.0 / np.sqrt(counts)
    target = use["iv"].to_numpy()

    def resid(x: np.ndarray) -> np.ndarray:
        params = replace(LEGACY_SURFACE_PARAMS, **dict(zip(_FREE, x, strict=True)))
        return (model_iv(params, market, use) - target) * weight

    x0 = np.array([getattr(LEGACY_SURFACE_PARAMS, n) for n in _FREE])
    x0 = np.clip(x0, np.array(_LOWER) + 1e-6, np.array(_UPPER) - 1e-6)
    res = least_squares(resid, x0, bounds=(_LOWER, _UPPER), x_scale="jac", diff_step=1e-4)
    return replace(LEGACY_SURFACE_PARAMS, **dict(zip(_FREE, res.x, strict=True)))


def _nearest(day: pd.DataFrame, col: str, target: float) -> pd.Series:
    return day.iloc[int(np.argmin(np.abs(day[col].to_numpy() - target)))]


def delta_table(params: SurfaceParams, market: MarketData, smiles: pd.DataFrame) -> pd.DataFrame:
    """Return model - market IV (vol points) at the market's 5..50-delta puts and calls."""
    smiles = smiles.assign(model_iv=model_iv(params, market, smiles))
    rows = []
    for day, g in smiles.groupby("quote_date", sort=True):
        row: dict[str, object] = {
            "quote_date": day.date(),
            "dte": round(g["t_years"].iloc[0] * 365),
        }
        for d in DELTAS:
            p = _nearest(g, "delta_put", -d)
            c = _nearest(g, "delta_call", d)
            row[f"P{round(d * 100)}"] = 100 * (p["model_iv"] - p["iv"])
            row[f"C{round(d * 100)}"] = 100 * (c["model_iv"] - c["iv"])
        rows.append(row)
    table = pd.DataFrame(rows)
    mean = table.drop(columns=["quote_date", "dte"]).mean()
    mae = table.drop(columns=["quote_date", "dte"]).abs().mean()
    table.loc[len(table)] = {"quote_date": "mean", "dte": np.nan, **mean}
    table.loc[len(table)] = {"quote_date": "mean |err|", "dte": np.nan, **mae}
    return table


def condor_table(params: SurfaceParams, market: MarketData, smiles: pd.DataFrame) -> pd.DataFrame:
    """Return the 16/5-delta iron condor credit (SPX points), model vs real mid, per date."""
    rows = []
    for day, g in smiles.groupby("quote_date", sort=True):
        snap = market.snapshot(pd.Timestamp(day) + pd.Timedelta(hours=16, minutes=15))
        surf = SpxVolSurface.from_snapshot(snap, params)
        t = float(g["t_years"].iloc[0])
        sp, lp = _nearest(g, "delta_put", -0.16), _nearest(g, "delta_put", -0.05)
        sc, lc = _nearest(g, "delta_call", 0.16), _nearest(g, "delta_call", 0.05)
        strikes = np.array([sp["strike"], lp["strike"], sc["strike"], lc["strike"]])
        is_call = np.array([False, False, True, True])
        model = surf.greeks(t, strikes, is_call).price
        real = np.array([sp["mid_put"], lp["mid_put"], sc["mid_call"], lc["mid_call"]])
        sign = np.array([1.0, -1.0, 1.0, -1.0])
        credit_model, credit_real = float(sign @ model), float(sign @ real)
        rows.append(
            {
                "quote_date": day.date(),
                "strikes": "/".join(f"{k:.0f}" for k in strikes[[1, 0, 2, 3]]),
                "real_mid": credit_real,
                "model": credit_model,
                "diff": credit_model - credit_real,
                "diff_pct": 100 * (credit_model / credit_real - 1),
            }
        )
    table = pd.DataFrame(rows)
    table.loc[len(table)] = {
        "quote_date": "mean",
        "strikes": "",
        "real_mid": table["real_mid"].mean(),
        "model": table["model"].mean(),
        "diff": table["diff"].mean(),
        "diff_pct": table["diff_pct"].mean(),
    }
    table.loc[len(table)] = {
        "quote_date": "mean |diff|",
        "strikes": "",
        "real_mid": np.nan,
        "model": np.nan,
        "diff": table["diff"].iloc[:-1].abs().mean(),
        "diff_pct": table["diff_pct"].iloc[:-1].abs().mean(),
    }
    return table


def carry_table(smiles: pd.DataFrame) -> pd.DataFrame:
    """Return per date the parity forward, IRX rate and the dividend yield they imply."""
    g = smiles.groupby("quote_date").first()
    q = g["rate"] - np.log(g["forward"] / g["spot"]) / g["t_years"]
    model_fwd = g["spot"] * np.exp((g["rate"] - LEGACY_SURFACE_PARAMS.div_yield) * g["t_years"])
    return pd.DataFrame(
        {
            "dte": (g["t_years"] * 365).round(2),
            "rate_pct": 100 * g["rate"],
            "implied_q_pct": 100 * q,
            # what the constant dividend yield costs: model forward - parity forward, SPX points
            "fwd_gap_pts": model_fwd - g["forward"],
        }
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data_dir())
    ap.add_argument("--no-fit", action="store_true", help="report LEGACY_SURFACE_PARAMS only")
    args = ap.parse_args(argv)
    chains = read_hod_chains(args.data / CHAIN_FILE)
    market = build_market(args.data)
    smiles = market_smiles(chains, market)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print("== carry: parity-implied dividend yield (IRX rate) ==")
    carry = carry_table(smiles)
    print(carry.round(3).to_string())
    print(
        f"median implied q (DTE >= 5): {carry.loc[carry['dte'] >= 5, 'implied_q_pct'].median():.3f}%"
    )
    params = LEGACY_SURFACE_PARAMS
    if not args.no_fit:
        params = fit(market, smiles)
    print("\n== fitted parameters ==")
    for name in ("gamma", *_FREE):
        print(f"{name} = {getattr(params, name):.4f}")
    print("\n== IV error, model - market mid IV, vol points, at the market's delta ==")
    print(delta_table(params, market, smiles).round(2).to_string(index=False))
    print("\n== 16/5-delta iron condor credit, SPX points (x100 for USD) ==")
    print(condor_table(params, market, smiles).round(2).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
