"""Write a backtest's run directory (summary.json, CSVs, journal) and read it back.

Orchestration layer (beside report/sweep/live): it may import the engine and the report
metrics. The same result gives byte-identical files: floats are written with a fixed format,
rows in a fixed order, JSON with sorted keys.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from alvh import __version__
from alvh.engine.journal import write_journal_atomically
from alvh.engine.result import BacktestResult
from alvh.errors import AlvhError
from alvh.report import metrics
from alvh.report.excess import excess_and_costs

BOOKS = ("hedged", "unhedged")
FLOAT_FORMAT = "%.6f"


def _book_metrics(result: BacktestResult, book: str) -> dict[str, object]:
    eq = result.daily[f"{book}_equity_usd"]
    out = metrics.summarize(eq)
    c = result.condors
    closed = c[c["close_date"].notna()] if len(c) else c
    margin = result.daily[f"{book}_margin_usd"]
    n_weeks = max((result.end - result.start).days / 7.0, 0.0)
    # Condors are the same in both books; their P&L and credit are too.
    ts = metrics.trade_stats(
        closed["pnl_usd"].to_numpy(float) if len(closed) else np.array([]),
        closed["credit_usd"].to_numpy(float) if len(closed) else np.array([]),
        float(margin.mean()) if len(margin) else 0.0,
        n_weeks,
    )
    out |= {
        "condors_closed": ts.n_closed,
        "win_rate_pct": ts.win_rate_pct.to_json(),
        "premium_capture_pct": ts.capture_pct.to_json(),
        "credit_per_week_pct_of_margin": ts.credit_per_week_pct_of_margin.to_json(),
    }
    # Return over cash, costs on their own line, condor max loss in % of this book's equity.
    out |= excess_and_costs(result.daily, result.condors, book)
    return out


def summary_dict(result: BacktestResult) -> dict[str, object]:
    """Return the content of summary.json."""
    return {
        "run_id": result.run_id,
        "alvh_version": __version__,
        "data": {
            "kind": result.source.kind,
            "data_id": result.source.data_id,
            "description": result.source.description,
        },
        "period": {"start": str(result.start.date()), "end": str(result.end.date())},
        "sessions": len(result.daily),
        "definitions": result.definitions,
        "config": result.config,
        "books": {b: _book_metrics(result, b) for b in BOOKS},
    }


def _clean_json(obj: object) -> object:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return _clean_json(obj.item())
    return obj


def _csv(frame: pd.DataFrame, path: Path, index: bool) -> None:
    frame.to_csv(
        path, index=index, float_format=FLOAT_FORMAT, date_format="%Y-%m-%d", lineterminator="\n"
    )


def write_run_dir(result: BacktestResult, out: Path, config_toml: str) -> Path:
    """Write every file of a run to ``out`` atomically (a temp folder renamed into place).

    Returns
    -------
    pathlib.Path
        The run directory.
    """
    out = Path(out)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        summary = _clean_json(summary_dict(result))
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        _csv(result.daily, tmp / "equity.csv", index=True)
        _csv(result.trades, tmp / "trades.csv", index=False)
        _csv(result.condors, tmp / "condors.csv", index=False)
        _csv(result.hedge_layers, tmp / "hedge_layers.csv", index=False)
        (tmp / "config.toml").write_text(config_toml)
        write_journal_atomically(
            tmp / "journal.sqlite",
            result.run_id,
            result.config,
            result.source.data_id,
            result.source.description,
            result.journal,
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out


class RunDirError(AlvhError):
    """A run directory that is missing or incomplete."""


def read_summary(run_dir: Path) -> dict[str, object]:
    """Return summary.json of a run directory."""
    p = Path(run_dir) / "summary.json"
    if not p.is_file():
        raise RunDirError(
            f"{run_dir}: no summary.json; is this a run directory from 'alvh backtest'?"
        )
    return json.loads(p.read_text())


def read_equity(run_dir: Path) -> pd.DataFrame:
    """Return equity.csv of a run directory indexed by date."""
    p = Path(run_dir) / "equity.csv"
    if not p.is_file():
        raise RunDirError(
            f"{run_dir}: no equity.csv; is this a run directory from 'alvh backtest'?"
        )
    return pd.read_csv(p, index_col="date", parse_dates=["date"])
