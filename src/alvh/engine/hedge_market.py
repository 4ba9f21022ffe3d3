"""What one snapshot says about the hedge instruments (``HedgeMarket``), built once a snapshot.

The pricer (``alvh.engine.hedge_pricing``) and the hedge rule ask for it many times a session.
It holds no history and applies no "known at" of its own: every datum is one the snapshot
serves (``MarketSnapshot.vx_curve_day``, ``closes``, ``rate_pct``, ``etf_bar``; the indexes
behind them live in ``alvh.market``). Dates are integer nanoseconds (midnights): comparing and
subtracting ints gives the same answers as the ``pd.Timestamp`` arithmetic it replaces
(``(a - b).days`` is ``(a_ns - b_ns) // DAY_NS``) without building a Timestamp a day. The
Timestamp-keyed views (``vx_by_expiry``, ``today``, ``curve_date``) are built on first use for
the rules that read them.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from alvh.errors import NoDataError
from alvh.market.curve_index import DAY_NS
from alvh.market.etf_series import EtfBar
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.book_view import HedgeMark
from alvh.strategy.hedge.instruments import InstrumentQuote

__all__ = ["DAY_NS", "HedgeMarket", "build_market", "date_of_ns", "ns_of_date"]
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def date_of_ns(ns: int) -> date:
    """Return the calendar date of an int64-nanosecond time (``pd.Timestamp(ns).date()``)."""
    return date.fromordinal(ns // DAY_NS + _EPOCH_ORDINAL)


def ns_of_date(d: date) -> int:
    """Return midnight of ``d`` as int64 nanoseconds (``pd.Timestamp(d).value``)."""
    return (d.toordinal() - _EPOCH_ORDINAL) * DAY_NS


class HedgeMarket:
    """What one snapshot says about the hedge instruments (dates as int64 ns midnights).

    Attributes
    ----------
    today_ns
        Midnight of the snapshot's day.
    curve_ns
        Date of the latest known VX settlements, None when none is known.
    vx_code
        Contract code -> (expiry ns, settle) of the curve's priced rows.
    vx_exp
        Expiry ns -> settle (the first row of an expiry), in expiry order. Read-only, as
        ``vx_code``: the markets of one curve share them (``alvh.market.curve_index``).
    vx_fronts
        VX1, VX2: the first two monthly contracts expiring after the curve date.
    vvix, vix, vix3m
        Latest known closes (None when unknown or not finite).
    rate
        IRX as a decimal (0 when unknown).
    etf
        The ETF's bar (price, front weight, front expiry ns, second expiry ns) at the curve
        date, None when unknown; read from the snapshot on first use (only a run that holds
        or may buy the ETF asks, and the first read builds the data's ETF series).
    marks, option_greeks, etf_quotes
        What the pricer computed from this market (kept for the rest of the session).
    """

    __slots__ = (
        "_etf",
        "_snap",
        "_views",
        "curve_ns",
        "etf_quotes",
        "marks",
        "option_greeks",
        "rate",
        "today_ns",
        "vix",
        "vix3m",
        "vvix",
        "vx_code",
        "vx_exp",
        "vx_fronts",
    )

    def __init__(
        self,
        today_ns: int,
        curve_ns: int | None,
        vx_code: dict[str, tuple[int, float]],
        vx_exp: dict[int, float],
        vx_fronts: tuple[float, ...],
        vvix: float | None,
        rate: float,
        vix: float | None,
        vix3m: float | None,
        option_greeks: dict[tuple[int, float, bool], tuple[float, ...]] | None = None,
        snap: MarketSnapshot | None = None,
    ) -> None:
        self.today_ns = today_ns
        self.curve_ns = curve_ns
        self.vx_code = vx_code
        self.vx_exp = vx_exp
        self.vx_fronts = vx_fronts
        self.vvix = vvix
        self.rate = rate
        self.vix = vix
        self.vix3m = vix3m
        self._snap = snap
        self._etf: EtfBar | bool | None = False  # False: not read yet
        self.marks: dict[str, HedgeMark] = {}
        # VIX option greeks by (expiry ns, strike, is_call): a held option is marked and quoted.
        # Market-only (the VIX option model on this market's forwards, VVIX and rate): shared
        # by every run's market of the same snapshot time (``build_market``).
        self.option_greeks = {} if option_greeks is None else option_greeks
        self.etf_quotes: dict[str, InstrumentQuote | None] = {}
        self._views: dict[str, object] | None = None  # built on first use (rarely)

    @property
    def etf(self) -> EtfBar | None:
        """The ETF's bar at the curve date (see the class docstring), None when unknown."""
        if self._etf is False:
            snap = self._snap
            self._etf = None if snap is None or self.curve_ns is None else snap.etf_bar()
        return self._etf  # type: ignore[return-value]

    # -- Timestamp views, built on first use ----------------------------------------------
    def _new_views(self) -> dict[str, object]:
        self._views = {}
        return self._views

    @property
    def today(self) -> pd.Timestamp:
        """The snapshot's day at midnight."""
        return pd.Timestamp(self.today_ns)

    @property
    def curve_date(self) -> pd.Timestamp | None:
        """Date of the latest known VX settlements, None when none is known."""
        return None if self.curve_ns is None else pd.Timestamp(self.curve_ns)

    @property
    def vx_by_expiry(self) -> dict[pd.Timestamp, float]:
        """Expiry -> settle, as ``vx_exp`` with Timestamp keys."""
        views = self._views if self._views is not None else self._new_views()
        v = views.get("by_exp")
        if v is None:
            v = views["by_exp"] = {pd.Timestamp(e): px for e, px in self.vx_exp.items()}
        return v  # type: ignore[return-value]


def build_market(snap: MarketSnapshot) -> HedgeMarket:
    """Return the hedge market of ``snap`` (its ETF bar read on first use).

    Every datum comes through the snapshot's methods (the VX curve by day, the latest closes
    and rate, the ETF bar): "known at" is the snapshot's business, not this module's. They
    depend on the market and the snapshot time only, so they are read once per ``MarketData``
    (``MarketData.shared``), with the day's VIX option greeks; the marks and quotes a run prices
    from them (its costs, its contracts) stay its own, and so does the ETF bar, read from this
    run's snapshot on first use (the memo holds no snapshot).
    """
    key = int(snap.as_of.value)
    fields = snap.data.shared.get("hedge_market", key, lambda: _fields(snap))
    return HedgeMarket(*fields, snap=snap)


_Fields = tuple[
    int,
    int | None,
    dict[str, tuple[int, float]],
    dict[int, float],
    tuple[float, ...],
    float | None,
    float,
    float | None,
    float | None,
    dict[tuple[int, float, bool], tuple[float, ...]],
]


def _fields(snap: MarketSnapshot) -> _Fields:
    """Return ``HedgeMarket``'s arguments read from ``snap`` (``build_market`` without memo)."""
    key = int(snap.as_of.value)
    curve = snap.vx_curve_day()
    try:
        rate = snap.rate_pct("IRX") / 100.0
    except NoDataError:
        rate = 0.0
    return (
        key - key % DAY_NS,
        curve.curve_ns,
        curve.by_code,
        curve.by_expiry,
        curve.fronts,
        _opt_close(snap, "VVIX"),
        rate,
        _opt_close(snap, "VIX"),
        _opt_close(snap, "VIX3M"),
        {},
    )


def _opt_close(snap: MarketSnapshot, symbol: str) -> float | None:
    """Return the latest known close of ``symbol``, None when unknown or not finite."""
    try:
        last = snap.closes(symbol, 1)  # one search, where has() + close() take three
    except NoDataError:
        return None
    if not len(last):
        return None
    v = float(last[0])
    return v if math.isfinite(v) else None
