"""P&L attribution over named windows: what each condor tier and hedge layer earned, and a reference.

- ``layer_pnl_by_window(daily, windows)``: sums a run's daily attribution columns
  (``pnl_tier_*_usd``, ``pnl_hedge_*_usd``, ``costs_usd``; see docs/results-format.md) over each
  window. What the rules did.
- ``front_vx_daily_pnl(vx_settlements)`` and ``front_vx_pnl_by_window(vx_settlements, windows)``:
  a constant long position of one front-month VX future, rolled monthly, from the settlements
  alone. What the instrument does, whatever the rules decide; the yardstick for the futures layer.

A window ``(start, end)`` holds the sessions ``start <= date <= end``; a session's P&L is earned
from the previous close to its close, so a window's sum runs from the close before ``start`` to
the close of ``end``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from alvh.errors import NoDataError
from alvh.market.vxcurve import VX_MULTIPLIER_USD

HEDGE_LAYER_COLUMNS = (
    "pnl_hedge_vx_futures_usd",
    "pnl_hedge_vix_calls_usd",
    "pnl_hedge_vix_etf_usd",
)
COSTS_COLUMN = "costs_usd"

Windows = Mapping[str, tuple[date, date]]


def attribution_columns(daily: pd.DataFrame) -> list[str]:
    """Return the attribution columns of a run's daily frame, tiers first, then layers, costs."""
    tiers = [c for c in daily.columns if c.startswith("pnl_tier_") and c.endswith("_usd")]
    layers = [c for c in HEDGE_LAYER_COLUMNS if c in daily.columns]
    costs = [COSTS_COLUMN] if COSTS_COLUMN in daily.columns else []
    return tiers + layers + costs


def _bounds(name: str, span: tuple[date, date]) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = (pd.Timestamp(x) for x in span)
    if start > end:
        raise ValueError(f"window {name!r}: start {start.date()} is after end {end.date()}")
    return start, end


def layer_pnl_by_window(daily: pd.DataFrame, windows: Windows) -> pd.DataFrame:
    """Sum the daily P&L attribution columns over each window.

    Parameters
    ----------
    daily
        A run's daily frame (``BacktestResult.daily`` or ``equity.csv`` read with its ``date``
        column as a DatetimeIndex) with ``pnl_tier_*_usd``, ``pnl_hedge_vx_futures_usd``,
        ``pnl_hedge_vix_calls_usd``, ``pnl_hedge_vix_etf_usd`` and ``costs_usd``.
    windows
        Window name -> (first date, last date), both inclusive.

    Returns
    -------
    pd.DataFrame
        One row per window (in the given order, indexed by name): ``start``, ``end``,
        ``sessions`` (sessions of ``daily`` inside the window) and the USD sum of each
        attribution column. A window with no session has NaN sums, not zeros.

    Notes
    -----
    ``costs_usd`` is already inside the tier and layer P&L (each fill pays its fees and spread
    out of its own tier or layer); it is summed to show how much of the P&L was costs and must
    not be subtracted again.

    Raises
    ------
    ValueError
        If a window starts after it ends.
    NoDataError
        If ``daily`` has no attribution column.
    """
    cols = attribution_columns(daily)
    if not cols:
        raise NoDataError(
            "daily frame has no attribution columns (pnl_tier_*_usd, pnl_hedge_*_usd, costs_usd)"
        )
    idx = pd.DatetimeIndex(daily.index)
    rows: list[dict[str, object]] = []
    for name, span in windows.items():
        start, end = _bounds(name, span)
        inside = (idx >= start) & (idx <= end)
        n = int(inside.sum())
        sums = daily.loc[inside, cols].sum() if n else pd.Series(math.nan, index=cols)
        rows.append({"window": name, "start": start, "end": end, "sessions": n} | sums.to_dict())
    return pd.DataFrame(rows, columns=["window", "start", "end", "sessions", *cols]).set_index(
        "window"
    )


def front_vx_daily_pnl(vx_settlements: pd.DataFrame) -> pd.DataFrame:
    """Return the daily P&L of a constant long 1 front-month VX future, rolled monthly.

    The position held from the close of session t to the close of the next session t+1 is the
    listed contract with the earliest expiry strictly after t+1. So the front contract is held
    to the close of the session before its final settlement and then rolled into the next one
    at that close (at settlement prices, no costs); the SOQ itself is never needed.

    Parameters
    ----------
    vx_settlements
        Rows ``date, contract, expiry, settle`` (the canonical ``vx_settlements`` table), one
        row per listed contract and trade date; the sessions are its distinct dates.

    Returns
    -------
    pd.DataFrame
        Indexed by the session t+1 on which the P&L is earned: ``contract`` held,
        ``settle_prev`` (its settle at t), ``settle`` (at t+1) and ``pnl_vx_pts``
        (``settle - settle_prev``, VIX points per contract).

    Raises
    ------
    NoDataError
        If a session has no contract expiring after the next session, or the held contract
        has no settle on the next session.
    """
    vx = vx_settlements[["date", "contract", "expiry", "settle"]].copy()
    vx["date"] = pd.to_datetime(vx["date"])
    vx["expiry"] = pd.to_datetime(vx["expiry"])
    sessions = np.sort(vx["date"].unique())
    if len(sessions) < 2:
        raise NoDataError("VX settlements: need at least two sessions for a daily P&L")
    nxt = pd.Series(sessions[1:], index=pd.DatetimeIndex(sessions[:-1]))
    vx = vx[vx["date"].isin(nxt.index)]
    vx = vx.assign(next_date=nxt.reindex(vx["date"]).to_numpy())
    live = vx[vx["expiry"] > vx["next_date"]]
    held = live.sort_values(["date", "expiry"], kind="mergesort").groupby("date").head(1)
    missing_front = nxt.index.difference(pd.DatetimeIndex(held["date"]))
    if len(missing_front):
        d = missing_front[0].date()
        raise NoDataError(f"VX settlements on {d}: no contract expires after the next session")
    later = vx_settlements[["date", "contract", "settle"]].copy()
    later["date"] = pd.to_datetime(later["date"])
    out = held.merge(
        later.rename(columns={"date": "next_date", "settle": "settle_next"}),
        on=["next_date", "contract"],
        how="left",
    )
    gap = out[out["settle_next"].isna()]
    if len(gap):
        r = gap.iloc[0]
        raise NoDataError(
            f"VX settlements: {r['contract']} held from {r['date'].date()} has no settle "
            f"on the next session {r['next_date'].date()}"
        )
    frame = pd.DataFrame(
        {
            "contract": out["contract"].to_numpy(),
            "settle_prev": out["settle"].to_numpy(np.float64),
            "settle": out["settle_next"].to_numpy(np.float64),
        },
        index=pd.DatetimeIndex(out["next_date"], name="date"),
    )
    frame["pnl_vx_pts"] = frame["settle"] - frame["settle_prev"]
    return frame


def front_vx_pnl_by_window(
    vx_settlements: pd.DataFrame, windows: Windows, multiplier_usd: float = VX_MULTIPLIER_USD
) -> pd.DataFrame:
    """Sum the constant-front-VX reference P&L (``front_vx_daily_pnl``) over each window.

    Parameters
    ----------
    vx_settlements
        Rows ``date, contract, expiry, settle``.
    windows
        Window name -> (first date, last date), both inclusive.
    multiplier_usd
        USD per VIX point per contract (VX 1000, VXM 100).

    Returns
    -------
    pd.DataFrame
        One row per window: ``start``, ``end``, ``sessions``, ``contracts`` (the contracts held,
        space-separated, in order), ``pnl_vx_pts`` and ``pnl_usd_per_contract``; NaN P&L for a
        window with no session.
    """
    daily = front_vx_daily_pnl(vx_settlements)
    rows: list[dict[str, object]] = []
    for name, span in windows.items():
        start, end = _bounds(name, span)
        w = daily.loc[(daily.index >= start) & (daily.index <= end)]
        pts = float(w["pnl_vx_pts"].sum()) if len(w) else math.nan
        rows.append(
            {
                "window": name,
                "start": start,
                "end": end,
                "sessions": len(w),
                "contracts": " ".join(dict.fromkeys(w["contract"])),
                "pnl_vx_pts": pts,
                "pnl_usd_per_contract": pts * multiplier_usd,
            }
        )
    return pd.DataFrame(rows).set_index("window")
