"""Market value of an account's lots, compiled: the per-slot values, their total and per-tier sums.

``Account`` revalues its lots every session it is marked (the condor book and the hedge book
both are). The numpy expression ``q * mult * where(fut, mark - avg, mark)``, its ``np.sum``
and a weighted ``np.bincount`` cost a dozen numpy calls; one compiled pass does the same
arithmetic. The floats are the same bit for bit: the total is summed in numpy's pairwise
order (``pairwise_sum``, tested against ``np.sum``) and the per-tier sums in slot order, as
``np.bincount`` adds its weights.
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.book.legs import VX_FUTURE
from alvh.kernel._numba import jit

# numpy's pairwise sum adds fewer items than this one by one, and splits blocks longer
# than ``_PW_BLOCK`` in two (numpy/_core/src/umath/loops_utils.h.src).
_PW_UNROLL = 8
_PW_BLOCK = 128


@jit()
def _block_sum(a: Float64Array, start: int, n: int) -> float:  # pragma: no cover - numba
    """numpy's sum of at most ``_PW_BLOCK`` items: one by one below ``_PW_UNROLL`` items,
    else eight running sums added as a tree, then the items left over one by one."""
    if n < _PW_UNROLL:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = _PW_UNROLL
    end8 = n - n % _PW_UNROLL
    while i < end8:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += _PW_UNROLL
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@jit()
def pairwise_sum(a: Float64Array, start: int, n: int) -> float:  # pragma: no cover - numba
    """Return the sum of ``a[start:start + n]`` added in numpy's pairwise order.

    ``np.sum`` of a contiguous float64 array is ``0.0 + pairwise_sum(a, 0, len(a))`` (the
    ``0.0`` is the reduction's initial value: a sum of negative zeros is ``0.0``). numpy
    splits a run longer than ``_PW_BLOCK`` in two (the first half a multiple of
    ``_PW_UNROLL``) and adds the halves' sums; that recursion runs here on an explicit stack
    (a compiled recursive function called from another one crashes numba's on-disk cache).

    Parameters
    ----------
    a
        1-d float64 array.
    start, n
        The first item and the number of items.
    """
    if n <= _PW_BLOCK:
        return _block_sum(a, start, n)
    # Frames: a run (first item, length), how far its two halves are summed (0 none, 1 the
    # first, 2 both) and the first half's sum. Runs halve, so 64 frames always suffice.
    first = np.empty(64, dtype=np.int64)
    length = np.empty(64, dtype=np.int64)
    phase = np.empty(64, dtype=np.int64)
    left = np.empty(64)
    top = 0
    first[0], length[0], phase[0] = start, n, 0
    ret = 0.0  # the sum of the run last finished
    while top >= 0:
        s, m = first[top], length[top]
        if m <= _PW_BLOCK:
            ret = _block_sum(a, s, m)
            top -= 1
            continue
        half = m // 2
        half -= half % _PW_UNROLL
        if phase[top] == 0:
            phase[top] = 1
            top += 1
            first[top], length[top], phase[top] = s, half, 0
        elif phase[top] == 1:
            left[top] = ret
            phase[top] = 2
            top += 1
            first[top], length[top], phase[top] = s + half, m - half, 0
        else:
            ret = left[top] + ret
            top -= 1
    return ret


@jit()
def slot_values(
    kind: Int64Array,
    qty: Float64Array,
    mark: Float64Array,
    avg: Float64Array,
    mult: Float64Array,
    n: int,
) -> Float64Array:  # pragma: no cover - numba
    """Return the market value of the first ``n`` slots: ``qty x mult x mark`` (a VX future:
    ``x (mark - avg)``, its P&L since entry), multiplied in that order as the numpy expression
    does.

    Parameters
    ----------
    kind, qty, mark, avg, mult
        The account's slot columns, aligned (flat lots included: they are worth zero).
    n
        The number of slots in use (the columns may be longer).
    """
    out = np.empty(n)
    for i in range(n):
        x = mark[i] - avg[i] if kind[i] == VX_FUTURE else mark[i]
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
) -> float:  # pragma: no cover - numba
    """Return the total market value of the slots and fill ``tier_pnl_out`` with each tier's
    P&L (its slots' cash flows plus market values, then the cash of its compacted lots).

    The same floats as ``np.sum(values)`` and ``np.bincount(tier, tier_cash + values,
    minlength) + closed_tier_cash`` with ``values = slot_values(...)``.

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
    """
    values = slot_values(kind, qty, mark, avg, mult, n)
    tier_pnl_out[:] = 0.0
    for i in range(n):
        tier_pnl_out[tier[i]] += tier_cash[i] + values[i]
    for c in range(tier_pnl_out.shape[0]):
        tier_pnl_out[c] = tier_pnl_out[c] + closed_tier_cash[c]
    return 0.0 + pairwise_sum(values, 0, n)
