"""Walk-forward selection over a finished sweep: pick on each training window, apply to the next.

For each window the config with the best ``select`` metric over the training sessions is
chosen, and its returns over the following test sessions are stitched into one out-of-sample
equity curve, reported beside the in-sample best (the config best over the whole period) over
the same test sessions.

Assumption (written into ``walk_forward.json``): each config's returns are those of its one
continuous backtest over the sweep period (``equity/<hash>.parquet``), so a test window starts
with the positions that config held at the end of its training window, as a trader who switches
settings would have, rather than from a flat book. No run is repeated.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alvh.errors import ConfigError
from alvh.report import metrics
from alvh.sweep.luck import check_select
from alvh.sweep.results import _atomic_write

_SPEC = re.compile(r"^\s*train\s*=\s*(\d+)\s*([ym])\s*,\s*test\s*=\s*(\d+)\s*([ym])\s*$")


@dataclass(frozen=True)
class WalkForwardSpec:
    """Training and test window lengths in months."""

    train_months: int
    test_months: int


def parse_walk_forward(text: str) -> WalkForwardSpec:
    """Return the spec of ``train=5y,test=1y`` (``y`` years or ``m`` months)."""
    m = _SPEC.match(text)
    if not m:
        raise ConfigError("--walk-forward", text, "train=Ny,test=My (or months: train=18m,test=6m)")
    tr = int(m.group(1)) * (12 if m.group(2) == "y" else 1)
    te = int(m.group(3)) * (12 if m.group(4) == "y" else 1)
    if tr < 1 or te < 1:
        raise ConfigError("--walk-forward", text, "windows of at least one month")
    return WalkForwardSpec(tr, te)


def metric_of(equity: pd.Series, select: str) -> float:
    """Return the ``select`` metric of an equity curve (the summary.json definitions)."""
    if select == "sharpe":
        return metrics.sharpe(equity).value
    if select == "sortino":
        return metrics.sortino(equity).value
    if select == "cagr_pct":
        return metrics.cagr(equity).value
    if select == "calmar":
        return metrics.calmar(equity).value
    if select == "max_drawdown_pct":
        return metrics.max_drawdown(equity).max_drawdown_pct
    if select == "worst_month_pct":
        return metrics.worst_month(equity)[0].value
    # end_equity_usd: over a window, the growth of equity
    return float(equity.iloc[-1] / equity.iloc[0]) if len(equity) else math.nan


def _best(equity: dict[str, pd.Series], select: str) -> tuple[str | None, float]:
    best, best_v = None, -math.inf
    for h, eq in equity.items():  # grid order: the first wins a tie
        v = metric_of(eq, select)
        if math.isfinite(v) and v > best_v:
            best, best_v = h, v
    return best, best_v


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def walk_forward(
    out: Path, table: pd.DataFrame, spec: WalkForwardSpec, select: str = "sharpe"
) -> dict[str, Any]:
    """Run the walk-forward selection on a sweep folder; write walk_forward.csv and .json.

    Returns the content of ``walk_forward.json``: the windows, the stitched out-of-sample book's
    CAGR, Sharpe and max drawdown, and the in-sample best config's over the same sessions.
    """
    check_select(select)
    ok = table[table["status"] == "ok"]
    eqs = {
        str(h): pd.read_parquet(out / "equity" / f"{h}.parquet")["hedged_equity_usd"]
        for h in ok["config_hash"]
    }
    if not eqs:
        raise ConfigError("--walk-forward", None, "a sweep with at least one finished config")
    idx = next(iter(eqs.values())).index
    start, last = idx[0], idx[-1]
    windows: list[dict[str, Any]] = []
    oos: list[pd.Series] = []
    insample_best = (
        str(ok.loc[ok[select].idxmax(), "config_hash"]) if ok[select].notna().any() else None
    )
    k = 0
    while True:
        tr0 = start + pd.DateOffset(months=k * spec.test_months)
        te0 = tr0 + pd.DateOffset(months=spec.train_months)
        te1 = te0 + pd.DateOffset(months=spec.test_months)
        if te0 > last:
            break
        train = {h: e[(e.index >= tr0) & (e.index < te0)] for h, e in eqs.items()}
        chosen, v = _best(train, select)
        test_sess = idx[(idx >= te0) & (idx < te1)]
        if chosen is None or len(test_sess) == 0:
            break
        # The session before the test window is the base of its first return.
        base = idx[idx < te0][-1]
        seg = eqs[chosen].loc[base : test_sess[-1]]
        r = seg.pct_change().iloc[1:]
        oos.append(r)
        row = {
            "window": k,
            "train_start": str(tr0.date()),
            "test_start": str(test_sess[0].date()),
            "test_end": str(test_sess[-1].date()),
            "selected": chosen,
            f"train_{select}": _f(v),
            "test_return_pct": _f(float(seg.iloc[-1] / seg.iloc[0] - 1.0) * 100.0),
        }
        if insample_best is not None:
            ib = eqs[insample_best].loc[base : test_sess[-1]]
            row["insample_best_test_return_pct"] = _f(float(ib.iloc[-1] / ib.iloc[0] - 1.0) * 100.0)
        windows.append(row)
        k += 1
    res: dict[str, Any] = {
        "select": select,
        "train_months": spec.train_months,
        "test_months": spec.test_months,
        "assumption": (
            "each config's returns are those of its one continuous backtest over the sweep "
            "period: a test window starts with the positions that config then held"
        ),
        "windows": windows,
        "insample_best": insample_best,
    }
    if oos:
        r = pd.concat(oos)
        first_base = idx[idx < pd.Timestamp(windows[0]["test_start"])][-1]
        stitched = pd.concat([pd.Series([1.0], index=[first_base]), (1.0 + r).cumprod()])
        res["out_of_sample"] = _summary(stitched)
        if insample_best is not None:
            ib = eqs[insample_best].loc[first_base:]
            res["insample_best_same_sessions"] = _summary(ib / ib.iloc[0])
    else:
        res["reason"] = "the period is shorter than one training window plus a test session"
    pd.DataFrame(windows).to_csv(out / "walk_forward.csv.partial", index=False, lineterminator="\n")
    Path(out / "walk_forward.csv.partial").replace(out / "walk_forward.csv")
    _atomic_write(
        out / "walk_forward.json", (json.dumps(res, indent=2, sort_keys=True) + "\n").encode()
    )
    return res


def _summary(eq: pd.Series) -> dict[str, Any]:
    return {
        "start": str(eq.index[0].date()),
        "end": str(eq.index[-1].date()),
        "total_return_pct": _f(float(eq.iloc[-1] / eq.iloc[0] - 1.0) * 100.0),
        "cagr_pct": _f(metrics.cagr(eq).value),
        "sharpe": _f(metrics.sharpe(eq).value),
        "max_drawdown_pct": _f(metrics.max_drawdown(eq).max_drawdown_pct),
    }
