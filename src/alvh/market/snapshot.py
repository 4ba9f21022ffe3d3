"""``MarketSnapshot(as_of)``: the only view of the market that rules get.

It shows every row whose ``known_at`` is at or before ``as_of`` and nothing after. Access is by
binary search over arrays sorted by ``known_at``, so a snapshot costs microseconds to build and
the daily loop can make one per session.

It is the only door to the past: the per-data indexes over history that make the daily hedge
fast (the VX curve by day, ``vx_curve_day``; close-history tails such as the MACD and RSI,
``close_tail``; the events of the next sessions, ``upcoming_sessions_and_events``; the modelled
VIX-futures ETF, ``etf_bar``) are built once per ``MarketData`` and reached only through these
methods, which give each the snapshot's cutoff (docs/data.md lists every method and its rule).
The snapshot imports nothing of ``alvh.market.data``: what it reads of a ``MarketData`` is the
``MarketSource`` protocol below (data makes snapshots, not the other way round).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd

from alvh.errors import NoDataError
from alvh.market.curve_index import DAY_NS, VxCurveDay, VxCurveIndex
from alvh.market.etf_series import EtfBar, EtfSeries
from alvh.market.events_index import EventsIndex
from alvh.market.history_index import HistoryIndex, TailBuilder
from alvh.market.memo import SharedMemo


@dataclass(frozen=True)
class BarSeries:
    """One index symbol as aligned numpy arrays, sorted by date (== by known_at)."""

    dates_ns: np.ndarray  # int64
    known_ns: np.ndarray  # int64, non-decreasing
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray


class MarketSource(Protocol):
    """What a snapshot reads of its ``alvh.market.data.MarketData``: the tables sorted by
    known_at and the per-data indexes over history (each read with the snapshot's cutoff)."""

    _by_known: dict[str, pd.DataFrame]
    _known_ns: dict[str, np.ndarray]
    _rates: dict[str, tuple[np.ndarray, np.ndarray]]
    _series: dict[str, BarSeries]
    _vx_block_start: np.ndarray
    _vx_expiry_ns: np.ndarray
    _vx_settle: np.ndarray
    _vx_date_ns: np.ndarray
    _vx_contract: np.ndarray
    _history: HistoryIndex

    @property
    def _vx_curves(self) -> VxCurveIndex: ...
    @property
    def _events(self) -> EventsIndex: ...
    @property
    def _etf(self) -> tuple[EtfSeries | None, str]: ...
    @property
    def _surfaces(self) -> dict[Hashable, Any]: ...
    @property
    def shared(self) -> SharedMemo: ...
    @property
    def etf_note(self) -> str: ...
    def _require(self, symbol: str) -> BarSeries: ...


class MarketSnapshot:
    """Everything known at or before ``as_of``.

    Parameters
    ----------
    data
        The market data.
    as_of
        Naive US/Eastern timestamp, e.g. ``2020-03-16 16:15``.
    """

    __slots__ = ("_as_of_ns", "_cut", "_nk", "_rate", "as_of", "data")

    def __init__(self, data: MarketSource, as_of: pd.Timestamp) -> None:
        self.data = data
        self.as_of = as_of
        self._as_of_ns = int(as_of.value)
        self._cut: dict[str, int] = {}
        self._nk: dict[str, tuple[BarSeries, int]] = {}  # bars known, by symbol (memoised)
        self._rate: dict[str, float] = {}  # rate_pct by series (the surface and the cash ask)

    # -- generic --------------------------------------------------------------------------
    def _cutoff(self, table: str) -> int:
        k = self._cut.get(table)
        if k is None:
            k = int(np.searchsorted(self.data._known_ns[table], self._as_of_ns, side="right"))
            self._cut[table] = k
        return k

    def known(self, table: str) -> pd.DataFrame:
        """Return the rows of a canonical table known at ``as_of`` (sorted by known_at)."""
        return self.data._by_known[table].iloc[: self._cutoff(table)]

    # -- index bars -----------------------------------------------------------------------
    def _n_known(self, symbol: str) -> tuple[BarSeries, int]:
        hit = self._nk.get(symbol)
        if hit is None:
            s = self.data._require(symbol)
            hit = (s, int(s.known_ns.searchsorted(self._as_of_ns, side="right")))
            self._nk[symbol] = hit
        return hit

    def last_bar(self, symbol: str) -> tuple[int, float] | None:
        """Return (date as int64 ns, close) of the latest known bar, None if none is known.

        The cheap form of ``last_date`` and ``close`` for per-session hot paths.
        """
        if symbol not in self.data._series:
            return None
        s, n = self._n_known(symbol)
        if n == 0:
            return None
        return int(s.dates_ns[n - 1]), float(s.close[n - 1])

    def known_count(self, symbol: str) -> int:
        """Return how many bars of ``symbol`` are known (the first ones in date order).

        Raises
        ------
        NoDataError
            If the data has no bars of ``symbol``.
        """
        return self._n_known(symbol)[1]

    def has(self, symbol: str) -> bool:
        """Return whether at least one bar of ``symbol`` is known."""
        if symbol not in self.data._series:
            return False
        return self._n_known(symbol)[1] > 0

    def close(self, symbol: str) -> float:
        """Return the latest known close of ``symbol``.

        Raises
        ------
        NoDataError
            If no close of ``symbol`` is known at ``as_of``.
        """
        s, n = self._n_known(symbol)
        if n == 0:
            raise NoDataError(f"no {symbol} close known at {self.as_of}")
        return float(s.close[n - 1])

    def last_date(self, symbol: str = "SPX") -> pd.Timestamp:
        """Return the date of the latest known bar of ``symbol``."""
        s, n = self._n_known(symbol)
        if n == 0:
            raise NoDataError(f"no {symbol} bar known at {self.as_of}")
        return pd.Timestamp(int(s.dates_ns[n - 1]))

    def history(self, symbol: str, n: int | None = None, field: str = "close") -> pd.Series:
        """Return the last ``n`` known values of ``field`` for ``symbol`` (all when None)."""
        s, k = self._n_known(symbol)
        lo = 0 if n is None else max(0, k - n)
        values = getattr(s, field)[lo:k]
        idx = pd.DatetimeIndex(s.dates_ns[lo:k].view("datetime64[ns]"), name="date")
        return pd.Series(values, index=idx, name=symbol)

    def closes(self, symbol: str, n: int) -> np.ndarray:
        """Return the last ``n`` known closes as a float array (fewer if not known yet)."""
        s, k = self._n_known(symbol)
        return s.close[max(0, k - n) : k]

    def close_tail(self, symbol: str, key: Hashable, build: TailBuilder) -> Any:
        """Return ``build``'s row for the known close history of ``symbol``.

        ``build(known_closes, k_from)`` returns one row per history ``known_closes[:k]``,
        ``k_from <= k <= len(known_closes)`` (e.g. an indicator's last values over the last
        ``n`` closes); rows are kept in the data's history index under ``(symbol, key)``, so
        ``key`` must name the builder and all its parameters. The builder only ever gets the
        closes known at ``as_of`` (at most: a later snapshot extends the rows from its own).

        Raises
        ------
        NoDataError
            If the data has no bars of ``symbol``.
        """
        s, k = self._n_known(symbol)
        return self.data._history.tails(symbol, s.close, key, build).row(k)

    # -- VX futures -----------------------------------------------------------------------
    def vx_curve(self) -> pd.DataFrame:
        """Return the latest known day of VX settlements: date, contract, expiry, settle, ...

        Rows are sorted by expiry (the index is reset).
        """
        k = self._cutoff("vx_settlements")
        if k == 0:
            raise NoDataError(f"no VX settlements known at {self.as_of}")
        start = int(self.data._vx_block_start[k - 1])
        return self.data._by_known["vx_settlements"].iloc[start:k].reset_index(drop=True)

    def vx_front_settles(self, after: pd.Timestamp, n: int = 2) -> np.ndarray:
        """Return the latest known settlements of the first ``n`` VX contracts expiring after
        ``after`` (VX1, VX2, ...), NaN where the curve has fewer; array reads, no frame."""
        out = np.full(n, np.nan)
        k = self._cutoff("vx_settlements")
        if k == 0:
            return out
        start = int(self.data._vx_block_start[k - 1])
        exp = self.data._vx_expiry_ns[start:k]  # sorted: a day's block is ordered by expiry
        after_ns = after.value if isinstance(after, pd.Timestamp) else pd.Timestamp(after).value
        j = start + int(exp.searchsorted(after_ns, side="right"))
        settle = self.data._vx_settle[j : min(j + n, k)]
        out[: settle.shape[0]] = settle
        return out

    def vx_curve_arrays(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Return the rows of :meth:`vx_curve` as arrays, without building a frame.

        Returns
        -------
        tuple
            (curve date as int64 ns, contract codes, expiries as int64 ns, settles), the arrays
            sorted by expiry; read-only views of the data.

        Raises
        ------
        NoDataError
            If no VX settlement is known at ``as_of``.
        """
        k = self._cutoff("vx_settlements")
        if k == 0:
            raise NoDataError(f"no VX settlements known at {self.as_of}")
        d = self.data
        start = int(d._vx_block_start[k - 1])
        return (
            int(d._vx_date_ns[start]),
            d._vx_contract[start:k],
            d._vx_expiry_ns[start:k],
            d._vx_settle[start:k],
        )

    def vx_curve_day(self) -> VxCurveDay:
        """Return the latest known VX curve as maps (code -> (expiry ns, settle), expiry ns ->
        settle) and the VX1, VX2 settles, rows with a missing or non-positive settle dropped;
        ``curve_ns`` None when no settlement is known. Built once per day of the data
        (``alvh.market.curve_index``); the maps are shared: read them, do not change them."""
        return self.data._vx_curves.curve(self._cutoff("vx_settlements"))

    def etf_bar(self) -> EtfBar | None:
        """Return the modelled VIX-futures ETF on the latest known VX settlement date (its
        price, front weight and the expiries it holds), None when no settlement is known or
        the series cannot be built (``MarketData.etf_note`` says why)."""
        curve_ns = self.vx_curve_day().curve_ns
        series = self.data._etf[0]
        if curve_ns is None or series is None:
            return None
        return series.at(curve_ns)

    # -- rates and events -----------------------------------------------------------------
    def rate_pct(self, series: str = "IRX") -> float:
        """Return the latest known value of a rate series, in percent."""
        pct = self._rate.get(series)
        if pct is None:
            arrays = self.data._rates.get(series)
            n = 0 if arrays is None else int(arrays[0].searchsorted(self._as_of_ns, side="right"))
            if n == 0:
                raise NoDataError(f"no {series} rate known at {self.as_of}")
            pct = self._rate[series] = float(arrays[1][n - 1])  # type: ignore[index]
        return pct

    def events_between(
        self, start: pd.Timestamp, end: pd.Timestamp, kinds: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """Return known events with ``start <= date <= end`` (optionally of some kinds)."""
        known = self.known("events")
        mask = (known["date"] >= start) & (known["date"] <= end)
        if kinds is not None:
            mask &= known["kind"].isin(kinds)
        return known[mask].sort_values(["date", "kind"], kind="mergesort")

    def upcoming_sessions_and_events(
        self, n: int
    ) -> tuple[tuple[date, ...], tuple[tuple[date, str], ...]]:
        """Return the ``n >= 1`` NYSE sessions after ``as_of``'s day and the ``(date, kind)``
        of the events known at ``as_of`` dated after that day and on or before the last of
        them (sorted by date and kind). The calendar is known in advance; the events are
        filtered by ``known_at`` here (``alvh.market.events_index``)."""
        today_ns = self._as_of_ns - self._as_of_ns % DAY_NS
        ev = self.data._events
        sessions = ev.next_sessions(today_ns, n)
        return sessions, ev.known_between(today_ns, sessions[-1], self._as_of_ns)
