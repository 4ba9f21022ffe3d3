"""Realised volatility of VX futures by days to expiry (the Samuelson effect), and its fit.

Longer-dated VX futures move less than the front one: VIX mean-reverts, so news about VIX today
says little about VIX in six months. The realised vol of a future ``tau`` years from expiry is
fitted as ``sqrt(L**2 + S**2 exp(-2 kappa tau))``; ``alvh.market.vixoptions`` uses the shape as
the term structure of VIX option ATM vol.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from alvh.market.vxcurve import DAYS_PER_YEAR

__all__ = ["fit_samuelson", "realised_vx_vol_by_dte"]


def realised_vx_vol_by_dte(
    panel: pd.DataFrame, bucket_days: int = 10, max_days: int = 240, max_gap_days: int = 5
) -> pd.DataFrame:
    """Return the realised vol of VX futures by days to expiry, over a settlement panel.

    Daily log changes of each contract's settle (pairs at most ``max_gap_days`` calendar days
    apart), bucketed by the days to expiry at the end of the change; vol = standard deviation x
    sqrt(252). Columns: ``dte_mid`` (bucket middle, days), ``count``, ``vol`` (decimal).

    Parameters
    ----------
    panel
        Columns ``trade_date``, ``contract``, ``expiry``, ``settle`` (e.g. the shared
        ``vx_settle_panel_2004_2026.csv.gz``).
    """
    p = panel.sort_values(["contract", "trade_date"])
    td = pd.to_datetime(p["trade_date"])
    dte = (pd.to_datetime(p["expiry"]) - td).dt.days
    r = np.log(p["settle"].astype(float)).groupby(p["contract"]).diff()
    gap = td.groupby(p["contract"]).diff().dt.days
    ok = r.notna() & (gap <= max_gap_days) & (dte >= 0) & (dte < max_days)
    bucket = (dte[ok] // bucket_days) * bucket_days
    g = r[ok].groupby(bucket).agg(["count", "std"])
    return pd.DataFrame(
        {
            "dte_mid": g.index.to_numpy(float) + bucket_days / 2.0,
            "count": g["count"].to_numpy(int),
            "vol": g["std"].to_numpy(float) * np.sqrt(252.0),
        }
    )


def fit_samuelson(table: pd.DataFrame) -> tuple[float, float, float]:
    """Return ``(rv_short_vol, rv_long_vol, samuelson_kappa)`` fitted to a realised table.

    Least squares of ``vol(tau)**2 = L**2 + S**2 exp(-2 kappa tau)`` on the bucket variances,
    each bucket weighted by its count.
    """
    tau = table["dte_mid"].to_numpy(float) / DAYS_PER_YEAR
    var = table["vol"].to_numpy(float) ** 2
    w = np.sqrt(table["count"].to_numpy(float))

    def resid(x: np.ndarray) -> np.ndarray:
        s, ell, k = x
        return w * (ell**2 + s**2 * np.exp(-2.0 * k * tau) - var)

    res = least_squares(resid, [0.8, 0.25, 5.0], bounds=([0.0, 0.0, 0.0], [5.0, 5.0, 100.0]))
    s, ell, k = (float(v) for v in res.x)
    return s, ell, k
