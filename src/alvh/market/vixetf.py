"""The S&P 500 VIX Short-Term Futures Index rule (SPVXSP) and a VXX-like ETF price series.

Rule (S&P Dow Jones Indices, "S&P VIX Futures Indices Methodology")
-------------------------------------------------------------------
The index holds the first and second monthly VX futures and moves weight from the first to the
second a little every business day, so that its average time to expiry stays near one month.

- Roll period: from the business day before one monthly VX settlement date S_prev (normally the
  Tuesday before the Wednesday) up to, excluding, the business day before the next one S_next.
  Within it "first month" is the contract settling at S_next, "second month" the one after.
- Weights set at the close of day t (the "CRW" of the methodology)::

      w_front(t) = dr / dt,   w_second(t) = 1 - dr / dt
      dt = business days in [S_prev, S_next)
      dr = business days in [next business day after t, S_next)

  so at the close of the first day of a roll period the index is 100% in the new front month,
  and the weight falls linearly to 1/dt on the day before the period ends; the expiring
  contract is never held into its settlement.
- Excess return: ``ER_t = ER_(t-1) * TDWO_t / TDWI_(t-1)`` where TDWO_t values yesterday's
  weights at today's settlements and TDWI_(t-1) values them at yesterday's.
- Total return adds T-bill interest on the full index level:
  ``TR_t = TR_(t-1) * (1 + ER_t/ER_(t-1) - 1 + TBR_t)`` with
  ``TBR_t = (1 / (1 - 91/360 * TBAR_(t-1)))^(days(t-1, t)/91) - 1``, TBAR the 13-week T-bill
  discount rate (decimal) known on t-1 (IRX).

S&P's index history starts on 2005-12-20. Before 2006 the CFE did not list every month, so the
rule here spans the gap: the roll runs from the previous listed settlement to the next one.

Business days are CBOE sessions (``alvh.calendar``); settlement dates and contracts come from the
panel itself (monthly contracts only).

Point in time: both indexes are cumulative products over days; the value at t uses settlements
and T-bill rates of days up to t only, so truncating the panel after t leaves every value at or
before t unchanged (tested).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from alvh.calendar.expiries import parse_vx_contract, vx_expiry
from alvh.calendar.sessions import TradingCalendar, trading_calendar
from alvh.errors import DataFormatError, NoDataError

INDEX_BASE: Final = 100.0
VXX_FEE_PCT_PER_YEAR: Final = 0.89
_REQUIRED = ("date", "contract", "expiry", "settle")
_NS_PER_DAY: Final = 86_400_000_000_000


def _monthly_only(vx: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of monthly contracts (all rows when no code parses as monthly)."""

    def is_monthly(code: object) -> bool:
        try:
            parse_vx_contract(str(code))
        except ValueError:
            return False
        return True

    codes = vx["contract"].to_numpy(object)
    uniq, inverse = np.unique(codes.astype(str), return_inverse=True)
    mask = np.array([is_monthly(c) for c in uniq], dtype=bool)[inverse.reshape(-1)]
    return vx[mask] if mask.any() else vx


def _roll_weights_ns(
    day_ns: int, expiries_ns: np.ndarray, sessions_ns: np.ndarray
) -> tuple[int, int, float]:
    """``roll_weights`` on int64 nanoseconds: (front, second, front weight); sorted inputs.

    Business days in ``[a, b)`` of midnight timestamps are ``searchsorted(b) - searchsorted(a)``
    (left side).
    """
    i_next = int(np.searchsorted(sessions_ns, day_ns, side="right"))
    if i_next >= sessions_ns.shape[0]:
        raise NoDataError(f"no CBOE session after {pd.Timestamp(day_ns).date()} in the calendar")
    nxt = int(sessions_ns[i_next])
    later = expiries_ns[expiries_ns > nxt]
    if later.shape[0] < 2:
        raise NoDataError(
            f"VIX short-term index {pd.Timestamp(day_ns).date()}: needs two VX contracts "
            f"settling after {pd.Timestamp(nxt).date()}, found {later.shape[0]}"
        )
    front, second = int(later[0]), int(later[1])
    i_front = int(np.searchsorted(expiries_ns, front, side="left"))
    if i_front > 0:
        prev = int(expiries_ns[i_front - 1])
    else:
        # The panel starts inside this roll period: take the prior settlement from the CFE rule.
        f = pd.Timestamp(front)
        py, pm = (f.year - 1, 12) if f.month == 1 else (f.year, f.month - 1)
        prev = pd.Timestamp(vx_expiry(py, pm)).value
    i_f, i_p, i_n = np.searchsorted(sessions_ns, [front, prev, nxt], side="left")
    dt = int(i_f - i_p)
    dr = int(i_f - i_n)
    # Before 2006 not every month was listed; when the panel starts after a listing gap the
    # calendar's prior month is later than the real roll start: cap at 100% in the front.
    return front, second, min(dr / dt, 1.0)


def roll_weights(
    day: pd.Timestamp,
    expiries_known: pd.DatetimeIndex,
    cal: TradingCalendar | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    """Return (front expiry, second expiry, front weight) set at the close of ``day``.

    Parameters
    ----------
    day
        A CBOE session.
    expiries_known
        Sorted settlement dates of the monthly contracts known (listed) at ``day``.
    cal
        CBOE calendar (default).

    Raises
    ------
    NoDataError
        If fewer than two contracts settle after the next business day.
    """
    cal = cal or trading_calendar("CBOE")
    exp_ns = pd.DatetimeIndex(expiries_known).asi8
    f, s, w = _roll_weights_ns(pd.Timestamp(day).value, exp_ns, cal.sessions_ns)
    return pd.Timestamp(f), pd.Timestamp(s), w


def compute_vix_st_index(
    vx_settlements: pd.DataFrame,
    sessions: pd.DatetimeIndex | None = None,
    tbill_pct: pd.Series | None = None,
) -> pd.DataFrame:
    """Return the S&P 500 VIX Short-Term Futures Index (ER and TR) rebuilt from VX settlements.

    The value at day t is a cumulative product of daily returns that use settlements (and the
    T-bill rate) of days up to t only: it is point-in-time by construction.

    Parameters
    ----------
    vx_settlements
        Long table with columns date, contract, expiry, settle (the canonical
        ``vx_settlements`` table or the shared panel with ``trade_date`` renamed to ``date``).
    sessions
        Days to compute the index on, sorted CBOE sessions (default: every date of the table).
        Both indexes start at 100 on the first one.
    tbill_pct
        13-week T-bill discount yield in percent by date (IRX). None: no interest, TR = ER.

    Returns
    -------
    pandas.DataFrame
        One row per session: date, front_expiry, second_expiry, weight_front (at that close),
        er_return (daily, decimal), er_index, tbill_return, tr_index, stale (number of held
        contracts whose settle was missing that day and carried forward).

    Raises
    ------
    DataFormatError
        If a required column is missing.
    NoDataError
        If a session has no settlements or a held contract was never settled.
    """
    for col in _REQUIRED:
        if col not in vx_settlements.columns:
            raise DataFormatError(
                "vx_settlements", None, col, None, "columns " + ", ".join(_REQUIRED)
            )
    vx = _monthly_only(vx_settlements[list(_REQUIRED)].copy())
    vx["date"] = pd.to_datetime(vx["date"]).dt.normalize()
    vx["expiry"] = pd.to_datetime(vx["expiry"]).dt.normalize()
    vx = vx[vx["expiry"] > vx["date"]]  # a contract is not held on its settlement morning
    wide = vx.pivot_table(index="date", columns="expiry", values="settle", aggfunc="last")
    have_day = pd.DatetimeIndex(wide.index)
    present = wide.notna()
    # A held contract missing on one day keeps its last settle (only past values: still PIT).
    wide = wide.ffill()
    days_in = have_day if sessions is None else pd.DatetimeIndex(sessions).normalize()
    missing_days = days_in.difference(have_day)
    if len(missing_days):
        raise NoDataError(
            f"no VX settlements on {missing_days[0].date()} ({len(missing_days)} session(s) "
            f"lack them); the table covers {have_day[0].date()}..{have_day[-1].date()}"
        )
    first_seen = vx.groupby("expiry")["date"].min().sort_index()
    exp_all = pd.DatetimeIndex(first_seen.index)
    seen_ns = first_seen.to_numpy("datetime64[ns]").view("int64")
    px = wide.reindex(days_in)
    prices = px.to_numpy(np.float64)
    was_settled = present.reindex(days_in).to_numpy(bool)

    tb_ns = tb_pct = None
    if tbill_pct is not None:
        tb = pd.Series(tbill_pct, dtype=np.float64).dropna()
        tb_days = pd.DatetimeIndex(tb.index).normalize()
        order = np.argsort(tb_days.asi8, kind="mergesort")
        tb_ns, tb_pct = tb_days.asi8[order], tb.to_numpy(np.float64)[order]

    sessions_ns = trading_calendar("CBOE").sessions_ns
    # Plain arrays and int keys in the daily loop (pandas indexing per day was its cost).
    days_ns = days_in.asi8
    exp_order = np.argsort(exp_all.asi8, kind="mergesort")
    exp_ns, seen_sorted = exp_all.asi8[exp_order], seen_ns[exp_order]
    col_of: dict[int, int] = {int(pd.Timestamp(e).value): i for i, e in enumerate(px.columns)}
    n = len(days_in)
    front_ns = np.empty(n, dtype=np.int64)
    second_ns = np.empty(n, dtype=np.int64)
    w_front = np.empty(n)
    er_ret = np.zeros(n)
    tb_ret = np.zeros(n)
    stale = np.zeros(n, dtype=np.int64)
    for k in range(n):
        day_ns = int(days_ns[k])
        f, s, w = _roll_weights_ns(day_ns, exp_ns[seen_sorted <= day_ns], sessions_ns)
        front_ns[k], second_ns[k], w_front[k] = f, s, w
        if k == 0:
            continue
        prev_ns = int(days_ns[k - 1])
        legs = (
            (int(front_ns[k - 1]), w_front[k - 1]),
            (int(second_ns[k - 1]), 1.0 - w_front[k - 1]),
        )
        out = inn = 0.0
        for exp, wt in legs:
            if wt == 0.0:
                continue
            j = col_of[exp]
            p_now, p_then = prices[k, j], prices[k - 1, j]
            if not (np.isfinite(p_now) and np.isfinite(p_then)):
                raise NoDataError(
                    f"VIX short-term index {pd.Timestamp(day_ns).date()}: no settle for expiry "
                    f"{pd.Timestamp(exp).date()}"
                )
            stale[k] += int(not was_settled[k, j])
            out += wt * p_now
            inn += wt * p_then
        er_ret[k] = out / inn - 1.0
        if tb_ns is not None and tb_pct is not None:
            i_tb = int(np.searchsorted(tb_ns, prev_ns, side="right"))
            if i_tb == 0:
                raise NoDataError(
                    f"no T-bill rate known on or before {pd.Timestamp(prev_ns).date()}"
                )
            tbar = float(tb_pct[i_tb - 1]) / 100.0
            days = (day_ns - prev_ns) // _NS_PER_DAY
            tb_ret[k] = (1.0 / (1.0 - 91.0 / 360.0 * tbar)) ** (days / 91.0) - 1.0
    front_e = front_ns.view("datetime64[ns]")
    second_e = second_ns.view("datetime64[ns]")
    er_index = INDEX_BASE * np.cumprod(1.0 + er_ret)
    tr_index = INDEX_BASE * np.cumprod(1.0 + er_ret + tb_ret)
    return pd.DataFrame(
        {
            "date": days_in,
            "front_expiry": front_e,
            "second_expiry": second_e,
            "weight_front": w_front,
            "er_return": er_ret,
            "er_index": er_index,
            "tbill_return": tb_ret,
            "tr_index": tr_index,
            "stale": stale,
        }
    )


def etf_prices(
    index_df: pd.DataFrame,
    fee_pct_per_year: float = VXX_FEE_PCT_PER_YEAR,
    start: pd.Timestamp | str | None = None,
    base: float = INDEX_BASE,
    column: str = "tr_index",
) -> pd.Series:
    """Return a VXX-like ETF price: the index net of a daily-accrued annual fee.

    ``P_t = P_(t-1) * I_t / I_(t-1) * (1 - fee * calendar_days(t-1, t) / 365)``, as the iPath
    VXX note accrues its investor fee per calendar day on the index-adjusted value.

    Parameters
    ----------
    index_df
        Output of ``compute_vix_st_index``.
    fee_pct_per_year
        Annual fee in percent (0.89 for VXX).
    start
        First date of the series (price ``base`` there); default the first row.
    base
        Price on ``start``.
    column
        Index to track: ``tr_index`` (as VXX does) or ``er_index``.

    Returns
    -------
    pandas.Series
        ETF price by date, named ``etf_price``.
    """
    if fee_pct_per_year < 0:
        raise ValueError(f"fee_pct_per_year must be >= 0, got {fee_pct_per_year}")
    df = index_df.set_index(pd.DatetimeIndex(index_df["date"]))
    if start is not None:
        df = df.loc[pd.Timestamp(start) :]
    if df.empty:
        raise NoDataError(f"no index values on or after {start}")
    level = df[column].to_numpy(np.float64)
    days = np.diff(df.index.to_numpy("datetime64[D]").astype(np.int64)).astype(np.float64)
    growth = level[1:] / level[:-1] * (1.0 - fee_pct_per_year / 100.0 * days / 365.0)
    price = base * np.concatenate(([1.0], np.cumprod(growth)))
    return pd.Series(price, index=df.index, name="etf_price")


def tbill_series(rates: pd.DataFrame, series: str = "IRX") -> pd.Series:
    """Return a rate series (percent, by date) from the canonical ``rates`` table."""
    r = rates[rates["series"] == series]
    if r.empty:
        raise NoDataError(f"no {series} rates in the rates table")
    out = pd.Series(r["value_pct"].to_numpy(np.float64), index=pd.DatetimeIndex(r["date"]))
    return out.sort_index()
