"""Sums of per-leg values by group or code, compiled beside their numpy references.

A session holds a few dozen legs in a handful of groups whose codes run into the thousands over
a long backtest, so ``sum_by_group`` and ``position_sums_by_group`` keep the sums per *present*
group, in order of first appearance, instead of a bincount over every code ever issued (their
numpy path, taken without numba, is the reference tests pin them to).
``dollar_greeks_by_code`` sums dollar greeks by a small code (a tier); ``condor_rows`` gathers
per-condor rows from group sums. Each is called once a session, where a dozen numpy calls cost
more than the arithmetic.
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


@jit()
def _greeks_by_code_loop(slots, qty, mult, under, delta, gamma, vega, theta, code, out):
    for i in range(slots.shape[0]):
        j = slots[i]
        qm = qty[j] * mult[j]
        d = delta[j] * qm
        c = code[i]
        out[0, c] += d
        out[1, c] += d * under[j]
        out[2, c] += gamma[j] * qm
        out[3, c] += vega[j] * qm
        out[4, c] += theta[j] * qm


def dollar_greeks_by_code(
    slots: Int64Array,
    columns: tuple[Float64Array, ...],
    code: Int64Array,
    n_codes: int,
) -> Float64Array:
    """Return (5, n_codes) dollar greeks of the lots ``slots`` summed by code.

    Rows: ``delta x q``, ``delta x q x underlying``, ``gamma x q``, ``vega x q``,
    ``theta x q`` with ``q = qty x multiplier`` (the book's dollar greeks).

    Parameters
    ----------
    slots
        The lots to sum (indices into ``columns``).
    columns
        Full per-lot arrays: qty, multiplier, underlying, delta, gamma, vega per vol point,
        theta per day.
    code
        The code (e.g. tier) of each of ``slots``, in ``[0, n_codes)``.
    n_codes
        Number of codes.
    """
    if not HAVE_NUMBA:
        return dollar_greeks_by_code_reference(slots, columns, code, n_codes)
    qty, mult, under, delta, gamma, vega, theta = columns
    out = np.zeros((5, n_codes))
    slots_ = np.asarray(slots, dtype=np.int64)
    _greeks_by_code_loop(slots_, qty, mult, under, delta, gamma, vega, theta, np.asarray(code), out)
    return out


def dollar_greeks_by_code_reference(
    slots: Int64Array,
    columns: tuple[Float64Array, ...],
    code: Int64Array,
    n_codes: int,
) -> Float64Array:
    """Return ``dollar_greeks_by_code(...)`` by numpy (gathers, products, ``np.bincount``)."""
    qty, mult, under, delta, gamma, vega, theta = (c[slots] for c in columns)
    qm = qty * mult
    d = delta * qm
    rows = (d, d * under, gamma * qm, vega * qm, theta * qm)
    return np.stack([np.bincount(code, weights=r, minlength=n_codes) for r in rows])


@jit()
def _condor_rows_loop(terms, day_ordinal, codes, sums, out):  # pragma: no cover - numba
    m = codes.shape[0]
    for i in range(terms.shape[0]):
        for j in range(5):
            out[j, i] = terms[i, j]
        out[9, i] = terms[i, 5] - day_ordinal
        if m == 0:
            continue
        r = 0
        while r < m and codes[r] != terms[i, 6]:
            r += 1
        if r == m:  # not among the sums: rows 5-8 unknown
            for j in range(5, 9):
                out[j, i] = np.nan
            continue
        q = terms[i, 0]
        out[5, i] = sums[1, r] / q
        out[6, i] = sums[2, r] / q
        out[7, i] = sums[4, r]
        out[8, i] = sums[5, r]


def condor_rows(
    terms: Float64Array, day_number: float, codes: Int64Array, sums: Float64Array, out: Float64Array
) -> None:
    """Fill rows 0-9 of ``out`` (a column per condor) from condor terms and group sums.

    Rows 0-4 are ``terms[:, 0:5]``; row 9 is ``terms[:, 5] - day_number`` (days to expiry when
    column 5 holds the expiry's day number); rows 5-8 are, from the ``position_sums_by_group``
    sums of the condor's group (``terms[:, 6]``), its delta and vega per contract
    (``sums[1:3] / terms[:, 0]``) and its short put and call vols (``sums[4:6]``). With no
    ``codes`` rows 5-8 are left as they are; a group missing from ``codes`` gets NaN there.

    Parameters
    ----------
    terms
        (condors, >= 7) array: quantity, four more terms, expiry day number, group code.
    day_number
        Today's day number (same count as ``terms[:, 5]``).
    codes, sums
        Group codes and their (6, groups) sums (``position_sums_by_group``).
    out
        (>= 10, condors) array, written.
    """
    if not HAVE_NUMBA:
        condor_rows_reference(terms, day_number, codes, sums, out)
        return
    _condor_rows_loop(terms, day_number, codes, sums, out)


def condor_rows_reference(
    terms: Float64Array, day_number: float, codes: Int64Array, sums: Float64Array, out: Float64Array
) -> None:
    """Fill ``out`` as :func:`condor_rows` does, by numpy."""
    out[0:5] = terms[:, 0:5].T
    out[9] = terms[:, 5] - day_number
    if codes.shape[0] == 0:
        return
    match = codes[None, :] == terms[:, 6][:, None]  # (condors, groups)
    found = match.any(axis=1)
    r = np.argmax(match, axis=1)
    q = terms[:, 0]
    rows = np.stack([sums[1, r] / q, sums[2, r] / q, sums[4, r], sums[5, r]])
    out[5:9] = np.where(found, rows, np.nan)
