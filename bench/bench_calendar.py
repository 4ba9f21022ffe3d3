"""Calendar hot paths: scalar session lookups and the SPXW DTE-window lookup.

Baseline in the same run: the same lookup done with ``np.searchsorted`` on the int64 array and
``pd.Timestamp(day).normalize()`` (the previous implementation).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from alvh.calendar.expiries import expiries_in_dte_window, expiry_schedule
from alvh.calendar.sessions import trading_calendar


def _per_call_us(fn, args: list, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for a in args:
            fn(a)
        best = min(best, time.perf_counter() - t0)
    return best / len(args) * 1e6


def run() -> list[dict]:
    cal = trading_calendar("XNYS")
    days = list(cal.sessions_in_range("2005-01-01", "2024-12-31"))
    arr = cal.sessions_ns

    def baseline_previous(day: pd.Timestamp) -> pd.Timestamp:
        v = pd.Timestamp(day).normalize().value
        return pd.Timestamp(int(arr[int(np.searchsorted(arr, v, side="right")) - 1]))

    base = _per_call_us(baseline_previous, days)
    rows = []
    for name, fn in (
        ("previous_session", cal.previous_session),
        ("next_session", cal.next_session),
        ("is_session", cal.is_session),
        ("add_sessions(+2)", lambda d: cal.add_sessions(d, 2)),
    ):
        us = _per_call_us(fn, days)
        rows.append(
            {
                "name": name,
                "us_per_call": round(us, 2),
                "vs_searchsorted_baseline": round(us / base, 2),
            }
        )
    rows.append({"name": "baseline searchsorted previous", "us_per_call": round(base, 2)})

    t0 = time.perf_counter()
    expiry_schedule.cache_clear()
    expiry_schedule("spxw")
    rows.append(
        {"name": "build spxw schedule 1990-2034", "seconds": round(time.perf_counter() - t0, 3)}
    )
    us = _per_call_us(lambda d: expiries_in_dte_window(d, 7, 21, "spxw"), days)
    rows.append({"name": "expiries_in_dte_window(7,21,spxw)", "us_per_call": round(us, 2)})
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
