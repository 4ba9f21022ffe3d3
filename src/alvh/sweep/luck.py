"""The selected config of a finished sweep and how likely it is to be luck (``luck.json``).

The selected config is the one with the highest ``select`` metric (first in grid order on a
tie). The returns are the daily returns of each ok config's hedged book (``equity/<hash>``).
The SPA benchmark is the selected config's own unhedged book: the same condors without the
hedge, so the test asks whether any hedged config beats carrying no hedge.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from alvh.errors import ConfigError
from alvh.sweep.overfit import deflated_sharpe, pbo_cscv, spa_test
from alvh.sweep.results import _atomic_write

# Metrics where higher is better (drawdowns and worst month are negative percentages).
SELECTABLE = (
    "sharpe",
    "sortino",
    "cagr_pct",
    "calmar",
    "max_drawdown_pct",
    "worst_month_pct",
    "end_equity_usd",
)
LUCK_FILE = "luck.json"


def check_select(metric: str) -> str:
    """Return ``metric`` if a sweep can select on it, else raise a ``ConfigError``."""
    if metric not in SELECTABLE:
        raise ConfigError("--select", metric, f"one of {', '.join(SELECTABLE)}")
    return metric


def returns_matrix(out: Path, hashes: list[str], book: str = "hedged") -> pd.DataFrame:
    """Return the daily returns (sessions x configs) of a book of the given configs."""
    cols = {}
    for h in hashes:
        eq = pd.read_parquet(out / "equity" / f"{h}.parquet")[f"{book}_equity_usd"]
        cols[h] = eq.pct_change().iloc[1:]
    return pd.DataFrame(cols)


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def luck_report(
    out: Path,
    table: pd.DataFrame,
    select: str = "sharpe",
    n_blocks: int = 10,
    spa_reps: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Return (and write to ``out/luck.json``) the selected config and its overfitting figures.

    Parameters
    ----------
    select
        The metric the best config maximises (``SELECTABLE``).
    n_blocks
        CSCV blocks S (C(S, S/2) splits; 10 gives 252).
    spa_reps, seed
        Bootstrap replications and seed of the SPA test.
    """
    check_select(select)
    ok = table[(table["status"] == "ok") & table[select].notna()]
    res: dict[str, Any] = {"select": select, "n_configs_tried": len(ok)}
    if ok.empty:
        res["reason"] = "no config finished with a value of the selection metric"
    else:
        best = ok.loc[ok[select].idxmax()]
        res["selected"] = {
            "config_hash": str(best["config_hash"]),
            "index": int(best["index"]),
            select: float(best[select]),
        }
        hashes = [str(h) for h in ok["config_hash"]]
        r = returns_matrix(out, hashes)
        j = hashes.index(str(best["config_hash"]))
        x = r.to_numpy()
        d = deflated_sharpe(x, j)
        res["deflated_sharpe"] = {
            "dsr": _f(d.dsr),
            "sharpe_per_session": _f(d.sharpe),
            "expected_max_sharpe_per_session": _f(d.sr0),
            "n_trials": d.n_trials,
            "n_sessions": d.n_obs,
            "skew": _f(d.skew),
            "kurtosis": _f(d.kurtosis),
            "var_sharpe": _f(d.var_sharpe),
            "reference": "Bailey and Lopez de Prado (2014)",
        }
        try:
            p = pbo_cscv(x, n_blocks)
            res["pbo"] = {
                "pbo": p.pbo,
                "n_splits": p.n_splits,
                "n_blocks": p.n_blocks,
                "performance": "Sharpe per session",
                "reference": "Bailey, Borwein, Lopez de Prado and Zhu (2017), CSCV",
            }
        except ValueError as e:
            res["pbo"] = {"pbo": None, "reason": str(e)}
        bench = returns_matrix(out, [hashes[j]], book="unhedged").to_numpy()[:, 0]
        s = spa_test(bench, x, reps=spa_reps, seed=seed)
        res["spa"] = {
            "p_lower": s.p_lower,
            "p_consistent": s.p_consistent,
            "p_upper": s.p_upper,
            "benchmark": "the selected config's unhedged book",
            "reps": s.reps,
            "block_size_sessions": s.block_size,
            "seed": s.seed,
            "reference": "Hansen (2005), arch.bootstrap.SPA",
        }
    text = json.dumps(res, indent=2, sort_keys=True) + "\n"
    _atomic_write(out / LUCK_FILE, text.encode("utf-8"))
    return res


def luck_lines(res: dict[str, Any]) -> list[str]:
    """Return the luck figures as short lines for the terminal."""
    if "selected" not in res:
        return [f"best config: {res.get('reason', 'none')}"]
    sel, d = res["selected"], res["deflated_sharpe"]
    lines = [
        f"best by {res['select']}: {sel['config_hash']} (row {sel['index']}, "
        f"{res['select']} {sel[res['select']]:.3g}) of {res['n_configs_tried']} configs",
        f"  deflated Sharpe ratio {d['dsr']:.3f}" if d["dsr"] is not None else "  DSR n/a",
    ]
    p = res["pbo"]
    lines.append(
        f"  PBO (CSCV, {p['n_splits']} splits) {p['pbo']:.2f}"
        if p.get("pbo") is not None
        else f"  PBO n/a: {p.get('reason')}"
    )
    s = res["spa"]
    lines.append(f"  SPA vs its unhedged book: p = {s['p_consistent']:.3f} (consistent)")
    return lines


__all__ = ["SELECTABLE", "check_select", "luck_lines", "luck_report", "returns_matrix"]
