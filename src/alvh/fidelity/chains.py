"""IV error of the model surface against real option quotes, by delta and by days to expiry.

For one quote date the market side is read off the quotes alone: per expiration, the forward
from put-call parity near the money and the Black-76 implied vol of each out-of-the-money mid
(puts below the forward, calls at or above; quotes the importer flagged -- crossed, zero bid,
stale, off parity, see ``alvh.market.chain_quality`` -- are skipped), through
``alvh.market.surface_quotes.smile_from_quotes`` and the kernel's implied-vol solver. The model
side is the model surface of the same day at the same *moneyness*: the quote at strike K with
parity forward F is compared with the model's IV at ``K * F_model / F``, so a gap between the
chain's snapshot time (15:45 for DataShop files) and the close the model is built on does not
show up as a smile error. Discounting uses the model's rate for both.

Buckets: |delta| is the market's own undiscounted forward delta of the option (``N(d1)`` for
calls, ``N(-d1)`` for puts, at the market IV); days to expiry are calendar days from the quote
date. Both bucket edges are ``[lo, hi)``. Errors are model minus market, in vol points.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final, Protocol

import numpy as np
import pandas as pd
from scipy.special import ndtr

from alvh._typing import ArrayLike, Float64Array
from alvh.market.surface_quotes import SPX_ROOTS, smile_from_quotes

DELTA_BUCKETS: Final = ((0.05, 0.10), (0.10, 0.20), (0.20, 0.35), (0.35, 0.50))
"""|delta| buckets, ``[lo, hi)``."""
DTE_BUCKETS: Final = ((7, 14), (14, 30), (30, 60), (60, 120), (120, 10_000))
"""Calendar days to expiry buckets, ``[lo, hi)``; the last is '120+'."""
HEADLINE_DELTA: Final = (0.05, 0.50)
HEADLINE_DTE: Final = (14, 60)
"""The issue's goal window: 5-50 delta, 14-60 days to expiry (inclusive of 60)."""


class ModelSurface(Protocol):
    """What the comparison needs from the model surface of the quote date."""

    def t_years(self, expiry: pd.Timestamp, am_settled: bool | None = None) -> float: ...

    def forward(self, t_years: ArrayLike) -> Float64Array: ...

    def discount(self, t_years: ArrayLike) -> Float64Array: ...

    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array: ...


def bucket_label(lo: float, hi: float, pct: bool = False) -> str:
    """Return a bucket's label: ``5-10`` for deltas (in delta points), ``120+`` for the top DTE."""
    if hi >= 10_000:
        return f"{lo:g}+"
    return f"{lo * 100:g}-{hi * 100:g}" if pct else f"{lo:g}-{hi:g}"


def _bucket(values: Float64Array, edges: tuple[tuple[float, float], ...], pct: bool) -> np.ndarray:
    out = np.full(len(values), "", dtype=object)
    for lo, hi in edges:
        out[(values >= lo) & (values < hi)] = bucket_label(lo, hi, pct)
    return out


def read_chain_file(path: str | Path) -> pd.DataFrame:
    """Read a chain file of any layout ``alvh data import`` reads into ``option_chains`` rows.

    Raises
    ------
    alvh.errors.DataFormatError
        If the file is in no known layout or a row cannot be read.
    """
    from alvh.market.chains import read_chains

    return read_chains(path)


ERROR_COLUMNS: Final = (
    "quote_date",
    "root",
    "expiry",
    "dte_days",
    "t_years",
    "right",
    "strike",
    "forward",
    "model_forward",
    "market_iv",
    "model_iv",
    "error_pts",
    "abs_delta",
    "delta_bucket",
    "dte_bucket",
)
"""Columns of ``iv_errors``."""


def empty_errors() -> pd.DataFrame:
    """Return an ``iv_errors`` frame with no rows."""
    return pd.DataFrame(columns=list(ERROR_COLUMNS))


def iv_errors(chain_day: pd.DataFrame, surface: ModelSurface) -> pd.DataFrame:
    """Return one row per usable out-of-the-money quote with the market and model IVs.

    Parameters
    ----------
    chain_day
        Canonical ``option_chains`` rows of one quote date (SPX and SPXW roots are used; ``SPX``
        is AM-settled, ``SPXW`` PM-settled).
    surface
        The model surface built for that date.

    Returns
    -------
    pandas.DataFrame
        Columns: quote_date, root, expiry, dte_days, t_years, right, strike, forward (parity),
        model_forward, market_iv, model_iv, error_pts (model - market, vol points),
        abs_delta, delta_bucket, dte_bucket (labels; '' outside every bucket).
    """
    rows = chain_day[chain_day["root"].isin(SPX_ROOTS)]
    if "quality" in rows:
        # A quote the importer flagged (crossed, zero bid, stale, off parity) is not a price
        # the model should be held to.
        flags = rows["quality"].fillna("").astype(str)
        rows = rows[flags == ""]
    parts: list[pd.DataFrame] = []
    for (root, expiry), g in rows.groupby(["root", "expiry"], sort=True):
        expiry_ts = pd.Timestamp(str(expiry))
        t = float(surface.t_years(expiry_ts, am_settled=root == "SPX"))
        if t <= 0.0:
            continue
        df = float(np.asarray(surface.discount(t)))
        fitted = smile_from_quotes(g, t, df)
        if fitted is None:
            continue
        fwd, ks, vols = fitted
        f_model = float(np.asarray(surface.forward(t)))
        model_iv = np.asarray(surface.iv(np.full_like(ks, t), ks * (f_model / fwd)), dtype=float)
        sd = vols * math.sqrt(t)
        d1 = np.log(fwd / ks) / sd + 0.5 * sd
        is_call = ks >= fwd
        abs_delta = np.where(is_call, ndtr(d1), ndtr(-d1))
        quote_date = pd.Timestamp(g["quote_date"].iloc[0]).normalize()
        parts.append(
            pd.DataFrame(
                {
                    "quote_date": quote_date,
                    "root": root,
                    "expiry": expiry_ts,
                    "dte_days": (expiry_ts.normalize() - quote_date).days,
                    "t_years": t,
                    "right": np.where(is_call, "C", "P"),
                    "strike": ks,
                    "forward": fwd,
                    "model_forward": f_model,
                    "market_iv": vols,
                    "model_iv": model_iv,
                    "abs_delta": abs_delta,
                }
            )
        )
    if not parts:
        return empty_errors()
    out = pd.concat(parts, ignore_index=True)
    out["error_pts"] = (out["model_iv"] - out["market_iv"]) * 100.0
    out["delta_bucket"] = _bucket(out["abs_delta"].to_numpy(), DELTA_BUCKETS, pct=True)
    out["dte_bucket"] = _bucket(out["dte_days"].to_numpy(dtype=float), DTE_BUCKETS, pct=False)
    return out[list(ERROR_COLUMNS)]


def _stats(g: pd.DataFrame) -> pd.Series:
    e = g["error_pts"]
    return pd.Series(
        {
            "count": len(e),
            "mean_error_pts": float(e.mean()),
            "mean_abs_error_pts": float(e.abs().mean()),
            "median_abs_error_pts": float(e.abs().median()),
            "rmse_pts": float(math.sqrt((e**2).mean())),
        }
    )


def error_table(errors: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return error statistics by ``right`` and one bucket column, puts and calls apart.

    Parameters
    ----------
    errors
        Output of ``iv_errors``.
    by
        ``"delta_bucket"`` or ``"dte_bucket"``. Only options inside both a delta bucket and a
        DTE bucket are counted (5-50 delta, 7 days or more).

    Returns
    -------
    pandas.DataFrame
        Columns right, the bucket, count, mean_error_pts, mean_abs_error_pts,
        median_abs_error_pts, rmse_pts; rows in bucket order, puts first.
    """
    order = [
        bucket_label(lo, hi, pct=by == "delta_bucket")
        for lo, hi in (DELTA_BUCKETS if by == "delta_bucket" else DTE_BUCKETS)
    ]
    # Both tables cover the same options: those inside a delta bucket *and* a DTE bucket, so a
    # 1-delta wing or a 0DTE quote weighs on neither.
    e = errors[(errors["delta_bucket"] != "") & (errors["dte_bucket"] != "")]
    e = e[e[by].isin(order)]
    cols = [
        "right",
        by,
        "count",
        "mean_error_pts",
        "mean_abs_error_pts",
        "median_abs_error_pts",
        "rmse_pts",
    ]
    if e.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for right in ("P", "C"):
        for b in order:
            g = e[(e["right"] == right) & (e[by] == b)]
            if len(g):
                rows.append({"right": right, by: b, **_stats(g).to_dict()})
    table = pd.DataFrame(rows, columns=cols)
    table["count"] = table["count"].astype(int)
    return table


def headline(errors: pd.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """Return the goal figure per right: mean |error| for 5-50 delta, 14-60 days to expiry.

    Returns
    -------
    dict
        ``{"P": {"count": n, "mean_abs_error_pts": x}, "C": {...}}``; x is None when n is 0.
    """
    lo_d, hi_d = HEADLINE_DELTA
    lo_t, hi_t = HEADLINE_DTE
    sel = errors[
        (errors["abs_delta"] >= lo_d)
        & (errors["abs_delta"] < hi_d)
        & (errors["dte_days"] >= lo_t)
        & (errors["dte_days"] <= hi_t)
    ]
    out: dict[str, dict[str, float | int | None]] = {}
    for right in ("P", "C"):
        e = sel.loc[sel["right"] == right, "error_pts"]
        out[right] = {
            "count": len(e),
            "mean_abs_error_pts": float(e.abs().mean()) if len(e) else None,
            "mean_error_pts": float(e.mean()) if len(e) else None,
        }
    return out
