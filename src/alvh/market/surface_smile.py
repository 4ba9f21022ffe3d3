"""What any SPX smile surface offers the engine (``SmileSurface``), and the greeks and
strike-by-delta solver written against it (model and quote surfaces share them)."""

from __future__ import annotations

import math
from datetime import date
from typing import Protocol

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array
from alvh.errors import PricingError
from alvh.kernel.black import Greeks
from alvh.kernel.fast import black76_greeks  # compiled twin, pinned to the reference
from alvh.market.surface_ssvi import _MIN_T_YEARS


class SmileSurface(Protocol):
    """What the engine needs from any SPX surface, model (``SpxVolSurface``) or quotes."""

    @property
    def spot(self) -> float: ...
    @property
    def as_of(self) -> pd.Timestamp: ...

    def forward(self, t_years: ArrayLike) -> Float64Array: ...
    def discount(self, t_years: ArrayLike) -> Float64Array: ...
    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array: ...
    def atm_vol(self, t_years: ArrayLike) -> Float64Array: ...
    def t_years(self, expiry: date | pd.Timestamp, am_settled: bool | None = None) -> float: ...


def spot_greeks(
    surface: SmileSurface, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike
) -> Greeks:
    """Return Black-76 greeks at the surface's smile vols, delta/gamma per unit of spot.

    Black-76 delta is ``dV/dF``; with ``F = S exp((r - q) T)`` the spot delta is
    ``dV/dF * F/S`` and the spot gamma ``d2V/dF2 (F/S)^2``. Theta holds spot fixed, so it adds
    the forward's carry drift: ``theta_S = theta_F - dV/dF (r - q) F / 365`` with ``(r - q)``
    read off ``F/S``.
    """
    t = np.asarray(t_years, dtype=np.float64)
    f = surface.forward(t)
    df = surface.discount(t)
    vol = surface.iv(t, strikes)
    g = black76_greeks(f, strikes, t, vol, df, is_call)
    ratio = f / surface.spot
    with np.errstate(divide="ignore", invalid="ignore"):
        carry = np.where(t > 0.0, np.log(ratio) / np.where(t > 0.0, t, 1.0), 0.0)
    return Greeks(
        price=g.price,
        delta=g.delta * ratio,
        gamma=g.gamma * ratio * ratio,
        vega_per_vol_pt=g.vega_per_vol_pt,
        theta_per_day=g.theta_per_day - g.delta * carry * f / 365.0,
    )


def solve_strike_for_delta(
    surface: SmileSurface, t_years: float, target_delta: float, is_call: bool
) -> float:
    """Return the strike where the surface's spot delta equals ``target_delta`` (see method)."""
    t = max(float(t_years), _MIN_T_YEARS)
    f = float(surface.forward(t))
    df = float(surface.discount(t))
    spot_df = df * f / surface.spot  # = exp(-q T): the largest reachable |delta|
    target = abs(float(target_delta))
    if not 0.0 < target < spot_df:
        raise PricingError(
            f"target delta {target_delta} not reachable at t_years={t:.4f}; "
            f"expected 0 < |delta| < {spot_df:.4f}"
        )
    sd = float(surface.atm_vol(t)) * math.sqrt(t)

    def gap(k: float) -> float:
        kk = np.asarray(f * math.exp(k))
        d = spot_greeks(surface, t, kk, is_call).delta
        return abs(float(d)) - target

    # |delta| falls from ~exp(-qT) to 0 as the strike rises (calls) and rises for puts;
    # widen the bracket until it holds the root (smiles can be far wider than ATM vol).
    lo, hi = -6.0 * sd, 6.0 * sd
    for _ in range(8):
        if gap(lo) * gap(hi) < 0.0:
            break
        lo, hi = 2.0 * lo, 2.0 * hi
    else:
        raise PricingError(f"no strike with delta {target_delta} at t_years={t:.4f}")
    # scipy.optimize costs ~0.4 s to import: loaded by the first strike search, not by marks.
    from scipy.optimize import brentq

    k_root = brentq(gap, lo, hi, xtol=1e-10, rtol=1e-12, maxiter=200)
    return f * math.exp(float(k_root))
