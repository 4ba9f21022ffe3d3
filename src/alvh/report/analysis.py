"""Everything the report says about one run, computed once (used by the tear sheet and compare)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alvh.report.bootstrap import BootstrapSettings, Estimate, book_intervals
from alvh.report.claims import (
    ClaimResult,
    claim_drawdown_cut,
    claim_hedge_cost,
    claim_surprise_losses,
    monthly_hedge_cost_pct,
)
from alvh.report.events import (
    Window,
    event_sessions,
    event_study,
    event_windows,
    stress_windows,
    window_table,
)
from alvh.report.rundir import RunData
from alvh.report.scaled import ScaledBook, scale_to_cvar, scale_to_mean

SURPRISE_QUANTILE = 0.8  # CPI/PPI days with |SPX move| in the top 20% count as surprises


@dataclass(frozen=True)
class AnalysisSettings:
    """Settings of the analysis: bootstrap and event windows."""

    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    event_window_after_sessions: int = 5


@dataclass(frozen=True)
class RunAnalysis:
    """The numbers of one run's report.

    Attributes
    ----------
    run
        The run directory's content.
    books
        Equity curves in USD: ``hedged``, ``unhedged`` and the defined scaled books
        (``scaled_mean``, ``scaled_cvar``).
    scaled
        The two scaled unhedged books, with their factors (or reasons when undefined).
    intervals
        Per book, CAGR/vol/Sharpe/max DD with bootstrap intervals; ``difference`` holds the
        paired hedged-minus-unhedged differences.
    claims
        The three claims.
    stress
        Per named stress window, each book's return, drawdown and loss; hedge P&L.
    events_study
        Per FOMC/CPI/PPI session: moves and P&L (empty without events).
    hedge_cost_monthly_pct
        Net hedge cost per full month, % of capital.
    has_events
        Whether a macro-event table was available.
    """

    run: RunData
    books: dict[str, pd.Series]
    scaled: tuple[ScaledBook, ScaledBook]
    intervals: dict[str, dict[str, Estimate]]
    claims: list[ClaimResult]
    stress: pd.DataFrame
    events_study: pd.DataFrame
    hedge_cost_monthly_pct: pd.Series
    has_events: bool

    def summary_rows(self) -> list[dict[str, object]]:
        """Return one row per book: CAGR, vol, Sharpe, max DD (each value, lo, hi)."""
        rows = []
        for name in self.books:
            iv = self.intervals.get(name, {})
            row: dict[str, object] = {"book": name}
            for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct"):
                e = iv.get(m, Estimate(math.nan, reason="not computed"))
                row[m], row[f"{m}_lo"], row[f"{m}_hi"] = e.value, e.lo, e.hi
                row[f"{m}_reason"] = e.reason
            rows.append(row)
        return rows

    @property
    def hedge_cost_pct_per_month(self) -> float:
        c = self.claims[2].estimate
        return c.value


def _surprise_windows(run: RunData, events: pd.DataFrame, after: int) -> list[Window]:
    idx = run.equity.index
    ev = event_sessions(idx, events)
    ev = ev[ev["kind"].isin(("CPI", "PPI"))]
    if ev.empty or "spx" not in run.equity.columns:
        return []
    spx = run.equity["spx"].to_numpy(float)
    p = ev["pos"].to_numpy()
    move = np.abs(spx[p] / spx[p - 1] - 1.0)
    cut = float(np.quantile(move, SURPRISE_QUANTILE))
    chosen = ev[move >= cut]
    return event_windows(idx, chosen, ("CPI", "PPI"), after)


def _basis(run: RunData, windows_note: str) -> str:
    e = run.equity.index
    return (
        f"capital base {run.capital_base_usd:,.0f} USD; notional base {run.notional_base}; "
        f"period {e[0].date()}..{e[-1].date()} ({len(e)} sessions); {windows_note}"
    )


def _hedge_pnl(run: RunData) -> pd.Series:
    eq = run.equity
    cols = run.hedge_pnl_columns
    return eq[cols].sum(axis=1) if cols else pd.Series(0.0, index=eq.index)


def judge_claims(
    run: RunData,
    events: pd.DataFrame | None,
    settings: AnalysisSettings | None = None,
    scaled_mean_usd: pd.Series | None = None,
) -> list[ClaimResult]:
    """Return the three claims of a run, exactly as ``analyze_run`` states them.

    The claims need only the equity of both books, the SPX close, the hedge P&L and the events,
    not the book intervals (the slow part of ``analyze_run``), so a sweep can judge every row.

    Parameters
    ----------
    run
        The run (a run directory, or a ``RunData`` built in memory from a result).
    events
        Macro events (columns ``kind``, ``date``), None when unavailable (claim 1 inconclusive).
    settings
        Bootstrap and window settings (the defaults are ``alvh report``'s).
    scaled_mean_usd
        The unhedged book scaled to the same mean return, for claim 1's side figure; None
        leaves that figure out (the verdict does not use it).
    """
    s = settings or AnalysisSettings()
    eq = run.equity
    hedged, unhedged = eq["hedged_equity_usd"], eq["unhedged_equity_usd"]
    ev = events if events is not None else pd.DataFrame(columns=["kind", "date"])
    after = s.event_window_after_sessions
    fc_windows = event_windows(eq.index, ev, ("FOMC", "CPI"), after)
    stress = stress_windows(eq.index)
    surprise = _surprise_windows(run, ev, after)
    on = run.hedge_enabled
    c1 = claim_drawdown_cut(hedged, unhedged, fc_windows, s.bootstrap, scaled_mean_usd, on)
    if events is None and on:
        c1 = ClaimResult(
            1,
            c1.claim,
            "inconclusive",
            Estimate(math.nan, reason="no macro-event table"),
            c1.unit,
            "no FOMC/CPI dates were available to this report",
        )
    c2 = claim_surprise_losses(hedged, unhedged, surprise + stress, run.capital_base_usd, on)
    c3 = claim_hedge_cost(_hedge_pnl(run), run.capital_base_usd, s.bootstrap, on)
    return [
        _with_basis(c1, _basis(run, f"{len(fc_windows)} FOMC/CPI windows of {after + 1} sessions")),
        _with_basis(
            c2,
            _basis(
                run,
                f"{len(surprise)} CPI/PPI surprise windows (top {1 - SURPRISE_QUANTILE:.0%} "
                f"|SPX move|) and {len(stress)} named stress windows",
            ),
        ),
        _with_basis(c3, _basis(run, "full calendar months (>= 15 sessions)")),
    ]


def analyze_run(
    run: RunData, events: pd.DataFrame | None = None, settings: AnalysisSettings | None = None
) -> RunAnalysis:
    """Compute every number of a run's report.

    Parameters
    ----------
    run
        The run (``alvh.report.rundir.load_run``).
    events
        Macro events (columns ``kind``, ``date``); None when unavailable, in which case the
        event study is empty and claim 1 is inconclusive.
    settings
        Bootstrap and window settings.
    """
    s = settings or AnalysisSettings()
    eq = run.equity
    hedged, unhedged = eq["hedged_equity_usd"], eq["unhedged_equity_usd"]
    sm, sc = scale_to_mean(hedged, unhedged), scale_to_cvar(hedged, unhedged)
    books: dict[str, pd.Series] = {"hedged": hedged, "unhedged": unhedged}
    if sm.defined:
        books["scaled_mean"] = sm.equity_usd
    if sc.defined:
        books["scaled_cvar"] = sc.equity_usd
    intervals = book_intervals(books, s.bootstrap)
    claims = judge_claims(run, events, s, sm.equity_usd if sm.defined else None)
    ev = events if events is not None else pd.DataFrame(columns=["kind", "date"])
    hedge_pnl = _hedge_pnl(run)
    return RunAnalysis(
        run=run,
        books=books,
        scaled=(sm, sc),
        intervals=intervals,
        claims=claims,
        stress=window_table(run, stress_windows(eq.index), books),
        events_study=event_study(run, ev),
        hedge_cost_monthly_pct=monthly_hedge_cost_pct(hedge_pnl, run.capital_base_usd),
        has_events=events is not None,
    )


def _with_basis(c: ClaimResult, basis: str) -> ClaimResult:
    return ClaimResult(c.number, c.claim, c.verdict, c.estimate, c.unit, c.detail, basis, c.extra)


def full_period_summary(a: RunAnalysis) -> dict[str, object]:
    """Return the headline numbers of a run for comparison tables (JSON-ready floats)."""
    h, u = a.intervals["hedged"], a.intervals["unhedged"]
    d = a.intervals.get("difference", {})
    out: dict[str, object] = {
        "label": a.run.label,
        "run_id": a.run.run_id,
        "cagr_pct": h["cagr_pct"].value,
        "unhedged_cagr_pct": u["cagr_pct"].value,
        "max_drawdown_pct": h["max_drawdown_pct"].value,
        "unhedged_max_drawdown_pct": u["max_drawdown_pct"].value,
        "sharpe": h["sharpe"].value,
        "dd_reduction": d["dd_reduction"].value if "dd_reduction" in d else math.nan,
        "hedge_cost_pct_per_month": a.claims[2].estimate.value,
        "scaled_mean_factor": a.scaled[0].factor,
    }
    if "scaled_mean" in a.intervals:
        out["scaled_mean_max_drawdown_pct"] = a.intervals["scaled_mean"]["max_drawdown_pct"].value
    for c in a.claims:
        out[f"claim{c.number}"] = c.verdict
    return out


__all__ = [
    "AnalysisSettings",
    "RunAnalysis",
    "analyze_run",
    "full_period_summary",
    "judge_claims",
]
