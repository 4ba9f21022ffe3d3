"""Read a run directory's summary and CSVs for the pages (cached by file mtime and size).

Summary fields are read defensively: a field another version of alvh does not write shows as
blank, never as an error. All amounts are as written by ``alvh backtest`` (USD, percent).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alvh.errors import AlvhError
from alvh.web import decimate
from alvh.web.runs_index import RunRef, run_file

BOOKS = ("hedged", "unhedged")
LAYERS = ("vx_futures", "vix_calls", "vix_etf")


class RunReadError(AlvhError):
    """A run file that exists but cannot be read as the format in docs/results-format.md."""


def get(obj: object, *keys: str) -> Any:
    """Return ``obj[k1][k2]...`` or None when any level is missing or not a mapping."""
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _stamp(p: Path) -> tuple[str, int, int]:
    st = p.stat()
    return (str(p), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _summary_cached(stamp: tuple[str, int, int]) -> dict[str, Any]:
    try:
        out = json.loads(Path(stamp[0]).read_text())
    except (OSError, ValueError) as e:
        raise RunReadError(f"{stamp[0]}: not readable as JSON ({e})") from e
    if not isinstance(out, dict):
        raise RunReadError(f"{stamp[0]}: expected a JSON object at the top level")
    return out


def summary(ref: RunRef) -> dict[str, Any]:
    """Return the run's summary.json as a dict (empty if missing)."""
    p = run_file(ref, "summary.json")
    return _summary_cached(_stamp(p)) if p else {}


@lru_cache(maxsize=32)
def _csv_cached(stamp: tuple[str, int, int]) -> pd.DataFrame:
    try:
        return pd.read_csv(stamp[0])
    except (OSError, ValueError) as e:
        raise RunReadError(f"{stamp[0]}: not readable as CSV ({e})") from e


def table(ref: RunRef, name: str) -> pd.DataFrame:
    """Return one of the run's CSV files (an empty frame if the file is absent)."""
    p = run_file(ref, name)
    if p is None:
        return pd.DataFrame()
    return _csv_cached(_stamp(p))


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(v) else None


def run_row(ref: RunRef) -> dict[str, Any]:
    """Return the Runs page row of one run: identity, period and headline metrics."""
    try:
        s = summary(ref)
        error = None
    except AlvhError as e:
        # One unreadable run must not hide the others: it is listed with the reason.
        s, error = {}, str(e)
    row: dict[str, Any] = {
        "key": ref.key,
        "error": error,
        "run_id": get(s, "run_id"),
        "data_kind": get(s, "data", "kind"),
        "data_id": get(s, "data", "data_id"),
        "data_description": get(s, "data", "description"),
        "start": get(s, "period", "start"),
        "end": get(s, "period", "end"),
        "sessions": get(s, "sessions"),
        "preset": get(s, "config", "name"),
        "hedge": get(s, "config", "hedge", "preset") or get(s, "definitions", "hedge"),
        "notional_base": get(s, "definitions", "notional_base"),
        "version": get(s, "alvh_version"),
    }
    for b in BOOKS:
        m = get(s, "books", b)
        row[f"{b}_cagr_pct"] = _num(get(m, "cagr_pct"))
        row[f"{b}_max_drawdown_pct"] = _num(get(m, "max_drawdown", "max_drawdown_pct"))
        row[f"{b}_sharpe"] = _num(get(m, "sharpe"))
        row[f"{b}_volatility_pct"] = _num(get(m, "volatility_pct"))
        row[f"{b}_worst_month_pct"] = _num(get(m, "worst_month_pct"))
        row[f"{b}_end_equity_usd"] = _num(get(m, "end_equity_usd"))
    # Hedged minus unhedged, in percentage points: what the hedge cost in growth and what it
    # saved in the worst drawdown (drawdowns are negative, so a positive difference is less).
    for name in ("cagr_pct", "max_drawdown_pct"):
        h, u = row[f"hedged_{name}"], row[f"unhedged_{name}"]
        row[f"diff_{name}"] = None if h is None or u is None else h - u
    return row


def _list(values: object, digits: int = 6) -> list[float | None]:
    """Return floats rounded to ``digits`` as a JSON-ready list (non-finite as None)."""
    a = np.round(np.asarray(values, dtype=float), digits)
    out: list[float | None] = a.tolist()
    if not np.isfinite(a).all():
        out = [v if math.isfinite(v) else None for v in a.tolist()]
    return out


def _col(frame: pd.DataFrame, name: str) -> list[float | None]:
    return _list(frame[name]) if name in frame else []


def series(ref: RunRef) -> dict[str, Any]:
    """Return every chart series of the run page (cached per version of the run's files).

    See :func:`_series` for the definitions.
    """
    stamps = tuple(_stamp(p) for n in ("equity.csv", "hedge_layers.csv") if (p := run_file(ref, n)))
    return _series_cached(ref, stamps)


@lru_cache(maxsize=8)
def _series_cached(ref: RunRef, stamps: tuple[tuple[str, int, int], ...]) -> dict[str, Any]:
    return _series(ref)


def series_view(
    ref: RunRef, max_points: int, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Return the chart series thinned for drawing (:func:`alvh.web.decimate.series_view`)."""
    stamps = tuple(_stamp(p) for n in ("equity.csv", "hedge_layers.csv") if (p := run_file(ref, n)))
    return _view_cached(ref, stamps, max_points, start, end)


@lru_cache(maxsize=32)
def _view_cached(
    ref: RunRef,
    stamps: tuple[tuple[str, int, int], ...],
    max_points: int,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    return decimate.series_view(_series_cached(ref, stamps), max_points, start, end)


def _series(ref: RunRef) -> dict[str, Any]:
    """Return every chart series of the run page (JSON-ready lists, dates as ISO strings).

    Drawdown is equity over its running peak minus one, in percent. Monthly returns are
    month-end equity over the previous month-end (the first month over the start equity), in
    percent. Costs are the cumulative ``costs_usd`` column (already inside the P&L; shown, not
    subtracted again). Layer changes are the sessions where a layer's contract count changes.
    """
    eq = table(ref, "equity.csv")
    out: dict[str, Any] = {"dates": [], "books": {}, "market": {}, "layers": {}, "monthly": {}}
    if eq.empty or "date" not in eq:
        return out
    dates = pd.to_datetime(eq["date"])
    out["dates"] = dates.dt.strftime("%Y-%m-%d").tolist()
    for b in BOOKS:
        col = f"{b}_equity_usd"
        if col not in eq:
            continue
        e = eq[col].astype(float)
        dd = (e / e.cummax() - 1.0) * 100.0
        m = pd.Series(e.to_numpy(), index=dates).resample("ME").last().dropna()
        prev = m.shift(1)
        prev.iloc[0] = float(e.iloc[0])
        ret = (m / prev - 1.0) * 100.0
        out["books"][b] = {
            "equity_usd": _col(eq, col),
            "drawdown_pct": _list(dd.fillna(0.0)),
        }
        out["monthly"][b] = {p.strftime("%Y-%m"): round(float(v), 4) for p, v in ret.items()}
    for c in ("spx", "vix", "vx1", "vx2"):
        if c in eq:
            out["market"][c] = _col(eq, c)
    if "costs_usd" in eq:
        out["costs_cum_usd"] = _list(eq["costs_usd"].fillna(0.0).cumsum(), 2)
    pnl = {}
    for name in [c for c in eq.columns if c.startswith("pnl_")]:
        pnl[name.removeprefix("pnl_").removesuffix("_usd")] = round(float(eq[name].sum()), 2)
    out["pnl_total_usd"] = pnl
    hl = table(ref, "hedge_layers.csv")
    changes: list[dict[str, Any]] = []
    if not hl.empty and {"date", "layer", "contracts"} <= set(hl.columns):
        wide = hl.pivot_table(index="date", columns="layer", values="contracts", aggfunc="sum")
        wide = wide.reindex(out["dates"]).fillna(0.0)
        # Layers are charted in one unit they share: VIX vega (USD per VIX point) when the
        # run wrote it; else contract counts, charted one layer per panel because 3 futures
        # and 3,000 ETF shares are not comparable (a futures market value is only its P&L).
        size_col = "vega_usd_per_vol_pt" if "vega_usd_per_vol_pt" in hl else "contracts"
        size = hl.pivot_table(index="date", columns="layer", values=size_col, aggfunc="sum")
        size = size.reindex(out["dates"]).fillna(0.0)
        out["layers_unit"] = "vega $ per VIX point" if size_col.startswith("vega") else "contracts"
        for layer in size.columns:
            out["layers"][str(layer)] = _list(size[layer], 4)
        diff = wide.diff().fillna(wide).stack()
        diff = diff[diff.abs() > 1e-9]
        changes = [
            {"date": str(d), "layer": str(layer), "change": round(float(v), 6)}
            for (d, layer), v in diff.items()
        ]
    out["layer_changes"] = changes
    return out


def positions_on(ref: RunRef, day: str) -> list[dict[str, Any]]:
    """Return the condors held at the close of ``day`` (opened on or before, not yet closed)."""
    c = table(ref, "condors.csv")
    if c.empty or "open_date" not in c:
        return []
    close = c["close_date"].fillna("9999-12-31") if "close_date" in c else "9999-12-31"
    held = c[(c["open_date"] <= day) & (close > day)]
    return [_plain(r) for r in held.to_dict("records")]


def hedges_on(ref: RunRef, day: str) -> list[dict[str, Any]]:
    """Return the hedge layers held at the close of ``day`` (hedge_layers.csv rows)."""
    h = table(ref, "hedge_layers.csv")
    if h.empty or "date" not in h:
        return []
    return [_plain(r) for r in h[h["date"] == day].to_dict("records")]


def orders_on(ref: RunRef, day: str) -> list[dict[str, Any]]:
    """Return the fills of ``day`` (trades.csv rows: the orders decided, filled next close)."""
    t = table(ref, "trades.csv")
    if t.empty or "date" not in t:
        return []
    return [_plain(r) for r in t[t["date"] == day].to_dict("records")]


# The run-directory CSVs a page links for download (docs/results-format.md).
DOWNLOADS = ("orders.csv", "trades.csv", "equity.csv", "condors.csv", "hedge_layers.csv")


def decided_on(ref: RunRef, day: str) -> list[dict[str, Any]] | None:
    """Return the orders decided at ``day``'s close (orders.csv rows dated ``day``), None when
    the run wrote no orders.csv (runs made before it existed)."""
    if run_file(ref, "orders.csv") is None:
        return None
    t = table(ref, "orders.csv")
    if t.empty or "date" not in t:
        return []
    return [_plain(r) for r in t[t["date"] == day].to_dict("records")]


def equity_on(ref: RunRef, day: str) -> dict[str, Any]:
    """Return the equity.csv row of ``day`` (empty if it is not a session of the run)."""
    eq = table(ref, "equity.csv")
    if eq.empty or "date" not in eq:
        return {}
    rows = eq[eq["date"] == day]
    return _plain(rows.iloc[0].to_dict()) if len(rows) else {}


def greeks_on(equity_row: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the greeks and margin at a close, one row per book and per condor tier.

    From equity.csv: delta in USD per +1.00 SPX point, vega in USD per vol point, theta in USD
    per day (the hedged book's vega adds the hedge's VIX vega; delta and theta are the
    condors'). Columns a run did not write are None.
    """
    rows = []
    for b in BOOKS:
        if f"{b}_equity_usd" in equity_row:
            rows.append(
                {
                    "name": f"{b} book",
                    "margin_usd": equity_row.get(f"{b}_margin_usd"),
                    "delta_usd": equity_row.get(f"{b}_delta_usd"),
                    "vega_usd_per_vol_pt": equity_row.get(f"{b}_vega_usd_per_vol_pt"),
                    "theta_usd_per_day": equity_row.get(f"{b}_theta_usd_per_day"),
                }
            )
    tiers = [k[5:-10] for k in equity_row if k.startswith("tier_") and k.endswith("_delta_usd")]
    for t in tiers:
        rows.append(
            {
                "name": f"tier {t}",
                "margin_usd": None,
                "delta_usd": equity_row.get(f"tier_{t}_delta_usd"),
                "vega_usd_per_vol_pt": equity_row.get(f"tier_{t}_vega_usd_per_vol_pt"),
                "theta_usd_per_day": equity_row.get(f"tier_{t}_theta_usd_per_day"),
            }
        )
    return rows


def metric_rows(summary_: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every scalar metric of the books in summary.json, hedged beside unhedged.

    Nested tables are flattened with dots (``max_drawdown.peak_date``), so fields a newer
    version adds show up without a change here.
    """

    def flat(obj: object, prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(obj, dict):
            for k, v in obj.items():
                out |= flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v}
        return out

    books = {b: flat(get(summary_, "books", b)) for b in BOOKS}
    names = sorted(set(books["hedged"]) | set(books["unhedged"]))
    return [
        {"name": n, **{b: books[b].get(n) for b in BOOKS}}
        for n in names
        if all(not isinstance(books[b].get(n), list | dict) for b in BOOKS)
    ]


def _plain(r: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in r.items():
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        out[str(k)] = v
    return out
