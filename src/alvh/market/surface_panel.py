"""Many days of the model SPX surface at once (``SurfacePanel``) and their inputs.

Each day is the surface ``SpxVolSurface.from_snapshot`` builds at 16:15 ET of that day;
``tests/market/test_surface_panel.py`` pins the two together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array, Int64Array
from alvh.errors import NoDataError
from alvh.kernel.black import Greeks
from alvh.kernel.fast import black76_greeks  # compiled twin, pinned to the reference
from alvh.market.rates import CarryCurve
from alvh.market.surface_params import DEFAULT_SURFACE_PARAMS, SurfaceParams
from alvh.market.surface_regime import regime_terms
from alvh.market.surface_ssvi import (
    _CLOSE_OFFSET,
    _MIN_T_YEARS,
    _PHI_CAP_MARGIN,
    VIX_TENORS_DAYS,
    AtmTermStructure,
)

if TYPE_CHECKING:
    from alvh.market.data import MarketData
    from alvh.market.surface import SpxVolSurface

_PANEL_AS_OF: Final = pd.Timedelta(hours=16, minutes=15)  # the VIX family's close is known


@dataclass(frozen=True)
class SurfacePanel:
    """The model surface of many days as arrays: what ``from_snapshot`` builds, day by day.

    Each day ``i`` is the surface ``SpxVolSurface.from_snapshot`` builds at 16:15 ET of
    ``dates[i]`` (when the VIX family's closes are known); the tests pin the two together.
    Strategy replicas and fits evaluate thousands of (day, expiry, strike) triples in one call.

    Attributes
    ----------
    dates
        Session dates (midnight), increasing.
    spot
        SPX close per day.
    rate
        Continuous ACT/365 rate per day (IRX, else DFF, as ``CarryCurve.from_snapshot``).
    t_nodes
        VIX-family tenors in years (``VIX_TENORS_DAYS``).
    w_nodes
        ATM total variance per (day, node); NaN where the index was not quoted that day.
    eta, rho
        Per-day SSVI ``eta`` and ``rho`` (``regime_terms``).
    params
        The model parameters used.
    """

    dates: pd.DatetimeIndex
    spot: Float64Array
    rate: Float64Array
    t_nodes: Float64Array
    w_nodes: Float64Array
    eta: Float64Array
    rho: Float64Array
    params: SurfaceParams = field(repr=False)

    @classmethod
    def from_closes(
        cls,
        dates: pd.DatetimeIndex,
        spot: ArrayLike,
        rate: ArrayLike,
        indexes: dict[str, ArrayLike],
        skew_index: ArrayLike,
        params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
    ) -> SurfacePanel:
        """Build from aligned per-day arrays.

        Parameters
        ----------
        dates
            Session dates.
        spot, rate
            SPX close and continuous rate per day.
        indexes
            Same-day closes of the VIX-family symbols in ``VIX_TENORS_DAYS`` (NaN: not quoted);
            ``"VIX"`` is required.
        skew_index
            Last known SKEW close per day (NaN: unknown).
        params
            Surface parameters.
        """
        n = len(dates)
        vix = np.asarray(indexes["VIX"], dtype=np.float64)
        nan = np.full(n, np.nan)
        vix3m = np.asarray(indexes.get("VIX3M", nan), dtype=np.float64)
        ratio, eta, rho = regime_terms(params, vix, vix3m, skew_index)
        t_nodes = np.array([days / 365.0 for _, days in VIX_TENORS_DAYS])
        w = np.full((n, t_nodes.shape[0]), np.nan)
        for j, (symbol, _) in enumerate(VIX_TENORS_DAYS):
            level = np.asarray(indexes.get(symbol, nan), dtype=np.float64)
            atm_pts = np.maximum(ratio * level, level - params.max_atm_gap_pts)
            w[:, j] = (atm_pts / 100.0) ** 2 * t_nodes[j]
        present = ~np.isnan(w)
        # Non-decreasing over the quoted nodes (fmax skips NaN), as from_snapshot does.
        w = np.where(present, np.fmax.accumulate(w, axis=1), np.nan)
        return cls(
            pd.DatetimeIndex(dates),
            np.asarray(spot, dtype=np.float64),
            np.asarray(rate, dtype=np.float64),
            t_nodes,
            w,
            np.broadcast_to(eta, (n,)).astype(np.float64),
            np.broadcast_to(rho, (n,)).astype(np.float64),
            params,
        )

    @classmethod
    def from_market(
        cls,
        data: MarketData,
        params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> SurfacePanel:
        """Build the panel of every SPX session of ``data`` in [start, end] with a VIX close."""
        inputs = daily_inputs(data, start, end)
        return cls.from_closes(
            pd.DatetimeIndex(inputs.index),
            inputs["SPX"].to_numpy(),
            inputs["rate"].to_numpy(),
            {s: inputs[s].to_numpy() for s, _ in VIX_TENORS_DAYS if s in inputs},
            inputs["SKEW"].to_numpy(),
            params,
        )

    def theta(self, day: Int64Array, t_years: ArrayLike) -> Float64Array:
        """Return ATM total variance of day ``day`` (row index) at ``t_years`` (broadcasting)."""
        d, t = np.broadcast_arrays(np.asarray(day, dtype=np.int64), np.asarray(t_years, float))
        t = np.maximum(t, _MIN_T_YEARS)
        w = self.w_nodes[d]  # (..., m)
        tn = self.t_nodes
        present = ~np.isnan(w)
        m = tn.shape[0]
        idx = np.arange(m)
        te = t[..., None]
        below = present & (tn <= te)
        above = present & (tn >= te)
        lo = np.where(below.any(-1), np.max(np.where(below, idx, -1), -1), -1)
        hi = np.where(above.any(-1), np.min(np.where(above, idx, m), -1), m)
        first = np.argmax(present, -1)
        last = m - 1 - np.argmax(present[..., ::-1], -1)
        take = np.take_along_axis
        w_first = take(w, first[..., None], -1)[..., 0]
        w_last = take(w, last[..., None], -1)[..., 0]
        lo_c, hi_c = np.clip(lo, 0, m - 1), np.clip(hi, 0, m - 1)
        w_lo = take(w, lo_c[..., None], -1)[..., 0]
        w_hi = take(w, hi_c[..., None], -1)[..., 0]
        t_lo, t_hi = tn[lo_c], tn[hi_c]
        span = np.where(hi_c > lo_c, t_hi - t_lo, 1.0)
        inside = np.where(hi_c > lo_c, w_lo + (w_hi - w_lo) * (t - t_lo) / span, w_lo)
        return np.where(
            lo < 0, t * (w_first / tn[first]), np.where(hi >= m, t * (w_last / tn[last]), inside)
        )

    def forward(self, day: Int64Array, t_years: ArrayLike) -> Float64Array:
        """Return the SPX forward of day ``day`` to ``t_years``."""
        d = np.asarray(day, dtype=np.int64)
        carry = self.rate[d] - self.params.div_yield
        return self.spot[d] * np.exp(carry * np.asarray(t_years, dtype=np.float64))

    def iv(self, day: Int64Array, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return model implied vols of day ``day`` at ``(t_years, strikes)`` (broadcasting)."""
        # The slice (theta, phi) depends on (day, t) only: compute it on their broadcast shape,
        # then spread over the strikes (a strike grid per expiry costs one slice per row).
        d, t = np.broadcast_arrays(
            np.asarray(day, dtype=np.int64), np.asarray(t_years, dtype=np.float64)
        )
        k = np.asarray(strikes, dtype=np.float64)
        tc = np.maximum(t, _MIN_T_YEARS)
        theta = self.theta(d, tc)
        rho = self.rho[d]
        eta = self.eta[d]
        g = self.params.gamma
        lim = 4.0 / (theta * (1.0 + np.abs(rho)))
        cap = _PHI_CAP_MARGIN * np.minimum(lim, np.sqrt(lim))
        phi = np.minimum(eta / (theta**g * (1.0 + theta) ** (1.0 - g)), cap)
        pk = phi * np.log(k / self.forward(d, tc))
        w = 0.5 * theta * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))
        return np.sqrt(w / tc)

    def greeks(
        self, day: Int64Array, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike
    ) -> tuple[Greeks, Float64Array]:
        """Return (Black-76 greeks per unit of SPX with spot delta, smile vols) per option.

        Expired options (``t_years <= 0``) get intrinsic value on the day's close.
        """
        vol = self.iv(day, t_years, strikes)
        d, t, k, c = np.broadcast_arrays(
            np.asarray(day, dtype=np.int64),
            np.asarray(t_years, dtype=np.float64),
            np.asarray(strikes, dtype=np.float64),
            np.asarray(is_call, dtype=bool),
        )
        f = self.forward(d, np.maximum(t, 0.0))
        df = np.exp(-self.rate[d] * np.maximum(t, 0.0))
        g = black76_greeks(f, k, t, vol, df, c)
        ratio = f / self.spot[d]
        return (
            Greeks(
                g.price, g.delta * ratio, g.gamma * ratio**2, g.vega_per_vol_pt, g.theta_per_day
            ),
            vol,
        )

    def surface(self, day: int) -> SpxVolSurface:
        """Return day ``day`` as an ``SpxVolSurface`` (for code that wants one day's object)."""
        from alvh.market.surface import SpxVolSurface  # the one-day class imports this module

        present = ~np.isnan(self.w_nodes[day])
        ts = self.dates[day]
        return SpxVolSurface(
            spot=float(self.spot[day]),
            as_of=ts + _PANEL_AS_OF,
            valuation_time=ts.normalize() + _CLOSE_OFFSET,
            carry=CarryCurve(float(self.rate[day]), self.params.div_yield),
            atm=AtmTermStructure(self.t_nodes[present], self.w_nodes[day][present]),
            eta=float(self.eta[day]),
            params=self.params,
            rho=float(self.rho[day]),
        )


def daily_inputs(
    data: MarketData,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Return per-session model inputs known at 16:15 ET of each SPX session with a VIX close.

    Columns: ``SPX`` (close), ``SPX_open`` (NaN when the data has none), the VIX-family closes
    of the same date (NaN when not quoted that day), ``SKEW`` (last known), ``rate``
    (continuous, IRX else DFF, last known) and ``rate_source``.
    """
    bars = data.tables["index_bars"]
    wide = bars.pivot_table(index="date", columns="symbol", values="close", aggfunc="last")
    spx = bars[bars["symbol"] == "SPX"].set_index("date")
    out = pd.DataFrame(index=pd.DatetimeIndex(spx.index, name="date"))
    out["SPX"] = spx["close"].astype(float)
    out["SPX_open"] = spx["open"].astype(float)
    for symbol, _ in VIX_TENORS_DAYS:
        out[symbol] = wide[symbol].reindex(out.index) if symbol in wide else np.nan
    out["SKEW"] = (
        wide["SKEW"].reindex(wide.index).ffill().reindex(out.index) if "SKEW" in wide else np.nan
    )
    out = out[out["VIX"].notna()]
    as_of = pd.Series(out.index + _PANEL_AS_OF, index=out.index)
    rates = data.tables["rates"]
    out["rate"] = np.nan
    out["rate_source"] = ""
    for series, convert in (("DFF", _dff_to_cc), ("IRX", _irx_to_cc)):
        r = rates[rates["series"] == series].sort_values("known_at")
        if r.empty:
            continue
        known = pd.merge_asof(
            as_of.rename("as_of").reset_index(),
            r[["known_at", "value_pct"]],
            left_on="as_of",
            right_on="known_at",
        )["value_pct"].to_numpy(np.float64)
        ok = ~np.isnan(known)
        out.loc[ok, "rate"] = convert(known[ok])  # IRX overrides DFF where known
        out.loc[ok, "rate_source"] = series
    if start is not None:
        out = out[out.index >= pd.Timestamp(start)]
    if end is not None:
        out = out[out.index <= pd.Timestamp(end)]
    if out.empty or out["rate"].isna().any():
        raise NoDataError("daily_inputs: no sessions in range, or a session without IRX/DFF rate")
    return out


def _irx_to_cc(discount_yield_pct: Float64Array) -> Float64Array:
    """Vectorised ``tbill_discount_yield_to_cc`` (13-week bill)."""
    return -np.log(1.0 - discount_yield_pct / 100.0 * 91 / 360.0) / (91 / 365.0)


def _dff_to_cc(rate_pct: Float64Array) -> Float64Array:
    """Vectorised ``money_market_to_cc``."""
    return 365.0 * np.log1p(rate_pct / 100.0 / 360.0)
