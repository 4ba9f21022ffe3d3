"""The hedge triggers' numerics: nearest levels in SDs, MACD and RSI tails, compiled.

Each compiled function (``@jit``) sits beside its plain numpy reference (``*_reference``), and
tests/kernel/test_indicators.py pins them with ``assert_allclose`` (docs/kernel.md lists the
tolerances and the measured reason each is compiled). The hedge calls them once a session on
a few condors or a few dozen closes, where numpy's per-call overhead and temporaries cost more
than the arithmetic; ``window_tails`` runs once a backtest over every session's history.

The EMA recursion is ``y_t = alpha x_t + (1 - alpha) y_(t-1)`` seeded at ``y_0 = x_0``
(pandas ``ewm(adjust=False)``); MACD is EMA(fast) - EMA(slow) and its signal an EMA of that;
RSI is Wilder's, ``100 gain / (gain + loss)`` of the smoothed up and down moves (50 when both
are zero), defined from the second close on.
"""

from __future__ import annotations

import numpy as np

from alvh._typing import Float64Array
from alvh.kernel._numba import jit

__all__ = [
    "all_finite",
    "all_finite_reference",
    "macd_tail",
    "macd_tail_reference",
    "nearest_levels",
    "nearest_levels_reference",
    "net_exposure",
    "net_exposure_reference",
    "rsi_tail",
    "rsi_tail_reference",
    "window_tails",
    "window_tails_reference",
]


@jit()
def all_finite(x: np.ndarray) -> bool:  # pragma: no cover - numba
    """Return whether a 1-d array holds no NaN or infinity (empty: True), stopping at the first.

    Parameters
    ----------
    x
        1-d float array.
    """
    for v in x:  # noqa: SIM110 - a loop numba compiles, stopping at the first bad value
        if not np.isfinite(v):
            return False
    return True


def all_finite_reference(x: np.ndarray) -> bool:
    """Return ``all_finite(x)`` by numpy."""
    return bool(np.isfinite(x).all())


@jit()
def nearest_levels(
    spot: float, puts: np.ndarray, calls: np.ndarray, iv: np.ndarray, days: np.ndarray
) -> tuple[float, int, float, float, int, float]:  # pragma: no cover - numba
    """Return ``(min z_put, its index, its SD, min z_call, its index, its SD)``.

    ``SD = spot x iv x sqrt(max(days, 0) / 365)``; ``z_put = (spot - put) / SD`` and
    ``z_call = (call - spot) / SD`` (+-inf on a zero SD: +inf while the level is not reached).
    A NaN z is the minimum (the first one), as numpy's ``min`` and ``argmin`` make it. Needs at
    least one level.

    Parameters
    ----------
    spot
        The underlying's level.
    puts, calls, iv, days
        Per condor: the put-side and call-side levels, the decimal vol, calendar days left.
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


def nearest_levels_reference(
    spot: float, puts: np.ndarray, calls: np.ndarray, iv: np.ndarray, days: np.ndarray
) -> tuple[float, int, float, float, int, float]:
    """Return ``nearest_levels(...)`` by numpy: z of every level, then ``min`` and ``argmin``."""
    sd = spot * iv * np.sqrt(np.maximum(days, 0.0) / 365.0)
    live = sd > 0.0
    safe = np.where(live, sd, 1.0)
    zp = np.where(live, (spot - puts) / safe, np.where(spot > puts, np.inf, -np.inf))
    zc = np.where(live, (calls - spot) / safe, np.where(calls > spot, np.inf, -np.inf))
    ip, ic = int(np.argmin(zp)), int(np.argmin(zc))
    return float(np.min(zp)), ip, float(sd[ip]), float(np.min(zc)), ic, float(sd[ic])


@jit()
def net_exposure(
    x: np.ndarray, w: np.ndarray, bound: float
) -> tuple[bool, float]:  # pragma: no cover
    """Return (every ``|x| <= bound`` or NaN, ``sum(x * w)``) in one pass (a running sum).

    The hedge's book delta: ``x`` the legs' per-unit deltas (bound 1), ``w`` their signed
    contracts.

    Parameters
    ----------
    x, w
        1-d float arrays of one length.
    bound
        The largest ``|x|`` in range.
    """
    total = 0.0
    in_range = True
    for i in range(x.shape[0]):
        if abs(x[i]) > bound:
            in_range = False
        total += x[i] * w[i]
    return in_range, total


def net_exposure_reference(x: np.ndarray, w: np.ndarray, bound: float) -> tuple[bool, float]:
    """Return ``net_exposure(...)`` by numpy (``np.sum`` adds pairwise)."""
    return not bool(np.any(np.abs(x) > bound)), float(np.sum(x * w))


# The tails run the EMA recursion streamed: each series keeps only its running state
# ``z = (1 - alpha) y`` (the state scipy's ``lfilter`` carries), so no array is allocated.


@jit()
def macd_tail(
    x: np.ndarray, a_fast: float, a_slow: float, a_signal: float
) -> tuple[bool, float, float, float, float]:  # pragma: no cover - numba
    """Return (all finite, line[-2], line[-1], signal[-2], signal[-1]) of the MACD of ``x``.

    Parameters
    ----------
    x
        1-d closes, oldest first, at least two; the four values are meaningless when the first
        item returned is False.
    a_fast, a_slow, a_signal
        The EMAs' alphas (``2 / (span + 1)``).
    """
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


def _ewm(x: Float64Array, alpha: float) -> Float64Array:
    """The EMA ``y_t = alpha x_t + (1 - alpha) y_(t-1)``, ``y_0 = x_0``, as a linear filter."""
    from scipy.signal import lfilter  # scipy.signal loads in ~0.3 s: only when a test asks

    y, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], x, zi=np.array([(1.0 - alpha) * x[0]]))
    return np.asarray(y, dtype=np.float64)


def macd_tail_reference(
    x: np.ndarray, a_fast: float, a_slow: float, a_signal: float
) -> tuple[bool, float, float, float, float]:
    """Return ``macd_tail(...)`` from whole EMA series (``scipy.signal.lfilter``)."""
    if not all_finite_reference(x):
        return False, 0.0, 0.0, 0.0, 0.0
    line = _ewm(x, a_fast) - _ewm(x, a_slow)
    sig = _ewm(line, a_signal)
    return True, float(line[-2]), float(line[-1]), float(sig[-2]), float(sig[-1])


@jit()
def rsi_tail(x: np.ndarray, alpha: float) -> tuple[bool, float, float]:  # pragma: no cover
    """Return (all finite, RSI at the previous close, RSI at the last close) of ``x``.

    The previous value is NaN when ``x`` has two closes (one difference). No warm-up masking:
    the caller decides from how many closes the RSI counts.

    Parameters
    ----------
    x
        1-d closes, oldest first, at least two.
    alpha
        Wilder's smoothing, ``1 / period``.
    """
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


def rsi_tail_reference(x: np.ndarray, alpha: float) -> tuple[bool, float, float]:
    """Return ``rsi_tail(...)`` from whole smoothed gain and loss series."""
    if not all_finite_reference(x):
        return False, 0.0, 0.0
    d = np.diff(x)
    gain = _ewm(np.maximum(d, 0.0), alpha)
    loss = _ewm(np.maximum(-d, 0.0), alpha)
    total = gain + loss
    rsi = np.where(total > 0.0, 100.0 * gain / np.where(total > 0.0, total, 1.0), 50.0)
    return True, float(rsi[-2]) if rsi.size > 1 else np.nan, float(rsi[-1])


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


def window_tails_reference(
    close: np.ndarray,
    window: int,
    a_fast: float,
    a_slow: float,
    a_signal: float,
    macd_min: int,
    alpha_rsi: float,
    rsi_min: int,
    k_start: int,
) -> np.ndarray:
    """Return ``window_tails(...)`` history by history through the numpy reference tails."""
    n = close.shape[0]
    out = np.full((n + 1 - k_start, 7), np.nan)
    for k in range(k_start, n + 1):
        kept = close[max(0, k - window) : k]
        kept = kept[np.isfinite(kept)]
        m = kept.shape[0]
        out[k - k_start, 0] = m
        if m >= max(macd_min, 2):
            out[k - k_start, 1:5] = macd_tail_reference(kept, a_fast, a_slow, a_signal)[1:]
        if m > rsi_min and m >= 2:
            out[k - k_start, 5:7] = rsi_tail_reference(kept, alpha_rsi)[1:]
    return out
