"""Black-76 on (forward, strike, time, vol, discount): price and greeks, vectorised numpy.

One function family serves every underlying (QuantLib's lesson): SPX options through the forward
``S * exp((r - q) T)``, VIX options on the VX future of the same expiry.

Units
-----
- ``t_years``: year fraction (ACT/365 calendar days by convention in alvh).
- ``vol``: decimal (0.20 is 20%).
- ``discount``: discount factor to the payment date, ``exp(-r T)``.
- delta: d price / d forward (Black-76 delta, discounted).
- gamma: d2 price / d forward2.
- vega_per_vol_pt: price change for +1 vol point (0.01 in ``vol``).
- theta_per_day: price change for one calendar day less to expiry (forward, vol and rate fixed).

This is the plain numpy reference; ``alvh.kernel.fast`` holds the numba path pinned to it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from alvh._typing import ArrayLike, Float64Array

_SQRT_2PI = np.sqrt(2.0 * np.pi)


class Greeks(NamedTuple):
    """Price and greeks of Black-76 options, each an array of the broadcast input shape."""

    price: Float64Array
    delta: Float64Array
    gamma: Float64Array
    vega_per_vol_pt: Float64Array
    theta_per_day: Float64Array


def _npdf(x: Float64Array) -> Float64Array:
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def black76_price(
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
) -> Float64Array:
    """Return Black-76 option prices.

    At ``t_years <= 0`` or ``vol <= 0`` the discounted intrinsic value is returned.

    Parameters
    ----------
    forward, strike, t_years, vol, discount
        Broadcastable arrays (see module units).
    is_call
        Boolean array: True for calls, False for puts.

    Returns
    -------
    numpy.ndarray
        Prices in the units of ``forward``.
    """
    f, k, t, v, df, c = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (forward, strike, t_years, vol, discount)),
        np.asarray(is_call, dtype=bool),
    )
    sd = v * np.sqrt(np.maximum(t, 0.0))
    live = sd > 0.0
    sd_safe = np.where(live, sd, 1.0)
    with np.errstate(divide="ignore"):
        d1 = np.log(f / k) / sd_safe + 0.5 * sd_safe
    d2 = d1 - sd_safe
    sign = np.where(c, 1.0, -1.0)
    value = df * sign * (f * ndtr(sign * d1) - k * ndtr(sign * d2))
    intrinsic = df * np.maximum(sign * (f - k), 0.0)
    return np.where(live, value, intrinsic)


def black76_greeks(
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
) -> Greeks:
    """Return Black-76 price, delta, gamma, vega per vol point and theta per calendar day.

    Expired or zero-vol options get intrinsic value, a 0/1 delta and zero for the other greeks.
    Theta holds forward, vol and the continuously compounded rate implied by ``discount`` fixed.
    """
    f, k, t, v, df, c = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (forward, strike, t_years, vol, discount)),
        np.asarray(is_call, dtype=bool),
    )
    t_pos = np.maximum(t, 0.0)
    sqrt_t = np.sqrt(t_pos)
    sd = v * sqrt_t
    live = sd > 0.0
    sd_safe = np.where(live, sd, 1.0)
    sqrt_t_safe = np.where(live, sqrt_t, 1.0)
    t_safe = np.where(live, t_pos, 1.0)
    with np.errstate(divide="ignore"):
        d1 = np.log(f / k) / sd_safe + 0.5 * sd_safe
    d2 = d1 - sd_safe
    sign = np.where(c, 1.0, -1.0)
    nd1 = ndtr(sign * d1)
    nd2 = ndtr(sign * d2)
    pdf1 = _npdf(d1)
    price = df * sign * (f * nd1 - k * nd2)
    delta = df * sign * nd1
    gamma = df * pdf1 / (f * sd_safe)
    vega = df * f * pdf1 * sqrt_t_safe
    # r from the discount factor; dV/dt = -df*F*pdf*vol/(2 sqrt t) + r V  (per year)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(live, -np.log(df) / t_safe, 0.0)
    dv_dt = -df * f * pdf1 * v / (2.0 * sqrt_t_safe) + r * price
    intrinsic = df * np.maximum(sign * (f - k), 0.0)
    itm = sign * (f - k) > 0.0
    zero = np.zeros_like(f)
    return Greeks(
        price=np.where(live, price, intrinsic),
        delta=np.where(live, delta, np.where(itm, df * sign, 0.0)),
        gamma=np.where(live, gamma, zero),
        vega_per_vol_pt=np.where(live, vega * 0.01, zero),
        theta_per_day=np.where(live, dv_dt / 365.0, zero),
    )


def forward_price(
    spot: ArrayLike, rate: ArrayLike, div_yield: ArrayLike, t_years: ArrayLike
) -> Float64Array:
    """Return the forward ``S * exp((r - q) T)`` (continuous rates, decimals)."""
    s, r, q, t = (np.asarray(a, dtype=np.float64) for a in (spot, rate, div_yield, t_years))
    return s * np.exp((r - q) * t)


def bs_price(
    spot: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    rate: ArrayLike,
    div_yield: ArrayLike,
    is_call: ArrayLike,
) -> Float64Array:
    """Return Black-Scholes prices through Black-76 on the forward ``S exp((r - q) T)``.

    Parameters
    ----------
    spot, strike, t_years, vol
        Spot index level, strike, year fraction, decimal vol.
    rate, div_yield
        Continuously compounded rate and dividend yield (decimals).
    is_call
        True for calls, False for puts.
    """
    t = np.maximum(np.asarray(t_years, dtype=np.float64), 0.0)
    r = np.asarray(rate, dtype=np.float64)
    fwd = forward_price(spot, rate, div_yield, t)
    return black76_price(fwd, strike, t, vol, np.exp(-r * t), is_call)


def bs_greeks(
    spot: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    rate: ArrayLike,
    div_yield: ArrayLike,
    is_call: ArrayLike,
) -> Greeks:
    """Return Black-Scholes price and greeks with delta and gamma taken w.r.t. spot.

    The Black-76 greeks on ``F = S exp((r - q) T)`` are mapped to spot: delta_S =
    delta_F dF/dS, gamma_S = gamma_F (dF/dS)**2, vega unchanged, and theta holds spot (not the
    forward) fixed, so the forward's carry over one day enters: theta_S = theta_F -
    delta_F F (r - q) / 365. This is the textbook BS theta (QuantLib's ``thetaPerDay``).

    Parameters
    ----------
    spot, strike, t_years, vol, rate, div_yield, is_call
        As in :func:`bs_price`.

    Returns
    -------
    Greeks
        ``price``, ``delta`` (per 1 of spot), ``gamma`` (per 1 of spot, squared),
        ``vega_per_vol_pt`` and ``theta_per_day`` (calendar day, spot fixed).
    """
    s, k, t_raw, v, r, q = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (spot, strike, t_years, vol, rate, div_yield))
    )
    t = np.maximum(t_raw, 0.0)
    growth = np.exp((r - q) * t)
    fwd = s * growth
    g = black76_greeks(fwd, k, t, v, np.exp(-r * t), is_call)
    live = v * np.sqrt(t) > 0.0
    carry = np.where(live, g.delta * fwd * (r - q) / 365.0, 0.0)
    return Greeks(
        price=g.price,
        delta=g.delta * growth,
        gamma=g.gamma * growth * growth,
        vega_per_vol_pt=g.vega_per_vol_pt,
        theta_per_day=g.theta_per_day - carry,
    )
