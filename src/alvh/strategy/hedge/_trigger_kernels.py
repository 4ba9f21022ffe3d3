"""The compiled numerics of the ALVH triggers (``alvh.strategy.hedge.triggers``).

Each is the same operations, in the same order, as the numpy or indicator formula the rule
was first written with, so the rule's numbers are the same floats (tests in
``tests/strategy/test_trigger_fastpaths.py`` pin them): a session's step calls each once, where
numpy's per-call overhead and temporaries cost more than the arithmetic.
"""

from __future__ import annotations

import numpy as np

from alvh.kernel._numba import jit
from alvh.kernel.finite import all_finite

__all__ = ["macd_tail", "nearest_levels", "rsi_tail", "small_net_delta", "window_tails"]


@jit()
def nearest_levels(
    spot: float, puts: np.ndarray, calls: np.ndarray, iv: np.ndarray, days: np.ndarray
) -> tuple[float, int, float, float, int, float]:  # pragma: no cover - numba
    """Return ``(min z_put, its index, its SD, min z_call, its index, its SD)``.

    ``z_distances`` followed by numpy's ``min`` / ``argmin`` on each side, in one compiled pass
    with the same operations (tested equal): a NaN z is the minimum (the first one), as numpy's
    ``min`` and ``argmin`` make it. Needs at least one condor.
    """
    zp_min = zc_min = 0.0
    ip = ic = 0
    sd_p = sd_c = 0.0
    for i in range(puts.shape[0]):
        d = days[i]
        if d < 0.0:  # np.maximum(d, 0.0): a NaN (or -0.0) passes through
            d = 0.0
        sd = spot * iv[i] * np.sqrt(d / 365.0)
        if sd > 0.0:
            zp = (spot - puts[i]) / sd
            zc = (calls[i] - spot) / sd
        else:
            zp = np.inf if spot > puts[i] else -np.inf
            zc = np.inf if calls[i] > spot else -np.inf
        if i == 0 or (zp_min == zp_min and (zp != zp or zp < zp_min)):
            zp_min, ip, sd_p = zp, i, sd
        if i == 0 or (zc_min == zc_min and (zc != zc or zc < zc_min)):
            zc_min, ic, sd_c = zc, i, sd
    return zp_min, ip, sd_p, zc_min, ic, sd_c


@jit()
def small_net_delta(d: np.ndarray, q: np.ndarray) -> tuple[bool, float]:  # pragma: no cover
    """Return (every ``|d| <= 1`` or NaN, ``sum(d * q)`` added in order from 0.0)."""
    net = 0.0
    in_range = True
    for i in range(d.shape[0]):
        if abs(d[i]) > 1.0:
            in_range = False
        net += d[i] * q[i]
    return in_range, net


# The tails below run the ``y = z + alpha x``, ``z = (1 - alpha) y`` recursion scipy's
# ``lfilter`` runs for ``alvh.strategy.indicators.ewm_alpha``, started at ``z = (1 - alpha) x[0]``,
# streamed: each series keeps only its running state, so no array is allocated. The same
# operations in the same order give the same floats (tested against the indicators).


@jit()
def macd_tail(
    x: np.ndarray, a_fast: float, a_slow: float, a_signal: float
) -> tuple[bool, float, float, float, float]:  # pragma: no cover - numba
    """Return (all finite, line[-2], line[-1], signal[-2], signal[-1]) of ``indicators.macd``
    (len >= 2); the four values are meaningless when the first item is False."""
    if not all_finite(x):
        return False, 0.0, 0.0, 0.0, 0.0
    b_fast, b_slow, b_signal = 1.0 - a_fast, 1.0 - a_slow, 1.0 - a_signal
    z_fast, z_slow = b_fast * x[0], b_slow * x[0]
    z_sig = 0.0
    line_prev = line = sig_prev = sig = 0.0
    for i in range(x.shape[0]):
        fast = z_fast + a_fast * x[i]
        z_fast = b_fast * fast
        slow = z_slow + a_slow * x[i]
        z_slow = b_slow * slow
        line_prev, line = line, fast - slow
        if i == 0:
            z_sig = b_signal * line
        sig_prev, sig = sig, z_sig + a_signal * line
        z_sig = b_signal * sig
    return True, line_prev, line, sig_prev, sig


@jit()
def rsi_tail(x: np.ndarray, alpha: float) -> tuple[bool, float, float]:  # pragma: no cover
    """Return (all finite, previous, last) of ``indicators.rsi`` ignoring its NaN head
    (len >= 2; the previous is NaN when there is one difference only)."""
    if not all_finite(x):
        return False, 0.0, 0.0
    beta = 1.0 - alpha
    z_gain = z_loss = 0.0
    rsi_prev = rsi = np.nan
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        nd = -d
        up = d if d >= 0.0 else 0.0  # np.maximum(d, 0.0)
        down = nd if nd >= 0.0 else 0.0
        if i == 0:
            z_gain, z_loss = beta * up, beta * down
        gain = z_gain + alpha * up
        z_gain = beta * gain
        loss = z_loss + alpha * down
        z_loss = beta * loss
        total = gain + loss
        rsi_prev, rsi = rsi, (100.0 * gain / total if total > 0.0 else 50.0)
    return True, rsi_prev, rsi


@jit()
def window_tails(
    close: np.ndarray,
    window: int,
    a_fast: float,
    a_slow: float,
    a_signal: float,
    macd_min: int,
    alpha_rsi: float,
    rsi_min: int,
    k_start: int,
) -> np.ndarray:  # pragma: no cover - numba
    """Return the MACD and RSI tails of every close history ``close[:k]``, ``k_start <= k <= n``.

    Row ``k - k_start`` is for the history a session sees when it knows ``k`` closes: the last
    ``window`` of them with the non-finite ones dropped (what the hedge feeds ``macd_rule`` and
    ``rsi_rule``). Columns: the kept count, then ``macd_tail``'s line[-2], line[-1],
    signal[-2], signal[-1] (NaN when fewer than ``macd_min`` are kept), then ``rsi_tail``'s
    previous and last values (NaN when ``rsi_min`` or fewer are kept). Each row reads only
    ``close[:k]``, so a later close never changes it.
    """
    n = close.shape[0]
    out = np.full((n + 1 - k_start, 7), np.nan)
    buf = np.empty(window)
    for k in range(k_start, n + 1):
        row = out[k - k_start]
        m = 0
        for j in range(max(0, k - window), k):
            if np.isfinite(close[j]):
                buf[m] = close[j]
                m += 1
        row[0] = m
        if m >= macd_min and m >= 2:
            _, l0, l1, s0, s1 = macd_tail(buf[:m], a_fast, a_slow, a_signal)
            row[1], row[2], row[3], row[4] = l0, l1, s0, s1
        if m > rsi_min and m >= 2:
            _, r_prev, r_now = rsi_tail(buf[:m], alpha_rsi)
            row[5], row[6] = r_prev, r_now
    return out
