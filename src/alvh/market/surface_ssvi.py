"""The SSVI slice, the ATM term structure and the time conventions of the SPX surface.

Formulas and the no-arbitrage argument are in ``alvh.market.surface``'s docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array
from alvh.calendar.expiries import spx_monthly_expiry

VIX_TENORS_DAYS: Final[tuple[tuple[str, int], ...]] = (
    ("VIX9D", 9),
    ("VIX", 30),
    ("VIX3M", 93),
    ("VIX6M", 182),
)
"""The VIX-family indices and their constant-maturity tenors in calendar days."""

_DAY_NS: Final = 86_400_000_000_000
_CLOSE_OFFSET: Final = pd.Timedelta(hours=16)
_AM_SETTLE_OFFSET: Final = pd.Timedelta(hours=9, minutes=30)
_CLOSE_NS: Final = _CLOSE_OFFSET.value
_AM_SETTLE_NS: Final = _AM_SETTLE_OFFSET.value
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MIN_T_YEARS: Final = 1e-6  # smiles need T > 0; ~30 seconds
_PHI_CAP_MARGIN: Final = 0.999  # strictly inside the no-butterfly bounds


def ssvi_total_variance(k: ArrayLike, theta: ArrayLike, phi: ArrayLike, rho: float) -> Float64Array:
    """Return SSVI total implied variance ``w(k, theta)`` (broadcasting).

    Parameters
    ----------
    k
        Log-moneyness ``ln(K / F)``.
    theta
        ATM total variance ``vol_atm^2 T``.
    phi
        Curvature ``phi(theta)``.
    rho
        Correlation parameter in (-1, 1).
    """
    k_, th, ph = (np.asarray(a, dtype=np.float64) for a in (k, theta, phi))
    pk = ph * k_
    return 0.5 * th * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))


def power_law_phi(theta: ArrayLike, eta: float, gamma: float) -> Float64Array:
    """Return the Gatheral-Jacquier power-law ``phi(theta) = eta theta^-g (1+theta)^(g-1)``."""
    th = np.asarray(theta, dtype=np.float64)
    return eta / (th**gamma * (1.0 + th) ** (1.0 - gamma))


def capped_phi(theta: ArrayLike, eta: float, gamma: float, rho: float) -> Float64Array:
    """Return the power-law ``phi`` capped inside the SSVI no-butterfly bounds (module doc)."""
    th = np.asarray(theta, dtype=np.float64)
    lim = 4.0 / (th * (1.0 + abs(rho)))
    cap = _PHI_CAP_MARGIN * np.minimum(lim, np.sqrt(lim))
    return np.minimum(power_law_phi(th, eta, gamma), cap)


def t_years_between(
    valuation: pd.Timestamp, expiry: date | pd.Timestamp, am_settled: bool
) -> float:
    """Return the year fraction (ACT/365 with intraday time) from ``valuation`` to expiry.

    Parameters
    ----------
    valuation
        Naive US/Eastern valuation time (the surface uses its day's 16:00 ET close).
    expiry
        Expiration date.
    am_settled
        True for AM-settled options (they expire at 09:30 ET), False for PM-settled (16:00 ET).
    """
    start = pd.Timestamp(expiry).normalize()
    end = start + (_AM_SETTLE_OFFSET if am_settled else _CLOSE_OFFSET)
    return (end.value - pd.Timestamp(valuation).value) / (365.0 * _DAY_NS)


def is_am_settled(expiry: date | pd.Timestamp) -> bool:
    """Return whether ``expiry`` is a standard AM-settled SPX monthly (third-Friday) expiration.

    Every other SPX expiration is taken as PM-settled (SPXW). PM-settled SPXW contracts on the
    third Friday exist too; callers pricing those pass ``am_settled=False`` explicitly.
    """
    ts = pd.Timestamp(expiry)
    return ts.date() == spx_monthly_expiry(ts.year, ts.month)


@dataclass(frozen=True)
class AtmTermStructure:
    """ATM total variance ``theta(T)`` from VIX-family nodes (see the module docstring).

    Attributes
    ----------
    t_nodes
        Node tenors in years, increasing.
    w_nodes
        ATM total variance at the nodes, non-decreasing.
    """

    t_nodes: Float64Array
    w_nodes: Float64Array

    def theta(self, t_years: ArrayLike) -> Float64Array:
        """Return ATM total variance at ``t_years`` (flat vol outside the node range)."""
        t = np.maximum(np.asarray(t_years, dtype=np.float64), _MIN_T_YEARS)
        tn, wn = self.t_nodes, self.w_nodes
        inside = np.interp(t, tn, wn)
        below = t * (wn[0] / tn[0])
        above = t * (wn[-1] / tn[-1])
        return np.where(t < tn[0], below, np.where(t > tn[-1], above, inside))
