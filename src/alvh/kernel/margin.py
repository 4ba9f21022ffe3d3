"""Margin of option groups: each group's worst loss at expiry beyond the premium it received.

A group is the legs that settle together (one underlying settlement, one expiry). Its expiry
value is piecewise linear in the settlement ``x`` with kinks at its strikes, so its minimum over
``[0, inf)`` is at 0, at a strike, or (if it slopes down) at infinity, for which a stress point
``stress x`` the group's top strike stands in. The group's margin is
``max(0, -worst value - max(net premium received, 0))``; the total is their sum.

``option_group_margin`` runs a compiled loop (a book holds a few dozen legs in a handful of
groups: plain loops beat sorted prefix sums); ``option_group_margin_reference`` is the numpy
version tests pin it to (``assert_allclose``, rtol 1e-12).
"""

from __future__ import annotations

import math

import numpy as np

from alvh._typing import BoolArray, Float64Array, Int64Array
from alvh.kernel._numba import HAVE_NUMBA, jit

__all__ = ["group_payoff", "option_group_margin", "option_group_margin_reference"]


def option_group_margin(
    strike: Float64Array,
    is_call: BoolArray,
    qty_mult: Float64Array,
    premium_paid_usd: Float64Array,
    group: Int64Array,
    stress: float,
) -> float:
    """Return the total margin of option legs grouped by settlement (module docstring).

    Parameters
    ----------
    strike
        Strike of each leg.
    is_call
        True for calls.
    qty_mult
        Signed quantity x multiplier of each leg (dollars per point of intrinsic value).
    premium_paid_usd
        ``qty x avg entry price x multiplier`` of each leg (negative when premium was received).
    group
        Integer group code; legs that settle together share a code.
    stress
        The settlement, as a multiple of a group's top strike, standing in for infinity.
    """
    if strike.shape[0] == 0:
        return 0.0
    if not HAVE_NUMBA:
        return option_group_margin_reference(
            strike, is_call, qty_mult, premium_paid_usd, group, stress
        )
    return float(
        _group_margin_loop(
            np.asarray(strike, dtype=np.float64),
            np.asarray(is_call, dtype=np.bool_),
            np.asarray(qty_mult, dtype=np.float64),
            np.asarray(premium_paid_usd, dtype=np.float64),
            np.asarray(group, dtype=np.int64),
            float(stress),
        )
    )


@jit()
def _group_margin_loop(strike, is_call, qty_mult, premium, group, stress):  # pragma: no cover
    """The compiled total: the same minimum over the same settlement points as the reference.

    A book holds a few dozen legs in a handful of groups, so plain loops (quadratic in a
    group's legs) beat the sorted prefix sums of the numpy reference by a wide margin.
    """
    n = strike.shape[0]
    done = np.zeros(n, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)
    total = 0.0
    for i0 in range(n):
        if done[i0]:
            continue
        m = 0
        top = -math.inf
        received = 0.0
        for i in range(i0, n):
            if not done[i] and group[i] == group[i0]:
                done[i] = True
                members[m] = i
                m += 1
                top = max(top, strike[i])
                received -= premium[i]
        worst = 0.0
        for p in range(m + 2):
            x = strike[members[p]] if p < m else (0.0 if p == m else stress * top)
            value = 0.0
            for a in range(m):
                j = members[a]
                intrinsic = x - strike[j] if is_call[j] else strike[j] - x
                if intrinsic > 0.0:
                    value += qty_mult[j] * intrinsic
            worst = min(worst, value)
        total += max(-worst - max(received, 0.0), 0.0)
    return total


def option_group_margin_reference(
    strike: Float64Array,
    is_call: BoolArray,
    qty_mult: Float64Array,
    premium_paid_usd: Float64Array,
    group: Int64Array,
    stress: float,
) -> float:
    """Return ``option_group_margin``'s total by vectorised numpy (the compiled loop's reference).

    Sorted prefix sums: O(n log n) in the legs, where the loop is quadratic in a group's legs.
    """
    n = strike.shape[0]
    if n == 0:
        return 0.0
    groups, gidx = np.unique(group, return_inverse=True)
    n_groups = groups.shape[0]
    top = np.full(n_groups, -np.inf)
    np.maximum.at(top, gidx, strike)
    # The payoff of a group is piecewise linear in the settlement with kinks at its strikes, so
    # its minimum over [0, inf) is at 0, at a strike, or (if it slopes down) at infinity, which
    # the stress point above the top strike stands in for.
    x = np.concatenate([strike, np.zeros(n_groups), stress * top])
    xg = np.concatenate([gidx, np.arange(n_groups), np.arange(n_groups)])
    value_at_x = group_payoff(strike, is_call, qty_mult, gidx, x, xg)
    worst = np.zeros(n_groups)
    np.minimum.at(worst, xg, value_at_x)
    received = np.zeros(n_groups)
    np.add.at(received, gidx, -premium_paid_usd)
    return float(np.sum(np.maximum(-worst - np.maximum(received, 0.0), 0.0)))


def group_payoff(
    strike: Float64Array,
    is_call: BoolArray,
    qty_mult: Float64Array,
    gidx: Int64Array,
    x: Float64Array,
    xg: Int64Array,
) -> Float64Array:
    """Return the expiry value of each group's legs at settlement points ``x`` of group ``xg``.

    O(n log n) with prefix sums over legs sorted by (group, strike): the calls of a group with
    K < x are worth ``x sum(q) - sum(q K)``, its puts with K > x ``sum(q K) - x sum(q)``.
    """
    # One sortable key per (group, price); prices are far below the group spacing.
    span = 4.0 * max(float(np.max(x)), 1.0)
    out = np.zeros(x.shape[0])
    key_x = xg * span + x
    for calls in (True, False):
        m = is_call == calls
        key = gidx[m] * span + strike[m]
        order = np.argsort(key, kind="mergesort")
        key, q, k = key[order], qty_mult[m][order], strike[m][order]
        c1 = np.concatenate([[0.0], np.cumsum(q)])
        c2 = np.concatenate([[0.0], np.cumsum(q * k)])
        lo = np.searchsorted(key, xg * span, side="left")  # first leg of the group
        hi = np.searchsorted(key, (xg + 1) * span, side="left")  # past its last leg
        at = np.searchsorted(key, key_x, side="left")  # first leg with K >= x
        if calls:  # legs lo..at-1 have K < x
            out += x * (c1[at] - c1[lo]) - (c2[at] - c2[lo])
        else:  # legs at..hi-1 have K >= x (K == x adds zero)
            out += (c2[hi] - c2[at]) - x * (c1[hi] - c1[at])
    return out
