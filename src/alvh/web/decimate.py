"""Thin a run's chart series for drawing, keeping every extreme (the run page's speed).

A 20-year run has about 5,200 sessions; a chart 1,400 pixels wide cannot show more than one
session per pixel, and plotly.js spends most of the run page's time drawing them (measured in
docs/web.md: 0.5-1.1 s for the equity and drawdown chart at full length, 0.3-0.4 s at 1,200
points a trace). Two rules, both keeping the first and last session:

- **min-max per bucket** (line charts: equity, drawdown, VIX, costs): the sessions are cut into
  ``max_points // 2`` equal buckets and each bucket keeps the session of its minimum and of its
  maximum. Every peak and trough is drawn at its true value and date (the max drawdown's trough,
  the equity peak), so the envelope is exact at the chart's resolution; only the path between a
  bucket's two extremes is straightened. (Chart.js's "min-max" decimation is the same rule.)
- **change points** (step charts: hedge layers, drawn with ``shape: "hv"``): a session is kept
  when its value differs from the previous session's. This is lossless for a step line.

A window (``start``/``end``) is thinned on its own sessions, so zooming in re-reads the run at a
finer step, and at ``max_points`` sessions or fewer nothing is dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_MAX_POINTS = 800


def minmax_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Return the sorted indices kept: first, last, and each bucket's argmin and argmax.

    NaN values are skipped (a bucket of NaN keeps its first index). With ``len(values) <=
    max_points`` every index is kept.
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n <= max_points:
        return np.arange(n)
    n_buckets = max(1, (max_points - 2) // 2)
    edges = np.unique(np.linspace(0, n, n_buckets + 1).astype(int))
    bucket = np.repeat(np.arange(len(edges) - 1), np.diff(edges))
    # Sorting by (bucket, value) puts each bucket's minimum first; lexsort is stable, so a tie
    # (or a bucket of NaN, sorted as +inf) keeps the earliest session.
    low = np.where(np.isnan(v), np.inf, v)
    high = np.where(np.isnan(v), np.inf, -v)
    starts = edges[:-1]
    argmin = np.lexsort((low, bucket))[starts]
    argmax = np.lexsort((high, bucket))[starts]
    return np.unique(np.concatenate([[0, n - 1], argmin, argmax]))


def change_indices(values: np.ndarray) -> np.ndarray:
    """Return the indices where the value differs from the previous one, plus first and last."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n == 0:
        return np.arange(0)
    same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
    idx = np.flatnonzero(~same) + 1
    return np.unique(np.concatenate([[0], idx, [n - 1]]))


def _trace(dates: list[str], values: list[float | None], idx: np.ndarray) -> dict[str, Any]:
    return {"x": [dates[i] for i in idx], "y": [values[i] for i in idx]}


def _window(dates: list[str], start: str | None, end: str | None) -> tuple[int, int]:
    d = np.asarray(dates)
    lo = int(np.searchsorted(d, start, side="left")) if start else 0
    hi = int(np.searchsorted(d, end, side="right")) if end else len(dates)
    return lo, hi


def series_view(
    full: dict[str, Any], max_points: int, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Return the run page's chart series over [start, end], thinned to ``max_points`` a trace.

    ``full`` is :func:`alvh.web.data.series`'s output (every session). Each line trace becomes
    ``{"x": dates, "y": values}``; monthly returns, P&L by source and the layer changes (inside
    the window) are passed on whole; ``view`` says what was kept.
    """
    dates: list[str] = full["dates"]
    lo, hi = _window(dates, start, end)
    d = dates[lo:hi]

    def line(vals: list[float | None]) -> dict[str, Any]:
        v = vals[lo:hi]
        arr = np.array([np.nan if x is None else x for x in v], dtype=float)
        return _trace(d, v, minmax_indices(arr, max_points))

    def step(vals: list[float | None]) -> dict[str, Any]:
        v = vals[lo:hi]
        arr = np.array([np.nan if x is None else x for x in v], dtype=float)
        return _trace(d, v, change_indices(arr))

    books = {
        b: {k: line(v) for k, v in series.items()} for b, series in full.get("books", {}).items()
    }
    out: dict[str, Any] = {
        "view": {
            "start": d[0] if d else None,
            "end": d[-1] if d else None,
            "sessions": len(d),
            "max_points_per_trace": max_points,
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "rule": "min-max per bucket for lines, change points for hedge layers",
        },
        "books": books,
        "market": {k: line(v) for k, v in full.get("market", {}).items()},
        "layers": {k: step(v) for k, v in full.get("layers", {}).items()},
        "layers_unit": full.get("layers_unit"),
        "monthly": full.get("monthly", {}),
        "pnl_total_usd": full.get("pnl_total_usd", {}),
    }
    if "costs_cum_usd" in full:
        out["costs_cum_usd"] = line(full["costs_cum_usd"])
    vix = full.get("market", {}).get("vix")
    at = {dates[i]: vix[i] for i in range(lo, hi)} if vix else {}
    out["layer_changes"] = [
        c | {"vix": at.get(c["date"])}
        for c in full.get("layer_changes", [])
        if (not d or d[0] <= c["date"] <= d[-1])
    ]
    return out
