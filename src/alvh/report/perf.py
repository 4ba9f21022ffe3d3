"""The tear-sheet tables traders expect: ratios, the worst drawdowns, rolling and monthly returns.

Conventions as in ``alvh.report.metrics`` (252 sessions a year, simple daily returns of
equity). Sharpe and Sortino here are of the return over cash (the run's own cash rate, from
``alvh.report.excess.cash_index``): a condor book earns T-bill interest on its idle capital, which
is not the strategy's return. The benchmark is SPX with dividends reinvested approximated as the
price index grown at a constant dividend yield (``DEFAULT_DIV_YIELD``, the one the surface model
uses; the real yield ran 1.1-3.2% over 2006-2025), and, when its file is present in the shared
data, CBOE's S&P 500 PutWrite index (PUT): a short-volatility premium-selling reference, not a
condor index.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.market.rates import DEFAULT_DIV_YIELD
from alvh.report.metrics import (
    SESSIONS_PER_YEAR,
    cagr,
    calmar,
    daily_returns,
    max_drawdown,
    monthly_returns,
    sharpe,
    sortino,
    volatility,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# CBOE benchmark indices the report plots when their file is in $ALVH_SHARED_DATA/calibration.
CBOE_BENCHMARKS = {"PUT": ("cboe_put_daily.csv", "CBOE S&P 500 PutWrite (PUT)")}


def ratios(equity_usd: pd.Series, cash: pd.Series | None) -> dict[str, float]:
    """Return CAGR, over-cash CAGR, volatility, Sharpe, Sortino, Calmar, max DD, month stats."""
    rf = daily_returns(cash) if cash is not None else None
    m = monthly_returns(equity_usd)
    g = cagr(equity_usd).value
    c = cagr(cash).value if cash is not None else math.nan
    return {
        "CAGR %": g,
        "CAGR over cash %": ((1 + g / 100) / (1 + c / 100) - 1) * 100 if math.isfinite(c) else c,
        "volatility %": volatility(equity_usd).value,
        "Sharpe (over cash)": sharpe(equity_usd, rf).value,
        "Sortino (over cash)": sortino(equity_usd, rf).value,
        "Calmar": calmar(equity_usd).value,
        "max drawdown %": max_drawdown(equity_usd).max_drawdown_pct,
        "best month %": float(m.max()) if len(m) else math.nan,
        "worst month %": float(m.min()) if len(m) else math.nan,
        "months up %": float((m > 0).mean() * 100) if len(m) else math.nan,
    }


def top_drawdowns(equity_usd: pd.Series, n: int = 10) -> pd.DataFrame:
    """Return the ``n`` deepest drawdowns, each from a peak to its recovery (or the end).

    Columns: ``rank``, ``peak``, ``trough``, ``recovered`` (the first session back at the peak,
    ``not recovered`` otherwise), ``depth %``, ``sessions down`` (peak to trough) and
    ``sessions to recover`` (trough to recovery; empty when not recovered). Episodes do not
    overlap: each runs from a running high to the next session equity regains it.
    """
    eq = equity_usd.astype(float)
    cols = ["rank", "peak", "trough", "recovered", "depth %", "sessions down"]
    cols.append("sessions to recover")
    if len(eq) < 2:
        return pd.DataFrame(columns=cols)
    peak = eq.cummax()
    under = (eq < peak).to_numpy()
    v, idx = eq.to_numpy(), eq.index
    episodes = []
    i = 0
    while i < len(eq):
        if not under[i]:
            i += 1
            continue
        start = i - 1  # the peak session
        j = i
        while j < len(eq) and under[j]:
            j += 1
        seg = v[i:j]
        t = i + int(np.argmin(seg))
        depth = (v[t] / v[start] - 1.0) * 100.0
        rec = j if j < len(eq) else None
        episodes.append((depth, start, t, rec))
        i = j
    episodes.sort(key=lambda e: e[0])
    rows = []
    for k, (depth, s, t, rec) in enumerate(episodes[:n], start=1):
        rows.append(
            {
                "rank": k,
                "peak": str(idx[s].date()),
                "trough": str(idx[t].date()),
                "recovered": str(idx[rec].date()) if rec is not None else "not recovered",
                "depth %": depth,
                "sessions down": t - s,
                "sessions to recover": (rec - t) if rec is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def rolling_12m(equity_usd: pd.Series) -> pd.DataFrame:
    """Return the trailing 252-session return % and annualised volatility % (NaN until 252)."""
    eq = equity_usd.astype(float)
    r = eq.pct_change()
    return pd.DataFrame(
        {
            "return_pct": (eq / eq.shift(SESSIONS_PER_YEAR) - 1.0) * 100.0,
            "volatility_pct": r.rolling(SESSIONS_PER_YEAR).std()
            * math.sqrt(SESSIONS_PER_YEAR)
            * 100,
        },
        index=eq.index,
    )


def month_year_table(equity_usd: pd.Series) -> pd.DataFrame:
    """Return monthly returns % as years x months, plus the calendar year's return ``Year``.

    ``Year`` compounds the year's months in the table (a partial first or last year is the
    return over its months).
    """
    m = monthly_returns(equity_usd)
    out = pd.DataFrame(index=sorted({p.year for p in m.index}), columns=[*MONTHS, "Year"])
    for p, v in m.items():
        out.loc[p.year, MONTHS[p.month - 1]] = v
    for y in out.index:
        vals = out.loc[y, list(MONTHS)].dropna().astype(float)
        out.loc[y, "Year"] = (np.prod(1 + vals / 100) - 1) * 100 if len(vals) else np.nan
    out.index.name = "year"
    return out.astype(float)


def spx_total_return_usd(
    spx: pd.Series, start_usd: float, div_yield: float = DEFAULT_DIV_YIELD
) -> pd.Series:
    """Return SPX with dividends reinvested, approximated, scaled to ``start_usd``.

    ``start_usd x SPX_t / SPX_0 x exp(q x days / 365)``: the price index grown at a constant
    dividend yield ``q``.
    """
    s = spx.astype(float).ffill()
    days = (s.index - s.index[0]).days.to_numpy(float)
    return start_usd * s / float(s.iloc[0]) * np.exp(div_yield * days / 365.0)


def cboe_benchmark(
    index: pd.DatetimeIndex, start_usd: float, data_dir: Path | None = None
) -> dict[str, pd.Series]:
    """Return CBOE benchmark indices found on disk, on the run's sessions, scaled to ``start_usd``.

    Read from ``data_dir`` (default ``$ALVH_SHARED_DATA/calibration``) only when present. A file
    is used from the end of its last gap of more than 10 calendar days (PUT has only a few
    sparse rows before 2007); when that is after the run's first session, the line starts
    there at ``start_usd`` and its label says from when.
    """
    if data_dir is None:
        root = os.environ.get("ALVH_SHARED_DATA")
        if not root:
            return {}
        data_dir = Path(root) / "calibration"
    out = {}
    for fname, label in CBOE_BENCHMARKS.values():
        p = Path(data_dir) / fname
        if not p.is_file():
            continue
        try:
            f = pd.read_csv(p, parse_dates=["date"]).set_index("date")["close"].astype(float)
        except (ValueError, KeyError):
            continue
        f = f.sort_index().dropna()
        gaps = np.flatnonzero(np.diff(f.index.to_numpy()) > np.timedelta64(10, "D"))
        if len(gaps):
            f = f.iloc[gaps[-1] + 1 :]
        inside = index[(index >= f.index[0]) & (index <= f.index[-1])] if len(f) else index[:0]
        if len(inside) < 2:
            continue
        s = f.reindex(f.index.union(inside)).ffill().reindex(inside)
        name = label if inside[0] == index[0] else f"{label}, from {inside[0].date()}"
        out[name] = start_usd * s / float(s.iloc[0])
    return out
