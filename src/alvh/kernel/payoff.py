"""Expiry payoffs: vanilla options, generic legs, and the SPX iron condor per contract.

Strikes and settlement levels are index points; ``*_usd`` results are per contract, i.e. points
times ``multiplier`` (100 for SPX). Credits are in index points per condor (the premium quoted
per unit), positive when received. Legs are arrays: one row per leg, broadcast against the
settlement levels, so a whole book or a grid of settlements is one call.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from alvh._typing import ArrayLike, Float64Array

SPX_MULTIPLIER = 100.0


def vanilla_payoff(settle: ArrayLike, strike: ArrayLike, is_call: ArrayLike) -> Float64Array:
    """Return the expiry value per unit: ``max(S - K, 0)`` for calls, ``max(K - S, 0)`` for puts.

    Parameters
    ----------
    settle
        Settlement level of the underlying (SPX: the special opening quotation for AM-settled
        options, the close for PM-settled), broadcast against ``strike`` and ``is_call``.
    strike
        Strikes.
    is_call
        True for calls, False for puts.
    """
    s, k, c = np.broadcast_arrays(
        np.asarray(settle, dtype=np.float64),
        np.asarray(strike, dtype=np.float64),
        np.asarray(is_call, dtype=bool),
    )
    return np.where(c, np.maximum(s - k, 0.0), np.maximum(k - s, 0.0))


def legs_payoff(
    settle: ArrayLike, strike: ArrayLike, is_call: ArrayLike, quantity: ArrayLike
) -> Float64Array:
    """Return the summed expiry value of option legs for each settlement level (points).

    Parameters
    ----------
    settle
        Settlement levels, shape ``(n,)`` or scalar.
    strike, is_call, quantity
        Legs, shape ``(n_legs,)``; ``quantity`` signed (+ long, - short), in units.

    Returns
    -------
    numpy.ndarray
        Shape of ``settle``: sum over legs of ``quantity * vanilla_payoff``.
    """
    s = np.asarray(settle, dtype=np.float64)
    k = np.atleast_1d(np.asarray(strike, dtype=np.float64))
    c = np.atleast_1d(np.asarray(is_call, dtype=bool))
    qty = np.atleast_1d(np.asarray(quantity, dtype=np.float64))
    values = vanilla_payoff(s[..., np.newaxis], k, c)
    return np.sum(values * qty, axis=-1)


class CondorStrikes(NamedTuple):
    """Iron condor strikes (points), each an array of the same shape (one entry per condor)."""

    long_put: Float64Array
    short_put: Float64Array
    short_call: Float64Array
    long_call: Float64Array


def condor_strikes(
    long_put: ArrayLike, short_put: ArrayLike, short_call: ArrayLike, long_call: ArrayLike
) -> CondorStrikes:
    """Return validated condor strikes; raise ``ValueError`` unless lp < sp <= sc < lc."""
    lp, sp, sc, lc = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (long_put, short_put, short_call, long_call))
    )
    ok = (lp < sp) & (sp <= sc) & (sc < lc)
    if not np.all(ok):
        i = int(np.flatnonzero(~ok.reshape(-1))[0])
        legs = [float(a.reshape(-1)[i]) for a in (lp, sp, sc, lc)]
        raise ValueError(
            f"iron condor strikes {legs} (long put, short put, short call, long call) at "
            f"index {i}: expected long_put < short_put <= short_call < long_call"
        )
    return CondorStrikes(lp, sp, sc, lc)


def iron_condor_payoff_usd(
    settle: ArrayLike,
    strikes: CondorStrikes,
    credit: ArrayLike,
    multiplier: float = SPX_MULTIPLIER,
) -> Float64Array:
    """Return the P&L at expiry per condor contract in USD (credit kept minus spreads owed).

    Parameters
    ----------
    settle
        Settlement levels, broadcast against the strikes and ``credit``.
    strikes
        From :func:`condor_strikes`.
    credit
        Net premium received per condor, in index points.
    multiplier
        USD per index point per contract (100 for SPX).
    """
    s = np.asarray(settle, dtype=np.float64)
    put_owed = np.clip(strikes.short_put - s, 0.0, strikes.short_put - strikes.long_put)
    call_owed = np.clip(s - strikes.short_call, 0.0, strikes.long_call - strikes.short_call)
    return (np.asarray(credit, dtype=np.float64) - put_owed - call_owed) * multiplier


def iron_condor_max_loss_usd(
    strikes: CondorStrikes, credit: ArrayLike, multiplier: float = SPX_MULTIPLIER
) -> Float64Array:
    """Return the max loss per contract: ``max(put width, call width) * multiplier - credit``.

    Only one side can finish in the money, so the wider wing bounds the loss.
    """
    width = np.maximum(strikes.short_put - strikes.long_put, strikes.long_call - strikes.short_call)
    return (width - np.asarray(credit, dtype=np.float64)) * multiplier


def iron_condor_breakevens(
    strikes: CondorStrikes, credit: ArrayLike
) -> tuple[Float64Array, Float64Array]:
    """Return the (lower, upper) break-even settlement levels: short put - credit, short call + credit.

    Valid while the credit is below each wing's width (always true of a sane condor quote).
    """
    cr = np.asarray(credit, dtype=np.float64)
    return strikes.short_put - cr, strikes.short_call + cr
