"""The three claims of SPEC section 4, each with a verdict, the numbers and what they rest on.

Verdicts are ``holds``, ``does not hold`` or ``inconclusive``; the rules (docs/report.md):

1. Drawdown cut: the pooled reduction ``1 - sum DD_hedged / sum DD_unhedged`` over FOMC and CPI
   event windows, with a bootstrap interval over windows. Holds if the interval lies at or above
   35%, does not hold if it lies wholly below 35%, else inconclusive.
2. Surprise regimes: in CPI/PPI surprise windows and named stress windows, the unhedged book's
   worst loss must exceed 40% of capital while the hedged book loses more than 18% in at most
   10% of them. Inconclusive with fewer than 3 windows.
3. Hedge cost: the mean monthly net hedge cost in % of capital with a bootstrap interval. Holds if
   the interval lies inside [0.3, 0.7]; does not hold if it lies wholly outside; else
   inconclusive.

A run without a hedge gets ``n/a`` on every claim: the claims are about a hedge, and there is
none to judge (it is not "inconclusive": no data could decide it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from alvh.report.bootstrap import BootstrapSettings, Estimate, mean_interval, window_ratio_interval
from alvh.report.events import Window, window_loss_usd

Verdict = Literal["holds", "does not hold", "inconclusive", "n/a"]
CLAIM1_MIN_REDUCTION = 0.35
CLAIM2_UNHEDGED_LOSS_PCT = 40.0
CLAIM2_HEDGED_LOSS_PCT = 18.0
CLAIM2_RARELY_SHARE = 0.10
CLAIM2_MIN_WINDOWS = 3
CLAIM3_RANGE_PCT = (0.3, 0.7)
MIN_SESSIONS_PER_MONTH = 15

CLAIM_TEXT = {
    1: "4/4/2 layering cuts peak-to-trough drawdowns by 35-40% in moderate stress (FOMC, CPI)",
    2: "unhedged condors lose more than 40% in CPI/PPI surprise regimes, ALVH books rarely 18%",
    3: "the hedge costs 0.3-0.7% of capital per month",
}


@dataclass(frozen=True)
class ClaimResult:
    """One claim's verdict and the numbers behind it.

    Attributes
    ----------
    number, claim
        The claim (SPEC 4) and its text.
    verdict
        ``holds``, ``does not hold``, ``inconclusive`` or ``n/a`` (a run without a hedge).
    estimate
        The headline number with its interval (units in ``unit``).
    unit
        Unit of ``estimate`` (``fraction``, ``% of capital``, ``% of capital per month``).
    detail
        The numbers in words, including the honest alternative where it applies.
    basis
        Capital base, notional base, period and windows the numbers rest on.
    extra
        Further named numbers (JSON-ready).
    """

    number: int
    claim: str
    verdict: Verdict
    estimate: Estimate
    unit: str
    detail: str
    basis: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def interval_verdict(est: Estimate, lo_bound: float, hi_bound: float = math.inf) -> Verdict:
    """Return the verdict of an interval against the range ``[lo_bound, hi_bound]``.

    ``holds`` when the interval lies inside the range, ``does not hold`` when it lies wholly
    outside (all below or all above), else ``inconclusive`` (also when the interval is undefined).
    """
    if not (math.isfinite(est.lo) and math.isfinite(est.hi)):
        return "inconclusive"
    eps = 1e-12  # a degenerate interval exactly on a bound is inside it
    if est.lo >= lo_bound - eps and est.hi <= hi_bound + eps:
        return "holds"
    if est.hi < lo_bound - eps or est.lo > hi_bound + eps:
        return "does not hold"
    return "inconclusive"


def _fmt_est(e: Estimate, scale: float = 1.0, unit: str = "") -> str:
    if not e.defined:
        return f"undefined ({e.reason})"
    s = f"{e.value * scale:.2f}{unit}"
    if math.isfinite(e.lo):
        s += f" [{e.lo * scale:.2f}, {e.hi * scale:.2f}]"
    elif e.reason:
        s += f" ({e.reason})"
    return s


def _no_hedge(number: int, unit: str) -> ClaimResult:
    return ClaimResult(
        number,
        CLAIM_TEXT[number],
        "n/a",
        Estimate(math.nan, reason="the run has no hedge"),
        unit,
        "the run has no hedge (hedge preset 'none'): nothing to judge",
    )


def claim_drawdown_cut(
    hedged_usd: pd.Series,
    unhedged_usd: pd.Series,
    windows: list[Window],
    settings: BootstrapSettings,
    scaled_usd: pd.Series | None = None,
    hedge_enabled: bool = True,
) -> ClaimResult:
    """Judge claim 1 on FOMC/CPI event windows (see the module docstring)."""
    if not hedge_enabled:
        return _no_hedge(1, "fraction")
    lh = np.array([window_loss_usd(hedged_usd, w) for w in windows], float)
    lu = np.array([window_loss_usd(unhedged_usd, w) for w in windows], float)
    ok = np.isfinite(lh) & np.isfinite(lu)
    lh, lu = lh[ok], lu[ok]
    est = window_ratio_interval(lh, lu, settings)
    verdict = interval_verdict(est, CLAIM1_MIN_REDUCTION)
    per_window = 1.0 - lh[lu > 0] / lu[lu > 0]
    detail = (
        f"pooled drawdown reduction over {int(ok.sum())} FOMC/CPI windows: "
        f"{_fmt_est(est, 100.0, '%')} (95% CI); per-window median "
        + (f"{np.median(per_window) * 100:.1f}%" if len(per_window) else "n/a")
    )
    extra: dict[str, object] = {"n_windows": int(ok.sum())}
    if scaled_usd is not None and len(scaled_usd):
        ls = np.array([window_loss_usd(scaled_usd, w) for w in windows], float)[ok]
        alt = window_ratio_interval(lh, ls, settings)
        extra["reduction_vs_same_return_book"] = alt.to_json()
        detail += (
            f"; against the unhedged book scaled to the same mean return the hedged book's "
            f"drawdowns are smaller by {_fmt_est(alt, 100.0, '%')}"
        )
    return ClaimResult(1, CLAIM_TEXT[1], verdict, est, "fraction", detail, extra=extra)


def claim_surprise_losses(
    hedged_usd: pd.Series,
    unhedged_usd: pd.Series,
    windows: list[Window],
    capital_base_usd: float,
    hedge_enabled: bool = True,
) -> ClaimResult:
    """Judge claim 2 on CPI/PPI surprise windows and named stress windows."""
    unit = "% of capital"
    if not hedge_enabled:
        return _no_hedge(2, unit)
    lh = np.array([window_loss_usd(hedged_usd, w) for w in windows], float) / capital_base_usd
    lu = np.array([window_loss_usd(unhedged_usd, w) for w in windows], float) / capital_base_usd
    ok = np.isfinite(lh) & np.isfinite(lu)
    lh, lu = lh[ok] * 100.0, lu[ok] * 100.0
    n = len(lu)
    if n < CLAIM2_MIN_WINDOWS:
        return ClaimResult(
            2,
            CLAIM_TEXT[2],
            "inconclusive",
            Estimate(float(lu.max()) if n else math.nan, reason=f"only {n} window(s)"),
            unit,
            f"only {n} surprise/stress window(s) in the run; at least {CLAIM2_MIN_WINDOWS} needed",
        )
    worst_u, worst_h = float(lu.max()), float(lh.max())
    share_h = float(np.mean(lh > CLAIM2_HEDGED_LOSS_PCT))
    share_u = float(np.mean(lu > CLAIM2_HEDGED_LOSS_PCT))
    big_u = worst_u > CLAIM2_UNHEDGED_LOSS_PCT
    rare_h = share_h <= CLAIM2_RARELY_SHARE
    # The claim credits the hedge: losses above 18% must be rarer with it than without it,
    # or "rarely" describes the condor book, not the hedge.
    by_hedge = share_h < share_u
    verdict: Verdict = "holds" if big_u and rare_h and by_hedge else "does not hold"
    detail = (
        f"over {n} windows: unhedged worst loss {worst_u:.1f}% of capital "
        f"({'above' if big_u else 'not above'} 40%); hedged worst {worst_h:.1f}%, "
        f"hedged loss above 18% in {share_h:.0%} of windows "
        f"({'rare' if rare_h else 'not rare'}: threshold {CLAIM2_RARELY_SHARE:.0%}) vs "
        f"{share_u:.0%} unhedged"
        + ("" if by_hedge else " (no rarer with the hedge: the hedge is not what keeps it rare)")
    )
    extra: dict[str, object] = {
        "n_windows": n,
        "unhedged_worst_loss_pct": worst_u,
        "hedged_worst_loss_pct": worst_h,
        "hedged_share_above_18pct": share_h,
        "unhedged_share_above_18pct": share_u,
    }
    return ClaimResult(2, CLAIM_TEXT[2], verdict, Estimate(worst_u), unit, detail, extra=extra)


def monthly_hedge_cost_pct(hedge_pnl_usd: pd.Series, capital_base_usd: float) -> pd.Series:
    """Return the net hedge cost per calendar month in % of capital (positive = cost).

    Months with fewer than 15 sessions (a run's partial first or last month) are left out.
    """
    g = hedge_pnl_usd.groupby(hedge_pnl_usd.index.to_period("M"))
    total, count = g.sum(), g.size()
    return (-total[count >= MIN_SESSIONS_PER_MONTH] / capital_base_usd * 100.0).rename(
        "hedge_cost_pct"
    )


def claim_hedge_cost(
    hedge_pnl_usd: pd.Series,
    capital_base_usd: float,
    settings: BootstrapSettings,
    hedge_enabled: bool = True,
) -> ClaimResult:
    """Judge claim 3: the mean monthly net hedge cost (hedge P&L is net of its own costs)."""
    unit = "% of capital per month"
    if not hedge_enabled:
        return _no_hedge(3, unit)
    monthly = monthly_hedge_cost_pct(hedge_pnl_usd, capital_base_usd)
    est = mean_interval(monthly.to_numpy(), settings)
    verdict = interval_verdict(est, *CLAIM3_RANGE_PCT)
    lo, hi = CLAIM3_RANGE_PCT
    detail = (
        f"mean net hedge cost over {len(monthly)} full months: {_fmt_est(est, 1.0, '%')} "
        f"of capital per month (claim: {lo}-{hi}%)"
    )
    if len(monthly):
        detail += f"; median {float(monthly.median()):.2f}%, months with a net hedge gain: "
        detail += f"{float((monthly < 0).mean()):.0%}"
    return ClaimResult(
        3, CLAIM_TEXT[3], verdict, est, unit, detail, extra={"n_months": len(monthly)}
    )
