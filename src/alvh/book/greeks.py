"""Greeks in dollars: quantity x multiplier x per-unit greek, summed (an algebra, in units).

Per-unit greeks come from the kernel (Black-76: delta per point of the forward, gamma per point
squared, vega per vol point, theta per calendar day). In dollars, for a position of ``qty``
contracts with ``multiplier`` dollars per point:

- ``delta_usd = delta x qty x multiplier``: dollars gained per +1 point of the underlying.
  For SPX options: delta x 100 per SPX point.
- ``delta_notional_usd = delta_usd x S``: the dollar exposure (what an equivalent index
  position is worth), = delta x 100 x S for SPX options.
- ``gamma_usd = gamma x qty x multiplier``: change of ``delta_usd`` per +1 point.
- ``vega_usd_per_vol_pt = vega_per_vol_pt x qty x multiplier``.
- ``theta_usd_per_day = theta_per_day x qty x multiplier``.

Greeks of different underlyings (SPX vs VIX) are never added together: aggregate per underlying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.kernel.grouping import dollar_greeks_by_code as _greeks_by_code


@dataclass(frozen=True, slots=True)
class DollarGreeks:
    """Dollar greeks of a set of positions on one underlying (see module docstring for units)."""

    delta_usd: float = 0.0
    delta_notional_usd: float = 0.0
    gamma_usd: float = 0.0
    vega_usd_per_vol_pt: float = 0.0
    theta_usd_per_day: float = 0.0

    def __add__(self, other: DollarGreeks) -> DollarGreeks:
        return DollarGreeks(
            self.delta_usd + other.delta_usd,
            self.delta_notional_usd + other.delta_notional_usd,
            self.gamma_usd + other.gamma_usd,
            self.vega_usd_per_vol_pt + other.vega_usd_per_vol_pt,
            self.theta_usd_per_day + other.theta_usd_per_day,
        )


def leg_dollar_greeks(
    qty: Float64Array,
    multiplier: Float64Array,
    underlying: Float64Array,
    delta: Float64Array,
    gamma: Float64Array,
    vega_per_vol_pt: Float64Array,
    theta_per_day: Float64Array,
) -> Float64Array:
    """Return a (5, n) array of dollar greeks per leg.

    Rows: delta_usd, delta_notional_usd, gamma_usd, vega_usd_per_vol_pt, theta_usd_per_day.
    """
    qm = qty * multiplier
    d = delta * qm
    return np.stack([d, d * underlying, gamma * qm, vega_per_vol_pt * qm, theta_per_day * qm])


def sum_by_code(per_leg: Float64Array, code: Int64Array, n_codes: int) -> Float64Array:
    """Return a (5, n_codes) array: per-leg dollar greeks summed by integer code (e.g. tier)."""
    out = np.zeros((per_leg.shape[0], n_codes))
    for row in range(per_leg.shape[0]):
        out[row] = np.bincount(code, weights=per_leg[row], minlength=n_codes)
    return out


def dollar_greeks_by_code(
    slots: Int64Array,
    columns: tuple[Float64Array, ...],
    code: Int64Array,
    n_codes: int,
) -> tuple[Float64Array, Float64Array]:
    """Return (total (5,), per code (5, n_codes)) dollar greeks of the lots ``slots``.

    ``columns`` are the account's full per-lot arrays (qty, multiplier, underlying, delta,
    gamma, vega per vol point, theta per day), indexed by ``slots``; ``code[i]`` is the code
    (e.g. tier) of ``slots[i]``. Rows as in ``leg_dollar_greeks``. The kernel's compiled pass
    (:func:`alvh.kernel.grouping.dollar_greeks_by_code`): the daily record calls this every
    session.
    """
    out = _greeks_by_code(slots, columns, code, n_codes)
    return out.sum(axis=1), out
