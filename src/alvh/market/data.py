"""``MarketData``: one immutable set of canonical tables and where they came from."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from alvh.errors import NoDataError
from alvh.market.curve_index import VxCurveIndex
from alvh.market.etf_series import EtfSeries
from alvh.market.events_index import EventsIndex
from alvh.market.history_index import HistoryIndex
from alvh.market.memo import SharedMemo
from alvh.market.schema import INDEX_BARS, REQUIRED_TABLES, TABLES
from alvh.market.snapshot import BarSeries, MarketSnapshot


@dataclass(frozen=True)
class DataSource:
    """What a result ran on: written into every result and report.

    Attributes
    ----------
    kind
        ``"synthetic"`` for the embedded generator, ``"store"`` for imported real data.
    data_id
        Content hash of the tables (store state) or of the generator inputs (synthetic).
    description
        One human line, e.g. ``"synthetic market, seed 7, 2004-01-02..2026-09-30"``.
    """

    kind: Literal["synthetic", "store"]
    data_id: str
    description: str


class MarketData:
    """An immutable set of canonical tables (see ``alvh.market.schema``) and its source.

    Rules never read it directly: they get ``snapshot(as_of)``, which shows only rows known at
    or before ``as_of``.

    Parameters
    ----------
    tables
        Canonical tables by name; ``index_bars``, ``vx_settlements``, ``rates`` and ``events``
        are required (they may be empty), ``final_settlements`` and ``option_chains`` optional.
    source
        What the tables are.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], source: DataSource) -> None:
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise NoDataError(f"market data lacks required tables: {', '.join(missing)}")
        unknown = sorted(set(tables) - set(TABLES))
        if unknown:
            raise NoDataError(f"unknown market tables: {', '.join(unknown)}")
        self.source = source
        conformed = {name: TABLES[name].conform(frame) for name, frame in tables.items()}
        for name in TABLES:
            conformed.setdefault(name, TABLES[name].empty())
        # Sorting by known_at (stable) makes "everything known by as_of" a prefix of each table.
        self._by_known: dict[str, pd.DataFrame] = {}
        self._known_ns: dict[str, np.ndarray] = {}
        for name, frame in conformed.items():
            f = frame.sort_values("known_at", kind="mergesort").reset_index(drop=True)
            self._by_known[name] = f
            self._known_ns[name] = f["known_at"].to_numpy("datetime64[ns]").view("int64")
        self.tables: Mapping[str, pd.DataFrame] = conformed
        # Rates per series as arrays sorted by known_at (a snapshot reads the last known value).
        self._rates: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rates = self._by_known["rates"]
        for series, g in rates.groupby("series", sort=True):
            self._rates[str(series)] = (
                g["known_at"].to_numpy("datetime64[ns]").view("int64"),
                g["value_pct"].to_numpy(np.float64),
            )
        # VX settlements: rows sorted by known_at; a day's curve is one contiguous block, so
        # precompute where each row's block starts (the latest known curve is one slice).
        vx = self._by_known["vx_settlements"]
        vx = vx.sort_values(["known_at", "date", "expiry"], kind="mergesort").reset_index(drop=True)
        self._by_known["vx_settlements"] = vx
        self._known_ns["vx_settlements"] = vx["known_at"].to_numpy("datetime64[ns]").view("int64")
        vx_dates = vx["date"].to_numpy("datetime64[ns]").view("int64")
        new_block = (
            np.r_[True, vx_dates[1:] != vx_dates[:-1]] if len(vx_dates) else np.array([], bool)
        )
        self._vx_block_start = np.maximum.accumulate(
            np.where(new_block, np.arange(len(vx_dates)), 0)
        )
        # The same rows as arrays, for the daily VX1/VX2 read without building a frame.
        self._vx_expiry_ns = vx["expiry"].to_numpy("datetime64[ns]").view("int64")
        self._vx_settle = vx["settle"].to_numpy(np.float64)
        self._vx_date_ns = vx_dates
        self._vx_contract = vx["contract"].to_numpy(object)
        self._series: dict[str, BarSeries] = {}
        bars = conformed[INDEX_BARS.name]
        for symbol, g in bars.groupby("symbol", sort=True):
            g = g.sort_values("date", kind="mergesort")
            self._series[str(symbol)] = BarSeries(
                dates_ns=g["date"].to_numpy("datetime64[ns]").view("int64"),
                known_ns=g["known_at"].to_numpy("datetime64[ns]").view("int64"),
                open=g["open"].to_numpy(np.float64),
                high=g["high"].to_numpy(np.float64),
                low=g["low"].to_numpy(np.float64),
                close=g["close"].to_numpy(np.float64),
            )
            if np.any(np.diff(self._series[str(symbol)].known_ns) < 0):
                raise NoDataError(f"index_bars {symbol}: known_at not increasing with date")
        # Values over growing close histories (indicator tails), filled as snapshots ask.
        self._history = HistoryIndex()

    # -- per-data indexes over history, built on first use (read through a snapshot) -------
    @cached_property
    def _vx_curves(self) -> VxCurveIndex:
        """Every day's VX curve, by count of known rows (``MarketSnapshot.vx_curve_day``)."""
        return VxCurveIndex(self._by_known["vx_settlements"])

    @cached_property
    def _events(self) -> EventsIndex:
        """The events by date (``MarketSnapshot.upcoming_sessions_and_events``)."""
        return EventsIndex(self.tables["events"])

    @cached_property
    def _etf(self) -> tuple[EtfSeries | None, str]:
        """The modelled VIX-futures ETF and what it is (``MarketSnapshot.etf_bar``)."""
        return EtfSeries.from_tables(self.tables["vx_settlements"], self.tables["rates"])

    @cached_property
    def shared(self) -> SharedMemo:
        """What runs on this data compute from the market alone, kept for the next run
        (``alvh.market.memo``): a sweep's later configs read the first's."""
        return SharedMemo()

    @property
    def _surfaces(self) -> dict[Hashable, Any]:
        """The day's SPX surfaces built so far, by (as_of in ns, surface params): a surface is a
        function of what its snapshot knows and of its params, so a second run or a sweep's next
        config on this data reads the first's (``SpxVolSurface.from_snapshot``)."""
        return self.shared.table("spx_surface")

    @property
    def etf_note(self) -> str:
        """What the modelled VIX-futures ETF series is (days, total or excess return), or why
        it could not be built; builds it on first use."""
        return self._etf[1]

    # -- whole-history access (engine and reports; never rules) ---------------------------
    @property
    def symbols(self) -> list[str]:
        """Index symbols present."""
        return sorted(self._series)

    def sessions(self, symbol: str = "SPX") -> pd.DatetimeIndex:
        """Return the dates on which ``symbol`` has a bar (the trading sessions of the data)."""
        s = self._require(symbol)
        return pd.DatetimeIndex(s.dates_ns.view("datetime64[ns]"), name="date")

    def first_date(self) -> pd.Timestamp:
        return self.sessions()[0]

    def last_date(self) -> pd.Timestamp:
        return self.sessions()[-1]

    def _require(self, symbol: str) -> BarSeries:
        try:
            return self._series[symbol]
        except KeyError:
            raise NoDataError(
                f"no {symbol} bars in {self.source.description}; present: {', '.join(self.symbols)}"
            ) from None

    def snapshot(self, as_of: pd.Timestamp | str) -> MarketSnapshot:
        """Return the view of everything known at or before ``as_of`` (naive US/Eastern)."""
        return MarketSnapshot(self, pd.Timestamp(as_of))
