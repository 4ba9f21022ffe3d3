"""Trading costs: fees per contract, a modelled bid-ask spread, fill prices, ticks and strikes.

All functions take plain parameters (the defaults live in one place, ``alvh.config.execution``,
and are documented in docs/book-and-config.md with their sources).

Spread model (full width, price units)::

    spread = max(min_tick, a + b x price) x (far_otm_multiplier if |delta| < far_otm_delta else 1)

A fill is at ``mid + side x slippage_frac x spread / 2`` (side +1 buy, -1 sell), rounded to the
nearest tick of the product and never below zero. ``slippage_frac = 1`` fills at the bid/ask,
``0`` at mid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alvh._typing import ArrayLike, Float64Array

SPX_STRIKE_GRID = 5.0


@dataclass(frozen=True, slots=True)
class SpreadModel:
    """Parameters of the modelled bid-ask spread of one product (see module docstring)."""

    min_tick: float
    a: float
    b: float
    far_otm_delta: float
    far_otm_multiplier: float

    def spread(self, price: ArrayLike, abs_delta: ArrayLike) -> Float64Array:
        """Return the modelled full bid-ask width for options of mid ``price`` and ``|delta|``."""
        p = np.asarray(price, dtype=np.float64)
        d = np.asarray(abs_delta, dtype=np.float64)
        base = np.maximum(self.min_tick, self.a + self.b * p)
        return np.where(d < self.far_otm_delta, base * self.far_otm_multiplier, base)


@dataclass(frozen=True, slots=True)
class TickRule:
    """Minimum price increment: ``small_tick`` below ``threshold``, ``large_tick`` at or above.

    A flat tick (futures, ETF) has ``small_tick == large_tick``.
    """

    small_tick: float
    large_tick: float
    threshold: float = 3.0

    def tick(self, price: ArrayLike) -> Float64Array:
        """Return the tick size that applies at ``price``."""
        p = np.asarray(price, dtype=np.float64)
        return np.where(p < self.threshold, self.small_tick, self.large_tick)

    def round(self, price: ArrayLike) -> Float64Array:
        """Round prices to the nearest tick (the tick that applies at the unrounded price)."""
        p = np.asarray(price, dtype=np.float64)
        t = self.tick(p)
        # Round in integer ticks, then fix float noise (e.g. 0.15000000000000002) to 1e-9.
        return np.round(np.round(p / t) * t, 9)


# CBOE minimum increments: SPX options 0.05 below 3.00 and 0.10 at or above; VIX options the same
# (their penny-pilot exceptions ignored); VX and VXM futures 0.05 (outright trades); ETF $0.01.
SPX_OPTION_TICKS = TickRule(0.05, 0.10, 3.0)
VIX_OPTION_TICKS = TickRule(0.05, 0.10, 3.0)
VX_FUTURE_TICKS = TickRule(0.05, 0.05)
ETF_TICKS = TickRule(0.01, 0.01)

TICKS = {
    "spx_option": SPX_OPTION_TICKS,
    "vix_option": VIX_OPTION_TICKS,
    "vx_future": VX_FUTURE_TICKS,
    "vxm_future": VX_FUTURE_TICKS,
    "etf": ETF_TICKS,
}


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Per-contract (or per-share) commission and exchange/regulatory fees, dollars."""

    commission_usd: float
    exchange_fee_usd: float

    def fees_usd(self, qty: ArrayLike) -> Float64Array:
        """Return total fees for ``|qty|`` contracts."""
        return np.abs(np.asarray(qty, dtype=np.float64)) * (
            self.commission_usd + self.exchange_fee_usd
        )


def fill_price(
    mid: ArrayLike,
    side: ArrayLike,
    spread: ArrayLike,
    slippage_frac: float,
    ticks: TickRule,
) -> Float64Array:
    """Return fill prices: mid plus ``slippage_frac`` of the half-spread against the trader.

    Parameters
    ----------
    mid
        Mid prices.
    side
        +1 for buys, -1 for sells (or the signed quantity; only its sign is used).
    spread
        Full bid-ask width (e.g. ``SpreadModel.spread``).
    slippage_frac
        Fraction of the half-spread paid, in [0, 1].
    ticks
        Tick rule of the product; prices are rounded to the nearest tick and floored at 0.
    """
    m = np.asarray(mid, dtype=np.float64)
    sgn = np.sign(np.asarray(side, dtype=np.float64))
    raw = m + sgn * slippage_frac * 0.5 * np.asarray(spread, dtype=np.float64)
    return np.maximum(ticks.round(raw), 0.0)


def round_strike(strike: ArrayLike, grid: float = SPX_STRIKE_GRID) -> Float64Array:
    """Round strikes to the nearest point of the listed grid (SPX: 5 points)."""
    return np.round(np.asarray(strike, dtype=np.float64) / grid) * grid
