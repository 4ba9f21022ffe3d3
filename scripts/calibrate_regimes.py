"""Fit the SPX surface's regime terms on Cboe's strategy indexes and two real SPXW chains.

What it fits (``alvh.market.surface.SurfaceParams``): the ATM level as a ratio of the VIX
family that moves with VIX and the VIX/VIX3M slope, SSVI ``eta`` with SKEW and VIX, ``rho`` with
VIX and the slope (a call wing that falls in stress), and ``gamma`` (term structure of skew).

Targets, read at run time from the shared data folder and never written anywhere:

- the daily PUT, PPUT, BXM and CLL indexes (``alvh.fidelity.load_index``) against their
  replicas (``alvh.fidelity.replicate``): calendar-month and calendar-year log returns, in
  percent;
- the January-2018 SPXW chains (HOD format, 18 quote dates of one expiry) and the 2019-06-26
  15:45 SPXW chain (DataShop columns, read with pandas here; 30 expiries): model IV minus the
  market's out-of-the-money mid IV, in vol points, for |delta| 0.03-0.60 and 5-180 days.

Protocol: fit on one part, report on the other -- ``A``: indexes 2007-2015 and the 2018 chain,
``B``: indexes 2016-2025 and the 2019 chain -- then ``full`` (everything) for the shipped
parameters. ``--report`` prints the tables of docs/calibration.md for the old (2018) and the
fitted parameters.

Usage::

    .venv/bin/python scripts/calibrate_regimes.py --store DIR [--fit A|B|full|none] [--write]

``--store`` is a store holding the shared data (``alvh data import`` of shared/data); without
it the shared files are imported into a temporary store first (~1 minute).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from alvh.fidelity import load_index, replicate
from alvh.kernel.black import black76_greeks
from alvh.market.data import MarketData
from alvh.market.store import Store, import_paths
from alvh.market.surface import (
    DEFAULT_SURFACE_PARAMS,
    LEGACY_SURFACE_PARAMS,
    VIX_TENORS_DAYS,
    SurfacePanel,
    SurfaceParams,
    daily_inputs,
    save_surface_params,
)
from alvh.market.surface_quotes import implied_vols

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_surface as cs

REPLICATED = ("PUT", "PPUT", "BXM", "CLL")
CHAIN_2019 = "calibration/spxw_options_2019-06-26_1545_datashop_format.csv.gz"
WINDOWS = {
    "2007-2015": ("2007-01-03", "2015-12-31"),
    "2016-2025": ("2016-01-04", "2025-12-31"),
    "2007-2025": ("2007-01-03", "2025-12-31"),
}
SPLITS = {
    "A": ("2007-2015", "2018-01"),
    "B": ("2016-2025", "2019-06-26"),
    "full": ("2007-2025", "both"),
}
FREE = (
    "vix_atm_ratio",
    "ratio_vix_beta",
    "ratio_term_beta",
    "eta_ref",
    "eta_vix_beta",
    "skew_beta",
    "rho",
    "rho_vix_beta",
    "rho_term_beta",
    "gamma",
)
LOWER = (0.55, -0.3, -1.0, 0.2, -1.5, -0.5, -0.95, -2.0, -4.0, 0.2)
UPPER = (1.05, 0.3, 1.0, 4.0, 1.5, 0.5, 0.2, 2.0, 4.0, 0.5)
START = replace(LEGACY_SURFACE_PARAMS, max_atm_gap_pts=50.0)  # no cap: the ratio moves instead
YEAR_WEIGHT = 1.0  # an index's mean square yearly error (pct pts) against its monthly one
CHAIN_WEIGHT = 2.0  # a chain's mean square IV error (vol pts) against one index's (pct pts)


def shared_dir() -> Path:
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def load_market(store: Path | None) -> MarketData:
    if store is not None:
        return Store(store).load()
    tmp = Store(Path(tempfile.mkdtemp(prefix="alvh-cal-")))
    files = sorted(p for p in shared_dir().iterdir() if p.suffix in (".csv", ".gz"))
    import_paths(tmp, files)
    return tmp.load()


# -- chains -------------------------------------------------------------------------------------
def points_2018(data: Path) -> pd.DataFrame:
    """OTM smile points of the January-2018 chains (``calibrate_surface``'s reading)."""
    market = cs.build_market(data)
    sm = cs.market_smiles(cs.read_hod_chains(data / cs.CHAIN_FILE), market)
    call = sm["strike"] >= sm["forward"]
    return pd.DataFrame(
        {
            "chain": "2018-01",
            "quote_date": sm["quote_date"],
            "t_years": sm["t_years"],
            "strike": sm["strike"],
            "is_call": call,
            "iv": sm["iv"],
            "delta": np.where(call, sm["delta_call"], -sm["delta_put"]),
        }
    )


def points_2019(data: Path, inputs: pd.DataFrame) -> pd.DataFrame:
    """OTM smile points of the 2019-06-26 15:45 chain, one smile per expiry (pandas reader)."""
    raw = pd.read_csv(data / CHAIN_2019, parse_dates=["quote_date", "expiration"])
    day = raw["quote_date"].iloc[0]
    spot = float((raw["underlying_bid_1545"] + raw["underlying_ask_1545"]).iloc[0] / 2)
    rate = float(inputs.loc[day, "rate"])
    out = []
    for expiry, g in raw.groupby("expiration"):
        # Model convention: from the quote date's 16:00 to a 16:00 PM settlement (SPXW).
        t = (pd.Timestamp(expiry) - day).days / 365.0
        if t * 365 < 2:
            continue
        df = np.exp(-rate * t)
        wide = g.pivot_table(index="strike", columns="option_type", values=["bid_1545", "ask_1545"])
        bid_c, ask_c = wide[("bid_1545", "C")], wide[("ask_1545", "C")]
        bid_p, ask_p = wide[("bid_1545", "P")], wide[("ask_1545", "P")]
        mid_c, mid_p = ((bid_c + ask_c) / 2).to_numpy(), ((bid_p + ask_p) / 2).to_numpy()
        k = wide.index.to_numpy(float)
        both = ((bid_c > 0) & (bid_p > 0)).to_numpy()
        near = np.argsort(np.abs(np.where(both, k, np.inf) - spot))[:5]
        fwd = float(np.median(k[near] + (mid_c - mid_p)[near] / df))
        call = k >= fwd
        otm_mid = np.where(call, mid_c, mid_p)
        otm_bid = np.where(call, bid_c.to_numpy(), bid_p.to_numpy())
        iv = implied_vols(otm_mid, fwd, k, t, df, call)
        iv = np.where(otm_bid > 0, iv, np.nan)
        g_bl = black76_greeks(fwd, k, t, np.nan_to_num(iv, nan=1e-9), df, call)
        out.append(
            pd.DataFrame(
                {
                    "chain": "2019-06-26",
                    "quote_date": day,
                    "t_years": t,
                    "strike": k,
                    "is_call": call,
                    "iv": iv,
                    "delta": np.abs(g_bl.delta * fwd / spot),
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def chain_points(data: Path, inputs: pd.DataFrame) -> pd.DataFrame:
    pts = pd.concat([points_2018(data), points_2019(data, inputs)], ignore_index=True)
    pts = pts.dropna(subset=["iv"])
    pts = pts[(pts["delta"] >= 0.03) & (pts["delta"] <= 0.60)]
    dte = pts["t_years"] * 365
    pts = pts[(dte >= 5) & (dte <= 180)].reset_index(drop=True)
    pts["day"] = inputs.index.get_indexer(pd.DatetimeIndex(pts["quote_date"]))
    assert (pts["day"] >= 0).all()
    return pts


def model_iv(params: SurfaceParams, inputs: pd.DataFrame, pts: pd.DataFrame) -> np.ndarray:
    days = np.unique(pts["day"].to_numpy())
    sub = inputs.iloc[days]
    panel = SurfacePanel.from_closes(
        pd.DatetimeIndex(sub.index),
        sub["SPX"].to_numpy(),
        sub["rate"].to_numpy(),
        {s: sub[s].to_numpy() for s, _ in VIX_TENORS_DAYS},
        sub["SKEW"].to_numpy(),
        params,
    )
    row = np.searchsorted(days, pts["day"].to_numpy())
    return panel.iv(row, pts["t_years"].to_numpy(), pts["strike"].to_numpy())


# -- indexes ------------------------------------------------------------------------------------
def aligned(rep: pd.Series, real: pd.Series) -> pd.DataFrame:
    both = pd.concat([rep.rename("rep"), real.rename("real")], axis=1, join="inner").dropna()
    return both / both.iloc[0]


def monthly_log_returns(both: pd.DataFrame) -> pd.DataFrame:
    m = both.groupby(both.index.to_period("M")).last()
    return np.log(m).diff().dropna()


def metrics(both: pd.DataFrame) -> dict[str, float]:
    """Monthly-return correlation, CAGR gap, max-drawdown gap, yearly sign agreement."""
    mr = monthly_log_returns(both)
    years = (both.index[-1] - both.index[0]).days / 365.25
    cagr = (both.iloc[-1] ** (1 / years) - 1) * 100
    dd = (both / both.cummax() - 1).min() * 100
    y = both.groupby(both.index.year).last()
    y = pd.concat([both.iloc[[0]].set_axis([both.index[0].year - 1]), y])
    yr = y.pct_change().dropna()
    return {
        "corr": float(mr["rep"].corr(mr["real"])),
        "te_pct": float((mr["rep"] - mr["real"]).std() * np.sqrt(12) * 100),
        "cagr_rep": float(cagr["rep"]),
        "cagr_real": float(cagr["real"]),
        "cagr_gap_pp": float(cagr["rep"] - cagr["real"]),
        "maxdd_rep": float(dd["rep"]),
        "maxdd_real": float(dd["real"]),
        "maxdd_gap_pp": float(dd["rep"] - dd["real"]),
        "sign_agree": int((np.sign(yr["rep"]) == np.sign(yr["real"])).sum()),
        "years": len(yr),
    }


class Problem:
    """The fit's data: model inputs, real indexes on a window, chain points."""

    def __init__(self, market: MarketData, data: Path) -> None:
        self.market = market
        self.inputs = daily_inputs(market)
        self.real = {n: load_index(n, data) for n in REPLICATED}
        self.pts = chain_points(data, self.inputs)

    def replica_frames(self, params: SurfaceParams, window: str) -> dict[str, pd.DataFrame]:
        lo, hi = WINDOWS[window]
        out = {}
        for n in REPLICATED:
            rep = replicate(n, self.market, params, start=lo, end=hi, inputs=self.inputs).level
            real = self.real[n]
            out[n] = aligned(rep, real[(real.index >= lo) & (real.index <= hi)])
        return out

    def residuals(self, params: SurfaceParams, window: str, chains: str) -> np.ndarray:
        parts = []
        for both in self.replica_frames(params, window).values():
            mr = monthly_log_returns(both) * 100
            parts.append((mr["rep"] - mr["real"]).to_numpy() / np.sqrt(len(mr)))
            # Calendar-year log returns: the monthly block is mostly noise (a 1 pp/yr bias is
            # 0.08 pp a month), this one carries the CAGR, the drawdown years and the signs.
            yr = np.log(both.groupby(both.index.year).last()).diff().dropna() * 100
            parts.append(YEAR_WEIGHT * (yr["rep"] - yr["real"]).to_numpy() / np.sqrt(len(yr)))
        use = self.pts if chains == "both" else self.pts[self.pts["chain"] == chains]
        err = (model_iv(params, self.inputs, use) - use["iv"].to_numpy()) * 100
        for _, idx in use.groupby("chain").indices.items():
            parts.append(CHAIN_WEIGHT * err[idx] / np.sqrt(len(idx)))
        return np.concatenate(parts)


def fit(problem: Problem, split: str, x0_params: SurfaceParams = START) -> SurfaceParams:
    window, chains = SPLITS[split]
    x0 = np.clip([getattr(x0_params, n) for n in FREE], np.add(LOWER, 1e-6), np.add(UPPER, -1e-6))

    def resid(x: np.ndarray) -> np.ndarray:
        return problem.residuals(
            replace(x0_params, **dict(zip(FREE, x, strict=True))), window, chains
        )

    t0 = time.time()
    res = least_squares(
        resid, x0, bounds=(LOWER, UPPER), x_scale="jac", diff_step=1e-3, max_nfev=25
    )
    fitted = replace(x0_params, **dict(zip(FREE, res.x, strict=True)))
    print(f"fit {split}: cost {res.cost:.4f} nfev {res.nfev} {time.time() - t0:.0f}s", flush=True)
    return fitted


# -- reports ------------------------------------------------------------------------------------
def index_table(problem: Problem, params: SurfaceParams, window: str) -> pd.DataFrame:
    rows = []
    for n, both in problem.replica_frames(params, window).items():
        rows.append({"index": n, "window": window, **metrics(both)})
    return pd.DataFrame(rows).set_index("index")


def chain_table(problem: Problem, params: SurfaceParams) -> pd.DataFrame:
    """Mean |model - market| IV (vol pts), 5-50 delta, 14-60 DTE, puts and calls apart."""
    p = problem.pts
    err = np.abs(model_iv(params, problem.inputs, p) - p["iv"].to_numpy()) * 100
    bias = (model_iv(params, problem.inputs, p) - p["iv"].to_numpy()) * 100
    dte = p["t_years"] * 365
    goal = (p["delta"] >= 0.05) & (p["delta"] <= 0.50) & (dte >= 14) & (dte <= 60)
    frame = p.assign(abs_err=err, err=bias)[goal]
    side = np.where(frame["is_call"], "calls", "puts")
    t = frame.groupby(["chain", side]).agg(
        mean_abs_err=("abs_err", "mean"), mean_err=("err", "mean"), n=("abs_err", "size")
    )
    return t.round(2)


def report(problem: Problem, label: str, params: SurfaceParams) -> None:
    print(f"\n== {label} ==")
    with pd.option_context("display.width", 160, "display.float_format", "{:.2f}".format):
        for w in ("2007-2015", "2016-2025", "2007-2025"):
            print(index_table(problem, params, w).to_string())
        print(chain_table(problem, params).to_string())


def params_dict(p: SurfaceParams) -> dict[str, float]:
    return {k: round(float(v), 6) for k, v in asdict(p).items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--fit", choices=("A", "B", "full", "all", "none"), default="all")
    ap.add_argument(
        "--write", action="store_true", help="write the full fit as the package default"
    )
    args = ap.parse_args()
    data = shared_dir()
    problem = Problem(load_market(args.store), data)
    report(problem, "legacy 2018 params (before)", LEGACY_SURFACE_PARAMS)
    splits = (
        ("A", "B", "full") if args.fit == "all" else (() if args.fit == "none" else (args.fit,))
    )
    fitted: dict[str, SurfaceParams] = {}
    for split in splits:
        fitted[split] = fit(problem, split)
        print(json.dumps(params_dict(fitted[split])))
        window, chains = SPLITS[split]
        report(problem, f"fit {split} (fit on indexes {window}, chain {chains})", fitted[split])
    if args.fit == "none":
        report(problem, "shipped default", DEFAULT_SURFACE_PARAMS)
    if args.write and "full" in fitted:
        save_surface_params(
            fitted["full"],
            note=(
                "fitted by scripts/calibrate_regimes.py --fit full on Cboe PUT/PPUT/BXM/CLL "
                "2007-01-03..2025-12-31 (monthly log returns of replicas) and the SPXW chains "
                "2018-01 (HOD) and 2019-06-26 15:45 (DataShop)"
            ),
            data_id=problem.market.source.data_id,
        )
        print("wrote", "src/alvh/market/surface_params.json")


if __name__ == "__main__":
    main()
