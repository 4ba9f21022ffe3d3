"""Expiration dates: SPX monthlies, SPXW weeklies/dailies/EOM, VX futures and VIX options.

SPX and SPXW follow the Cboe Options holidays, which are NYSE's (``trading_calendar("XNYS")``).
The SPXW listing eras below are the first *expiry* dates of each series, taken from Cboe's
announcements (sources and caveats in docs/calendar.md). The engine's hot path is
``expiries_in_dte_window``: a binary search in a schedule computed once per product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Final, Literal

import numpy as np
import pandas as pd

from alvh.calendar.listings import first_listed_day
from alvh.calendar.sessions import (
    _NS_PER_DAY,
    CALENDAR_END,
    CALENDAR_START,
    CalendarRangeError,
    DayLike,
    TradingCalendar,
    day_ns,
    trading_calendar,
)

SpxProduct = Literal["spx", "spxw", "all", "any"]
PRODUCTS: Final = ("spx", "spxw", "all", "any")

# --- SPXW eras (first expiry of each series; see docs/calendar.md for the sources) ------------
# Friday Weeklys: first listed Fri 2005-10-28, expiring Fri 2005-11-04; AM-settled (trading
# ended Thursday) until the last one on 2010-12-03, PM-settled End-of-Week from 2010-12-10.
SPXW_FRIDAY_FIRST: Final = date(2005, 11, 4)
SPXW_FRIDAY_PM_FIRST: Final = date(2010, 12, 10)
# SPX Quarterlys (SPXQ, PM, last session of Mar/Jun/Sep/Dec) launched July 2006; symbol folded
# into SPXW on 2014-07-03. End-of-month (every month) trading began 2014-07-07.
SPX_QUARTERLY_FIRST: Final = date(2006, 9, 29)
SPXW_EOM_FIRST: Final = date(2014, 7, 31)
# Wednesday Weeklys: listed from Tue 2016-02-23, first expiries 2016-03-02 and 2016-03-09.
SPXW_WEDNESDAY_FIRST: Final = date(2016, 3, 2)
# Monday Weeklys: listed from Mon 2016-08-15, first expiries 2016-08-22 and 2016-08-29.
SPXW_MONDAY_FIRST: Final = date(2016, 8, 22)
# SPXPM (PM-settled third-Friday series) became SPXW on 2017-05-01.
SPXW_THIRD_FRIDAY_FIRST: Final = date(2017, 5, 19)
# Tuesday and Thursday Weeklys: listed from Mon 2022-04-18 and Wed 2022-05-11; the first expiry
# is inferred from Cboe's practice of listing about one week ahead.
SPXW_TUESDAY_FIRST: Final = date(2022, 4, 26)
SPXW_THURSDAY_FIRST: Final = date(2022, 5, 19)

# When two series expire on the same day, one row is kept, with the kind of highest priority.
_KIND_PRIORITY: Final = {"eom": 3, "monthly": 2, "weekly": 1, "daily": 0}
_MIDWEEK_SERIES: Final = {1: "spxw_tuesday", 2: "spxw_wednesday", 3: "spxw_thursday"}
_SCHEDULE_END: Final = date(int(CALENDAR_END[:4]) - 1, 12, 31)

_VX_MONTH_CODES = "FGHJKMNQUVXZ"
# VX futures began trading on CFE on 2004-03-26; the first contract was May 2004 (VXK04).
VX_FIRST_CONTRACT: Final = (2004, 5)

# Contracts whose observed final settlement (CFE files) differs from the rule: the July and
# October 2004 contracts settled a week early. The observed dates are truth.
_VX_OBSERVED_EXCEPTIONS: dict[tuple[int, int], date] = {
    (2004, 7): date(2004, 7, 14),
    (2004, 10): date(2004, 10, 13),
}


def third_friday(year: int, month: int) -> date:
    """Return the third Friday of a month."""
    first = date(year, month, 1)
    # weekday(): Monday=0 .. Friday=4
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def spx_monthly_expiry(year: int, month: int, cal: TradingCalendar | None = None) -> date:
    """Return the standard (AM-settled) SPX expiration of a month.

    The third Friday; when it is not a session (e.g. Good Friday), the session before it.
    """
    cal = cal or trading_calendar()
    f = third_friday(year, month)
    return cal.previous_session(f).date()


def _last_session_of_month(year: int, month: int, cal: TradingCalendar) -> date:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return cal.previous_session(date(ny, nm, 1), inclusive=False).date()


_Row = tuple[str, str, date]  # (settlement, kind, first listed day)


def _spxw_rows(start: date, end: date, cal: TradingCalendar) -> dict[date, _Row]:
    """Return {expiry: (settlement, kind, listed_from)} of SPXW series expiring in [start, end].

    When two series expire on one day the day is listed from the earlier of their listing days
    (Cboe lists no Weekly where a Quarterly or EOM already exists, so the longer-listed one
    is the series traded).
    """
    rows: dict[date, _Row] = {}

    def put(day: date, settlement: str, kind: str, series: str) -> None:
        if not start <= day <= end:
            return
        listed = first_listed_day(series, day)
        old = rows.get(day)
        if old is None:
            rows[day] = (settlement, kind, listed)
        elif _KIND_PRIORITY[kind] > _KIND_PRIORITY[old[1]]:
            rows[day] = (settlement, kind, min(listed, old[2]))
        else:
            rows[day] = (old[0], old[1], min(listed, old[2]))

    # Scan a few days either side so that holiday moves across the range edges are caught.
    d = start - timedelta(days=7)
    last = end + timedelta(days=7)
    while d <= last:
        wd = d.weekday()
        if wd == 4 and d >= SPXW_FRIDAY_FIRST:
            is_third = d == third_friday(d.year, d.month)
            if not is_third or d >= SPXW_THIRD_FRIDAY_FIRST:
                # A Friday holiday moves the expiry to the session before it.
                day = cal.previous_session(d).date()
                am = d < SPXW_FRIDAY_PM_FIRST
                kind, series = (
                    ("monthly", "spxw_third_friday_pm") if is_third else ("weekly", "spxw_friday")
                )
                put(day, "AM" if am else "PM", kind, series)
        elif wd == 0 and d >= SPXW_MONDAY_FIRST:
            # Cboe: a Monday holiday moves the Monday series to the next business day.
            put(cal.next_session(d, inclusive=True).date(), "PM", "daily", "spxw_monday")
        elif (
            (wd == 1 and d >= SPXW_TUESDAY_FIRST)
            or (wd == 2 and d >= SPXW_WEDNESDAY_FIRST)
            or (wd == 3 and d >= SPXW_THURSDAY_FIRST)
        ) and cal.is_session(d):
            # Mid-week series on a holiday are simply not listed.
            put(d, "PM", "daily", _MIDWEEK_SERIES[wd])
        d += timedelta(days=1)

    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        eom = _last_session_of_month(y, m, cal)
        if m % 3 == 0 and eom >= SPX_QUARTERLY_FIRST:
            put(eom, "PM", "eom", "spxw_quarterly")
        elif eom >= SPXW_EOM_FIRST:
            put(eom, "PM", "eom", "spxw_eom")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


def _spx_rows(start: date, end: date, cal: TradingCalendar) -> dict[date, _Row]:
    rows: dict[date, _Row] = {}
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        exp = spx_monthly_expiry(y, m, cal)
        if start <= exp <= end:
            rows[exp] = ("AM", "monthly", first_listed_day("spx_monthly", exp))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


def _frame(rows: dict[date, _Row], product: str) -> pd.DataFrame:
    days = sorted(rows)
    listed = [rows[d][2] for d in days]
    return pd.DataFrame(
        {
            "expiry": pd.to_datetime(pd.Series(days, dtype="object")).astype("datetime64[ns]"),
            "product": product,
            "settlement": [rows[d][0] for d in days],
            "kind": [rows[d][1] for d in days],
            "listed_from": pd.to_datetime(pd.Series(listed, dtype="object")).astype(
                "datetime64[ns]"
            ),
        }
    )


def _any_frame(spx: pd.DataFrame, spxw: pd.DataFrame) -> pd.DataFrame:
    """Return the union of SPX and SPXW expiries, one row per expiry day.

    Tie rule: where both expire on one day (a third Friday from May 2017, when the PM-settled
    SPXW third-Friday series joined the AM-settled standard monthly), the standard AM monthly
    is kept: the traditional, most liquid choice, and the one the CNDR/BFLY indexes use. It is
    listed at least as early as the SPXW series of that day (a year ahead against at most a
    year), so dropping the SPXW row never hides an expiry that was tradable earlier.
    """
    both = pd.concat([spx, spxw], ignore_index=True)
    both = both.sort_values(["expiry", "product"], kind="stable")  # "SPX" sorts before "SPXW"
    dup = both["expiry"].duplicated(keep=False)
    if dup.any():
        first_spx = both[dup & (both["product"] == "SPX")].set_index("expiry")["listed_from"]
        first_w = both[dup & (both["product"] == "SPXW")].set_index("expiry")["listed_from"]
        early = first_w[first_w < first_spx.reindex(first_w.index)]
        if len(early):  # a listing rule change that breaks the tie rule's premise
            raise ValueError(
                f"SPXW expiry {early.index[0].date()} listed before the SPX monthly of that day"
            )
    return both.drop_duplicates("expiry", keep="first").reset_index(drop=True)


def _check_product(product: str) -> str:
    p = str(product).lower()
    if p not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}; expected one of {', '.join(PRODUCTS)}")
    return p


def _checked_range(start: DayLike, end: DayLike) -> tuple[date, date]:
    """Return (start, end) as dates, or raise ``CalendarRangeError`` outside the schedule."""
    s = pd.Timestamp(day_ns(start)).date()
    e = pd.Timestamp(day_ns(end)).date()
    lo = date.fromisoformat(CALENDAR_START)
    for d in (s, e):
        if not lo <= d <= _SCHEDULE_END:
            raise CalendarRangeError(
                f"{d} is outside the expiry calendar ({lo} .. {_SCHEDULE_END}); choose a day "
                "in that range"
            )
    return s, e


def spx_expiries(
    start: DayLike,
    end: DayLike,
    product: SpxProduct = "spx",
    cal: TradingCalendar | None = None,
) -> pd.DataFrame:
    """Return the SPX-family expirations with ``start <= expiry <= end``.

    Parameters
    ----------
    start, end
        Inclusive range of expiry days.
    product
        ``"spx"`` (standard AM-settled monthlies), ``"spxw"`` (PM-settled weeklies, dailies,
        end-of-month/quarter and, from May 2017, third-Friday PM series), ``"all"`` (both, one
        row per expiry and product) or ``"any"`` (both, one row per expiry day: where SPX and
        SPXW expire on one day, only the standard AM-settled SPX monthly; what a tier with
        ``product = "any"`` chooses among).
    cal
        Sessions calendar; NYSE (which Cboe Options follows) by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``expiry`` (datetime64), ``product`` (``"SPX"``/``"SPXW"``), ``settlement``
        (``"AM"``/``"PM"``), ``kind`` (``"monthly"``, ``"weekly"``, ``"daily"``, ``"eom"``) and
        ``listed_from`` (datetime64: the first day the expiry was listed, from
        ``alvh.calendar.listings``), sorted by expiry then product; one row per
        (expiry, product), or per expiry for ``"any"``.
    """
    p = _check_product(product)
    cal = cal or trading_calendar()
    s, e = _checked_range(start, end)
    frames = []
    if p in ("spx", "all", "any"):
        frames.append(_frame(_spx_rows(s, e, cal), "SPX"))
    if p in ("spxw", "all", "any"):
        frames.append(_frame(_spxw_rows(s, e, cal), "SPXW"))
    if p == "any":
        return _any_frame(*frames)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["expiry", "product"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ExpirySchedule:
    """All expirations of one product between 1990 and 2034, for fast repeated lookups.

    Parameters
    ----------
    product
        ``"spx"``, ``"spxw"``, ``"all"`` or ``"any"`` (as in ``spx_expiries``).
    expiry_days
        Sorted int64 days since 1970-01-01 (read-only).
    settlement, kind, root
        Per-expiry ``"AM"``/``"PM"``, kind (as in ``spx_expiries``) and ``"SPX"``/``"SPXW"``.
    listed_days
        Per-expiry first listed day, int64 days since 1970-01-01 (read-only).
    """

    product: str
    expiry_days: np.ndarray
    settlement: np.ndarray
    kind: np.ndarray
    root: np.ndarray
    listed_days: np.ndarray

    def listed_on(self, as_of: DayLike) -> np.ndarray:
        """Return a boolean mask: True where the expiry was listed (tradable) on ``as_of``.

        An expiry is listed from its first listed day through its expiry day.
        """
        today = day_ns(as_of) // _NS_PER_DAY
        return (self.listed_days <= today) & (self.expiry_days >= today)

    def window_slice(self, as_of: DayLike, min_dte_days: int, max_dte_days: int) -> slice:
        """Return the slice of expiries with ``min_dte_days <= expiry - as_of <= max_dte_days``."""
        today = day_ns(as_of) // _NS_PER_DAY
        a = int(np.searchsorted(self.expiry_days, today + min_dte_days, side="left"))
        b = int(np.searchsorted(self.expiry_days, today + max_dte_days, side="right"))
        return slice(a, max(a, b))

    def in_dte_window(
        self, as_of: DayLike, min_dte_days: int, max_dte_days: int, listed_only: bool = False
    ) -> np.ndarray:
        """Return the distinct expiry days (``datetime64[D]``) in a calendar-day DTE window.

        With ``listed_only`` only the expiries listed on ``as_of`` are returned.
        """
        sl = self.window_slice(as_of, min_dte_days, max_dte_days)
        days = self.expiry_days[sl]
        if listed_only:
            today = day_ns(as_of) // _NS_PER_DAY
            days = days[self.listed_days[sl] <= today]
        if self.product == "all":
            days = np.unique(days)
        return days.astype("datetime64[D]")


@lru_cache(maxsize=4)
def expiry_schedule(product: SpxProduct = "spxw") -> ExpirySchedule:
    """Return the cached ``ExpirySchedule`` of ``product`` on the NYSE calendar."""
    p = _check_product(product)
    df = spx_expiries(CALENDAR_START, _SCHEDULE_END, product)
    days = df["expiry"].to_numpy().astype("datetime64[D]").astype(np.int64)
    arrays = [days, df["settlement"].to_numpy(str), df["kind"].to_numpy(str)]
    arrays.append(df["product"].to_numpy(str))
    arrays.append(df["listed_from"].to_numpy().astype("datetime64[D]").astype(np.int64))
    for a in arrays:
        a.flags.writeable = False
    return ExpirySchedule(p, *arrays)


def expiries_in_dte_window(
    as_of: DayLike,
    min_dte_days: int,
    max_dte_days: int,
    product: SpxProduct = "spxw",
    listed_only: bool = False,
) -> np.ndarray:
    """Return expiries whose calendar-day DTE from ``as_of`` lies in ``[min, max]`` (inclusive).

    DTE counts calendar days from the day of ``as_of`` (its time of day is ignored) to the expiry
    day, so an expiry on ``as_of`` has DTE 0. With ``listed_only`` only expiries listed on
    ``as_of`` count (what a trader could have chosen that day; ``alvh.calendar.listings``).

    Returns
    -------
    numpy.ndarray
        Sorted distinct ``datetime64[D]`` expiry days.
    """
    return expiry_schedule(product).in_dte_window(as_of, min_dte_days, max_dte_days, listed_only)


# --- VX futures and VIX options ------------------------------------------------------------


def vx_expiry(year: int, month: int, cal: TradingCalendar | None = None) -> date:
    """Return the final settlement date of the VX future (and VIX options) of a contract month.

    CFE rule: the Wednesday 30 days before the third Friday of the following month. If that
    Friday is not a session, count 30 days back from the session before it; if the resulting
    day is not a session, use the session before it. Two 2004 contracts that settled a week
    early are returned as observed. VIX options of the month expire on the same day.
    """
    if cal is None:
        return _vx_expiry_default(year, month)
    return _vx_expiry(year, month, cal)


@lru_cache(maxsize=1024)
def _vx_expiry_default(year: int, month: int) -> date:
    return _vx_expiry(year, month, trading_calendar())


def _vx_expiry(year: int, month: int, cal: TradingCalendar) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    if (year, month) in _VX_OBSERVED_EXCEPTIONS:
        return _VX_OBSERVED_EXCEPTIONS[(year, month)]
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    anchor = third_friday(ny, nm)
    if not cal.is_session(anchor):
        anchor = cal.previous_session(anchor, inclusive=False).date()
    d = anchor - timedelta(days=30)
    if not cal.is_session(d):
        d = cal.previous_session(d, inclusive=False).date()
    return d


def vx_contract_code(year: int, month: int) -> str:
    """Return the CFE code of a monthly VX contract, e.g. ``VXF08`` for January 2008."""
    return f"VX{_VX_MONTH_CODES[month - 1]}{year % 100:02d}"


def parse_vx_contract(code: str) -> tuple[int, int]:
    """Return (year, month) of a CFE monthly code like ``VXF08`` (years 2000-2099)."""
    code = code.strip().upper()
    if (
        len(code) != 5
        or not code.startswith("VX")
        or code[2] not in _VX_MONTH_CODES
        or not code[3:5].isdigit()
    ):
        raise ValueError(f"not a monthly VX contract code: {code!r} (expected like 'VXF08')")
    return 2000 + int(code[3:5]), _VX_MONTH_CODES.index(code[2]) + 1


def vx_expiries(start: str | date, end: str | date) -> pd.DataFrame:
    """Return contract, contract_month and expiry of monthly VX contracts expiring in a range.

    Only contracts from May 2004 (VXK04, the first listed) on; in 2004-2006 CFE did not list every
    month, so early rows are the rule's dates for the calendar months, listed or not.
    """
    s, e = (pd.Timestamp(d) for d in _checked_range(start, end))
    rows = []
    y, m = max((s.year, s.month), VX_FIRST_CONTRACT)
    while True:
        exp = pd.Timestamp(vx_expiry(y, m))
        if exp > e and (y, m) > (e.year, e.month):
            break
        if s <= exp <= e:
            rows.append((vx_contract_code(y, m), f"{y:04d}-{m:02d}", exp))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    out = pd.DataFrame(rows, columns=["contract", "contract_month", "expiry"])
    out["expiry"] = out["expiry"].astype("datetime64[ns]")
    return out
