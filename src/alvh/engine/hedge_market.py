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
import weakref
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
        Expiry ns -> settle (the first row of an expiry), in expiry order. Read-only, as
        ``vx_code``: the markets of one curve share them (``MarketReader``).
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
        self._views: dict[str, object] | None = None  # built on first use (rarely)

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
    def vx_by_code(self) -> dict[str, tuple[pd.Timestamp, float]]:
        """Contract code -> (expiry, settle), as ``vx_code`` with Timestamp expiries."""
        views = self._views if self._views is not None else self._new_views()
        v = views.get("by_code")
        if v is None:
            v = views["by_code"] = {
                code: (pd.Timestamp(e), px) for code, (e, px) in self.vx_code.items()
            }
        return v  # type: ignore[return-value]

    @property
    def vx_by_expiry(self) -> dict[pd.Timestamp, float]:
        """Expiry -> settle, as ``vx_exp`` with Timestamp keys."""
        views = self._views if self._views is not None else self._new_views()
        v = views.get("by_exp")
        if v is None:
            v = views["by_exp"] = {pd.Timestamp(e): px for e, px in self.vx_exp.items()}
        return v  # type: ignore[return-value]


def build_market(snap: MarketSnapshot, etf: EtfSeries | None) -> HedgeMarket:
    """Return the hedge market of ``snap`` (``etf``: the run's ETF series, if prepared).

    Reads the snapshot's public accessors (any object with them will do); the engine's daily
    path reads the same rows through a :class:`MarketReader` instead.
    """
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
        if not (math.isfinite(sum(px_l)) and min(px_l) > 0.0):
            code_l, exp_l, px_l = _good_rows(code_l, exp_l, px_l)
        by_code, by_exp, fronts = _curve_maps(curve_ns, code_l, exp_l, px_l)
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


def _good_rows(
    code_l: list[str], exp_l: list[int], px_l: list[float]
) -> tuple[list[str], list[int], list[float]]:
    """Return the columns without the rows of missing or bad settles (not in ``(0, inf)``)."""
    keep = [i for i, px in enumerate(px_l) if 0.0 < px < math.inf]
    return [code_l[i] for i in keep], [exp_l[i] for i in keep], [px_l[i] for i in keep]


def _first_by_expiry(exp_l: list[int], px_l: list[float]) -> dict[int, float]:
    """Return expiry -> settle keeping an expiry's first row, not its last (two rows)."""
    by_exp: dict[int, float] = {}
    for e_ns, px in zip(exp_l, px_l, strict=True):
        by_exp.setdefault(e_ns, px)
    return by_exp


def _curve_maps(
    curve_ns: int, code_l: list[str], exp_l: list[int], px_l: list[float]
) -> tuple[dict[str, tuple[int, float]], dict[int, float], list[float]]:
    """Return ``vx_code``, ``vx_exp`` and the fronts of one day's priced rows (sorted by
    expiry)."""
    by_code = dict(zip(code_l, zip(exp_l, px_l, strict=True), strict=True))
    by_exp = dict(zip(exp_l, px_l, strict=True))
    if len(by_exp) != len(exp_l):
        by_exp = _first_by_expiry(exp_l, px_l)
    # Rows are sorted by expiry: VX1, VX2 are the first two monthlies after the curve date.
    fronts: list[float] = []
    for code, e_ns, px in zip(code_l, exp_l, px_l, strict=True):
        if e_ns > curve_ns and _is_monthly(code):
            fronts.append(px)
            if len(fronts) == 2:
                break
    return by_code, by_exp, fronts


class MarketReader:
    """The hedge market of one ``MarketData`` at successive times: the engine's daily path.

    Reads the rows ``MarketSnapshot`` shows (those with ``known_at <= as_of``, the tables
    ordered as the snapshot orders them). Each day's VX curve is built once, when the reader
    is (one pass over the table, faster than a day at a time amid the run), and the known
    rows are found by a binary search that starts where the previous time's ended (the
    daily loop's times advance; a numpy search and slicing per table per session cost more
    than the market itself). A time before the previous one searches from the start, so any
    order of times gives the snapshot's rows (tested against :func:`build_market`).

    Parameters
    ----------
    data
        The market data (read once; it is immutable).
    """

    __slots__ = ("_at", "_series", "_vx_cols", "_vx_curve", "_vx_known", "_vx_start")

    def __init__(self, data: MarketData) -> None:
        vx = data.tables["vx_settlements"].sort_values(
            ["known_at", "date", "expiry"], kind="mergesort"
        )
        n = len(vx)
        rows = np.arange(n)
        day = vx["date"].to_numpy("datetime64[ns]").view("int64")
        exp = vx["expiry"].to_numpy("datetime64[ns]").view("int64")
        px = vx["settle"].to_numpy(np.float64)
        codes = vx["contract"].to_numpy(object)
        # A day's curve is one block of rows: where the block of each row starts.
        new_day = np.r_[True, day[1:] != day[:-1]] if n else np.zeros(0, bool)
        start = np.maximum.accumulate(np.where(new_day, rows, 0)) if n else rows
        # Rows of a day share their known time: one int object each (the list is ~45k long).
        shared: dict[int, int] = {}
        self._vx_known = [shared.setdefault(t, t) for t in _ns_list(vx["known_at"])]
        self._vx_start = start  # numpy: read only for a day known in part
        self._vx_cols = (day, codes, exp, px)  # for a day known in part
        # Each complete day's curve, at the row that completes it (None at the others).
        self._vx_curve: list[_Curve | None] = [None] * n
        if n:
            self._build_curves(day, codes, exp, px, np.flatnonzero(new_day).tolist())
        # Known times and values of IRX (percent) and the index closes, by _SERIES position.
        rates = data.tables["rates"].sort_values("known_at", kind="mergesort")
        irx = rates.iloc[_rows_of(rates["series"], ("IRX",))["IRX"]]
        series: list[tuple[list[int], list[float]] | None] = [
            (_ns_list(irx["known_at"]), irx["value_pct"].to_numpy(np.float64).tolist())
        ]
        bars = data.tables["index_bars"]
        rows_of = _rows_of(bars["symbol"], _SERIES[1:])
        for sym in _SERIES[1:]:
            g = bars.iloc[rows_of[sym]].sort_values("date", kind="mergesort")
            has = len(g) > 0
            series.append(
                (_ns_list(g["known_at"]), g["close"].to_numpy(np.float64).tolist()) if has else None
            )
        self._series = series
        # Rows known at the last time asked: VX, then by _SERIES position (search hints; any
        # value is safe).
        self._at = [0] * (1 + len(_SERIES))

    def _build_curves(
        self,
        day: np.ndarray,
        codes: np.ndarray,
        exp: np.ndarray,
        px: np.ndarray,
        starts: list[int],
    ) -> None:
        """Build the curve of every day: ``_curve_of``'s maps, from whole-column lists."""
        n = len(day)
        inverse, uniq = pd.factorize(codes)
        monthly = np.array([_is_monthly(str(c)) for c in uniq], bool)[inverse]
        # The first row at or after each row that is a front candidate (a monthly expiring
        # after its curve date), n when none: VX1 and VX2 without a scan.
        candidate = np.where(monthly & (exp > day - day % DAY_NS), np.arange(n), n)
        front = [*np.minimum.accumulate(candidate[::-1])[::-1].tolist(), n]
        # Bad (missing, <= 0) settles before each row: a day without any needs no filter.
        bad = np.r_[0, np.cumsum(~((px > 0.0) & (px < np.inf)))].tolist()
        day_l: list[int] = day.tolist()
        code_l: list[str] = codes.tolist()
        exp_l: list[int] = exp.tolist()
        px_l: list[float] = px.tolist()
        pair_l = list(zip(exp_l, px_l, strict=True))
        for s, k in zip(starts, [*starts[1:], n], strict=True):
            curve_ns = day_l[s] - day_l[s] % DAY_NS
            if bad[k] != bad[s]:  # a missing or bad settle: the general path
                self._vx_curve[k - 1] = self._curve_of(s, k)
                continue
            by_code = dict(zip(code_l[s:k], pair_l[s:k], strict=True))
            by_exp = dict(zip(exp_l[s:k], px_l[s:k], strict=True))
            if len(by_exp) != k - s:
                by_exp = _first_by_expiry(exp_l[s:k], px_l[s:k])
            j = front[s]
            fronts: tuple[float, ...] = ()
            if j < k:
                j2 = front[j + 1]
                fronts = (px_l[j], px_l[j2]) if j2 < k else (px_l[j],)
            self._vx_curve[k - 1] = (curve_ns, by_code, by_exp, fronts)

    def _curve_of(self, s: int, k: int) -> _Curve:
        """Return the curve of rows ``s`` to ``k`` of one day (build_market's way)."""
        day, codes, exp, px = self._vx_cols
        day_ns = int(day[s])
        curve_ns = day_ns - day_ns % DAY_NS
        code_l: list[str] = codes[s:k].tolist()
        exp_l: list[int] = exp[s:k].tolist()
        px_l: list[float] = px[s:k].tolist()
        if not all(0.0 < p < math.inf for p in px_l):
            code_l, exp_l, px_l = _good_rows(code_l, exp_l, px_l)
        by_code, by_exp, fronts = _curve_maps(curve_ns, code_l, exp_l, px_l)
        return curve_ns, by_code, by_exp, tuple(fronts)

    def _lasts(self, t_ns: int) -> list[float | None]:
        """Return the latest value of each series known at ``t_ns`` (None when none is), in
        _SERIES order."""
        at = self._at
        out: list[float | None] = []
        for i, series in enumerate(self._series, 1):
            if series is None:
                out.append(None)
                continue
            n = at[i] = _count_at(series[0], t_ns, at[i])
            out.append(series[1][n - 1] if n else None)
        return out

    def market(self, as_of_ns: int, etf: EtfSeries | None) -> HedgeMarket:
        """Return the hedge market known at ``as_of_ns`` (what ``build_market`` returns for the
        snapshot of that time; ``etf``: the run's ETF series, if prepared).

        Its ``vx_code`` and ``vx_exp`` are the reader's, shared by every market of that curve.
        """
        k = self._at[0] = _count_at(self._vx_known, as_of_ns, self._at[0])
        if k:
            hit = self._vx_curve[k - 1]
            # None: part of a day's rows is known (never with real data)
            curve = hit if hit is not None else self._curve_of(int(self._vx_start[k - 1]), k)
        else:
            curve = (None, {}, {}, ())
        curve_ns, by_code, by_exp, fronts = curve
        rate_pct, vvix, vix, vix3m = self._lasts(as_of_ns)
        return HedgeMarket(
            as_of_ns - as_of_ns % DAY_NS,
            curve_ns,
            by_code,
            by_exp,
            fronts,
            vvix if vvix is not None and math.isfinite(vvix) else None,
            0.0 if rate_pct is None else rate_pct / 100.0,
            vix if vix is not None and math.isfinite(vix) else None,
            vix3m if vix3m is not None and math.isfinite(vix3m) else None,
            None if etf is None or curve_ns is None else etf.at(curve_ns),
        )


_Curve = tuple[int | None, dict[str, tuple[int, float]], dict[int, float], tuple[float, ...]]
_SERIES = ("IRX", "VVIX", "VIX", "VIX3M")  # the rate, then index closes
_READERS: weakref.WeakKeyDictionary[MarketData, MarketReader] = weakref.WeakKeyDictionary()


def market_reader(data: MarketData) -> MarketReader:
    """Return the :class:`MarketReader` of ``data`` (one per data object: sweeps share it)."""
    r = _READERS.get(data)
    if r is None:
        r = _READERS[data] = MarketReader(data)
    return r


def _count_at(known: list[int], t_ns: int, hint: int) -> int:
    """Return how many items of ``known`` (non-decreasing) are at or before ``t_ns``.

    ``hint`` is a previous answer: a later time's answer is none, one or a few rows after it (a
    session adds a day's rows), looked for there first; any hint gives the answer.
    """
    n = len(known)
    if hint and known[hint - 1] > t_ns:  # an earlier time than the hint's
        return bisect.bisect_right(known, t_ns, 0, hint)
    if hint == n or known[hint] > t_ns:
        return hint
    if hint + 1 == n or known[hint + 1] > t_ns:
        return hint + 1
    hi = hint + _NEAR
    if hi < n and known[hi] <= t_ns:  # more than _NEAR rows later
        return bisect.bisect_right(known, t_ns, hi)
    return bisect.bisect_right(known, t_ns, hint + 2, min(hi, n))


_NEAR = 32


def _rows_of(col: pd.Series, values: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return the positions of each of ``values`` in ``col``, in order (one hash pass, not a
    string comparison per row and value)."""
    codes, uniques = pd.factorize(col)
    names = list(uniques)
    return {
        v: np.flatnonzero(codes == names.index(v)) if v in names else np.zeros(0, np.int64)
        for v in values
    }


def _ns_list(col: pd.Series) -> list[int]:
    """Return a datetime column as int64 nanoseconds in a list."""
    return col.to_numpy("datetime64[ns]").view("int64").tolist()


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
