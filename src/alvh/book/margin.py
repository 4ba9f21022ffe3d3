"""Margin: what capital a position ties up beyond the cash it already paid or received.

Rules (documented in docs/book-and-config.md):

- Defined-risk option groups (one underlying settlement, one expiry): the worst loss at expiry
  of the group's legs, minus the net premium received for them. For a short iron condor that is
  ``max(put width, call width) x 100 x qty - credit``. Long options and debit spreads need
  nothing beyond the premium already paid (their worst expiry value is >= 0).
- Uncovered short calls (never held by alvh's strategies) are charged their loss at a settlement
  of 1.5 x the group's highest strike, a crude stand-in for an exchange's naked-option rule.
- VX / VXM futures: a configured initial margin per contract (dollars).
- ETF shares: paid in full, no margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from alvh._typing import BoolArray, Float64Array, Int64Array
from alvh.book.condor import IronCondor
from alvh.kernel._numba import HAVE_NUMBA, jit

_NAKED_CALL_STRESS = 1.5


def condor_margin_usd(condor: IronCondor, credit_per_share: float) -> float:
    """Return the margin of a short iron condor: larger wing x 100 x qty minus the credit.

    This is its maximum loss; a credit wider than the wing leaves no margin (floored at 0).
    """
    return max(condor.max_loss_usd(credit_per_share), 0.0)


def option_group_margin_usd(
    strike: Float64Array,
    is_call: BoolArray,
    qty_mult: Float64Array,
    premium_paid_usd: Float64Array,
    group: Int64Array,
) -> float:
    """Return the total margin of option legs grouped by (settlement, expiry), vectorised.

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

    Returns
    -------
    float
        Sum over groups of ``max(0, worst loss at expiry - net premium received)``.
    """
    n = strike.shape[0]
    if n == 0:
        return 0.0
    if HAVE_NUMBA:
        return float(
            _group_margin_loop(
                np.asarray(strike, dtype=np.float64),
                np.asarray(is_call, dtype=np.bool_),
                np.asarray(qty_mult, dtype=np.float64),
                np.asarray(premium_paid_usd, dtype=np.float64),
                np.asarray(group, dtype=np.int64),
                _NAKED_CALL_STRESS,
            )
        )
    return option_group_margin_reference(strike, is_call, qty_mult, premium_paid_usd, group)


@jit()
def _group_margin_loop(strike, is_call, qty_mult, premium, group, stress):
    """Compiled ``option_group_margin_usd``: the same minimum over the same settlement points.

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
) -> float:
    """Return ``option_group_margin_usd`` by vectorised numpy (the compiled loop's reference)."""
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
    x = np.concatenate([strike, np.zeros(n_groups), _NAKED_CALL_STRESS * top])
    xg = np.concatenate([gidx, np.arange(n_groups), np.arange(n_groups)])
    value_at_x = _group_payoff(strike, is_call, qty_mult, gidx, x, xg)
    worst = np.zeros(n_groups)
    np.minimum.at(worst, xg, value_at_x)
    received = np.zeros(n_groups)
    np.add.at(received, gidx, -premium_paid_usd)
    return float(np.sum(np.maximum(-worst - np.maximum(received, 0.0), 0.0)))


def _group_payoff(
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


def futures_margin_usd(
    products: list[str], qty: Float64Array, per_contract_usd: Mapping[str, float]
) -> float:
    """Return the initial margin of futures: ``|qty| x per-contract margin`` of their product."""
    total = 0.0
    for product, q in zip(products, qty, strict=True):
        if product not in per_contract_usd:
            raise KeyError(f"no initial margin configured for {product!r}")
        total += abs(float(q)) * per_contract_usd[product]
    return total
