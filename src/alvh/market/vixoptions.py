"""VIX options: European, settled at the SOQ, priced with Black-76 on the VX future of their expiry.

The forward of a VIX option is the VX future settling on the same morning, never spot VIX (the
two differ by the whole contango). Vol comes from VVIX, CBOE's 30-day implied vol of VIX options
(computed like VIX, on spot-VIX options), shaped by two documented adjustments (see
``docs/vix-models.md`` for the reasoning and sources):

- term structure: ``atm_vol(T) = atm_to_vvix * VVIX/100 * (30 / days)^beta``, with ``days``
  clipped to ``[min_days, max_days]`` so that a 2-day option does not get a near-infinite vol;
  VIX-option vols fall with maturity because VIX mean-reverts (vol of a future ~ e^(-kT));
- call skew: ``vol(K) = atm_vol(T) * (1 + slope * log(K/F))``, slope ``call_skew_slope`` above
  the forward and ``put_skew_slope`` below it (relative to ATM, so that the long-dated smile,
  whose ATM vol is lower, is flatter in vol points), log(K/F) saturated smoothly at ``+-skew_range``
  (``skew_range * tanh(log(K/F) / skew_range)``: a linear smile without bound makes far calls
  gain value with the strike, an arbitrage); the result
  is bounded to ``[vol_floor, vol_cap]``.

Multipliers (USD per VIX point): VIX options 100, VX futures 1000, VXM mini futures 100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from alvh._typing import ArrayLike, Float64Array
from alvh.errors import NoDataError, PricingError
from alvh.kernel._scalar import black76_one  # compiled scalar Black-76 (plain Python w/o numba)
from alvh.kernel.black import Greeks
from alvh.kernel.fast import black76_greeks  # compiled twin, pinned to the reference
from alvh.market.vxcurve import (
    DAYS_PER_YEAR,
    VIX_OPTION_MULTIPLIER_USD,
    VX_MULTIPLIER_USD,
    VXM_MULTIPLIER_USD,
    VxCurve,
)

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot

__all__ = [
    "VIX_OPTION_MULTIPLIER_USD",
    "VXM_MULTIPLIER_USD",
    "VX_MULTIPLIER_USD",
    "VixOptionModel",
    "strike_for_delta",
    "vix_option_greeks",
]


@dataclass(frozen=True)
class VixOptionModel:
    """Implied vol of VIX options from VVIX with a term structure and a call skew.

    Parameters
    ----------
    vvix
        VVIX level (a 30-day implied vol of VIX options in percent, e.g. 95.0).
    beta
        Term-structure exponent in ``(30/days)^beta`` (0.3-0.5 fits the usual VIX-option
        term structure; default 0.4).
    atm_to_vvix
        ATM vol as a fraction of VVIX. VVIX is a variance-swap level over all strikes; with a
        call skew and a lower put wing, ATM sits close to it (default 1.0).
    call_skew_slope, put_skew_slope
        Relative vol change per unit of log(K/F) above / below the forward (defaults 0.6 and
        0.3: at ATM 100%, +11 vol points at a strike 20% above the forward, -7 points 20% below).
    skew_range
        Saturation of the log-moneyness in the smile (default 1.0: the smile flattens beyond
        about 2.7x or below 0.37x the forward).
    min_days, max_days
        Bounds on the days used in the term structure.
    vol_floor, vol_cap
        Bounds on the resulting vol (decimal).
    """

    vvix: float
    beta: float = 0.4
    atm_to_vvix: float = 1.0
    call_skew_slope: float = 0.6
    put_skew_slope: float = 0.3
    skew_range: float = 1.0
    min_days: float = 7.0
    max_days: float = 365.0
    vol_floor: float = 0.20
    vol_cap: float = 5.00

    def __post_init__(self) -> None:
        # math.isfinite: the engine builds one model per VVIX level seen (thousands a run).
        if not (math.isfinite(self.vvix) and self.vvix > 0):
            raise PricingError(f"VVIX = {self.vvix!r}; expected a positive level in percent")
        if not 0.0 <= self.beta <= 1.0:
            raise PricingError(f"beta = {self.beta!r}; expected 0..1")

    def atm_vol(self, days: ArrayLike) -> Float64Array:
        """Return the ATM vol (decimal) for options ``days`` calendar days from expiry."""
        d = np.clip(np.asarray(days, dtype=np.float64), self.min_days, self.max_days)
        vol = self.atm_to_vvix * self.vvix / 100.0 * (30.0 / d) ** self.beta
        return np.clip(vol, self.vol_floor, self.vol_cap)

    def vol(self, forward: ArrayLike, strikes: ArrayLike, days: ArrayLike) -> Float64Array:
        """Return the implied vol (decimal) at ``strikes`` on ``forward`` and ``days`` to expiry."""
        f = np.asarray(forward, dtype=np.float64)
        k = np.asarray(strikes, dtype=np.float64)
        if np.any(k <= 0) or np.any(f <= 0):
            raise PricingError("VIX option strikes and forwards must be positive")
        # tanh saturation: linear near the money, flat far out, with no kink (a kink in the
        # smile is a butterfly arbitrage at one strike).
        x = self.skew_range * np.tanh(np.log(k / f) / self.skew_range)
        slope = np.where(x > 0.0, self.call_skew_slope, self.put_skew_slope)
        return np.clip(self.atm_vol(days) * (1.0 + slope * x), self.vol_floor, self.vol_cap)

    def vol_one(self, forward: float, strike: float, days: float) -> float:
        """Return :meth:`vol` of one option in plain floats (the engine's per-contract path).

        Same formula, operation by operation, without numpy's per-call overhead.
        """
        if not (strike > 0 and forward > 0):
            raise PricingError("VIX option strikes and forwards must be positive")
        d = min(max(float(days), self.min_days), self.max_days)
        atm = self.atm_to_vvix * self.vvix / 100.0 * (30.0 / d) ** self.beta
        atm = min(max(atm, self.vol_floor), self.vol_cap)
        x = self.skew_range * math.tanh(math.log(strike / forward) / self.skew_range)
        slope = self.call_skew_slope if x > 0.0 else self.put_skew_slope
        return min(max(atm * (1.0 + slope * x), self.vol_floor), self.vol_cap)

    def greeks_one(
        self, forward: float, strike: float, days: float, is_call: bool, rate: float
    ) -> tuple[float, float, float, float, float]:
        """Return :meth:`greeks` of one option as floats: (price, delta, gamma,
        vega_per_vol_pt, theta_per_day), VIX points per unit (x100 for USD per contract)."""
        t_years = float(days) / DAYS_PER_YEAR
        vol = self.vol_one(forward, strike, days)
        df = math.exp(-rate * t_years)
        return black76_one(float(forward), float(strike), t_years, vol, df, bool(is_call))

    def greeks(
        self,
        forward: ArrayLike,
        strikes: ArrayLike,
        days: ArrayLike,
        is_call: ArrayLike,
        rate: float,
    ) -> Greeks:
        """Return Black-76 price and greeks per option (VIX points; x100 for USD per contract).

        Parameters
        ----------
        forward
            VX future of the option's expiry.
        strikes
            Strikes in VIX points.
        days
            Calendar days to expiry (t_years = days / 365).
        is_call
            True for calls.
        rate
            Continuously compounded risk-free rate, decimal.
        """
        d = np.asarray(days, dtype=np.float64)
        t_years = d / DAYS_PER_YEAR
        vol = self.vol(forward, strikes, d)
        return black76_greeks(forward, strikes, t_years, vol, np.exp(-rate * t_years), is_call)


def _curve_of(snap_or_curve: MarketSnapshot | VxCurve) -> VxCurve:
    if isinstance(snap_or_curve, VxCurve):
        return snap_or_curve
    return VxCurve.from_snapshot(snap_or_curve)


def vix_option_greeks(
    snap_or_curve: MarketSnapshot | VxCurve,
    expiry: pd.Timestamp | str,
    strikes: ArrayLike,
    is_call: ArrayLike,
    vvix: float | None = None,
    rate: float | None = None,
    model: VixOptionModel | None = None,
) -> Greeks:
    """Return price and greeks of VIX options of one expiry, on the VX future of that expiry.

    Parameters
    ----------
    snap_or_curve
        A ``MarketSnapshot`` (VVIX and IRX read from it when not given) or a ``VxCurve``.
    expiry
        The options' expiry: a VX settlement date listed on the curve.
    strikes, is_call
        Strikes (VIX points) and call flags, broadcastable.
    vvix
        VVIX level; default the snapshot's latest VVIX close.
    rate
        Risk-free rate, decimal; default the snapshot's IRX (percent / 100), else 0.
    model
        Vol model; default ``VixOptionModel(vvix)``.

    Raises
    ------
    NoDataError
        If no VX future settles on ``expiry`` or VVIX is neither given nor known.
    """
    curve = _curve_of(snap_or_curve)
    fwd = curve.at_expiry(expiry)
    snap = None if isinstance(snap_or_curve, VxCurve) else snap_or_curve
    if model is None:
        if vvix is None:
            if snap is None or not snap.has("VVIX"):
                raise NoDataError(f"VVIX for {curve.date.date()} not given and not known")
            vvix = snap.close("VVIX")
        model = VixOptionModel(vvix)
    if rate is None:
        rate = 0.0
        if snap is not None:
            try:
                rate = snap.rate_pct("IRX") / 100.0
            except NoDataError:
                rate = 0.0
    return model.greeks(fwd.value, strikes, float(fwd.dte_days or 0), is_call, rate)


def strike_for_delta(
    forward: float,
    days: float,
    target_delta: float,
    model: VixOptionModel,
    is_call: bool = True,
    rate: float = 0.0,
    strike_step: float | None = None,
) -> float:
    """Return the strike whose Black-76 delta (skew included) equals ``target_delta``.

    Used e.g. by the CBOE VXTH rule (30-delta VIX calls: ``target_delta=0.30``). Puts take a
    negative target. With ``strike_step`` the strike is rounded to the nearest listed grid point
    (VIX options trade in 0.5 or 1 point steps).

    Raises
    ------
    PricingError
        If no strike between 1% and 20x the forward has that delta.
    """
    sign = 1.0 if is_call else -1.0
    if not 0.0 < sign * target_delta < 1.0:
        raise PricingError(
            f"target delta {target_delta!r}; expected in (0, 1) for calls, (-1, 0) for puts"
        )

    def excess(k: float) -> float:
        return model.greeks_one(forward, k, days, is_call, rate)[1] - target_delta

    lo, hi = 0.01 * forward, 20.0 * forward
    if excess(lo) * excess(hi) > 0:
        raise PricingError(f"no strike has delta {target_delta} on forward {forward}, {days} days")
    k = float(brentq(excess, lo, hi, xtol=1e-10))
    if strike_step:
        k = round(k / strike_step) * strike_step
    return k
