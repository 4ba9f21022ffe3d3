"""Fit the SPX option half-spread model to the real quotes in the shared calibration folder.

Reads, in place (nothing is copied into the repository):

- ``calibration/spxw_options_2019-06-26_1545_datashop_format.csv.gz``: one SPXW chain at 15:45 on
  2019-06-26, 30 expiries (0-370 DTE). The fit is made on this chain (**in-sample**).
- ``calibration/spx_options_eod_2018-01_hod_format.csv.gz``: end-of-day SPXW quotes on the 21
  sessions of January 2018, one expiry (2018-01-31, 0-29 DTE). Used only to check the fit
  (**out-of-sample**: another year, another time of day, another vol level).

Model (``alvh.book.costs.SpxHalfSpread``)::

    half_spread = max(floor, c x mid ** beta x exp(gamma x t_years)) x stress

fit by median (quantile 0.5) regression of ``log(half_spread)`` on ``log(mid)`` and ``t_years``
over out-of-the-money quotes with a bid (a zero bid has no half-spread to learn from). Delta adds
nothing once the price is known (see docs/costs.md), so it is not a term. ``stress`` is not fit
(the two chains span a 30-day ATM vol of about 8-13%): see docs/costs.md.

Usage::

    ALVH_SHARED_DATA=/work/shared/data .venv/bin/python scripts/fit_spreads.py

prints the parameters, the error tables of docs/costs.md and the error band.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.stats import norm

CHAIN_2019 = "calibration/spxw_options_2019-06-26_1545_datashop_format.csv.gz"
CHAIN_2018 = "calibration/spx_options_eod_2018-01_hod_format.csv.gz"
HALF_TICK = 0.025  # half of the 0.05 tick: the narrowest half-spread a quote can show


def _bs(
    fwd: np.ndarray, k: np.ndarray, t: np.ndarray, vol: np.ndarray, call: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Undiscounted Black-76 price and delta (discounting moves a 0-1y price by < 2.5%)."""
    sd = vol * np.sqrt(t)
    d1 = (np.log(fwd / k) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    price = np.where(
        call, fwd * norm.cdf(d1) - k * norm.cdf(d2), k * norm.cdf(-d2) - fwd * norm.cdf(-d1)
    )
    return price, np.where(call, norm.cdf(d1), norm.cdf(d1) - 1.0)


def _implied_vol(
    fwd: np.ndarray, k: np.ndarray, t: np.ndarray, mid: np.ndarray, call: np.ndarray
) -> np.ndarray:
    """Implied vol of mids by bisection (vectorised; 60 halvings of [0.001, 5])."""
    lo, hi = np.full_like(mid, 1e-3), np.full_like(mid, 5.0)
    for _ in range(60):
        m = 0.5 * (lo + hi)
        up = _bs(fwd, k, t, m, call)[0] > mid
        hi, lo = np.where(up, m, hi), np.where(up, lo, m)
    return 0.5 * (lo + hi)


def _parity_forwards(df: pd.DataFrame, spot: pd.Series) -> pd.Series:
    """Forward per (quote date, expiry): median of K + C - P over the 5 strikes nearest spot."""
    out = {}
    for key, g in df.groupby(["quote_date", "expiration"]):
        c = g[g["call"]].set_index("strike")["mid"]
        p = g[~g["call"]].set_index("strike")["mid"]
        ks = c.index.intersection(p.index)
        s = float(spot.loc[g.index[0]])
        near = ks[np.argsort(np.abs(ks.to_numpy() - s))[:5]]
        out[key] = float(np.median(near + c[near].to_numpy() - p[near].to_numpy()))
    idx = pd.MultiIndex.from_frame(df[["quote_date", "expiration"]])
    return pd.Series([out[k] for k in idx], index=df.index)


def _prepare(df: pd.DataFrame, spot: pd.Series, close_hour: float) -> pd.DataFrame:
    """Out-of-the-money quotes with a bid, with mid, half-spread, DTE, t_years and |delta|."""
    df = df.copy()
    df["mid"] = 0.5 * (df["bid"] + df["ask"])
    df["half_spread"] = 0.5 * (df["ask"] - df["bid"])
    qd, ex = pd.to_datetime(df["quote_date"]), pd.to_datetime(df["expiration"])
    df["dte_days"] = (ex - qd).dt.days
    # Time to a 16:00 expiry from the quote time (SPXW are PM-settled).
    df["t_years"] = (df["dte_days"] + (16.0 - close_hour) / 24.0).clip(lower=1.0 / 24) / 365.0
    df["fwd"] = _parity_forwards(df, spot)
    otm = np.where(df["call"], df["strike"] >= df["fwd"], df["strike"] <= df["fwd"])
    q = df[otm & (df["bid"] > 0) & (df["ask"] > df["bid"])].copy()
    args = (q["fwd"].to_numpy(), q["strike"].to_numpy(), q["t_years"].to_numpy())
    vol = _implied_vol(*args, q["mid"].to_numpy(), q["call"].to_numpy())
    q["abs_delta"] = np.abs(_bs(*args, vol, q["call"].to_numpy())[1])
    q["iv"] = vol
    return q


def load_2019(root: Path) -> pd.DataFrame:
    """The 2019-06-26 15:45 SPXW chain, prepared."""
    raw = pd.read_csv(root / CHAIN_2019)
    df = pd.DataFrame(
        {
            "quote_date": raw["quote_date"],
            "expiration": raw["expiration"],
            "strike": raw["strike"].astype(float),
            "call": raw["option_type"] == "C",
            "bid": raw["bid_1545"],
            "ask": raw["ask_1545"],
        }
    )
    spot = 0.5 * (raw["underlying_bid_1545"] + raw["underlying_ask_1545"])
    return _prepare(df, spot, close_hour=15.75)


def load_2018(root: Path) -> pd.DataFrame:
    """The January 2018 end-of-day SPXW quotes (one expiry), prepared."""
    raw = pd.read_csv(root / CHAIN_2018)
    df = pd.DataFrame(
        {
            "quote_date": raw["quotedate"],
            "expiration": raw["expiration"],
            "strike": raw["strike"].astype(float),
            "call": raw["type"] == "call",
            "bid": raw["bid"],
            "ask": raw["ask"],
        }
    )
    return _prepare(df, raw["underlying_last"], close_hour=16.0)


def median_regression(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-absolute-deviation coefficients, as the linear programme ``min sum(u + v)`` subject
    to ``x b + u - v = y``, ``u, v >= 0`` (solved exactly by HiGHS)."""
    n, k = x.shape
    cost = np.concatenate([np.zeros(k), np.ones(2 * n)])
    a_eq = np.hstack([x, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * k + [(0.0, None)] * (2 * n)
    res = linprog(cost, A_eq=a_eq, b_eq=y, bounds=bounds, method="highs")
    if not res.success:
        raise RuntimeError(f"median regression failed: {res.message}")
    return np.asarray(res.x[:k])


def markdown(t: pd.DataFrame) -> str:
    """A DataFrame as a markdown table (index first)."""
    cols = [str(t.index.name or "")] + [str(c) for c in t.columns]
    rows = [" | ".join(cols), " | ".join("---" for _ in cols)]
    rows += [
        " | ".join([str(i)] + [f"{v:g}" for v in r])
        for i, r in zip(t.index, t.to_numpy(), strict=True)
    ]
    return "\n".join(f"| {r} |" for r in rows)


def fit(q: pd.DataFrame) -> dict[str, float]:
    """Median regression of log(half-spread) on log(mid) and t_years; returns the parameters."""
    x = np.column_stack([np.ones(len(q)), np.log(q["mid"]), q["t_years"]])
    b0, beta, gamma = (float(v) for v in median_regression(x, np.log(q["half_spread"].to_numpy())))
    return {"c": round(float(np.exp(b0)), 4), "beta": round(beta, 3), "gamma": round(gamma, 3)}


def model(q: pd.DataFrame, p: dict[str, float]) -> np.ndarray:
    """The fitted half-spread (no stress factor: both chains are calm)."""
    raw = p["c"] * q["mid"].to_numpy() ** p["beta"] * np.exp(p["gamma"] * q["t_years"].to_numpy())
    return np.maximum(HALF_TICK, raw)


BUCKETS = {
    "price": ("mid", [0, 0.5, 1, 3, 10, 30, np.inf]),
    "|delta|": ("abs_delta", [0, 0.05, 0.10, 0.20, 0.35, 0.60]),
    "DTE": ("dte_days", [-1, 7, 21, 45, 90, 400]),
}


def error_table(q: pd.DataFrame, pred: np.ndarray, by: str) -> pd.DataFrame:
    """Per bucket: quotes, mean real and model half-spreads, their ratio and the median ratio."""
    col, edges = BUCKETS[by]
    d = q.assign(model=pred, ratio=pred / q["half_spread"])
    d["bucket"] = pd.cut(d[col], edges)
    g = d.groupby("bucket", observed=True)
    t = pd.DataFrame(
        {
            "n": g.size(),
            "real_mean": g["half_spread"].mean(),
            "model_mean": g["model"].mean(),
            "median_ratio": g["ratio"].median(),
        }
    )
    t["mean_ratio"] = t["model_mean"] / t["real_mean"]
    return t.round(3)


def condor_region(q: pd.DataFrame) -> pd.Series:
    """Quotes like condor legs: 3-95 DTE, |delta| 0.02-0.40."""
    return q["dte_days"].between(3, 95) & q["abs_delta"].between(0.02, 0.40)


def main() -> None:
    root = Path(os.environ.get("ALVH_SHARED_DATA", "../shared/data"))
    ins, oos = load_2019(root), load_2018(root)
    p = fit(ins)
    print(f"in-sample quotes {len(ins)}, out-of-sample quotes {len(oos)}")
    print(f"fitted: c={p['c']}, beta={p['beta']}, gamma={p['gamma']} (floor {HALF_TICK})")
    for name, q in (("in-sample 2019-06-26 15:45", ins), ("out-of-sample 2018-01 EOD", oos)):
        pred = model(q, p)
        print(f"\n## {name}")
        for by in BUCKETS:
            print(f"\nby {by}\n{markdown(error_table(q, pred, by))}")
        reg = condor_region(q)
        ratio = pred[reg.to_numpy()].sum() / q.loc[reg, "half_spread"].sum()
        print(
            f"\ncondor region (3-95 DTE, |delta| 0.02-0.40): n={int(reg.sum())}, "
            f"model/real of summed half-spreads {ratio:.3f}"
        )
    for name, q in (("in-sample", ins), ("out-of-sample", oos)):
        reg = condor_region(q).to_numpy()
        ratio = old_model(q)[reg].sum() / q.loc[reg, "half_spread"].sum()
        print(f"old model (0.10 + 0.02 x price wide, x1.5 under 10 delta), {name}: {ratio:.3f}")
    atm30 = []
    for name, q in (("2019", ins), ("2018", oos)):
        near = q[(q["abs_delta"].between(0.4, 0.6)) & q["dte_days"].between(14, 60)]
        atm30.append(f"{name} {float(near['iv'].median()):.3f}")
    print(f"\nATM implied vol (|delta| 0.4-0.6, 14-60 DTE), median: {', '.join(atm30)}")
    print(f"error band e = {error_band(ins, oos, p):.3f}")


def old_model(q: pd.DataFrame) -> np.ndarray:
    """The model this fit replaced: full width max(0.05, 0.10 + 0.02 x price), x1.5 under 10
    delta; half of it."""
    width = np.maximum(0.05, 0.10 + 0.02 * q["mid"].to_numpy())
    return 0.5 * np.where(q["abs_delta"].to_numpy() < 0.10, 1.5 * width, width)


def error_band(ins: pd.DataFrame, oos: pd.DataFrame, p: dict[str, float]) -> float:
    """The band ``e``: the largest |1 - model/real| of mean half-spreads over the price buckets
    condor legs trade in ($0.5-30), in-sample or out-of-sample, with at least 100 quotes."""
    worst = 0.0
    for q in (ins, oos):
        t = error_table(q, model(q, p), "price")
        lo = np.array([iv.left for iv in t.index])
        keep = (lo >= 0.5) & (lo < 30) & (t["n"].to_numpy() >= 100)
        worst = max(worst, float(np.max(np.abs(1.0 - t["mean_ratio"].to_numpy()[keep]))))
    return worst


if __name__ == "__main__":
    main()
