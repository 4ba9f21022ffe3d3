"""Cheap per-session pieces of the ALVH rule's inputs (``alvh.engine.alvh_hedge``).

Two things are read every session but change little: the trading sessions after today with
the macro events known in that window (``UpcomingEvents``: the calendar and the events table
sorted once per run, then two binary searches a session), and the candidate hedge quotes
(``LazyQuotes``: priced only on the sessions whose decision reads them, i.e. that buy or roll;
``LazyMapping`` does the same for the cap use per held symbol, which only a roll reads).
Neither changes what the rule sees: the events are filtered by ``known_at`` at the decision
time exactly as the snapshot would, and the quotes are built from the same snapshot's market.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import TypeVar, overload

import pandas as pd

from alvh.calendar.sessions import trading_calendar
from alvh.strategy.hedge.instruments import InstrumentQuote

V = TypeVar("V")
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


class UpcomingEvents:
    """The sessions after a day and the macro events known in that window.

    Parameters
    ----------
    events
        The ``events`` table: ``date``, ``kind`` and ``known_at`` columns (None: no events).
    """

    def __init__(self, events: pd.DataFrame | None = None) -> None:
        if events is None:
            self._date_ns: list[int] = []
            self._rows: list[tuple[int, date, str]] = []
            return
        date_ns = events["date"].to_numpy("datetime64[ns]").view("int64").tolist()
        known_ns = events["known_at"].to_numpy("datetime64[ns]").view("int64").tolist()
        kinds = events["kind"].astype(str).tolist()
        # Sorted by (date, kind) as the rule lists them; ties keep any order (same output).
        rows = sorted(zip(date_ns, kinds, known_ns, strict=True))
        self._date_ns = [r[0] for r in rows]
        self._rows = [(r[2], _date_of_ns(r[0]), r[1]) for r in rows]

    def next_sessions(self, today: pd.Timestamp, n: int) -> tuple[date, ...]:
        """Return the ``n`` NYSE sessions after ``today``, as ``add_sessions(today, 1..n)``."""
        keys, dates = _xnys_sessions()
        i = bisect.bisect_right(keys, today.value)
        if i == 0 or i + n > len(keys):  # at the calendar's edges: its own errors
            cal = trading_calendar("XNYS")
            return tuple(cal.add_sessions(today, k).date() for k in range(1, n + 1))
        return dates[i : i + n]

    def known_between(
        self, after: pd.Timestamp, upto: date, as_of: pd.Timestamp
    ) -> tuple[tuple[date, str], ...]:
        """Return ``(date, kind)`` of events with ``after < date <= upto`` known at ``as_of``.

        ``upto`` is a day: events on it count whatever their time of day, as the midnight
        comparison of the rule's window does for the (midnight) dates of the events table.
        """
        upto_ns = (upto.toordinal() - _EPOCH_ORDINAL) * _NS_PER_DAY
        lo = bisect.bisect_right(self._date_ns, after.value)
        hi = bisect.bisect_right(self._date_ns, upto_ns, lo)
        cut = as_of.value
        return tuple((d, k) for known, d, k in self._rows[lo:hi] if known <= cut)


class LazyQuotes(Sequence[InstrumentQuote]):
    """Today's hedge quotes, priced on first use.

    Pricing every candidate (six VX futures, six VIX calls solved by delta, the ETF) costs more
    than the rest of a quiet session's decision, and only sessions that buy or roll read them.

    Parameters
    ----------
    build
        Returns the quotes; called at most once.
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], list[InstrumentQuote]]) -> None:
        self._build: Callable[[], list[InstrumentQuote]] | None = build
        self._items: tuple[InstrumentQuote, ...] = ()

    @property
    def built(self) -> bool:
        """Whether the quotes were priced."""
        return self._build is None

    def _get(self) -> tuple[InstrumentQuote, ...]:
        if self._build is not None:
            self._items = tuple(self._build())
            self._build = None
        return self._items

    @overload
    def __getitem__(self, i: int) -> InstrumentQuote: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[InstrumentQuote]: ...
    def __getitem__(self, i: int | slice) -> InstrumentQuote | Sequence[InstrumentQuote]:
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[InstrumentQuote]:
        return iter(self._get())


class LazyMapping(Mapping[str, V]):
    """A mapping built on first read (``BookExposure.held_unit_use``: only rolls read it).

    Parameters
    ----------
    build
        Returns the items; called at most once.
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], dict[str, V]]) -> None:
        self._build: Callable[[], dict[str, V]] | None = build
        self._items: dict[str, V] = {}

    def _get(self) -> dict[str, V]:
        if self._build is not None:
            self._items = self._build()
            self._build = None
        return self._items

    def __getitem__(self, key: str) -> V:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
