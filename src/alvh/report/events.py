"""Stress windows and macro-event windows: how each book fared when it mattered.

A window is a span of sessions ``[start, end]`` whose first session is the *base* (the close
before anything happened): for an event on session ``s`` the window runs from the session before
``s`` to ``after_sessions`` sessions after it. Losses in a window are peak-to-trough falls of
equity inside it, in USD, so they can be divided by the capital base or by each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alvh.report.rundir import RunData

# Named stress periods (SPEC 4 asks for moderate and severe stress); inclusive calendar dates.
STRESS_WINDOWS: tuple[tuple[str, str, str], ...] = (
    ("2008-09..2009-03 financial crisis", "2008-09-01", "2009-03-31"),
    ("2011-08 US downgrade", "2011-08-01", "2011-08-31"),
    ("2015-08 yuan devaluation", "2015-08-01", "2015-08-31"),
    ("2018-02 volatility spike", "2018-02-01", "2018-02-28"),
    ("2020-02..04 covid crash", "2020-02-01", "2020-04-30"),
    ("2022 rate hikes", "2022-01-01", "2022-12-31"),
)
MIN_WINDOW_SESSIONS = 5
EVENT_KINDS = ("FOMC", "CPI", "PPI")


@dataclass(frozen=True)
class Window:
    """A span of sessions; ``start`` is the base session (the close before the window's moves)."""

    name: str
    kind: str  # "stress" or an event kind
    start: pd.Timestamp
    end: pd.Timestamp
    partial: bool = False  # a stress window clipped by the run's period


def stress_windows(index: pd.DatetimeIndex) -> list[Window]:
    """Return the named stress windows overlapping the sessions by at least 5 sessions."""
    out = []
    for name, a, b in STRESS_WINDOWS:
        lo, hi = pd.Timestamp(a), pd.Timestamp(b)
        inside = index[(index >= lo) & (index <= hi)]
        if len(inside) < MIN_WINDOW_SESSIONS:
            continue
        # Base on the close before the window when the run has it.
        p = int(index.searchsorted(inside[0]))
        base = index[p - 1] if p > 0 else inside[0]
        partial = bool(index[0] > lo or index[-1] < hi)
        out.append(Window(name, "stress", pd.Timestamp(base), pd.Timestamp(inside[-1]), partial))
    return out


def event_sessions(index: pd.DatetimeIndex, events: pd.DataFrame) -> pd.DataFrame:
    """Return events placed on sessions: columns ``kind``, ``date``, ``session``, ``pos``.

    An event on a closed day is traded on the next session; events outside the run or on its
    first session (no prior close) are dropped.
    """
    if events is None or len(events) == 0:
        return pd.DataFrame(columns=["kind", "date", "session", "pos"])
    ev = events[["kind", "date"]].copy()
    ev["kind"] = ev["kind"].astype(str).str.upper()
    ev["date"] = pd.to_datetime(ev["date"]).dt.normalize()
    pos = index.searchsorted(ev["date"].to_numpy(), side="left")
    ev["pos"] = pos
    ev = ev[(ev["pos"] >= 1) & (ev["pos"] < len(index))].copy()
    ev["session"] = index[ev["pos"].to_numpy()]
    ev = ev.drop_duplicates(["kind", "session"]).sort_values(["session", "kind"], kind="mergesort")
    return ev.reset_index(drop=True)[["kind", "date", "session", "pos"]]


def event_windows(
    index: pd.DatetimeIndex, events: pd.DataFrame, kinds: tuple[str, ...], after_sessions: int = 5
) -> list[Window]:
    """Return one window per event of ``kinds``: the session before it to ``after_sessions`` on."""
    ev = event_sessions(index, events)
    ev = ev[ev["kind"].isin(kinds)]
    out = []
    for kind, session, p in zip(ev["kind"], ev["session"], ev["pos"], strict=True):
        end = index[min(int(p) + after_sessions, len(index) - 1)]
        out.append(Window(f"{kind} {session.date()}", str(kind), index[int(p) - 1], end))
    return out


def window_loss_usd(equity_usd: pd.Series, w: Window) -> float:
    """Return the largest peak-to-trough fall of equity inside the window, in USD (>= 0)."""
    eq = equity_usd.loc[w.start : w.end].to_numpy(float)
    if len(eq) < 2:
        return math.nan
    return float(np.max(np.maximum.accumulate(eq) - eq))


def window_return_pct(equity_usd: pd.Series, w: Window) -> float:
    """Return the window's return in percent, from its base close to its last close."""
    eq = equity_usd.loc[w.start : w.end]
    if len(eq) < 2 or float(eq.iloc[0]) <= 0:
        return math.nan
    return (float(eq.iloc[-1]) / float(eq.iloc[0]) - 1.0) * 100.0


def window_max_dd_pct(equity_usd: pd.Series, w: Window) -> float:
    """Return the window's maximum drawdown in percent of the running peak (<= 0)."""
    eq = equity_usd.loc[w.start : w.end].to_numpy(float)
    if len(eq) < 2:
        return math.nan
    return float(np.min(eq / np.maximum.accumulate(eq) - 1.0)) * 100.0


def window_table(run: RunData, windows: list[Window], books: dict[str, pd.Series]) -> pd.DataFrame:
    """Return per window: each book's return %, max drawdown % and loss % of capital; hedge P&L."""
    hedge_pnl = run.equity[run.hedge_pnl_columns].sum(axis=1) if run.hedge_pnl_columns else None
    rows = []
    for w in windows:
        row: dict[str, object] = {
            "window": w.name + (" (partial)" if w.partial else ""),
            "kind": w.kind,
            "start": str(w.start.date()),
            "end": str(w.end.date()),
        }
        for name, eq in books.items():
            row[f"{name}_return_pct"] = window_return_pct(eq, w)
            row[f"{name}_max_dd_pct"] = window_max_dd_pct(eq, w)
            row[f"{name}_loss_pct_of_capital"] = (
                window_loss_usd(eq, w) / run.capital_base_usd * 100.0
            )
        # The base day's P&L happened before the window, so it is left out.
        row["hedge_pnl_usd"] = (
            float(hedge_pnl.loc[w.start : w.end].iloc[1:].sum()) if hedge_pnl is not None else 0.0
        )
        rows.append(row)
    return pd.DataFrame(rows)


def event_study(run: RunData, events: pd.DataFrame) -> pd.DataFrame:
    """Return one row per FOMC/CPI/PPI event session: market moves and the books' P&L that day.

    Columns: ``kind``, ``date`` (the session), ``spx_move_pct``, ``vix_change``, ``vx1_change``
    (close to close from the session before), ``condor_pnl_usd`` (sum of the tiers),
    ``hedge_pnl_usd`` (sum of the hedge layers).
    """
    eq = run.equity
    ev = event_sessions(eq.index, events)
    ev = ev[ev["kind"].isin(EVENT_KINDS)]
    cols = ["kind", "date", "spx_move_pct", "vix_change", "vx1_change"]
    cols += ["condor_pnl_usd", "hedge_pnl_usd"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    p = ev["pos"].to_numpy()

    def change(col: str) -> np.ndarray:
        if col not in eq.columns:
            return np.full(len(p), np.nan)
        v = eq[col].to_numpy(float)
        return v[p] - v[p - 1]

    spx = eq["spx"].to_numpy(float) if "spx" in eq.columns else np.full(len(eq), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        spx_move = (spx[p] / spx[p - 1] - 1.0) * 100.0
    tiers = eq[run.tier_pnl_columns].sum(axis=1).to_numpy(float)
    hedge = (
        eq[run.hedge_pnl_columns].sum(axis=1).to_numpy(float)
        if run.hedge_pnl_columns
        else np.zeros(len(eq))
    )
    return pd.DataFrame(
        {
            "kind": ev["kind"].to_numpy(),
            "date": [str(d.date()) for d in ev["session"]],
            "spx_move_pct": spx_move,
            "vix_change": change("vix"),
            "vx1_change": change("vx1"),
            "condor_pnl_usd": tiers[p],
            "hedge_pnl_usd": hedge[p],
        }
    )


def event_study_means(study: pd.DataFrame) -> pd.DataFrame:
    """Return the event study averaged by kind (with the count and mean |SPX move|)."""
    if study.empty:
        return pd.DataFrame(
            columns=["kind", "n", "spx_move_pct", "abs_spx_move_pct", "vix_change", "vx1_change"]
        )
    s = study.assign(abs_spx_move_pct=study["spx_move_pct"].abs())
    num = ["spx_move_pct", "abs_spx_move_pct", "vix_change", "vx1_change"]
    num += ["condor_pnl_usd", "hedge_pnl_usd"]
    g = s.groupby("kind", sort=True)
    means = g[num].mean()
    means.insert(0, "n", g.size())
    return means.reset_index()
