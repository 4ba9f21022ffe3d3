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

from alvh._typing import Float64Array, Int64Array
from alvh.calendar.expiries import parse_vx_contract, vx_expiry
from alvh.calendar.sessions import TradingCalendar, trading_calendar
from alvh.errors import DataFormatError, NoDataError
from alvh.kernel.vix_roll import EMPTY_ROLL_PERIOD as _EMPTY_ROLL_PERIOD
from alvh.kernel.vix_roll import FEW_CONTRACTS as _FEW_CONTRACTS
from alvh.kernel.vix_roll import NEED_PRIOR_SETTLEMENT as _NEED_PRIOR_SETTLEMENT
from alvh.kernel.vix_roll import NO_NEXT_SESSION as _NO_NEXT_SESSION
from alvh.kernel.vix_roll import NO_SETTLE as _NO_SETTLE
from alvh.kernel.vix_roll import OK as _OK
from alvh.kernel.vix_roll import RollDays as _Days
from alvh.kernel.vix_roll import RollPanel as _Panel
from alvh.kernel.vix_roll import RollResult as _Result
from alvh.kernel.vix_roll import daily_loop as _daily_loop

INDEX_BASE: Final = 100.0
VXX_FEE_PCT_PER_YEAR: Final = 0.89
_REQUIRED = ("date", "contract", "expiry", "settle")


def _monthly_mask(contract: pd.Series) -> np.ndarray:
    """Return which rows hold monthly contracts (all rows when no code parses as monthly)."""

    def is_monthly(code: object) -> bool:
        try:
            parse_vx_contract(str(code))
        except ValueError:
            return False
        return True

    # A few hundred distinct codes: parse each once (factorize keeps NaN as its own code).
    codes, uniq = pd.factorize(contract.to_numpy(object), use_na_sentinel=False)
    mask = np.array([is_monthly(c) for c in uniq], dtype=bool)[codes]
    return mask if mask.any() else np.ones(len(contract), dtype=bool)


def _normalized_days(col: pd.Series) -> pd.DatetimeIndex:
    """Return a date column as midnight timestamps (parsed only when not already datetimes)."""
    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        col = pd.to_datetime(col)
    return pd.DatetimeIndex(col).normalize()


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


def _prior_settlement_session(front_ns: int, sessions_ns: Int64Array) -> int:
    """Return the session position of the CFE settlement of the month before ``front_ns``'s."""
    f = pd.Timestamp(front_ns)
    py, pm = (f.year - 1, 12) if f.month == 1 else (f.year, f.month - 1)
    prev = pd.Timestamp(vx_expiry(py, pm)).value
    return int(np.searchsorted(sessions_ns, prev, side="left"))


def _run_daily_loop(
    days: _Days, panel: _Panel, tbill_pct: Float64Array, sessions_ns: Int64Array
) -> _Result:
    """Run ``_daily_loop`` to the end, raising the reference's errors at the same sessions."""
    n = days.day_ns.shape[0]
    ints, floats = np.zeros((3, n), dtype=np.int64), np.zeros((3, n))
    out = _Result(ints[0], ints[1], floats[0], floats[1], floats[2], ints[2])
    # The panel starts inside a roll period only at its start: the CFE rule supplies the prior
    # settlement then, computed on demand (the loop resumes at the session that asked).
    prior = np.full(panel.exp_ns.shape[0], -1, dtype=np.int64)
    k = 0
    while True:
        code, k, detail = _daily_loop(
            k, days, panel, prior, tbill_pct, int(sessions_ns.shape[0]), out
        )
        if code == _OK:
            return out
        if code == _NEED_PRIOR_SETTLEMENT:
            prior[detail] = _prior_settlement_session(int(panel.exp_ns[detail]), sessions_ns)
            continue
        day = pd.Timestamp(int(days.day_ns[k])).date()
        if code == _NO_NEXT_SESSION:
            raise NoDataError(f"no CBOE session after {day} in the calendar")
        if code == _FEW_CONTRACTS:
            nxt = pd.Timestamp(int(sessions_ns[days.next_session[k]])).date()
            raise NoDataError(
                f"VIX short-term index {day}: needs two VX contracts "
                f"settling after {nxt}, found {detail}"
            )
        if code == _EMPTY_ROLL_PERIOD:
            raise ZeroDivisionError("division by zero")
        if code == _NO_SETTLE:
            raise NoDataError(
                f"VIX short-term index {day}: no settle for expiry "
                f"{pd.Timestamp(int(panel.exp_ns[detail])).date()}"
            )
        prev_day = pd.Timestamp(int(days.day_ns[k - 1])).date()
        raise NoDataError(f"no T-bill rate known on or before {prev_day}")


def _panel(vx_settlements: pd.DataFrame) -> tuple[pd.DatetimeIndex, _Panel]:
    """Return the days with a settle and the monthly settlements as flat sorted arrays.

    Same content as the wide table ``pivot_table(aggfunc="last")`` + ``ffill`` of the
    reference: the last non-NaN settle per (day, expiry), carried forward by ``alvh.kernel.vix_roll.settle_at``.
    """
    mask = _monthly_mask(vx_settlements["contract"])
    date_idx = _normalized_days(vx_settlements["date"])
    exp_idx = _normalized_days(vx_settlements["expiry"])
    keep = np.flatnonzero(mask & np.asarray(exp_idx > date_idx))  # not held on settlement morning
    day_ns, exp_row_ns = date_idx.asi8[keep], exp_idx.asi8[keep]
    settle = vx_settlements["settle"].to_numpy(np.float64)[keep]
    exp_ns, exp_code = np.unique(exp_row_ns, return_inverse=True)
    exp_code = exp_code.reshape(-1)
    order = np.lexsort((day_ns, exp_code))  # stable: rows of one (expiry, day) keep table order
    code_s, day_s = exp_code[order], day_ns[order]
    new_exp = np.ones(order.shape[0], dtype=bool)
    new_exp[1:] = code_s[1:] != code_s[:-1]
    seen_ns = day_s[new_exp]  # every row counts as listed, with or without a settle
    has = ~np.isnan(settle[order])
    code_s, day_s, rows = code_s[has], day_s[has], order[has]
    last = np.ones(code_s.shape[0], dtype=bool)
    last[:-1] = (code_s[1:] != code_s[:-1]) | (day_s[1:] != day_s[:-1])
    code_s, day_s, rows = code_s[last], day_s[last], rows[last]
    _, first = np.unique(day_s, return_index=True)
    have_day = pd.DatetimeIndex(date_idx.take(keep[rows[first]]))
    panel = _Panel(
        exp_ns=exp_ns,
        seen_ns=seen_ns,
        exp_session=np.searchsorted(trading_calendar("CBOE").sessions_ns, exp_ns, side="left"),
        col_start=np.searchsorted(code_s, np.arange(exp_ns.shape[0] + 1), side="left"),
        entry_day_ns=day_s,
        entry_settle=settle[rows],
    )
    return have_day, panel


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
    have_day, panel = _panel(vx_settlements)
    days_in = have_day if sessions is None else pd.DatetimeIndex(sessions).normalize()
    missing_days = days_in.difference(have_day)
    if len(missing_days):
        raise NoDataError(
            f"no VX settlements on {missing_days[0].date()} ({len(missing_days)} session(s) "
            f"lack them); the table covers {have_day[0].date()}..{have_day[-1].date()}"
        )

    tb_ns = np.empty(0, dtype=np.int64)
    tb_pct = np.empty(0, dtype=np.float64)
    if tbill_pct is not None:
        tb = pd.Series(tbill_pct, dtype=np.float64).dropna()
        tb_days = pd.DatetimeIndex(tb.index).normalize()
        order = np.argsort(tb_days.asi8, kind="mergesort")
        tb_ns, tb_pct = tb_days.asi8[order], tb.to_numpy(np.float64)[order]

    sessions_ns = trading_calendar("CBOE").sessions_ns
    day_ns = days_in.asi8
    next_session = np.searchsorted(sessions_ns, day_ns, side="right")
    next_ns = sessions_ns[np.minimum(next_session, sessions_ns.shape[0] - 1)]
    known = np.searchsorted(tb_ns, day_ns, side="right")  # T-bill rates known by each day
    days = _Days(
        day_ns=day_ns,
        next_session=next_session,
        first_after_next=np.searchsorted(panel.exp_ns, next_ns, side="right"),
        tbill_known=np.empty(0, dtype=np.int64) if tbill_pct is None else known,
    )
    res = _run_daily_loop(days, panel, tb_pct, sessions_ns)
    er_ret, tb_ret = res.er_return, res.tbill_return
    er_index = INDEX_BASE * np.cumprod(1.0 + er_ret)
    tr_index = INDEX_BASE * np.cumprod(1.0 + er_ret + tb_ret)
    return pd.DataFrame(
        {
            "date": days_in,
            "front_expiry": panel.exp_ns[res.front].view("datetime64[ns]"),
            "second_expiry": panel.exp_ns[res.second].view("datetime64[ns]"),
            "weight_front": res.weight_front,
            "er_return": er_ret,
            "er_index": er_index,
            "tbill_return": tb_ret,
            "tr_index": tr_index,
            "stale": res.stale,
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
