"""Market value of a book's lots and its per-tier P&L, compiled beside the numpy reference.

The book revalues its lots every session it is marked (the condor book and the hedge book both
are): ``qty x mult x mark`` per lot (a futures lot: ``x (mark - avg)``, its P&L since entry),
their total, and per tier code the lots' cash flows plus values. The numpy expression, its
``np.sum`` and a weighted ``np.bincount`` cost a dozen numpy calls a session; one compiled pass
does the same arithmetic. The total is a running sum in slot order, which may differ from
numpy's pairwise sum in the last bits (tests pin the two with ``assert_allclose``).
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.kernel._numba import jit

__all__ = ["slot_values", "value_slots", "value_slots_reference"]


@jit()
def slot_values(
    kind: Int64Array,
    qty: Float64Array,
    mark: Float64Array,
    avg: Float64Array,
    mult: Float64Array,
    n: int,
    future_kind: int,
) -> Float64Array:  # pragma: no cover - numba
    """Return the market value of the first ``n`` slots: ``qty x mult x mark`` (a lot of kind
    ``future_kind``: ``x (mark - avg)``).

    Parameters
    ----------
    kind, qty, mark, avg, mult
        The account's slot columns, aligned (flat lots included: they are worth zero).
    n
        The number of slots in use (the columns may be longer).
    future_kind
        The kind code of futures lots (valued at their P&L since entry).
    """
    out = np.empty(n)
    for i in range(n):
        x = mark[i] - avg[i] if kind[i] == future_kind else mark[i]
        out[i] = qty[i] * mult[i] * x
    return out


@jit()
def value_slots(
    kind: Int64Array,
    qty: Float64Array,
    mark: Float64Array,
    avg: Float64Array,
    mult: Float64Array,
    tier: Int64Array,
    tier_cash: Float64Array,
    n: int,
    closed_tier_cash: Float64Array,
    tier_pnl_out: Float64Array,
    future_kind: int,
) -> float:  # pragma: no cover - numba
    """Return the total market value of the slots and fill ``tier_pnl_out`` with each tier's
    P&L (its slots' cash flows plus market values, then the cash of its compacted lots).

    Parameters
    ----------
    kind, qty, mark, avg, mult, tier, tier_cash
        The account's slot columns, aligned.
    n
        The number of slots in use (the columns may be longer).
    closed_tier_cash
        Cash flows of compacted lots per tier code.
    tier_pnl_out
        Written: P&L per tier code (as long as ``closed_tier_cash``).
    future_kind
        The kind code of futures lots.
    """
    total = 0.0
    tier_pnl_out[:] = 0.0
    for i in range(n):
        x = mark[i] - avg[i] if kind[i] == future_kind else mark[i]
        v = qty[i] * mult[i] * x
        total += v
        tier_pnl_out[tier[i]] += tier_cash[i] + v
    for c in range(tier_pnl_out.shape[0]):
        tier_pnl_out[c] = tier_pnl_out[c] + closed_tier_cash[c]
    return total


def value_slots_reference(
    kind: Int64Array,
    qty: Float64Array,
    mark: Float64Array,
    avg: Float64Array,
    mult: Float64Array,
    tier: Int64Array,
    tier_cash: Float64Array,
    n: int,
    closed_tier_cash: Float64Array,
    future_kind: int,
) -> tuple[float, Float64Array, Float64Array]:
    """Return (total, per-slot values, per-tier P&L) of ``value_slots`` by numpy."""
    values = qty[:n] * mult[:n] * np.where(kind[:n] == future_kind, mark[:n] - avg[:n], mark[:n])
    per_tier = np.bincount(
        tier[:n], weights=tier_cash[:n] + values, minlength=closed_tier_cash.shape[0]
    )
    return float(np.sum(values)), values, per_tier + closed_tier_cash
