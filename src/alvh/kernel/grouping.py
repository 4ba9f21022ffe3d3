"""Sums of per-leg values by lot group (e.g. one condor), compiled.

A session holds a few dozen legs in a handful of groups whose codes run into the thousands over
a long backtest, so the sums are kept per *present* group, in order of first appearance, instead
of a bincount over every code ever issued.
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.kernel._numba import HAVE_NUMBA, jit


@jit()
def _group_column(g, codes, m, sums):
    """Return (column of group ``g`` in ``sums``, groups seen): a new group gets the next
    column, zeroed (a linear search: a session has a handful of groups)."""
    r = 0
    while r < m and codes[r] != g:
        r += 1
    if r == m:
        codes[m] = g
        for j in range(sums.shape[0]):
            sums[j, m] = 0.0
        m += 1
    return r, m


@jit()
def _sum_by_group_loop(values, group, codes, sums):
    n_rows, n = values.shape
    m = 0
    for i in range(n):
        r, m = _group_column(group[i], codes, m, sums)
        for j in range(n_rows):
            sums[j, r] += values[j, i]
    return m


def sum_by_group(values: Float64Array, group: Int64Array) -> tuple[Int64Array, Float64Array]:
    """Return (group codes in order of first appearance, (rows, groups) sums of ``values``).

    Parameters
    ----------
    values
        A (rows, legs) array.
    group
        The group code of each leg.
    """
    vals = np.ascontiguousarray(values, dtype=np.float64)
    grp = np.ascontiguousarray(group, dtype=np.int64)
    if not HAVE_NUMBA:
        codes, first, inv = np.unique(grp, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        sums = np.zeros((vals.shape[0], codes.shape[0]))
        for j in range(vals.shape[0]):
            sums[j] = np.bincount(inv, weights=vals[j], minlength=codes.shape[0])
        return codes[order], sums[:, order]
    codes = np.empty(grp.shape[0], dtype=np.int64)
    sums = np.empty((vals.shape[0], grp.shape[0]))
    m = _sum_by_group_loop(vals, grp, codes, sums)
    return codes[:m], sums[:, :m]


@jit()
def _position_sums_loop(qty, price, delta, vega, theta, iv, is_call, group, codes, sums):
    n = qty.shape[0]
    m = 0
    for i in range(n):
        r, m = _group_column(group[i], codes, m, sums)
        q = qty[i]
        short = q < 0.0
        sums[0, r] += q * price[i]
        sums[1, r] += q * delta[i]
        sums[2, r] += q * vega[i]
        sums[3, r] += q * theta[i]
        sums[4, r] += iv[i] if short and not is_call[i] else 0.0
        sums[5, r] += iv[i] if short and is_call[i] else 0.0
    return m


def position_sums_by_group(
    qty: Float64Array,
    price: Float64Array,
    delta: Float64Array,
    vega: Float64Array,
    theta: Float64Array,
    iv: Float64Array,
    is_call: np.ndarray,
    group: Int64Array,
) -> tuple[Int64Array, Float64Array]:
    """Return (group codes in order of first appearance, (6, groups) position sums).

    The rows are ``sum(qty x price)``, ``sum(qty x delta)``, ``sum(qty x vega)``,
    ``sum(qty x theta)``, and the vols of the short put and of the short call (the sum over the
    group's short puts, resp. short calls: one each in a condor). The same numbers as
    ``sum_by_group`` over those six rows, without building them.

    Parameters
    ----------
    qty
        Signed quantity of each leg (negative: short).
    price, delta, vega, theta
        Each leg's per-unit price and greeks.
    iv
        Each leg's implied vol.
    is_call
        Whether each leg is a call.
    group
        The group code of each leg.
    """
    if not HAVE_NUMBA:
        q = np.asarray(qty, dtype=np.float64)
        short = q < 0
        rows = np.stack(
            [
                q * price,
                q * delta,
                q * vega,
                q * theta,
                np.where(short & ~is_call, iv, 0.0),
                np.where(short & is_call, iv, 0.0),
            ]
        )
        return sum_by_group(rows, group)
    n = qty.shape[0]
    codes = np.empty(n, dtype=np.int64)
    sums = np.empty((6, n))
    m = _position_sums_loop(qty, price, delta, vega, theta, iv, is_call, group, codes, sums)
    return codes[:m], sums[:, :m]
