"""Fill prices on a tick grid, compiled (every condor order prices its four legs twice).

``fill_prices`` is ``book.costs.fill_price`` for 1-D float64 arrays: mid plus the slippage
against the trader, rounded to the tick against the trader (buys up, sells down), then a buy
floored at one small tick and a sale at zero. In numpy that is about a dozen array operations on
four legs, ~30 us a call, most of it numpy's per-call cost; compiled it is ~1 us.

The compiled loop performs the same IEEE operations in the same order as the numpy reference
(division, subtraction, ``ceil``/``floor``, multiplication; ``np.round(x, 9)`` is numpy's
``rint(x * 1e9) / 1e9``), so its prices are the reference's bit for bit:
``tests/kernel/test_ticks.py`` checks them equal exactly, not within a tolerance.
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array
from alvh.kernel._numba import HAVE_NUMBA, jit

_EPS = 1e-9  # float noise allowed when a price already sits on the tick grid (book.costs)


def fill_prices_reference(
    mid: Float64Array,
    side: Float64Array,
    slippage: Float64Array,
    small_tick: float,
    large_tick: float,
    threshold: float,
) -> Float64Array:
    """Return fill prices by the numpy formulas (the reference of ``fill_prices``).

    Parameters
    ----------
    mid, side, slippage
        Mid prices, sides (+1 buy, -1 sell, or signed quantities) and what a fill pays over
        the mid (price units), broadcastable.
    small_tick, large_tick, threshold
        The tick rule: ``small_tick`` below ``threshold``, ``large_tick`` at or above.
    """
    m = np.asarray(mid, dtype=np.float64)
    sgn = np.sign(np.asarray(side, dtype=np.float64))
    p = m + sgn * np.asarray(slippage, dtype=np.float64)
    t = np.where(p < threshold, small_tick, large_tick)
    up = np.ceil(p / t - _EPS) * t
    down = np.floor(p / t + _EPS) * t
    px = np.asarray(np.round(np.where(sgn > 0, up, down), 9), dtype=np.float64)
    return np.where(sgn > 0, np.maximum(px, small_tick), np.maximum(px, 0.0))


@jit()
def _fill_prices_loop(mid, side, slippage, small_tick, large_tick, threshold, out):
    for i in range(mid.shape[0]):
        s = np.sign(side[i])
        p = mid[i] + s * slippage[i]
        t = small_tick if p < threshold else large_tick
        if s > 0:
            x = np.rint(np.ceil(p / t - 1e-9) * t * 1e9) / 1e9
            # np.maximum: NaN propagates, else the larger (no signed-zero tie: small_tick > 0).
            out[i] = x if (x >= small_tick or x != x) else small_tick
        else:
            x = np.rint(np.floor(p / t + 1e-9) * t * 1e9) / 1e9
            out[i] = x if (x >= 0.0 or x != x) else 0.0
    return out


def fill_prices(
    mid: Float64Array,
    side: Float64Array,
    slippage: Float64Array,
    small_tick: float,
    large_tick: float,
    threshold: float,
) -> Float64Array:
    """Return fill prices of 1-D float64 arrays of equal length (``fill_prices_reference``).

    Parameters
    ----------
    mid, side, slippage
        Mid prices, sides (+1 buy, -1 sell, or signed quantities) and slippage (price units).
    small_tick, large_tick, threshold
        The tick rule (``small_tick > 0``).
    """
    if not HAVE_NUMBA:
        return fill_prices_reference(mid, side, slippage, small_tick, large_tick, threshold)
    out = np.empty(mid.shape[0], dtype=np.float64)
    return _fill_prices_loop(mid, side, slippage, small_tick, large_tick, threshold, out)
