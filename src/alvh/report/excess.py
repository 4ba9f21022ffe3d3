"""Return over cash, costs on their own line, and the condor risk a book carries.

A condor book holds most of its capital in cash, which earns the T-bill (or configured) rate; a
CAGR of a few percent can be mostly that interest. Every summary therefore shows, per book:

- ``cash_cagr_pct``: what the cash rate alone compounded to over the same sessions (both books
  accrue at the same rate, ACT/360, on their own cash: ``equity.csv`` columns ``cash_rate_pct``
  and ``cash_accrual_days``);
- ``excess_cagr_pct``: the CAGR of equity divided by that cash index, ``(1 + CAGR) / (1 + cash
  CAGR) - 1``; ``mean_annual_excess_pct``: the mean daily return over cash times 252;
- ``interest_usd``: the interest the book booked, and its share of the book's P&L;
- costs: spread and fees paid (``costs_usd``; the hedges' part is ``hedge_costs_usd``) in USD, in
  % of the condor credit collected (credit as booked, net of the entry slippage) and in % a year
  of the book's mean equity.

``condor_risk`` is the max loss of the condors open each session in % of a book's own equity:
under twin sizing (``capital.size_condors_on = "unhedged"``) a bleeding hedge pushes the
hedged book's figure above the tiers' caps; under own sizing it stays at them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alvh.report.metrics import SESSIONS_PER_YEAR, cagr, daily_returns

CASH_DAY_BASIS = 360.0  # ACT/360, as the engine accrues (alvh.engine.loop.CASH_DAY_BASIS)


def _num(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(float(x)) else None


def cash_index(daily: pd.DataFrame) -> pd.Series | None:
    """Return the growth of one dollar held in cash (1.0 on the first session), or None.

    None when the run directory predates the ``cash_rate_pct`` and ``cash_accrual_days`` columns.
    """
    if "cash_rate_pct" not in daily.columns or "cash_accrual_days" not in daily.columns:
        return None
    r = daily["cash_rate_pct"].fillna(0.0) / 100.0 * daily["cash_accrual_days"].fillna(0.0)
    growth = (1.0 + r / CASH_DAY_BASIS).to_numpy(float)
    growth[0] = 1.0  # the first session accrues nothing (no cash held before it)
    return pd.Series(np.cumprod(growth), index=daily.index, name="cash_index")


def return_over_cash(equity_usd: pd.Series, cash: pd.Series | None) -> dict[str, float | None]:
    """Return cash CAGR, excess CAGR and mean annual excess return, all in percent.

    Parameters
    ----------
    equity_usd
        The book's daily equity.
    cash
        ``cash_index`` of the run (None: every figure is None).
    """
    if cash is None or len(equity_usd) < 2:
        return {"cash_cagr_pct": None, "excess_cagr_pct": None, "mean_annual_excess_pct": None}
    c = cagr(cash).value
    g = cagr(equity_usd).value
    excess = ((1.0 + g / 100.0) / (1.0 + c / 100.0) - 1.0) * 100.0
    r = daily_returns(equity_usd)
    rc = daily_returns(cash).reindex(r.index)
    mean_excess = float((r - rc).mean()) * SESSIONS_PER_YEAR * 100.0
    return {
        "cash_cagr_pct": _num(c),
        "excess_cagr_pct": _num(excess),
        "mean_annual_excess_pct": _num(mean_excess),
    }


def book_costs_usd(daily: pd.DataFrame, book: str) -> pd.Series:
    """Return the costs the book paid each session (the twin pays no hedge costs)."""
    total = daily["costs_usd"].fillna(0.0) if "costs_usd" in daily else pd.Series(0.0, daily.index)
    if book == "unhedged" and "hedge_costs_usd" in daily.columns:
        return total - daily["hedge_costs_usd"].fillna(0.0)
    return total


def excess_and_costs(daily: pd.DataFrame, condors: pd.DataFrame, book: str) -> dict[str, object]:
    """Return the return-over-cash and cost figures of one book (JSON-ready; see the module).

    Parameters
    ----------
    daily
        ``equity.csv`` (or ``BacktestResult.daily``) indexed by session.
    condors
        ``condors.csv``: ``credit_usd`` of every filled condor.
    book
        ``hedged`` or ``unhedged``.
    """
    eq = daily[f"{book}_equity_usd"]
    out: dict[str, object] = dict(return_over_cash(eq, cash_index(daily)))
    interest = daily.get(f"{book}_interest_usd")
    interest_usd = float(interest.sum()) if interest is not None else math.nan
    pnl_usd = float(eq.iloc[-1] - eq.iloc[0])
    out["interest_usd"] = _num(interest_usd)
    out["interest_share_of_pnl_pct"] = (
        _num(interest_usd / pnl_usd * 100.0)
        if pnl_usd > 0 and math.isfinite(interest_usd)
        else None
    )
    costs = book_costs_usd(daily, book)
    costs_usd = float(costs.sum())
    hedge_costs = (
        float(daily["hedge_costs_usd"].sum())
        if book == "hedged" and "hedge_costs_usd" in daily.columns
        else 0.0
    )
    credit = float(condors["credit_usd"].sum()) if len(condors) else 0.0
    years = len(eq) / SESSIONS_PER_YEAR
    mean_eq = float(eq.clip(lower=0.0).mean())
    out["costs_usd"] = _num(costs_usd)
    out["hedge_costs_usd"] = _num(hedge_costs)
    out["condor_costs_usd"] = _num(costs_usd - hedge_costs)
    out["credit_collected_usd"] = _num(credit)
    out["costs_pct_of_credit"] = _num(costs_usd / credit * 100.0) if credit > 0 else None
    out["costs_pct_of_equity_per_year"] = (
        _num(costs_usd / mean_eq / years * 100.0) if mean_eq > 0 and years > 0 else None
    )
    risk = condor_risk_pct_of_equity(daily, condors, book)
    out["condor_max_loss_pct_of_equity_mean"] = _num(float(risk.mean())) if len(risk) else None
    out["condor_max_loss_pct_of_equity_peak"] = _num(float(risk.max())) if len(risk) else None
    return out


def open_max_loss_usd(index: pd.DatetimeIndex, condors: pd.DataFrame) -> pd.Series:
    """Return the summed max loss of the condors open at each session's close.

    A condor counts from its fill (``open_date``) to the session before its ``close_date``
    (it is gone at that close); one still open at the end counts to the last session.
    """
    out = np.zeros(len(index))
    if len(condors) == 0:
        return pd.Series(out, index=index, name="open_max_loss_usd")
    opened = pd.to_datetime(condors["open_date"])
    closed = pd.to_datetime(condors["close_date"])
    ml = condors["max_loss_usd"].to_numpy(float)
    lo = index.searchsorted(opened.to_numpy(), side="left")
    hi = np.where(
        closed.isna().to_numpy(),
        len(index),
        index.searchsorted(closed.fillna(index[-1]).to_numpy(), side="left"),
    )
    # Difference array: + at the first session held, - at the first session not held.
    diff = np.zeros(len(index) + 1)
    ok = opened.notna().to_numpy() & np.isfinite(ml)
    np.add.at(diff, lo[ok], ml[ok])
    np.add.at(diff, hi[ok], -ml[ok])
    out = np.cumsum(diff[:-1])
    return pd.Series(out, index=index, name="open_max_loss_usd")


def condor_risk_pct_of_equity(daily: pd.DataFrame, condors: pd.DataFrame, book: str) -> pd.Series:
    """Return the open condors' max loss in % of the book's equity, per session.

    Sessions where the book's equity is not positive (a ruined book) are left out.
    """
    eq = daily[f"{book}_equity_usd"]
    ml = open_max_loss_usd(pd.DatetimeIndex(daily.index), condors)
    keep = eq > 0
    return (ml[keep] / eq[keep] * 100.0).rename("condor_max_loss_pct_of_equity")
