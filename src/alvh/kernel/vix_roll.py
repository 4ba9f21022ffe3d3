"""The daily loop of the S&P 500 VIX Short-Term Futures Index roll, compiled.

:mod:`alvh.market.vixetf` states the rule (S&P's methodology) and prepares the inputs as flat
int64 nanosecond and float arrays; this loop walks the sessions: which two monthly VX contracts
are held, the front weight ``min(dr / dt, 1)`` set at each close, the excess return of
yesterday's weights at today's settlements, and the T-bill return. Times are integers
(nanoseconds since the epoch, session positions); no dates.

Compiled because a 2006-2026 panel (5,213 sessions) takes 0.63 s as plain Python and 0.10 s
compiled (the whole ``compute_vix_st_index``, measured in docs/kernel.md), once per hedged
backtest. Its reference is the pandas implementation of the rule in
tests/market/test_vixetf.py (``reference_index``: pivot, forward-fill, searchsorted per day),
which the compiled loop and its plain-Python ``py_func`` both meet to rtol 1e-12.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.kernel._numba import jit

__all__ = [
    "EMPTY_ROLL_PERIOD",
    "FEW_CONTRACTS",
    "NEED_PRIOR_SETTLEMENT",
    "NO_NEXT_SESSION",
    "NO_SETTLE",
    "NO_TBILL",
    "OK",
    "RollDays",
    "RollPanel",
    "RollResult",
    "daily_loop",
    "settle_at",
]

NS_PER_DAY: Final = 86_400_000_000_000


class RollPanel(NamedTuple):
    """The settlements the daily loop reads: one entry per (expiry, day) with a settle."""

    exp_ns: Int64Array  # every expiry of the table, sorted
    seen_ns: Int64Array  # first day each expiry appears in the table (listed from then on)
    exp_session: Int64Array  # CBOE sessions before each expiry (searchsorted, left)
    col_start: Int64Array  # entries of expiry j are [col_start[j], col_start[j + 1])
    entry_day_ns: Int64Array  # days with a settle, sorted within each expiry
    entry_settle: Float64Array  # last non-NaN settle of that expiry on that day


class RollDays(NamedTuple):
    """Per-session inputs of the daily loop, searched for all sessions at once."""

    day_ns: Int64Array
    next_session: Int64Array  # position of the next CBOE session (== count means none)
    first_after_next: Int64Array  # first expiry settling after the next session
    tbill_known: Int64Array  # T-bill rates dated on or before each day (empty: no T-bill)


class RollResult(NamedTuple):
    """Arrays the daily loop fills; front and second are positions in ``RollPanel.exp_ns``."""

    front: Int64Array
    second: Int64Array
    weight_front: Float64Array
    er_return: Float64Array
    tbill_return: Float64Array
    stale: Int64Array


# Outcome codes of ``daily_loop``; the caller (alvh.market.vixetf) turns each into an error.
OK: Final = 0
NO_NEXT_SESSION: Final = 1
FEW_CONTRACTS: Final = 2
NEED_PRIOR_SETTLEMENT: Final = 3
EMPTY_ROLL_PERIOD: Final = 4
NO_SETTLE: Final = 5
NO_TBILL: Final = 6


@jit()
def settle_at(panel: RollPanel, j: int, day_ns: int) -> tuple[float, bool]:
    """Return expiry ``j``'s settle carried forward to ``day_ns`` and whether it is that day's."""
    lo, hi = panel.col_start[j], panel.col_start[j + 1]
    days = panel.entry_day_ns
    start = lo
    while lo < hi:  # first entry after day_ns
        mid = (lo + hi) // 2
        if days[mid] <= day_ns:
            lo = mid + 1
        else:
            hi = mid
    if lo == start:
        return np.nan, False
    return panel.entry_settle[lo - 1], days[lo - 1] == day_ns


@jit()
def daily_loop(
    k0: int,
    days: RollDays,
    panel: RollPanel,
    prior_session: Int64Array,
    tbill_pct: Float64Array,
    n_sessions: int,
    out: RollResult,
) -> tuple[int, int, int]:
    """Fill ``out`` for sessions ``k0..``; return (code, session, detail), code ``OK`` when done.

    The same steps, in the same order and float arithmetic, as ``_roll_weights_ns`` plus the
    reference daily loop (kept in tests/market/test_vixetf.py), so results are bit-identical.
    ``prior_session[j]`` is the session position of the CFE settlement before expiry ``j``
    (-1: not computed yet; the loop returns ``NEED_PRIOR_SETTLEMENT`` with ``j`` to ask).
    """
    exp_ns, seen_ns = panel.exp_ns, panel.seen_ns
    n_exp = exp_ns.shape[0]
    for k in range(k0, days.day_ns.shape[0]):
        day_ns = days.day_ns[k]
        i_next = days.next_session[k]
        if i_next >= n_sessions:
            return NO_NEXT_SESSION, k, 0
        # front and second: the first two expiries known (listed) by today settling after the
        # next session; the roll period starts at the latest known settlement before the front
        front = second = -1
        found = 0
        i = days.first_after_next[k]
        while i < n_exp and found < 2:
            if seen_ns[i] <= day_ns:
                if found == 0:
                    front = i
                else:
                    second = i
                found += 1
            i += 1
        if found < 2:
            return FEW_CONTRACTS, k, found
        i = front - 1
        while i >= 0 and seen_ns[i] > day_ns:
            i -= 1
        if i >= 0:
            i_prev = panel.exp_session[i]
        else:
            i_prev = prior_session[front]
            if i_prev < 0:
                return NEED_PRIOR_SETTLEMENT, k, front
        i_front = panel.exp_session[front]
        dt = i_front - i_prev
        dr = i_front - i_next
        if dt == 0:
            return EMPTY_ROLL_PERIOD, k, 0
        ratio = dr / dt
        out.front[k], out.second[k] = front, second
        out.weight_front[k] = 1.0 if ratio > 1.0 else ratio  # min(ratio, 1.0)
        if k == 0:
            continue
        prev_ns = days.day_ns[k - 1]
        w_prev = out.weight_front[k - 1]
        total_now = total_then = 0.0
        for leg in range(2):
            j = out.front[k - 1] if leg == 0 else out.second[k - 1]
            wt = w_prev if leg == 0 else 1.0 - w_prev
            if wt == 0.0:
                continue
            p_now, fresh = settle_at(panel, j, day_ns)
            p_then = settle_at(panel, j, prev_ns)[0]
            if not (np.isfinite(p_now) and np.isfinite(p_then)):
                return NO_SETTLE, k, j
            if not fresh:
                out.stale[k] += 1
            total_now += wt * p_now
            total_then += wt * p_then
        out.er_return[k] = total_now / total_then - 1.0
        if days.tbill_known.shape[0] > 0:
            i_tb = days.tbill_known[k - 1]
            if i_tb == 0:
                return NO_TBILL, k, 0
            tbar = float(tbill_pct[i_tb - 1]) / 100.0
            n_days = (day_ns - prev_ns) // NS_PER_DAY
            out.tbill_return[k] = (1.0 / (1.0 - 91.0 / 360.0 * tbar)) ** (n_days / 91.0) - 1.0
    return OK, days.day_ns.shape[0], 0
