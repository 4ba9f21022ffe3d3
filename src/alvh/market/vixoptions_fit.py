"""Fit and check the VIX option vol model against a real chain of last trades.

Pure functions on DataFrames (no file is written, nothing is cached):

- :func:`read_vix_chain` reads a chain file of the ``vix_options_2024-06-03_closes.csv`` layout;
- :func:`prepare_chain` adds forwards, years to expiry, market implied vols and deltas, and
  flags the prints fit for fitting (:func:`fit_mask`: traded, out of the money, price at least
  ``min_price``, not a stale print breaking call/put monotonicity in the strike);
- :func:`chain_residuals` / :func:`fit_chain` are the least-squares objective and fit;
- :func:`vix_option_fidelity` tabulates model against market by expiry and delta bucket;
- :func:`load_calibration_day` reads the calibration chain's day from the shared data;
- the Samuelson shape is measured in ``alvh.market.vx_realised``.

The chain's prices are last trades, not quotes: an illiquid strike can print hours before the
close, when the VX future was elsewhere (VIX traded 13.00-14.31 on 2024-06-03 and closed at
13.11). That is why the fit is robust (soft-L1 loss), weights by log volume and drops prints
that break monotonicity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from alvh.errors import DataFormatError
from alvh.kernel.black import black76_greeks
from alvh.kernel.implied_vol import implied_vol
from alvh.market.vixoptions import VixOptionModel, option_forward
from alvh.market.vixoptions_params import VixOptionParams
from alvh.market.vxcurve import DAYS_PER_YEAR, VxCurve

__all__ = [
    "CALIBRATION_CHAIN_FILE",
    "CHAIN_FIT_PARAMS",
    "DELTA_BUCKETS",
    "CalibrationDay",
    "chain_residuals",
    "fit_chain",
    "fit_mask",
    "goal_errors",
    "load_calibration_day",
    "market_atm_by_expiry",
    "model_prices",
    "parity_forward",
    "prepare_chain",
    "read_vix_chain",
    "vix_option_fidelity",
]

CALIBRATION_CHAIN_FILE = "calibration/vix_options_2024-06-03_closes.csv"
CHAIN_COLUMNS = ("quote_date", "root", "expiration", "option_type", "strike", "close", "volume")
# The pricing parameters fitted on a chain (the Samuelson shape comes from the VX panel).
CHAIN_FIT_PARAMS = (
    "atm_to_vvix",
    "term_exponent",
    "min_days",
    "skew_slope",
    "call_skew_range",
    "put_skew_range",
)
ATM_WEIGHT = 8.0  # an expiry's ATM vol counts like eight typical prints in the fit
LOSS_SCALE = 0.10  # soft-L1 scale of the print residuals (a 10% price error)
DELTA_BUCKETS = ((0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.45), (0.45, 0.6), (0.6, 1.0))


def read_vix_chain(path: str | Path) -> pd.DataFrame:
    """Return a VIX option chain file as a frame, one row per contract, traded or not.

    Raises
    ------
    DataFormatError
        A missing column, an unknown option type or a non-positive strike (file, line, value).
    """
    frame = pd.read_csv(path)
    missing = [c for c in CHAIN_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFormatError(path, 1, missing[0], None, f"columns {', '.join(CHAIN_COLUMNS)}")
    for field, ok, what in (
        ("option_type", frame["option_type"].isin(["call", "put"]), "call or put"),
        ("strike", pd.to_numeric(frame["strike"], errors="coerce") > 0, "a positive strike"),
    ):
        bad = np.flatnonzero(~ok.to_numpy())
        if bad.size:
            i = int(bad[0])
            raise DataFormatError(path, i + 2, field, str(frame[field].iloc[i]), what)
    frame["quote_date"] = pd.to_datetime(frame["quote_date"])
    frame["expiration"] = pd.to_datetime(frame["expiration"])
    frame["volume"] = pd.to_numeric(frame["volume"], errors="coerce").fillna(0.0)
    return frame


def prepare_chain(
    chain: pd.DataFrame, forwards: Mapping[pd.Timestamp, float], rate: float
) -> pd.DataFrame:
    """Return the traded rows of ``chain`` with forward, ``t_years``, implied vol and delta.

    Parameters
    ----------
    chain
        Rows of :func:`read_vix_chain` (one quote date).
    forwards
        Forward (VIX points) by expiry; expiries without one are dropped.
    rate
        Continuously compounded rate, decimal (discount ``exp(-rate t)``).
    """
    out = chain[chain["volume"] > 0].copy()
    out["forward"] = out["expiration"].map(lambda e: forwards.get(pd.Timestamp(e), np.nan))
    out = out[out["forward"].notna()].copy()
    out["dte_days"] = (out["expiration"] - out["quote_date"]).dt.days.astype(float)
    out["t_years"] = out["dte_days"] / DAYS_PER_YEAR
    out["discount"] = np.exp(-rate * out["t_years"])
    is_call = (out["option_type"] == "call").to_numpy()
    iv = implied_vol(
        out["close"].to_numpy(float),
        out["forward"].to_numpy(float),
        out["strike"].to_numpy(float),
        out["t_years"].to_numpy(float),
        out["discount"].to_numpy(float),
        is_call,
    )
    out["market_vol"] = np.where(iv.code == 0, iv.vol, np.nan)
    g = black76_greeks(
        out["forward"].to_numpy(float),
        out["strike"].to_numpy(float),
        out["t_years"].to_numpy(float),
        np.nan_to_num(out["market_vol"].to_numpy(float), nan=1.0),
        out["discount"].to_numpy(float),
        is_call,
    )
    out["market_delta"] = np.where(out["market_vol"].notna(), g.delta, np.nan)
    return out.reset_index(drop=True)


def _stale(group: pd.DataFrame) -> pd.Series:
    """Flag prints that break monotonicity against a more traded neighbour strike."""
    g = group.sort_values("strike")
    sign = 1.0 if g["option_type"].iloc[0] == "call" else -1.0
    px, vol = g["close"].to_numpy(float), g["volume"].to_numpy(float)
    bad = np.zeros(len(g), dtype=bool)
    for i in range(len(g) - 1):
        # calls must fall (puts rise) with the strike; blame the thinner of the two prints
        if sign * (px[i + 1] - px[i]) >= 0 and px[i + 1] != px[i]:
            bad[i if vol[i] < vol[i + 1] else i + 1] = True
    return pd.Series(bad, index=g.index)


def fit_mask(prepared: pd.DataFrame, min_price: float = 0.05) -> pd.Series:
    """Return which rows of :func:`prepare_chain` the fit uses.

    Out of the money (calls at or above 0.97 F, puts at or below 1.03 F: parity makes the
    in-the-money side redundant and noisier), ``close >= min_price`` (below, one 0.01 tick is
    20% or more of the price), an implied vol exists, and not a stale print.
    """
    call = prepared["option_type"] == "call"
    k_over_f = prepared["strike"] / prepared["forward"]
    otm = (call & (k_over_f >= 0.97)) | (~call & (k_over_f <= 1.03))
    stale = pd.Series(False, index=prepared.index)
    for _, g in prepared.groupby(["expiration", "option_type"]):
        stale.loc[g.index] = _stale(g)
    return otm & (prepared["close"] >= min_price) & prepared["market_vol"].notna() & ~stale


def model_prices(prepared: pd.DataFrame, model: VixOptionModel) -> np.ndarray:
    """Return the model's price of every row (VIX points)."""
    g = model.greeks(
        prepared["forward"].to_numpy(float),
        prepared["strike"].to_numpy(float),
        prepared["dte_days"].to_numpy(float),
        (prepared["option_type"] == "call").to_numpy(),
        0.0,
    )
    # the rate enters through the row's own discount factor
    return np.asarray(g.price) * prepared["discount"].to_numpy(float)


def with_values(
    base: VixOptionParams, names: Sequence[str], values: Sequence[float]
) -> VixOptionParams:
    """Return ``base`` with the parameters ``names`` set to ``values``."""
    changes: dict[str, Any] = {n: float(v) for n, v in zip(names, values, strict=True)}
    return replace(base, **changes)


def market_atm_by_expiry(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the market ATM vol of each expiry of ``rows`` (``dte_days``, ``atm_vol``).

    See ``_market_atm``: mean of the call and put implied vols at the forward. Expiries where
    it cannot be read are left out.
    """
    out = []
    for _, g in rows.groupby("expiration"):
        atm = _market_atm(g, float(g["forward"].iloc[0]))
        if np.isfinite(atm):
            out.append({"dte_days": float(g["dte_days"].iloc[0]), "atm_vol": atm})
    return pd.DataFrame(out, columns=["dte_days", "atm_vol"])


def chain_residuals(
    values: Sequence[float],
    names: Sequence[str],
    base: VixOptionParams,
    vvix: float,
    rows: pd.DataFrame,
    atm: pd.DataFrame | None = None,
    atm_weight: float = ATM_WEIGHT,
) -> np.ndarray:
    """Return the fit's residuals: ``sqrt(w) * ln(model / market)`` per row, then per ATM.

    ``w = ln(1 + volume)``: a 50,000-lot print counts about 2.6x a 60-lot one, not 800x. With
    ``atm`` (from :func:`market_atm_by_expiry`) one more residual per expiry,
    ``sqrt(atm_weight * mean w) * ln(model ATM / market ATM)``: the ATM level of an expiry
    counts like ``atm_weight`` typical prints (the goals bound both prices and ATM vols).
    """
    model = VixOptionModel(vvix, with_values(base, names, values))
    px = model_prices(rows, model)
    w = np.log1p(rows["volume"].to_numpy(float))
    raw = np.sqrt(w) * np.log(np.maximum(px, 1e-12) / rows["close"].to_numpy(float))
    # soft-L1 on the prints only (scale LOSS_SCALE, a 10% price error): beyond it a residual
    # counts linearly, so one stale print cannot drag the smile; sum(res**2) / 2 is scipy's
    # soft_l1 cost. The ATM residuals below stay quadratic.
    z = (raw / LOSS_SCALE) ** 2
    res = np.sign(raw) * LOSS_SCALE * np.sqrt(2.0 * (np.sqrt(1.0 + z) - 1.0))
    if atm is None or atm.empty:
        return res
    model_atm = model.atm_vol(atm["dte_days"].to_numpy(float))
    atm_res = np.sqrt(atm_weight * w.mean()) * np.log(model_atm / atm["atm_vol"].to_numpy(float))
    return np.concatenate([res, atm_res])


def fit_chain(
    rows: pd.DataFrame,
    vvix: float,
    base: VixOptionParams,
    names: Sequence[str] = CHAIN_FIT_PARAMS,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    atm: pd.DataFrame | None = None,
) -> VixOptionParams:
    """Return ``base`` with ``names`` fitted to ``rows`` (least squares of :func:`chain_residuals`).

    Robust on the prints (soft-L1, see :func:`chain_residuals`). ``atm``: market ATM vols by expiry to fit as well
    (see :func:`chain_residuals`).
    """
    default_bounds = {
        "atm_to_vvix": (0.3, 2.0),
        "term_exponent": (0.0, 2.0),
        "skew_slope": (0.0, 0.39),  # with put_skew_range <= 2.5: put vols > 2.5% of ATM
        "call_skew_range": (0.5, 30.0),
        "put_skew_range": (0.1, 2.5),
        "min_days": (1.0, 60.0),
    }
    b = {**default_bounds, **(bounds or {})}
    lo = [b[n][0] for n in names]
    hi = [b[n][1] for n in names]
    x0 = [min(max(getattr(base, n), lo[i]), hi[i]) for i, n in enumerate(names)]
    # min_days (the front of the term structure held flat) has a zero gradient where the clip
    # does not bind: start from several values and keep the best.
    starts = [x0]
    if "min_days" in names:
        i = list(names).index("min_days")
        starts = [[*x0[:i], d, *x0[i + 1 :]] for d in (1.0, 10.0, 20.0, 30.0, 45.0)]
    best = None
    for start in starts:
        res = least_squares(
            chain_residuals,
            start,
            bounds=(lo, hi),
            args=(names, base, vvix, rows, atm),
        )
        # strictly better by more than rounding, so that equal costs (min_days not
        # identified: no expiry below it) keep the earliest start, reproducibly
        if best is None or res.cost < best.cost * (1.0 - 1e-9):
            best = res
    assert best is not None
    res = best
    return with_values(base, names, res.x)


def _market_atm(g: pd.DataFrame, fwd: float) -> float:
    """Market ATM vol: the mean of the call and the put implied vols interpolated at ``fwd``.

    Averaging the two types cancels, to first order, an error in the forward (a forward too low
    raises call vols and lowers put vols by about the same amount). A type whose strikes do not
    neither brackets the forward nor has a strike within 3% of it is left out (flat beyond the
    last strike otherwise); NaN when no type is left.
    """
    vols = []
    for _, s in g.groupby("option_type"):
        x = np.log(s["strike"].to_numpy(float) / fwd)
        v = s["market_vol"].to_numpy(float)
        order = np.argsort(x)
        x, v = x[order], v[order]
        if x.size and (x[0] <= 0.0 <= x[-1] or np.min(np.abs(x)) <= 0.03):
            vols.append(float(np.interp(0.0, x, v)))
    return float(np.mean(vols)) if vols else float("nan")


def _bucket(delta: float) -> str:
    for lo, hi in DELTA_BUCKETS:
        if lo <= delta < hi:
            return f"{lo:.2f}-{hi:.2f}"
    return "n/a"


def vix_option_fidelity(
    prepared: pd.DataFrame, model: VixOptionModel, *, calls_only: bool = True
) -> pd.DataFrame:
    """Return model-against-market errors by expiry and delta bucket.

    Parameters
    ----------
    prepared
        Rows of :func:`prepare_chain`, usually filtered by :func:`fit_mask`.
    model
        The model to check (its VVIX is the chain day's).
    calls_only
        Keep calls only (the hedge buys calls).

    Returns
    -------
    pandas.DataFrame
        One row per (expiry, delta bucket) and one ``all`` row per expiry: ``root``,
        ``dte_days``, ``count``, ``median_abs_err_pct`` (median of ``|model/market - 1|``, %),
        ``median_err_pct`` (signed: > 0 the model is rich), ``atm_vol_model_pct`` and
        ``atm_vol_market_pct`` (ATM vol of the model, and the market implied vol interpolated
        at the forward from the rows' vols, %; NaN when the rows do not bracket the forward)
        and ``atm_err_pts``.
    """
    rows = prepared[prepared["option_type"] == "call"] if calls_only else prepared
    rows = rows.copy()
    rows["model"] = model_prices(rows, model)
    rows["err"] = rows["model"] / rows["close"] - 1.0
    rows["bucket"] = [_bucket(abs(d)) for d in rows["market_delta"]]
    out = []
    for exp, g in prepared.groupby("expiration"):
        days = float(g["dte_days"].iloc[0])
        fwd = float(g["forward"].iloc[0])
        atm_mkt = _market_atm(g, fwd)
        atm_model = float(model.atm_vol(days))
        sub = rows[rows["expiration"] == exp]
        groups = [("all", sub)] + [(b, s) for b, s in sub.groupby("bucket")]
        for bucket, s in groups:
            out.append(
                {
                    "expiry": pd.Timestamp(exp).date(),
                    "root": str(g["root"].iloc[0]),
                    "dte_days": int(days),
                    "delta_bucket": bucket,
                    "count": len(s),
                    "median_abs_err_pct": 100.0 * float(np.median(np.abs(s["err"])))
                    if len(s)
                    else np.nan,
                    "median_err_pct": 100.0 * float(np.median(s["err"])) if len(s) else np.nan,
                    "atm_vol_model_pct": 100.0 * atm_model,
                    "atm_vol_market_pct": 100.0 * atm_mkt,
                    "atm_err_pts": 100.0 * (atm_model - atm_mkt),
                }
            )
    return pd.DataFrame(out)


def parity_forward(
    chain: pd.DataFrame, expiry: pd.Timestamp, rate: float, near: float, band: float = 0.10
) -> float:
    """Return the put-call-parity forward of one expiry: ``K + (C - P) / df``.

    The volume-weighted median over strikes where both the call and the put traded, within
    ``band`` (relative) of ``near``; NaN when there is no such pair. ``chain`` holds one quote
    date (rows of :func:`read_vix_chain`).
    """
    g = chain[(chain["expiration"] == expiry) & (chain["volume"] > 0)]
    c = g[g["option_type"] == "call"].set_index("strike")
    p = g[g["option_type"] == "put"].set_index("strike")
    ks = c.index.intersection(p.index)
    ks = ks[np.abs(ks / near - 1.0) <= band]
    if ks.empty:
        return float("nan")
    days = (pd.Timestamp(expiry) - pd.Timestamp(g["quote_date"].iloc[0])).days
    df = math.exp(-rate * days / DAYS_PER_YEAR)
    f = ((c.loc[ks, "close"] - p.loc[ks, "close"]) / df + ks).to_numpy(float)
    w = np.minimum(c.loc[ks, "volume"], p.loc[ks, "volume"]).to_numpy(float)
    order = np.argsort(f)
    cw = np.cumsum(w[order])
    return float(f[order][np.searchsorted(cw, cw[-1] / 2.0)])


def goal_errors(rows: pd.DataFrame, model: VixOptionModel) -> pd.Series:
    """Return the median ``|model / market - 1|`` (%) of calls of market delta 0.1-0.6, by expiry."""
    calls = rows[(rows["option_type"] == "call") & rows["market_delta"].between(0.1, 0.6)]
    err = np.abs(model_prices(calls, model) / calls["close"].to_numpy(float) - 1.0)
    by = calls["expiration"].dt.date
    return pd.Series(100.0 * err, index=calls.index).groupby(by).median()


@dataclass(frozen=True)
class CalibrationDay:
    """The calibration chain's day, as the fit and the checks use it.

    Attributes
    ----------
    quote_date, vvix, vix, rate
        Quote date, VVIX and VIX closes, IRX rate (decimal) of that day.
    curve
        The VX curve of that day (settlements of the panel).
    chain
        Every row of the chain file (:func:`read_vix_chain`).
    forwards, parity_forwards
        Forward by expiry from the curve (:func:`option_forward`: VX settle, or interpolated
        for weeklies) and from put-call parity (:func:`parity_forward`).
    prepared
        :func:`prepare_chain` on the curve forwards; ``used`` the rows :func:`fit_mask` keeps.
    """

    quote_date: pd.Timestamp
    vvix: float
    vix: float
    rate: float
    curve: VxCurve
    chain: pd.DataFrame
    forwards: dict[pd.Timestamp, float]
    parity_forwards: dict[pd.Timestamp, float]
    prepared: pd.DataFrame

    @property
    def used(self) -> pd.DataFrame:
        """Rows of ``prepared`` the fit uses."""
        return self.prepared[fit_mask(self.prepared)]


def _close_on(path: Path, column: str, day: pd.Timestamp) -> float:
    frame = pd.read_csv(path, parse_dates=["date"])
    hit = frame.loc[frame["date"] == day, column]
    if hit.empty:
        raise DataFormatError(path, None, "date", str(day.date()), "a row on the chain's date")
    return float(hit.iloc[0])


def load_calibration_day(
    data_dir: str | Path, chain_file: str = CALIBRATION_CHAIN_FILE
) -> CalibrationDay:
    """Read the calibration chain and the day's VX curve, VVIX, VIX and IRX (read-only).

    Parameters
    ----------
    data_dir
        The shared data folder (``$ALVH_SHARED_DATA``).
    chain_file
        The chain, relative to ``data_dir``.
    """
    data = Path(data_dir)
    chain = read_vix_chain(data / chain_file)
    day = pd.Timestamp(chain["quote_date"].iloc[0])
    panel = pd.read_csv(data / "vx_settle_panel_2004_2026.csv.gz")
    rows = panel[pd.to_datetime(panel["trade_date"]) == day]
    vix = _close_on(data / "vix_daily_cboe_1990_2026.csv", "close", day)
    curve = VxCurve.from_rows(
        day, list(rows["contract"]), list(rows["expiry"]), list(rows["settle"]), vix_spot=vix
    )
    rate = _close_on(data / "tbill_13w_irx_daily_yahoo_2000_2026.csv", "irx_close_pct", day) / 100.0
    forwards = {
        pd.Timestamp(e): option_forward(curve, pd.Timestamp(e)).value
        for e in sorted(chain["expiration"].unique())
    }
    parity = {e: parity_forward(chain, e, rate, f) for e, f in forwards.items()}
    return CalibrationDay(
        quote_date=day,
        vvix=_close_on(data / "vvix_daily_cboe_2006_2026.csv", "vvix", day),
        vix=vix,
        rate=rate,
        curve=curve,
        chain=chain,
        forwards=forwards,
        parity_forwards=parity,
        prepared=prepare_chain(chain, forwards, rate),
    )
