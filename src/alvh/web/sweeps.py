"""Read a sweep folder (``alvh sweep --out DIR``) for the Sweep pages, cached by file version.

Columns are read defensively: the table's own columns decide what is shown (a column a newer
``alvh sweep`` adds, such as a per-row claim verdict, appears without a change here), the
varied keys come from ``sweep.json``, and ``luck.json`` and ``walk_forward.json`` are optional.
Nothing is recomputed that the sweep wrote, except the two walk-forward curves, which
``walk_forward.json`` describes but does not hold (rebuilt here from the configs' equity files
with the same arithmetic, and checked against its totals in the tests).
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
from alvh.sweep.page import heat_frame
from alvh.web.data import _list, _plain, _stamp
from alvh.web.decimate import minmax_indices
from alvh.web.runs_index import RunRef, sweep_file

# Columns that identify a row rather than measure it.
ID_COLUMNS = ("index", "config_hash", "status", "error", "run_id", "data_id")
# Metrics where a smaller value is the better one (the heat map's colours are reversed).
LOWER_IS_BETTER = frozenset(
    {"volatility_pct", "hedge_cost_pct_per_month", "unhedged_volatility_pct"}
)
DEFAULT_SELECT = "sharpe"
MAX_TOP_ROWS = 2000


class SweepReadError(AlvhError):
    """A sweep folder file that exists but cannot be read as ``alvh sweep`` writes it."""


@lru_cache(maxsize=64)
def _json_cached(stamp: tuple[str, int, int]) -> Any:
    try:
        return json.loads(Path(stamp[0]).read_text())
    except (OSError, ValueError) as e:
        raise SweepReadError(f"{stamp[0]}: not readable as JSON ({e})") from e


def _json(ref: RunRef, name: str) -> dict[str, Any]:
    p = sweep_file(ref, name)
    if p is None:
        return {}
    out = _json_cached(_stamp(p))
    if not isinstance(out, dict):
        raise SweepReadError(f"{p}: expected a JSON object at the top level")
    return out


@lru_cache(maxsize=16)
def _table_cached(stamp: tuple[str, int, int]) -> pd.DataFrame:
    path = stamp[0]
    try:
        return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise SweepReadError(f"{path}: not readable as a results table ({e})") from e


def table(ref: RunRef) -> pd.DataFrame:
    """Return the sweep's results table (``results.parquet``, else ``results.csv``)."""
    for name in ("results.parquet", "results.csv"):
        p = sweep_file(ref, name)
        if p is not None:
            return _table_cached(_stamp(p))
    return pd.DataFrame()


def varied_keys(ref: RunRef, frame: pd.DataFrame | None = None) -> list[str]:
    """Return the varied config keys, in ``--vary`` order, that are columns of the table."""
    frame = table(ref) if frame is None else frame
    vary = _json(ref, "sweep.json").get("vary")
    keys = [str(v["key"]) for v in vary if isinstance(v, dict) and "key" in v] if vary else []
    return [k for k in keys if k in frame.columns]


def metric_columns(frame: pd.DataFrame, varied: list[str]) -> list[str]:
    """Return the numeric columns that measure a config (not its id, not a varied key)."""
    skip = set(ID_COLUMNS) | set(varied)
    return [
        str(c)
        for c in frame.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


def other_columns(frame: pd.DataFrame, varied: list[str]) -> list[str]:
    """Return the other non-id columns (text or yes/no: e.g. per-row claim verdicts)."""
    skip = set(ID_COLUMNS) | set(varied) | set(metric_columns(frame, varied))
    return [str(c) for c in frame.columns if c not in skip]


def _ok(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "ok"] if "status" in frame else frame


def luck(ref: RunRef) -> dict[str, Any]:
    """Return ``luck.json`` (empty when the sweep has none)."""
    return _json(ref, "luck.json")


def select_metric(ref: RunRef, frame: pd.DataFrame, metrics: list[str]) -> str | None:
    """Return the sweep's selection metric (``luck.json``'s), else Sharpe, else the first."""
    s = luck(ref).get("select")
    for cand in (s, DEFAULT_SELECT):
        if isinstance(cand, str) and cand in metrics:
            return cand
    return metrics[0] if metrics else None


def sweep_row(ref: RunRef) -> dict[str, Any]:
    """Return the Sweeps list row of one sweep: size, failures, keys, data, best config."""
    try:
        t = table(ref)
        varied = varied_keys(ref, t)
        metrics = metric_columns(t, varied)
        sel = select_metric(ref, t, metrics)
        lk = luck(ref)
        error = None
    except AlvhError as e:
        return {"key": ref.key, "error": str(e)}
    ok = _ok(t)
    best: dict[str, Any] = {}
    if sel is not None and len(ok) and ok[sel].notna().any():
        b = ok.loc[ok[sel].idxmax()]
        best = {"config_hash": str(b.get("config_hash", "")), "value": _num(b[sel])}
    data_ids = sorted({str(d) for d in t.get("data_id", pd.Series(dtype=object)).dropna() if d})
    return {
        "key": ref.key,
        "error": error,
        "configs": len(t),
        "ok": len(ok),
        "failed": len(t) - len(ok),
        "varied": varied,
        "data_ids": data_ids,
        "select": sel,
        "best": best,
        "dsr": _num(_get(lk, "deflated_sharpe", "dsr")),
        "pbo": _num(_get(lk, "pbo", "pbo")),
        "spa_p": _num(_get(lk, "spa", "p_consistent")),
        "walk_forward": sweep_file(ref, "walk_forward.json") is not None,
        "kept_runs": (ref.path / "runs").is_dir(),
    }


def _get(obj: object, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def heat(frame: pd.DataFrame, x: str, y: str, metric: str) -> dict[str, Any]:
    """Return the heat map of ``metric`` over keys ``x`` and ``y`` (ok configs only).

    Each cell is the mean over the configs with that pair of values (``alvh.sweep.page
    .heat_frame``, the same cells as ``sweep.html``); ``n`` counts them, so a cell averaging
    over the other varied keys says so. Rows are ``y`` values, columns ``x`` values, sorted.
    """
    ok = _ok(frame)
    if x == y:
        # One key on both axes: the diagonal holds each value's mean.
        ok = ok.assign(**{"__y": ok[x]})
        y_col = "__y"
    else:
        y_col = y
    hf = heat_frame(ok, x, y_col, metric)
    counts = ok.pivot_table(index=y_col, columns=x, values=metric, aggfunc="count", sort=True)
    counts = counts.reindex(index=hf.index, columns=hf.columns).fillna(0)
    return {
        "x_key": x,
        "y_key": y,
        "metric": metric,
        "x": [_label(c) for c in hf.columns],
        "y": [_label(i) for i in hf.index],
        "z": [_list(row, 6) for row in hf.to_numpy()],
        "n": [[int(v) for v in row] for row in counts.to_numpy()],
        "lower_is_better": metric in LOWER_IS_BETTER,
    }


def _label(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return f"{float(v):g}"
    return str(v)


def top_rows(frame: pd.DataFrame, sort: str | None, limit: int) -> list[dict[str, Any]]:
    """Return the ``limit`` ok configs with the largest ``sort`` value, then the failed ones.

    Ties keep grid order (the ``index`` column). Values are JSON-ready (NaN as None).
    """
    ok = _ok(frame)
    if sort is not None and sort in ok:
        by, asc = ([sort, "index"], [False, True]) if "index" in ok else ([sort], [False])
        ok = ok.sort_values(by, ascending=asc, kind="mergesort", na_position="last")
    rows = [_plain(r) for r in ok.head(limit).to_dict("records")]
    if "status" in frame:
        rows += [_plain(r) for r in frame[frame["status"] != "ok"].to_dict("records")]
    return rows


def run_keys(ref: RunRef, runs: dict[str, RunRef]) -> dict[str, str]:
    """Return config hash -> run key for the configs whose run directory was kept."""
    base = ref.path / "runs"
    out = {}
    for key, r in runs.items():
        if r.path.parent == base:
            out[r.path.name] = key
    return out


def _equity(ref: RunRef, config_hash: str, book: str = "hedged") -> pd.Series | None:
    p = sweep_file(ref, f"equity/{config_hash}.parquet")
    if p is None:
        return None
    return _equity_cached(_stamp(p), book)


@lru_cache(maxsize=64)
def _equity_cached(stamp: tuple[str, int, int], book: str) -> pd.Series | None:
    try:
        e = pd.read_parquet(stamp[0])
    except (OSError, ValueError) as exc:
        raise SweepReadError(f"{stamp[0]}: not readable as an equity file ({exc})") from exc
    col = f"{book}_equity_usd"
    if col not in e:
        return None
    s = e[col].astype(float)
    if "date" in e.columns:
        s.index = pd.to_datetime(e["date"])
    s.index = pd.DatetimeIndex(s.index)
    return s


def walk_forward_json(ref: RunRef) -> dict[str, Any]:
    """Return ``walk_forward.json`` (empty when the sweep has none)."""
    return _json(ref, "walk_forward.json")


def walk_forward(ref: RunRef, max_points: int | None = None) -> dict[str, Any]:
    """Return ``walk_forward.json`` and its two curves (cached per version of the file).

    See :func:`_walk_forward`.
    """
    p = sweep_file(ref, "walk_forward.json")
    return _walk_forward_cached(ref, _stamp(p), max_points) if p else {}


@lru_cache(maxsize=8)
def _walk_forward_cached(
    ref: RunRef, stamp: tuple[str, int, int], max_points: int | None
) -> dict[str, Any]:
    # The equity files a walk-forward names are written before its json and never rewritten.
    return _walk_forward(ref, max_points)


def _walk_forward(ref: RunRef, max_points: int | None = None) -> dict[str, Any]:
    """Return ``walk_forward.json`` and, rebuilt from the equity files, its two curves.

    The out-of-sample curve chains, window by window, the daily returns of the config chosen
    on the training window, from the last session before the test window to its last session;
    it starts at 1.0 on the last session before the first test window. The in-sample best's
    curve is that config's equity over the same sessions, over its value there. Both are what
    ``alvh sweep --walk-forward`` summarises (``out_of_sample``, ``insample_best_same_sessions``).
    """
    wf = _json(ref, "walk_forward.json")
    if not wf:
        return {}
    windows = [w for w in wf.get("windows") or [] if isinstance(w, dict)]
    out: dict[str, Any] = {"json": wf, "curves": {}}
    parts: list[pd.Series] = []
    first_base = None
    for w in windows:
        eq = _equity(ref, str(w.get("selected")))
        if eq is None:
            return out | {"curves_missing": f"equity/{w.get('selected')}.parquet"}
        t0, t1 = pd.Timestamp(w["test_start"]), pd.Timestamp(w["test_end"])
        before = eq.index[eq.index < t0]
        if not len(before):
            continue
        base = before[-1]
        first_base = base if first_base is None else first_base
        parts.append(eq.loc[base:t1].pct_change().iloc[1:])
    if not parts or first_base is None:
        return out
    r = pd.concat(parts)
    oos = pd.concat([pd.Series([1.0], index=[first_base]), (1.0 + r).cumprod()])
    out["curves"]["out_of_sample"] = _thin(oos, max_points, "growth")
    ib_hash = wf.get("insample_best")
    ib = _equity(ref, str(ib_hash)) if ib_hash else None
    if ib is not None:
        ib = ib.loc[first_base : oos.index[-1]]
        out["curves"]["insample_best"] = _thin(ib / ib.iloc[0], max_points, "growth")
    return out


def _thin(s: pd.Series, max_points: int | None, name: str) -> dict[str, Any]:
    """Return a curve as ``dates`` and ``name`` lists, thinned to ``max_points`` if given.

    Thinning keeps each bucket's high and low (:func:`alvh.web.decimate.minmax_indices`).
    """
    v = s.to_numpy(dtype=float)
    idx = np.arange(len(v)) if max_points is None else minmax_indices(v, max_points)
    return {
        "dates": [d.strftime("%Y-%m-%d") for d in s.index[idx]],
        name: _list(v[idx], 6),
    }


def equity_curves(ref: RunRef, hashes: list[str], max_points: int | None = None) -> dict[str, Any]:
    """Return the hedged equity (USD) of the given configs, by config hash (thinned if asked)."""
    out = {}
    for h in hashes:
        e = _equity(ref, h)
        if e is not None:
            out[h] = _thin(e, max_points, "equity_usd")
    return out
