"""VIX options: European, settled at the SOQ, priced with Black-76 on the VX future of their expiry.

The forward of a VIX option is the VX future settling on the same morning, never spot VIX (the
two differ by the whole contango). Weekly expiries (VIXW), which have no VX settlement in the
data, get a forward interpolated along the VX curve (:func:`option_forward`, flagged).

Vol (``VixOptionModel``; parameters in ``alvh.market.vixoptions_params``, fitted by
``scripts/calibrate_vix_options.py``, reasoning and errors in ``docs/vix-models.md``):

- ATM level from VVIX, CBOE's 30-day implied vol of VIX options:
  ``atm(T) = atm_to_vvix * VVIX/100 * (h(T) / h(30 d)) ** term_exponent``;
- term structure ``h(T)``: the realised vol of VX futures by time to expiry (Samuelson effect,
  longer-dated futures move less), ``h(T)**2 = L**2 + S**2 (1 - exp(-2 kappa T)) / (2 kappa T)``,
  fitted on the whole VX settlement panel;
- call skew in standardised moneyness ``z = ln(K/F) / (atm(T) sqrt(T))``:
  ``vol = atm(T) * (1 + skew_slope * R tanh(z / R))``, ``R`` the call or put saturation range.
  In the linear part ``vol = atm + skew_slope ln(K/F) / sqrt(T)``: the skew in vol points per
  unit of log-moneyness falls like ``1/sqrt(T)``, as on the calibration chain.

Multipliers (USD per VIX point): VIX options 100, VX futures 1000, VXM mini futures 100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array
from alvh.errors import NoDataError, PricingError
from alvh.kernel._scalar import black76_one  # compiled scalar Black-76 (plain Python w/o numba)
from alvh.kernel.black import Greeks
from alvh.kernel.fast import black76_greeks  # compiled twin, pinned to the reference
from alvh.market.vixoptions_params import FITTED_VIX_OPTION_PARAMS, VixOptionParams
from alvh.market.vxcurve import (
    DAYS_PER_YEAR,
    VIX_OPTION_MULTIPLIER_USD,
    VX_MULTIPLIER_USD,
    VXM_MULTIPLIER_USD,
    CurvePoint,
    VxCurve,
)

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot

__all__ = [
    "FITTED_VIX_OPTION_PARAMS",
    "VIX_OPTION_MULTIPLIER_USD",
    "VXM_MULTIPLIER_USD",
    "VX_MULTIPLIER_USD",
    "VixOptionModel",
    "VixOptionParams",
    "is_weekly_expiry",
    "option_forward",
    "samuelson_shape",
    "strike_for_delta",
    "vix_option_greeks",
]


_MIN_SKEW_DAYS = 0.25  # moneyness scale floor: an option at expiry has no smile to speak of


def samuelson_shape(t_years: ArrayLike, params: VixOptionParams) -> Float64Array:
    """Return ``h(T)``: the realised vol (decimal) seen by an option on a VX future to ``T``.

    The root mean of the future's variance ``L**2 + S**2 exp(-2 kappa tau)`` over ``tau`` in
    ``[0, T]`` (``L, S, kappa`` = ``rv_long_vol, rv_short_vol, samuelson_kappa``).
    """
    t = np.asarray(t_years, dtype=np.float64)
    x = 2.0 * params.samuelson_kappa * t
    # (1 - e^-x) / x without cancellation for small x: -expm1(-x) / x -> 1.
    frac = np.where(x > 1e-12, -np.expm1(-x) / np.where(x > 1e-12, x, 1.0), 1.0)
    return np.sqrt(params.rv_long_vol**2 + params.rv_short_vol**2 * frac)


def _shape_one(t_years: float, params: VixOptionParams) -> float:
    x = 2.0 * params.samuelson_kappa * t_years
    frac = -math.expm1(-x) / x if x > 1e-12 else 1.0
    return math.sqrt(params.rv_long_vol**2 + params.rv_short_vol**2 * frac)


@dataclass(frozen=True)
class VixOptionModel:
    """Implied vol of VIX options from VVIX, the realised Samuelson shape and a call skew.

    Parameters
    ----------
    vvix
        VVIX level (a 30-day implied vol of VIX options in percent, e.g. 95.0).
    params
        Model parameters; default the fitted ``FITTED_VIX_OPTION_PARAMS``.
    """

    vvix: float
    params: VixOptionParams = FITTED_VIX_OPTION_PARAMS
    _atm30: float = field(init=False, repr=False, compare=False)
    _h30: float = field(init=False, repr=False, compare=False)
    _by_days: dict[float, tuple[float, float]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # math.isfinite: the engine builds one model per VVIX level seen (thousands a run).
        if not (math.isfinite(self.vvix) and self.vvix > 0):
            raise PricingError(f"VVIX = {self.vvix!r}; expected a positive level in percent")
        p = self.params
        if not 0.0 <= p.term_exponent <= 2.0:
            raise PricingError(f"term_exponent = {p.term_exponent!r}; expected 0..2")
        if not 0.0 <= p.skew_slope * p.put_skew_range < 1.0:
            raise PricingError(
                f"skew_slope x put_skew_range = {p.skew_slope * p.put_skew_range!r}; "
                "expected in [0, 1) (put vols must stay positive)"
            )
        object.__setattr__(self, "_atm30", p.atm_to_vvix * self.vvix / 100.0)
        object.__setattr__(self, "_h30", _shape_one(30.0 / DAYS_PER_YEAR, p))

    def atm_vol(self, days: ArrayLike) -> Float64Array:
        """Return the ATM vol (decimal) for options ``days`` calendar days from expiry."""
        p = self.params
        d = np.clip(np.asarray(days, dtype=np.float64), p.min_days, p.max_days)
        ratio = samuelson_shape(d / DAYS_PER_YEAR, p) / self._h30
        return np.clip(self._atm30 * ratio**p.term_exponent, p.vol_floor, p.vol_cap)

    def vol(self, forward: ArrayLike, strikes: ArrayLike, days: ArrayLike) -> Float64Array:
        """Return the implied vol (decimal) at ``strikes`` on ``forward`` and ``days`` to expiry."""
        p = self.params
        f = np.asarray(forward, dtype=np.float64)
        k = np.asarray(strikes, dtype=np.float64)
        if np.any(k <= 0) or np.any(f <= 0):
            raise PricingError("VIX option strikes and forwards must be positive")
        d = np.asarray(days, dtype=np.float64)
        atm = self.atm_vol(d)
        # the term structure is held flat below min_days, the moneyness scale is not: the
        # skew of a 2-day option is steeper in ln(K/F) than that of a 15-day one.
        t = np.maximum(d, _MIN_SKEW_DAYS) / DAYS_PER_YEAR
        z = np.log(k / f) / (atm * np.sqrt(t))
        # tanh saturation: linear near the money, flat far out, with no kink (a kink in the
        # smile is a butterfly arbitrage at one strike); the slope at z = 0 is the same on
        # both sides whatever the two ranges.
        r = np.where(z > 0.0, p.call_skew_range, p.put_skew_range)
        zs = r * np.tanh(z / r)
        return np.clip(atm * (1.0 + p.skew_slope * zs), p.vol_floor, p.vol_cap)

    def vol_one(self, forward: float, strike: float, days: float) -> float:
        """Return :meth:`vol` of one option in plain floats (the engine's per-contract path).

        Same formula, operation by operation, without numpy's per-call overhead.
        """
        if not (strike > 0 and forward > 0):
            raise PricingError("VIX option strikes and forwards must be positive")
        # (atm, 1/(atm sqrt t)) by days: the engine asks the same few expiries all day long
        hit = self._by_days.get(days)
        if hit is None:
            p = self.params
            d = min(max(float(days), p.min_days), p.max_days)
            atm = self._atm30 * (_shape_one(d / DAYS_PER_YEAR, p) / self._h30) ** p.term_exponent
            atm = min(max(atm, p.vol_floor), p.vol_cap)
            t = max(float(days), _MIN_SKEW_DAYS) / DAYS_PER_YEAR
            hit = self._by_days[days] = (atm, 1.0 / (atm * math.sqrt(t)))
        atm, inv_scale = hit
        z = math.log(strike / forward) * inv_scale
        p = self.params
        r = p.call_skew_range if z > 0.0 else p.put_skew_range
        vol = atm * (1.0 + p.skew_slope * r * math.tanh(z / r))
        return min(max(vol, p.vol_floor), p.vol_cap)

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


def is_weekly_expiry(day: pd.Timestamp | str) -> bool:
    """Return whether ``day`` can be a weekly VIX option (VIXW) expiry.

    Cboe lists VIX weeklies expiring on Wednesdays; when the Wednesday is an exchange holiday
    the expiry moves to the session before it (the monthly rule does the same).
    """
    from alvh.calendar.sessions import trading_calendar  # the calendar loads on first use

    d = pd.Timestamp(day).normalize()
    if d.weekday() > 2:
        return False
    wed = d + pd.Timedelta(days=2 - d.weekday())
    cal = trading_calendar()
    try:
        if cal.is_session(wed):
            return bool(d == wed)
        return bool(cal.is_session(d) and cal.previous_session(wed, inclusive=False) == d)
    except ValueError:  # outside the calendar's range
        return d == wed


def option_forward(curve: VxCurve, expiry: pd.Timestamp | str) -> CurvePoint:
    """Return the forward of VIX options expiring on ``expiry``.

    A listed VX future settling that morning is returned as is. A weekly expiry (VIXW) between
    two listed expiries gets the value linear in calendar days between them; before the first
    listed expiry, between spot VIX (a future expiring now settles at spot) and that contract.
    Such points are ``interpolated=True``; ``gap=True`` when the bracketing contracts are not
    adjacent monthlies, ``extrapolated=True`` when spot VIX is unknown and the first settle is
    held flat.

    Raises
    ------
    NoDataError
        If ``expiry`` is neither a listed VX expiry nor a weekly one (:func:`is_weekly_expiry`),
        is on or before the curve date, or after the last listed expiry.
    """
    exp = pd.Timestamp(expiry).normalize()
    days = int((exp - curve.date).days)
    hit = np.flatnonzero(curve.expiries == exp)
    if hit.size:
        return curve.at_expiry(exp)
    if not is_weekly_expiry(exp):
        avail = ", ".join(str(e.date()) for e in curve.expiries)
        raise NoDataError(
            f"VX curve {curve.date.date()}: {exp.date()} is not a VIX option expiry (weeklies "
            f"expire on Wednesdays, or the session before a Wednesday holiday); listed VX "
            f"expiries: {avail}"
        )
    if days <= 0 or curve.dte_days.size == 0 or days > int(curve.dte_days[-1]):
        last = str(curve.expiries[-1].date()) if curve.dte_days.size else "none"
        raise NoDataError(
            f"VX curve {curve.date.date()}: expiry {exp.date()} is not between the curve date "
            f"and the last listed VX expiry ({last}); no forward"
        )
    x = curve.dte_days.astype(np.float64)
    if days < x[0]:
        if curve.vix_spot is None:
            value, extrapolated = float(curve.settles[0]), True
        else:
            w = days / x[0]
            value, extrapolated = (1.0 - w) * curve.vix_spot + w * float(curve.settles[0]), False
        return CurvePoint(
            value, True, extrapolated=extrapolated, expiry=exp, dte_days=days, gap=False
        )
    j = int(np.searchsorted(x, days))
    value = float(np.interp(days, x, curve.settles))
    keys = (curve._keys[j - 1], curve._keys[j])
    gap = bool(
        keys[0] is not None
        and keys[1] is not None
        and (keys[1][0] - keys[0][0]) * 12 + keys[1][1] - keys[0][1] > 1
    )
    return CurvePoint(value, True, gap=gap, expiry=exp, dte_days=days)


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
        The options' expiry: a VX settlement date listed on the curve, or a weekly expiry
        inside the curve (forward interpolated, see :func:`option_forward`).
    strikes, is_call
        Strikes (VIX points) and call flags, broadcastable.
    vvix
        VVIX level; default the snapshot's latest VVIX close.
    rate
        Risk-free rate, decimal; default the snapshot's IRX (percent / 100), else 0.
    model
        Vol model; default ``VixOptionModel(vvix)`` (the fitted parameters).

    Raises
    ------
    NoDataError
        If the expiry is outside the curve or VVIX is neither given nor known.
    """
    curve = _curve_of(snap_or_curve)
    fwd = option_forward(curve, expiry)
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

    # scipy.optimize costs ~0.4 s to import: only a delta-strike search (not a mark) needs it.
    from scipy.optimize import brentq

    lo, hi = 0.01 * forward, 20.0 * forward
    if excess(lo) * excess(hi) > 0:
        raise PricingError(f"no strike has delta {target_delta} on forward {forward}, {days} days")
    k = float(brentq(excess, lo, hi, xtol=1e-10))
    if strike_step:
        k = round(k / strike_step) * strike_step
    return k
