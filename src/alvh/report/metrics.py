"""Performance metrics of an equity curve, with honest NaN (and a reason) where undefined.

All functions take a daily equity series in USD indexed by session date. Conventions, stated in
every summary: 252 sessions a year; returns are simple daily returns of equity; the risk-free
rate for Sharpe/Sortino is zero unless given (the book already earns interest on its cash, so
its excess over cash is what Sharpe should see when a rate series is passed).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

SESSIONS_PER_YEAR = 252


@dataclass(frozen=True)
class Metric:
    """A value that may be undefined: ``value`` is NaN and ``reason`` says why."""

    value: float
    reason: str = ""

    def to_json(self) -> float | dict[str, object]:
        if math.isfinite(self.value):
            return round(self.value, 10)
        return {"value": None, "reason": self.reason}


@dataclass(frozen=True)
class Drawdown:
    """The largest peak-to-trough fall of an equity curve."""

    max_drawdown_pct: float  # negative number, percent of the peak
    peak_date: str | None
    trough_date: str | None
    recovery_date: str | None  # None if not recovered by the end


def daily_returns(equity_usd: pd.Series) -> pd.Series:
    """Return simple daily returns of an equity curve (first day dropped)."""
    eq = equity_usd.astype(float)
    return (eq / eq.shift(1) - 1.0).iloc[1:]


def cagr(equity_usd: pd.Series) -> Metric:
    """Return the compound annual growth rate in percent (sessions / 252 years)."""
    if len(equity_usd) < 2:
        return Metric(math.nan, "fewer than two sessions")
    start, end = float(equity_usd.iloc[0]), float(equity_usd.iloc[-1])
    if start <= 0:
        return Metric(math.nan, "starting equity not positive")
    if end <= 0:
        return Metric(-100.0, "")
    years = (len(equity_usd) - 1) / SESSIONS_PER_YEAR
    return Metric(((end / start) ** (1.0 / years) - 1.0) * 100.0)


def volatility(equity_usd: pd.Series) -> Metric:
    """Return the annualised volatility of daily returns in percent."""
    r = daily_returns(equity_usd)
    if len(r) < 2:
        return Metric(math.nan, "fewer than three sessions")
    return Metric(float(r.std(ddof=1)) * math.sqrt(SESSIONS_PER_YEAR) * 100.0)


def sharpe(equity_usd: pd.Series, rf_daily: pd.Series | None = None) -> Metric:
    """Return the annualised Sharpe ratio of daily (excess) returns."""
    r = daily_returns(equity_usd)
    if rf_daily is not None:
        r = r - rf_daily.reindex(r.index).fillna(0.0)
    if len(r) < 2:
        return Metric(math.nan, "fewer than three sessions")
    sd = float(r.std(ddof=1))
    if sd == 0.0:
        return Metric(math.nan, "returns have zero variance")
    return Metric(float(r.mean()) / sd * math.sqrt(SESSIONS_PER_YEAR))


def sortino(equity_usd: pd.Series, rf_daily: pd.Series | None = None) -> Metric:
    """Return the annualised Sortino ratio (downside deviation below zero excess return)."""
    r = daily_returns(equity_usd)
    if rf_daily is not None:
        r = r - rf_daily.reindex(r.index).fillna(0.0)
    if len(r) < 2:
        return Metric(math.nan, "fewer than three sessions")
    downside = np.minimum(r.to_numpy(), 0.0)
    dd = math.sqrt(float(np.mean(downside**2)))
    if dd == 0.0:
        return Metric(math.nan, "no losing sessions: downside deviation is zero")
    return Metric(float(r.mean()) / dd * math.sqrt(SESSIONS_PER_YEAR))


def max_drawdown(equity_usd: pd.Series) -> Drawdown:
    """Return the maximum drawdown in percent with its peak, trough and recovery dates."""
    if len(equity_usd) == 0:
        return Drawdown(math.nan, None, None, None)
    eq = equity_usd.astype(float).to_numpy()
    peaks = np.maximum.accumulate(eq)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peaks > 0, eq / peaks - 1.0, np.nan)
    if np.all(np.isnan(dd)):
        return Drawdown(math.nan, None, None, None)
    trough = int(np.nanargmin(dd))
    peak = int(np.argmax(eq[: trough + 1]))
    idx = equity_usd.index
    rec = None
    after = np.nonzero(eq[trough:] >= eq[peak])[0]
    if len(after) and dd[trough] < 0:
        rec = str(pd.Timestamp(idx[trough + int(after[0])]).date())
    return Drawdown(
        max_drawdown_pct=float(dd[trough]) * 100.0,
        peak_date=str(pd.Timestamp(idx[peak]).date()),
        trough_date=str(pd.Timestamp(idx[trough]).date()),
        recovery_date=rec,
    )


def drawdown_series(equity_usd: pd.Series) -> pd.Series:
    """Return the drawdown from the running peak on every session, in percent (<= 0)."""
    eq = equity_usd.astype(float)
    return (eq / eq.cummax() - 1.0) * 100.0


def calmar(equity_usd: pd.Series) -> Metric:
    """Return CAGR divided by the absolute maximum drawdown."""
    g = cagr(equity_usd)
    dd = max_drawdown(equity_usd).max_drawdown_pct
    if not math.isfinite(g.value):
        return Metric(math.nan, g.reason)
    if not math.isfinite(dd) or dd == 0.0:
        return Metric(math.nan, "no drawdown: Calmar undefined")
    return Metric(g.value / abs(dd))


def monthly_returns(equity_usd: pd.Series) -> pd.Series:
    """Return calendar-month returns in percent (month-end equity over prior month-end)."""
    me = equity_usd.astype(float).groupby(equity_usd.index.to_period("M")).last()
    first = float(equity_usd.iloc[0])
    prev = me.shift(1)
    prev.iloc[0] = first
    return (me / prev - 1.0) * 100.0


def worst_month(equity_usd: pd.Series) -> tuple[Metric, str | None]:
    """Return the worst calendar-month return in percent and its month (YYYY-MM)."""
    m = monthly_returns(equity_usd)
    if m.empty:
        return Metric(math.nan, "no complete month"), None
    k = m.idxmin()
    return Metric(float(m.loc[k])), str(k)


@dataclass(frozen=True)
class TradeStats:
    """Statistics of closed condors (one record per condor, from open to close)."""

    n_closed: int
    win_rate_pct: Metric
    capture_pct: Metric  # realised P&L over credit received, in percent
    credit_per_week_pct_of_margin: Metric
    extras: dict[str, float] = field(default_factory=dict)


def trade_stats(
    pnl_usd: np.ndarray, credit_usd: np.ndarray, margin_usd_days: float, n_weeks: float
) -> TradeStats:
    """Return win rate, premium capture and weekly credit as % of margin.

    Parameters
    ----------
    pnl_usd
        Realised P&L of each closed condor, net of costs.
    credit_usd
        Credit received when each condor opened.
    margin_usd_days
        Average margin held over the period (USD), the base for credit per week.
    n_weeks
        Length of the period in weeks.
    """
    n = len(pnl_usd)
    if n == 0:
        nan = Metric(math.nan, "no closed condors")
        return TradeStats(0, nan, nan, nan)
    win = Metric(float(np.mean(pnl_usd > 0)) * 100.0)
    total_credit = float(np.sum(credit_usd))
    cap = (
        Metric(float(np.sum(pnl_usd)) / total_credit * 100.0)
        if total_credit > 0
        else Metric(math.nan, "no credit received")
    )
    if margin_usd_days > 0 and n_weeks > 0:
        cpw = Metric(total_credit / n_weeks / margin_usd_days * 100.0)
    else:
        cpw = Metric(math.nan, "no margin held")
    return TradeStats(n, win, cap, cpw)


def summarize(equity_usd: pd.Series) -> dict[str, object]:
    """Return the equity-curve metrics of one book as a JSON-ready dict."""
    dd = max_drawdown(equity_usd)
    wm, wm_month = worst_month(equity_usd)
    return {
        "start_equity_usd": round(float(equity_usd.iloc[0]), 2),
        "end_equity_usd": round(float(equity_usd.iloc[-1]), 2),
        "cagr_pct": cagr(equity_usd).to_json(),
        "volatility_pct": volatility(equity_usd).to_json(),
        "sharpe": sharpe(equity_usd).to_json(),
        "sortino": sortino(equity_usd).to_json(),
        "max_drawdown": asdict(dd) | {"max_drawdown_pct": Metric(dd.max_drawdown_pct).to_json()},
        "calmar": calmar(equity_usd).to_json(),
        "worst_month_pct": wm.to_json(),
        "worst_month": wm_month,
    }
