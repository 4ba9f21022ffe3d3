"""Market value of an account's lots: the per-slot values, their total and per-tier sums.

The arithmetic is the kernel's (:mod:`alvh.kernel.valuation`, compiled beside its numpy
reference); this module supplies the book's futures kind code.
"""

from __future__ import annotations

from alvh._typing import Float64Array, Int64Array
from alvh.book.legs import VX_FUTURE
from alvh.kernel import valuation as _kv


def slot_values(
    kind: Int64Array,
    qty: Float64Array,
    mark: Float64Array,
    avg: Float64Array,
    mult: Float64Array,
    n: int,
) -> Float64Array:
    """Return the market value of the first ``n`` slots (a VX future: its P&L since entry).

    See :func:`alvh.kernel.valuation.slot_values`.
    """
    return _kv.slot_values(kind, qty, mark, avg, mult, n, VX_FUTURE)


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
) -> float:
    """Return the slots' total market value and fill ``tier_pnl_out`` with each tier's P&L.

    See :func:`alvh.kernel.valuation.value_slots`.
    """
    return _kv.value_slots(
        kind, qty, mark, avg, mult, tier, tier_cash, n, closed_tier_cash, tier_pnl_out, VX_FUTURE
    )
