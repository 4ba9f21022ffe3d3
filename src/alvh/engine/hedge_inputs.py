"""Cheap per-session pieces of the ALVH rule's inputs (``alvh.engine.alvh_hedge``).

Two things are read every session but change little: the trading sessions after today with
the macro events known in that window (``UpcomingEvents``: the calendar and the events table
sorted once per run, then two binary searches a session), and the candidate hedge quotes
(``LazyQuotes``: priced only on the sessions whose decision reads them, i.e. that buy or roll).
Neither changes what the rule sees: the events are filtered by ``known_at`` at the decision
time exactly as the snapshot would, and the quotes are built from the same snapshot's market.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import overload

import numpy as np
import pandas as pd

from alvh.calendar.sessions import trading_calendar
from alvh.config.hedge import TriggerConfig
from alvh.market.data import MarketData
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.state import MomentumTails
from alvh.strategy.hedge.triggers import macd_tails, rsi_tails

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


class MomentumTable:
    """The MACD and RSI rules' numbers for every session of a run, computed once.

    Each session's rules read the last ``window`` known closes (finite ones); a table row per
    count of known bars holds what they would compute from them (``macd_tails``, ``rsi_tails``:
    the same compiled arithmetic), and a session looks its row up by the bars its snapshot
    knows (``known_at <= as_of``, the snapshot's own rule), so no later close is ever read.

    Parameters
    ----------
    data
        The run's market.
    cfg
        The hedge's trigger settings (spans, period, the RSI symbol).
    window
        Closes the rules read (the last ``window`` known).
    """

    def __init__(self, data: MarketData, cfg: TriggerConfig, window: int) -> None:
        self._window = window
        bars = data.tables["index_bars"]
        self._series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for sym in {"VIX", cfg.rsi_symbol.upper()}:
            g = bars[bars["symbol"] == sym].sort_values("date", kind="mergesort")
            known = g["known_at"].to_numpy("datetime64[ns]").view("int64")
            self._series[sym] = (known, g["close"].to_numpy(np.float64))
        _, vix = self._series["VIX"]
        alphas = (2.0 / (cfg.macd_fast + 1.0), 2.0 / (cfg.macd_slow + 1.0))
        self._macd = macd_tails(vix, window, *alphas, 2.0 / (cfg.macd_signal + 1.0))
        self._rsi_symbol = cfg.rsi_symbol.upper()
        _, rc = self._series[self._rsi_symbol]
        self._rsi = rsi_tails(rc, window, 1.0 / cfg.rsi_period) if cfg.rsi_period >= 1 else None

    def known_bars(self, symbol: str, as_of_ns: int) -> int:
        """Return how many bars of ``symbol`` (VIX or the RSI symbol) are known at ``as_of``."""
        return int(self._series[symbol][0].searchsorted(as_of_ns, side="right"))

    def at(self, as_of_ns: int) -> MomentumTails | None:
        """Return the rules' numbers for a snapshot taken at ``as_of_ns`` (None: no RSI)."""
        if self._rsi is None:
            return None
        k = self.known_bars("VIX", as_of_ns)
        j = self.known_bars(self._rsi_symbol, as_of_ns)
        m = self._macd[1][k]
        r = self._rsi[1][j]
        return MomentumTails(
            int(self._macd[0][k]),
            (float(m[0]), float(m[1]), float(m[2]), float(m[3])),
            int(self._rsi[0][j]),
            (float(r[0]), float(r[1])),
        )
