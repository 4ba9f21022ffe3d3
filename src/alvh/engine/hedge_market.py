"""What one snapshot says about the hedge instruments (``HedgeMarket``), built once a snapshot.

The pricer (``alvh.engine.hedge_pricing``) and the hedge rule ask for it many times a session,
so it is built from array reads with dates as integer nanoseconds (midnights): comparing and
subtracting ints gives the same answers as the ``pd.Timestamp`` arithmetic it replaces
(``(a - b).days`` is ``(a_ns - b_ns) // DAY_NS``) without building a Timestamp a day. The
Timestamp-keyed views (``vx_by_code``, ``vx_by_expiry``, ``today``, ``curve_date``) are built on
first use for callers that want them.
"""

from __future__ import annotations

import bisect
import math
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from alvh.calendar.expiries import parse_vx_contract
from alvh.engine.hedge_hook import HedgeMark
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixetf import compute_vix_st_index, etf_prices, tbill_series
from alvh.strategy.hedge.instruments import InstrumentQuote

DAY_NS = 86_400_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def date_of_ns(ns: int) -> date:
    """Return the calendar date of an int64-nanosecond time (``pd.Timestamp(ns).date()``)."""
    return date.fromordinal(ns // DAY_NS + _EPOCH_ORDINAL)


def ns_of_date(d: date) -> int:
    """Return midnight of ``d`` as int64 nanoseconds (``pd.Timestamp(d).value``)."""
    return (d.toordinal() - _EPOCH_ORDINAL) * DAY_NS


class EtfSeries:
    """The modelled VIX-futures ETF, one row per VX settlement date (columns as lists).

    Parameters
    ----------
    dates_ns, price, w, exp1_ns, exp2_ns
        Settlement date, ETF price, weight of the front future and the expiries of the two
        futures it holds, aligned; dates increasing.
    """

    __slots__ = ("dates_ns", "exp1_ns", "exp2_ns", "price", "w")

    def __init__(
        self,
        dates_ns: list[int],
        price: list[float],
        w: list[float],
        exp1_ns: list[int],
        exp2_ns: list[int],
    ) -> None:
        self.dates_ns = dates_ns
        self.price = price
        self.w = w
        self.exp1_ns = exp1_ns
        self.exp2_ns = exp2_ns

    @classmethod
    def from_data(cls, data: MarketData) -> tuple[EtfSeries | None, str]:
        """Rebuild the series from the whole VX table (point-in-time: each value uses
        settlements up to its own date); return it (None if it cannot be built) and a note."""
        vx = data.tables["vx_settlements"]
        try:
            tb = tbill_series(data.tables["rates"], "IRX")
        except NoDataError:
            tb = None
        try:
            idx = compute_vix_st_index(vx, tbill_pct=tb)
            price = etf_prices(idx)
        except NoDataError as e:
            return None, f"no VIX-futures ETF: {e}"
        series = cls(
            pd.DatetimeIndex(idx["date"]).asi8.tolist(),
            price.to_numpy(np.float64).tolist(),
            idx["weight_front"].to_numpy(np.float64).tolist(),
            pd.DatetimeIndex(idx["front_expiry"]).asi8.tolist(),
            pd.DatetimeIndex(idx["second_expiry"]).asi8.tolist(),
        )
        note = (
            f"ETF rebuilt from the S&P VIX short-term futures rule, {len(price)} days "
            f"{idx['date'].iloc[0].date()}..{idx['date'].iloc[-1].date()}"
            + (" (total return on IRX)" if tb is not None else " (excess return: no IRX)")
        )
        return series, note

    def at(self, day_ns: int) -> tuple[float, float, int, int] | None:
        """Return (price, front weight, front expiry ns, second expiry ns) of the last row on
        or before ``day_ns``, None before the first."""
        i = bisect.bisect_right(self.dates_ns, day_ns) - 1
        if i < 0:
            return None
        return (self.price[i], self.w[i], self.exp1_ns[i], self.exp2_ns[i])


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
        Expiry ns -> settle (the first row of an expiry), in expiry order.
    vx_fronts
        VX1, VX2: the first two monthly contracts expiring after the curve date.
    vvix, vix, vix3m
        Latest known closes (None when unknown or not finite).
    rate
        IRX as a decimal (0 when unknown).
    etf
        (price, front weight, front expiry ns, second expiry ns) of the ETF at the curve date.
    marks, option_greeks, etf_quotes
        What the pricer computed from this market (kept for the rest of the session).
    """

    __slots__ = (
        "_views",
        "curve_ns",
        "etf",
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
        etf: tuple[float, float, int, int] | None = None,
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
        self.etf = etf
        self.marks: dict[str, HedgeMark] = {}
        # VIX option greeks by (expiry ns, strike, is_call): a held option is marked and quoted.
        self.option_greeks: dict[tuple[int, float, bool], tuple[float, ...]] = {}
        self.etf_quotes: dict[str, InstrumentQuote | None] = {}
        self._views: dict[str, object] = {}

    # -- Timestamp views, built on first use ----------------------------------------------
    @property
    def today(self) -> pd.Timestamp:
        """The snapshot's day at midnight."""
        return pd.Timestamp(self.today_ns)

    @property
    def curve_date(self) -> pd.Timestamp | None:
        """Date of the latest known VX settlements, None when none is known."""
        return None if self.curve_ns is None else pd.Timestamp(self.curve_ns)

    @property
    def vx_by_code(self) -> dict[str, tuple[pd.Timestamp, float]]:
        """Contract code -> (expiry, settle), as ``vx_code`` with Timestamp expiries."""
        v = self._views.get("by_code")
        if v is None:
            v = self._views["by_code"] = {
                code: (pd.Timestamp(e), px) for code, (e, px) in self.vx_code.items()
            }
        return v  # type: ignore[return-value]

    @property
    def vx_by_expiry(self) -> dict[pd.Timestamp, float]:
        """Expiry -> settle, as ``vx_exp`` with Timestamp keys."""
        v = self._views.get("by_exp")
        if v is None:
            v = self._views["by_exp"] = {pd.Timestamp(e): px for e, px in self.vx_exp.items()}
        return v  # type: ignore[return-value]


def build_market(snap: MarketSnapshot, etf: EtfSeries | None) -> HedgeMarket:
    """Return the hedge market of ``snap`` (``etf``: the run's ETF series, if prepared)."""
    key = int(snap.as_of.value)
    by_code: dict[str, tuple[int, float]] = {}
    by_exp: dict[int, float] = {}
    fronts: list[float] = []
    curve_ns: int | None = None
    try:
        day_ns, codes, exps, pxs = snap.vx_curve_arrays()
    except NoDataError:
        codes = None
    if codes is not None and len(codes):
        curve_ns = day_ns - day_ns % DAY_NS
        code_l: list[str] = codes.tolist()
        exp_l: list[int] = exps.tolist()
        px_l: list[float] = pxs.tolist()
        # A finite sum means no NaN or infinity; then the minimum says whether all are > 0.
        if not (math.isfinite(sum(px_l)) and min(px_l) > 0.0):  # drop missing or bad settles
            keep = [i for i, px in enumerate(px_l) if 0.0 < px < math.inf]
            code_l = [code_l[i] for i in keep]
            exp_l = [exp_l[i] for i in keep]
            px_l = [px_l[i] for i in keep]
        by_code = dict(zip(code_l, zip(exp_l, px_l, strict=True), strict=True))
        by_exp = dict(zip(exp_l, px_l, strict=True))
        if len(by_exp) != len(exp_l):  # an expiry with two rows: keep its first, not its last
            by_exp = {}
            for e_ns, px in zip(exp_l, px_l, strict=True):
                by_exp.setdefault(e_ns, px)
        # Rows are sorted by expiry: VX1, VX2 are the first two monthlies after the curve date.
        fronts = [
            px
            for code, e_ns, px in zip(code_l, exp_l, px_l, strict=True)
            if e_ns > curve_ns and _is_monthly(code)
        ][:2]
    try:
        rate = snap.rate_pct("IRX") / 100.0
    except NoDataError:
        rate = 0.0
    return HedgeMarket(
        key - key % DAY_NS,
        curve_ns,
        by_code,
        by_exp,
        tuple(fronts),
        _opt_close(snap, "VVIX"),
        rate,
        _opt_close(snap, "VIX"),
        _opt_close(snap, "VIX3M"),
        None if etf is None or curve_ns is None else etf.at(curve_ns),
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


@lru_cache(maxsize=4096)
def _is_monthly(code: str) -> bool:
    try:
        parse_vx_contract(code)
    except ValueError:
        return False
    return True
