"""Macro calendar and rates of the synthetic market (FOMC, CPI, PPI; DFF and IRX).

The event calendar is a deterministic function of the dates (calendars are published a year
ahead, so there is nothing random to hide); the fed funds path is a seeded regime process that
moves only at FOMC meetings and cuts to zero in stress.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.calendar.sessions import TradingCalendar
from alvh.market.synthetic_params import SyntheticParams
from alvh.market.synthetic_paths import ar1

# (month, which Wednesday: 1..4, or -1 for the last) of the eight FOMC announcements a year,
# close to the Fed's usual pattern (late Jan, mid Mar, early May, mid Jun, late Jul, mid Sep,
# early Nov, mid Dec).
_FOMC_WEDNESDAYS: tuple[tuple[int, int], ...] = (
    (1, -1),
    (3, 3),
    (5, 1),
    (6, 3),
    (7, -1),
    (9, 3),
    (11, 1),
    (12, 2),
)
CPI_DAY_OF_MONTH = 12
PPI_DAY_OF_MONTH = 14
ZERO_BOUND_PCT = 0.125  # the middle of the 0-0.25% target range


def _nth_wednesday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    first_wed = first + timedelta(days=(2 - first.weekday()) % 7)
    if n > 0:
        return first_wed + timedelta(weeks=n - 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 2) % 7)


def event_dates(
    start: pd.Timestamp, end: pd.Timestamp, cal: TradingCalendar
) -> list[tuple[str, pd.Timestamp, str]]:
    """Return ``(kind, date, time_et)`` of synthetic FOMC, CPI and PPI releases in a range.

    FOMC on fixed Wednesdays (14:00 ET), CPI on the first session on or after the 12th and PPI
    on the first session on or after the 14th that is not the CPI day (both 08:30 ET). Days
    that are not sessions move to the next session.
    """
    out: list[tuple[str, pd.Timestamp, str]] = []
    for year in range(start.year, end.year + 1):
        days: list[tuple[str, pd.Timestamp, str]] = []
        for month, nth in _FOMC_WEDNESDAYS:
            d = cal.next_session(_nth_wednesday(year, month, nth), inclusive=True)
            days.append(("FOMC", d, "14:00"))
        for month in range(1, 13):
            cpi = cal.next_session(date(year, month, CPI_DAY_OF_MONTH), inclusive=True)
            ppi = cal.next_session(date(year, month, PPI_DAY_OF_MONTH), inclusive=True)
            if ppi == cpi:
                ppi = cal.next_session(cpi)
            days.append(("CPI", cpi, "08:30"))
            days.append(("PPI", ppi, "08:30"))
        out.extend(e for e in days if start <= e[1] <= end)
    return sorted(out, key=lambda e: (e[1], e[0]))


def rate_paths(
    sessions: pd.DatetimeIndex,
    fomc_dates: list[pd.Timestamp],
    vix_close: Float64Array,
    p: SyntheticParams,
    rng: np.random.Generator,
) -> tuple[Float64Array, Float64Array]:
    """Return (DFF, IRX) in percent on each session.

    The target moves by 25 bp per FOMC meeting towards a regime level redrawn with probability
    ``1 / (8 * rate_regime_years)`` per meeting (uniform on a 25 bp grid up to
    ``rate_max_pct``); a meeting whose previous VIX close is at least ``rate_stress_vix`` cuts
    by 50 bp towards zero and sets the regime to zero. A new target applies from the session
    after the meeting. DFF is the target plus small noise; IRX anticipates the regime
    (half the gap between regime and target) plus a spread and AR(1) noise.
    """
    n = len(sessions)
    grid = np.arange(0.0, p.rate_max_pct + 1e-9, 0.25)
    grid[0] = ZERO_BOUND_PCT
    n_meet = len(fomc_dates)
    draws = rng.random(n_meet)
    picks = rng.integers(0, len(grid), size=n_meet + 1)
    target = regime = float(grid[picks[-1]])
    target_path = np.empty(n)
    regime_path = np.empty(n)
    sess_ns = sessions.asi8
    meet_idx = np.searchsorted(sess_ns, pd.DatetimeIndex(fomc_dates).asi8).tolist()
    p_switch = 1.0 / (8.0 * p.rate_regime_years)
    prev = 0
    for k, i in enumerate(meet_idx):
        # Decision at 14:00 on session i, in force from session i + 1.
        target_path[prev : i + 1] = target
        regime_path[prev : i + 1] = regime
        prev = i + 1
        vix_prev = vix_close[i - 1] if i > 0 else vix_close[0]
        if vix_prev >= p.rate_stress_vix:
            regime = ZERO_BOUND_PCT
            target = max(ZERO_BOUND_PCT, target - 0.5)
            continue
        if draws[k] < p_switch:
            regime = float(grid[picks[k]])
        if abs(regime - target) > 1e-9:
            step = 0.25 if target != ZERO_BOUND_PCT or regime <= ZERO_BOUND_PCT else 0.125
            target += math.copysign(min(step, abs(regime - target)), regime - target)
    target_path[prev:] = target
    regime_path[prev:] = regime
    dff = np.maximum(target_path + p.rate_noise_pct * rng.standard_normal(n), 0.04)
    anticipation = np.clip(0.5 * (regime_path - target_path), -0.5, 0.5)
    irx = target_path + anticipation + p.irx_spread_pct + ar1(n, 0.95, 0.05, rng)
    return dff.round(2), np.maximum(irx, 0.0).round(2)
