"""The macro events of one ``MarketData`` by date, sorted once: ``EventsIndex``.

The hedge asks every session which scheduled events (FOMC, CPI, ...) fall in the next few
sessions. Filtering the events table each session costs more than the question, so the rows
are sorted by ``(date, kind)`` once and a session finds its window by two binary searches.

Point in time: :meth:`EventsIndex.known_between` keeps only the rows whose ``known_at`` is at
or before the cutoff it is given; ``MarketSnapshot.upcoming_sessions_and_events`` gives its
``as_of`` and is the only caller.
"""

from __future__ import annotations

import bisect
from datetime import date
from functools import lru_cache

import pandas as pd

from alvh.calendar.sessions import trading_calendar

__all__ = ["EventsIndex"]

_NS_PER_DAY = 86_400_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _date_of_ns(ns: int) -> date:
    """Return the calendar date of a naive timestamp in nanoseconds (``Timestamp(ns).date()``)."""
    return date.fromordinal(_EPOCH_ORDINAL + ns // _NS_PER_DAY)


@lru_cache(maxsize=1)
def _xnys_sessions() -> tuple[tuple[int, ...], tuple[date, ...]]:
    """Return the NYSE sessions as midnight nanoseconds and as dates (built once a process)."""
    keys = tuple(int(v) for v in trading_calendar("XNYS").sessions_ns.tolist())
    return keys, tuple(_date_of_ns(v) for v in keys)


class EventsIndex:
    """The events table sorted by date, for windows of upcoming sessions.

    Parameters
    ----------
    events
        The ``events`` table: ``date``, ``kind`` and ``known_at`` columns.
    """

    __slots__ = ("_date_ns", "_rows")

    def __init__(self, events: pd.DataFrame) -> None:
        date_ns = events["date"].to_numpy("datetime64[ns]").view("int64").tolist()
        known_ns = events["known_at"].to_numpy("datetime64[ns]").view("int64").tolist()
        kinds = events["kind"].astype(str).tolist()
        # Sorted by (date, kind) as the rule lists them; ties keep any order (same output).
        rows = sorted(zip(date_ns, kinds, known_ns, strict=True))
        self._date_ns: list[int] = [r[0] for r in rows]
        self._rows: list[tuple[int, date, str]] = [(r[2], _date_of_ns(r[0]), r[1]) for r in rows]

    @staticmethod
    def next_sessions(today_ns: int, n: int) -> tuple[date, ...]:
        """Return the ``n`` NYSE sessions after the day of ``today_ns`` (a midnight), as
        ``add_sessions(today, 1..n)`` does (the calendar is known in advance)."""
        keys, dates = _xnys_sessions()
        i = bisect.bisect_right(keys, today_ns)
        if i == 0 or i + n > len(keys):  # at the calendar's edges: its own errors
            cal = trading_calendar("XNYS")
            today = pd.Timestamp(today_ns)
            return tuple(cal.add_sessions(today, k).date() for k in range(1, n + 1))
        return dates[i : i + n]

    def known_between(
        self, after_ns: int, upto: date, cutoff_ns: int
    ) -> tuple[tuple[date, str], ...]:
        """Return ``(date, kind)`` of events with ``after < date <= upto`` and
        ``known_at <= cutoff``.

        ``upto`` is a day: events on it count whatever their time of day, as the midnight
        comparison of the rule's window does for the (midnight) dates of the events table.
        """
        upto_ns = (upto.toordinal() - _EPOCH_ORDINAL) * _NS_PER_DAY
        lo = bisect.bisect_right(self._date_ns, after_ns)
        hi = bisect.bisect_right(self._date_ns, upto_ns, lo)
        return tuple((d, k) for known, d, k in self._rows[lo:hi] if known <= cutoff_ns)
