"""Expiration dates: SPX monthlies, SPXW weeklies/dailies, VX futures and VIX options."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from alvh.calendar.sessions import TradingCalendar, trading_calendar

_VX_MONTH_CODES = "FGHJKMNQUVXZ"

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


def vx_expiry(year: int, month: int, cal: TradingCalendar | None = None) -> date:
    """Return the final settlement date of the VX future (and VIX options) of a contract month.

    CFE rule: the Wednesday 30 days before the third Friday of the following month. If that
    Friday is not a session, count 30 days back from the session before it; if the resulting
    day is not a session, use the session before it. Two 2004 contracts that settled a week
    early are returned as observed.
    """
    if (year, month) in _VX_OBSERVED_EXCEPTIONS:
        return _VX_OBSERVED_EXCEPTIONS[(year, month)]
    cal = cal or trading_calendar()
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
    if len(code) != 5 or not code.startswith("VX") or code[2] not in _VX_MONTH_CODES:
        raise ValueError(f"not a monthly VX contract code: {code!r} (expected like 'VXF08')")
    return 2000 + int(code[3:5]), _VX_MONTH_CODES.index(code[2]) + 1


def vx_expiries(start: str | date, end: str | date) -> pd.DataFrame:
    """Return contract, contract_month and expiry of monthly VX contracts expiring in a range."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    y, m = s.year, s.month
    while True:
        exp = pd.Timestamp(vx_expiry(y, m))
        if exp > e and (y, m) > (e.year, e.month):
            break
        if s <= exp <= e:
            rows.append((vx_contract_code(y, m), f"{y:04d}-{m:02d}", exp))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return pd.DataFrame(rows, columns=["contract", "contract_month", "expiry"])
