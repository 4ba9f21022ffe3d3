"""The SSVI smile fused with Black-76, compiled, beside its numpy reference.

A surface is packed as ``par = (spot, rate, div_yield, eta, gamma, rho, min_t_years,
phi_cap_margin)`` and ``nodes``, a (2, m) array of ATM node tenors and total variances
(``alvh.market.surface.SpxVolSurface`` packs itself). For each option at tenor ``t`` (years,
floored at ``min_t_years``) and strike ``K``:

- ATM total variance ``theta(t)``: linear in ``t`` between nodes, flat vol outside them;
- ``phi = min(eta / (theta^gamma (1 + theta)^(1 - gamma)), margin x min(L, sqrt(L)))`` with
  ``L = 4 / (theta (1 + |rho|))`` (Gatheral-Jacquier's no-butterfly bounds, with a margin);
- ``w = theta / 2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))``, ``k = ln(K / F)``,
  ``F = spot exp((rate - div_yield) t)``; the vol is ``sqrt(w / t)``;
- Black-76 on ``F`` at that vol, with delta and gamma per unit of spot and theta holding spot
  fixed (``alvh.market.surface_smile.spot_greeks``).

The compiled loops (in ``_scalar``, beside the Black-76 scalar they inline) take the packed
surface and tenors only: a session marks a few dozen options, where numpy's ~30 temporaries per
call cost more than the arithmetic. Tests pin each to the reference here to rtol 1e-12.
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array
from alvh.kernel._scalar import DAY_NS as DAY_NS
from alvh.kernel._scalar import (
    YEAR_NS,
    _ssvi_atm_vols_at_days,
    _ssvi_delta_serial,
    _ssvi_greeks_at_days,
    _ssvi_greeks_serial,
    _ssvi_iv_serial,
)
from alvh.kernel.black import black76_greeks

__all__ = [
    "DAY_NS",
    "atm_vols_at_days",
    "atm_vols_reference",
    "greeks_iv",
    "greeks_iv_at_days",
    "greeks_iv_reference",
    "grid_scores",
    "grid_scores_reference",
    "iv",
    "iv_reference",
    "t_years_of_days_reference",
]


def iv(par: Float64Array, nodes: Float64Array, t: Float64Array, k: Float64Array) -> Float64Array:
    """Return smile vols at tenors ``t`` and strikes ``k`` (1-D, aligned, contiguous)."""
    out = np.empty(t.shape[0])
    _ssvi_iv_serial(par, nodes, t, k, out)
    return out


def greeks_iv(
    par: Float64Array, nodes: Float64Array, t: Float64Array, k: Float64Array, is_call: np.ndarray
) -> Float64Array:
    """Return a (6, n) array: price, spot delta, spot gamma, vega per vol point, theta per day
    (spot fixed), smile vol."""
    out = np.empty((6, t.shape[0]))
    _ssvi_greeks_serial(par, nodes, t, k, is_call, out)
    return out


def grid_scores(par: Float64Array, nodes: Float64Array, t: float, k: Float64Array) -> Float64Array:
    """Return a (3, n) array over one expiry's strikes: smile vol, ``d1``, ``N(d1)``.

    ``d1 = ln(F / K) / (vol sqrt(t)) + vol sqrt(t) / 2`` with the forward at ``t`` itself (not
    floored); ``t > 0``.
    """
    out = np.empty((3, k.shape[0]))
    _ssvi_delta_serial(par, nodes, float(t), k, out)
    return out


def greeks_iv_at_days(
    par: Float64Array,
    nodes: Float64Array,
    valuation_ns: int,
    day: np.ndarray,
    day0: int,
    am: np.ndarray,
    am_ns: int,
    pm_ns: int,
    k: Float64Array,
    is_call: np.ndarray,
) -> Float64Array:
    """Return :func:`greeks_iv` at the tenors of expiries given as integer day numbers.

    Each option's tenor is ``((day - day0) x DAY_NS + settle_ns - valuation_ns) / (365
    DAY_NS)``, ``settle_ns`` being ``am_ns`` where ``am`` else ``pm_ns`` (nanoseconds after
    the expiry day's midnight); ``day0`` is the number of the day whose midnight is nanosecond
    0 of ``valuation_ns``'s clock. Integers only: the caller maps dates to day numbers.

    Parameters
    ----------
    par, nodes
        The packed surface.
    valuation_ns
        The valuation time, integer nanoseconds.
    day, am
        Each option's expiry day number (int64) and whether it settles at ``am_ns``.
    day0
        The day number of nanosecond 0.
    am_ns, pm_ns
        Settlement times after midnight.
    k, is_call
        Strikes and option types.
    """
    out = np.empty((6, k.shape[0]))
    _ssvi_greeks_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns, k, is_call, out)
    return out


def atm_vols_at_days(
    par: Float64Array,
    nodes: Float64Array,
    valuation_ns: int,
    day: np.ndarray,
    day0: int,
    am: np.ndarray,
    am_ns: int,
    pm_ns: int,
    out: Float64Array | None = None,
) -> Float64Array:
    """Return ATM-forward vols ``sqrt(theta(t) / t)`` at the tenors of expiry day numbers
    (``t`` as in :func:`greeks_iv_at_days`, floored at ``min_t_years``), into ``out`` if given."""
    if out is None:
        out = np.empty(day.shape[0])
    _ssvi_atm_vols_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns, out)
    return out


# -- references ------------------------------------------------------------------------------


def _atm_theta(nodes: Float64Array, t: Float64Array) -> Float64Array:
    tn, wn = nodes[0], nodes[1]
    inside = np.interp(t, tn, wn)
    return np.where(
        t < tn[0], t * (wn[0] / tn[0]), np.where(t > tn[-1], t * (wn[-1] / tn[-1]), inside)
    )


def _slice(
    par: Float64Array, nodes: Float64Array, t: Float64Array
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    """Return each tenor's (floored t, forward, ATM total variance, capped phi)."""
    spot, carry, rho = par[0], par[1] - par[2], par[5]
    eta, gamma, min_t, margin = par[3], par[4], par[6], par[7]
    tc = np.maximum(t, min_t)
    fwd = spot * np.exp(carry * tc)
    theta = _atm_theta(nodes, tc)
    lim = 4.0 / (theta * (1.0 + abs(rho)))
    cap = margin * np.minimum(lim, np.sqrt(lim))
    phi = np.minimum(eta / (theta**gamma * (1.0 + theta) ** (1.0 - gamma)), cap)
    return tc, fwd, theta, phi


def iv_reference(
    par: Float64Array, nodes: Float64Array, t: Float64Array, k: Float64Array
) -> Float64Array:
    """Return :func:`iv` by numpy."""
    rho = par[5]
    tc, fwd, theta, phi = _slice(par, nodes, t)
    pk = phi * np.log(k / fwd)
    w = 0.5 * theta * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))
    return np.asarray(np.sqrt(w / tc), dtype=np.float64)


def greeks_iv_reference(
    par: Float64Array, nodes: Float64Array, t: Float64Array, k: Float64Array, is_call: np.ndarray
) -> Float64Array:
    """Return :func:`greeks_iv` by numpy (Black-76 from :mod:`alvh.kernel.black`)."""
    spot, rate, carry = par[0], par[1], par[1] - par[2]
    vol = iv_reference(par, nodes, t, k)
    f = spot * np.exp(carry * t)
    g = black76_greeks(f, k, t, vol, np.exp(-rate * t), is_call)
    ratio = f / spot
    with np.errstate(divide="ignore", invalid="ignore"):
        drift = np.where(t > 0.0, np.log(ratio) / np.where(t > 0.0, t, 1.0), 0.0)
    theta = g.theta_per_day - g.delta * drift * f / 365.0
    return np.stack(
        [g.price, g.delta * ratio, g.gamma * ratio * ratio, g.vega_per_vol_pt, theta, vol]
    )


def atm_vols_reference(par: Float64Array, nodes: Float64Array, t: Float64Array) -> Float64Array:
    """Return :func:`atm_vols_at_days` at tenors ``t`` by numpy."""
    tc = np.maximum(t, par[6])
    return np.asarray(np.sqrt(_atm_theta(nodes, tc) / tc), dtype=np.float64)


def grid_scores_reference(
    par: Float64Array, nodes: Float64Array, t: float, k: Float64Array
) -> Float64Array:
    """Return :func:`grid_scores` by numpy."""
    from scipy.special import ndtr

    vol = iv_reference(par, nodes, np.full(k.shape[0], t), k)
    f = par[0] * np.exp((par[1] - par[2]) * t)
    sd = vol * np.sqrt(t)
    d1 = np.log(f / k) / sd + 0.5 * sd
    return np.stack([vol, d1, ndtr(d1)])


def t_years_of_days_reference(
    valuation_ns: int, day: np.ndarray, day0: int, am: np.ndarray, am_ns: int, pm_ns: int
) -> Float64Array:
    """Return the tenors :func:`greeks_iv_at_days` uses, by numpy (then ``*_reference(t)``)."""
    end_ns = (np.asarray(day, dtype=np.int64) - day0) * DAY_NS + np.where(am, am_ns, pm_ns)
    return np.asarray((end_ns - valuation_ns) / YEAR_NS, dtype=np.float64)
