"""Technical indicators the hedge triggers read: EMA, MACD, RSI (Wilder), realised vol.

Vectorised numpy (the EMA recursion runs through ``scipy.signal.lfilter``, a C loop). Each is
pinned in tests to a plain pandas implementation: ``Series.ewm(span=n, adjust=False).mean()`` for
the EMA and ``ewm(alpha=1/n, adjust=False)`` for Wilder smoothing.

Inputs must be finite 1-d series ordered oldest first; outputs have the same length, with NaN
where the indicator is not yet defined (``min_periods`` of the pandas reference).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from alvh._typing import ArrayLike, Float64Array


def _series(x: ArrayLike, name: str) -> Float64Array:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (drop missing values before computing)")
    return a


def ewm_alpha(x: ArrayLike, alpha: float) -> Float64Array:
    """Return the recursive exponential average ``y_t = alpha x_t + (1 - alpha) y_(t-1)``.

    Seeded with ``y_0 = x_0`` (pandas ``adjust=False``).

    Parameters
    ----------
    x
        Finite 1-d series, oldest first.
    alpha
        Smoothing factor in (0, 1].
    """
    a = _series(x, "x")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if a.size == 0:
        return a.copy()
    # Imported on first use: scipy.signal costs about 0.3 s to load, and a backtest's MACD and
    # RSI come from the compiled window tails of ``alvh.kernel.indicators``, not from here.
    from scipy.signal import lfilter

    # lfilter with zi chosen so the first output equals x_0.
    zi = np.array([(1.0 - alpha) * a[0]])
    y, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], a, zi=zi)
    return np.asarray(y, dtype=np.float64)


def ema(x: ArrayLike, span: int) -> Float64Array:
    """Return the exponential moving average with ``alpha = 2 / (span + 1)``, seeded at ``x_0``."""
    if span < 1:
        raise ValueError(f"span must be >= 1, got {span}")
    return ewm_alpha(x, 2.0 / (span + 1.0))


class Macd(NamedTuple):
    """MACD line (fast EMA - slow EMA), its signal EMA and the histogram (line - signal)."""

    line: Float64Array
    signal: Float64Array
    histogram: Float64Array


def macd(x: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> Macd:
    """Return MACD(fast, slow, signal) of a series.

    Parameters
    ----------
    x
        Finite 1-d series (e.g. VIX closes), oldest first.
    fast, slow, signal
        EMA spans; ``fast < slow``.
    """
    if not fast < slow:
        raise ValueError(f"MACD needs fast < slow, got fast={fast}, slow={slow}")
    line = ema(x, fast) - ema(x, slow)
    sig = ema(line, signal)
    return Macd(line, sig, line - sig)


Crossover = Literal["bullish", "bearish", "none"]


def macd_crossover(line: ArrayLike, signal: ArrayLike) -> Crossover:
    """Return the crossover of ``line`` through ``signal`` between the last two points.

    ``"bullish"`` when the line was at or below the signal and is now above it, ``"bearish"``
    for the reverse, ``"none"`` otherwise (including fewer than two points).
    """
    ln = np.asarray(line, dtype=np.float64)
    sg = np.asarray(signal, dtype=np.float64)
    if ln.size < 2 or sg.size < 2:
        return "none"
    return crossover_of_gaps(float(ln[-2] - sg[-2]), float(ln[-1] - sg[-1]))


def crossover_of_gaps(prev_gap: float, now_gap: float) -> Crossover:
    """Return the crossover that the gaps ``line - signal`` at the last two points make
    (what :func:`macd_crossover` decides, for a caller that has only the last two points)."""
    if prev_gap <= 0.0 < now_gap:
        return "bullish"
    if prev_gap >= 0.0 > now_gap:
        return "bearish"
    return "none"


def rsi(x: ArrayLike, period: int = 14) -> Float64Array:
    """Return the relative strength index with Wilder smoothing (``alpha = 1 / period``).

    Gains and losses of the first differences are smoothed by ``ewm(alpha=1/period,
    adjust=False)`` seeded at the first difference; the first ``period`` values are NaN (not
    enough history). A window with no losses gives 100, with neither gains nor losses 50.

    Parameters
    ----------
    x
        Finite 1-d series, oldest first.
    period
        Wilder period (14 by convention).
    """
    a = _series(x, "x")
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    out = np.full(a.size, np.nan)
    if a.size < 2:
        return out
    d = np.diff(a)
    gain = ewm_alpha(np.maximum(d, 0.0), 1.0 / period)
    loss = ewm_alpha(np.maximum(-d, 0.0), 1.0 / period)
    total = gain + loss
    # RSI = 100 * gain / (gain + loss), the same as 100 - 100 / (1 + RS) without dividing by 0.
    val = np.where(total > 0.0, 100.0 * gain / np.where(total > 0.0, total, 1.0), 50.0)
    out[1:] = val
    out[:period] = np.nan
    return out


def realised_vol(x: ArrayLike, window: int = 21, periods_per_year: float = 252.0) -> Float64Array:
    """Return annualised close-to-close realised volatility (decimal) over a rolling window.

    ``sqrt(periods_per_year) * std(log returns, ddof=1)`` over the last ``window`` returns; NaN
    until ``window`` returns exist.

    Parameters
    ----------
    x
        Finite positive 1-d price series, oldest first.
    window
        Number of returns in each window (>= 2).
    periods_per_year
        Annualisation (252 trading sessions).
    """
    a = _series(x, "x")
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    if np.any(a <= 0.0):
        raise ValueError("realised vol needs positive prices")
    out = np.full(a.size, np.nan)
    r = np.diff(np.log(a))
    if r.size < window:
        return out
    w = np.lib.stride_tricks.sliding_window_view(r, window)
    out[window:] = np.sqrt(periods_per_year) * w.std(axis=1, ddof=1)
    return out
