"""What a worker does for one config: load the market once per process, run, summarise.

Runs inside Dask worker processes (or in-process for ``workers=0``). The market is kept in a
per-process cache keyed by its load arguments, so a worker loads it once for the whole sweep
and every config it runs after the first reuses it.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alvh.errors import AlvhError

# (source, store, seed, start, end) -> MarketData. One entry: a sweep runs on one market.
_MARKETS: dict[tuple[str, str | None, int, str, str], Any] = {}

# Headline metrics of each book, in the order of the results table: (column, summary path).
HEDGED_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cagr_pct", ("cagr_pct",)),
    ("volatility_pct", ("volatility_pct",)),
    ("sharpe", ("sharpe",)),
    ("sortino", ("sortino",)),
    ("max_drawdown_pct", ("max_drawdown", "max_drawdown_pct")),
    ("worst_month_pct", ("worst_month_pct",)),
    ("calmar", ("calmar",)),
    ("end_equity_usd", ("end_equity_usd",)),
    ("win_rate_pct", ("win_rate_pct",)),
    ("credit_per_week_pct_of_margin", ("credit_per_week_pct_of_margin",)),
    ("condors_closed", ("condors_closed",)),
)
UNHEDGED_METRICS = ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")
METRIC_COLUMNS: tuple[str, ...] = (
    *(c for c, _ in HEDGED_METRICS),
    "return_over_cash_pct",
    "hedge_cost_pct_per_month",
    *(f"unhedged_{c}" for c in UNHEDGED_METRICS),
)
# The three claims of SPEC 4 per row (alvh.report.analysis.judge_claims, alvh report's rules and
# bootstrap settings): the verdict (text) and the number it rests on with its 95% interval.
VERDICT_COLUMNS: tuple[str, ...] = ("claim1_verdict", "claim2_verdict", "claim3_verdict")
CLAIM_COLUMNS: tuple[str, ...] = (
    "claim1_dd_cut_pct",
    "claim1_dd_cut_lo_pct",
    "claim1_dd_cut_hi_pct",
    "claim1_n_windows",
    "claim2_unhedged_worst_loss_pct",
    "claim2_hedged_worst_loss_pct",
    "claim2_hedged_share_above_18pct",
    "claim2_unhedged_share_above_18pct",
    "claim2_n_windows",
    "claim3_cost_pct_per_month",
    "claim3_cost_lo_pct",
    "claim3_cost_hi_pct",
)


@dataclass(frozen=True)
class TaskResult:
    """One config's outcome as sent back to the client.

    Attributes
    ----------
    row
        ``run_id``, ``data_id``, ``status`` ("ok"/"error"), ``error`` and ``METRIC_COLUMNS``.
    equity
        Daily equity of both books (``hedged_equity_usd``, ``unhedged_equity_usd``), or None.
    pid
        The worker process id; ``market_loaded`` says whether this task loaded the market
        (the first task of a worker, which also pays the numba compilation).
    seconds, cpu_seconds
        Wall and CPU time of the task inside the worker (CPU time is what a busy machine
        distorts least).
    """

    row: dict[str, Any]
    equity: pd.DataFrame | None
    pid: int
    market_loaded: bool
    seconds: float
    cpu_seconds: float = math.nan


def market_for_run(cfg: Any, store: str | None) -> tuple[Any, bool]:
    """Return the market a config runs on (from the process cache) and whether it was loaded now.

    Loads a year before ``data.start`` for the indicators, as ``alvh backtest`` does.
    """
    from alvh.market.load import load_market

    d = cfg.data
    path = store or d.store_path
    start = d.start.replace(year=d.start.year - 1)
    key = (d.source, path, d.seed, start.isoformat(), d.end.isoformat())
    if key in _MARKETS:
        return _MARKETS[key], False
    _MARKETS.clear()  # one market per process: a new sweep's market replaces the old one
    m = load_market(
        Path(path) if path else None, source=d.source, seed=d.seed, start=start, end=d.end
    )
    _MARKETS[key] = m
    return m, True


def _value(v: Any) -> float:
    """Return a summary number (a float or a ``{"value": ..., "reason": ...}``) as a float."""
    if isinstance(v, dict):
        v = v.get("value")
    return math.nan if v is None else float(v)


def _get(d: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        d = d.get(p) if isinstance(d, dict) else None
    return d


def summary_row(summary: dict[str, Any], daily: pd.DataFrame, capital_usd: float) -> dict[str, Any]:
    """Return the metric columns of one run from its summary and daily table.

    ``return_over_cash_pct`` is the hedged book's CAGR over cash (``excess_cagr_pct``), NaN
    when the summary has none. ``hedge_cost_pct_per_month`` is the mean net hedge cost per full
    month in % of capital (``alvh.report.claims.monthly_hedge_cost_pct``; 0 for an unhedged run).
    """
    from alvh.report.claims import monthly_hedge_cost_pct

    hedged, unhedged = summary["books"]["hedged"], summary["books"]["unhedged"]
    row: dict[str, Any] = {c: _value(_get(hedged, p)) for c, p in HEDGED_METRICS}
    # CAGR over cash (T-bills), as every summary states it (docs/report.md).
    row["return_over_cash_pct"] = _value(hedged.get("excess_cagr_pct", math.nan))
    cols = [c for c in daily.columns if c.startswith("pnl_hedge_")]
    hedge_pnl = daily[cols].sum(axis=1) if cols else pd.Series(0.0, index=daily.index)
    monthly = monthly_hedge_cost_pct(hedge_pnl, capital_usd)
    row["hedge_cost_pct_per_month"] = float(monthly.mean()) if len(monthly) else math.nan
    for c in UNHEDGED_METRICS:
        p = ("max_drawdown", "max_drawdown_pct") if c == "max_drawdown_pct" else (c,)
        row[f"unhedged_{c}"] = _value(_get(unhedged, p))
    return row


def _extra(extra: dict[str, object], key: str) -> float:
    v = extra.get(key)
    return float(v) if isinstance(v, int | float) else math.nan


def claim_row(
    summary: dict[str, Any], daily: pd.DataFrame, events: pd.DataFrame | None
) -> dict[str, Any]:
    """Return the three claims' verdicts and numbers of one run (``VERDICT_COLUMNS``, ...).

    The same function, rules and bootstrap settings as ``alvh report`` (its defaults: 1,000
    replications, seed 20240101), on the run's in-memory daily table instead of its equity.csv,
    so a row's verdicts are the report's verdicts on that run (tested). The claims need only the
    window losses and the monthly hedge cost: milliseconds, not the seconds of the report's
    book intervals, which a row does not need.
    """
    from alvh.report.analysis import judge_claims
    from alvh.report.rundir import RunData, capital_base

    empty = pd.DataFrame()
    run = RunData(
        Path("."), summary, daily, empty, empty, empty, empty, capital_base(summary, daily)
    )
    c1, c2, c3 = judge_claims(run, events)
    row: dict[str, Any] = {
        "claim1_verdict": c1.verdict,
        "claim2_verdict": c2.verdict,
        "claim3_verdict": c3.verdict,
    }
    e1, e3 = c1.estimate, c3.estimate
    row["claim1_dd_cut_pct"] = e1.value * 100.0
    row["claim1_dd_cut_lo_pct"] = e1.lo * 100.0
    row["claim1_dd_cut_hi_pct"] = e1.hi * 100.0
    row["claim1_n_windows"] = _extra(c1.extra, "n_windows")
    row["claim2_unhedged_worst_loss_pct"] = c2.estimate.value  # also with < 3 windows
    row["claim2_hedged_worst_loss_pct"] = _extra(c2.extra, "hedged_worst_loss_pct")
    row["claim2_hedged_share_above_18pct"] = _extra(c2.extra, "hedged_share_above_18pct")
    row["claim2_unhedged_share_above_18pct"] = _extra(c2.extra, "unhedged_share_above_18pct")
    row["claim2_n_windows"] = _extra(c2.extra, "n_windows")
    row["claim3_cost_pct_per_month"] = e3.value
    row["claim3_cost_lo_pct"] = e3.lo
    row["claim3_cost_hi_pct"] = e3.hi
    return row


def error_text(e: BaseException) -> str:
    """Return one line for a failed config: a user error's message, else the exception type."""
    return str(e) if isinstance(e, AlvhError) else f"{type(e).__name__}: {e}"


def _claims_of(cfg: Any, market: Any) -> dict[str, Any]:
    """Run ``cfg`` without order prices and return its claim columns (a band's moved run)."""
    from alvh.backtest import run
    from alvh.runs import summary_dict

    result = run(cfg, market, order_prices=False)
    return claim_row(summary_dict(result), result.daily, market.tables.get("events"))


def run_config(
    cfg_json: str,
    store: str | None = None,
    keep_dir: str | None = None,
    band: tuple[str, ...] = (),
) -> TaskResult:
    """Run one config (its canonical JSON) and return its row; never raises for a bad config.

    Parameters
    ----------
    cfg_json
        ``alvh.config.load.canonical_json`` of the config (plain text travels well to workers).
    store
        Market data store folder (None: the config's or the default).
    keep_dir
        If given, the run directory is written there (``alvh backtest``'s files); the orders
        are then priced for its orders.csv, else not (a row does not read them).
    band
        Assumption axes (``alvh.sweep.band``) to judge a hedged config's claims across: two
        more runs per axis; empty for none.
    """
    from alvh.backtest import run
    from alvh.config.load import config_from_dict, dump_toml
    from alvh.runs import summary_dict, write_run_dir
    from alvh.sweep.band import band_configs, band_row, no_band_row

    t0, c0 = time.perf_counter(), time.process_time()
    loaded = False
    row: dict[str, Any] = {"run_id": "", "data_id": "", "status": "ok", "error": ""}
    equity = None
    try:
        cfg = config_from_dict(json.loads(cfg_json), "sweep")
        market, loaded = market_for_run(cfg, store)
        row["data_id"] = market.source.data_id
        # A row needs no order prices (a tenth of a hedged run); a kept run directory does.
        result = run(cfg, market, order_prices=keep_dir is not None)
        summary = summary_dict(result)
        row["run_id"] = result.run_id
        row |= summary_row(summary, result.daily, cfg.capital.initial_usd)
        row |= claim_row(summary, result.daily, market.tables.get("events"))
        if band:  # an unhedged config has no claim to band: "n/a" without more runs
            moves = band_configs(cfg, band) if row["claim1_verdict"] != "n/a" else []
            row |= band_row(row, [(a, lv, _claims_of(c, market)) for a, lv, c in moves])
        equity = result.daily[["hedged_equity_usd", "unhedged_equity_usd"]].copy()
        if keep_dir is not None:
            write_run_dir(result, Path(keep_dir), dump_toml(cfg))
    except Exception as e:  # a failing config records its error; the sweep goes on
        row["status"], row["error"] = "error", error_text(e)
        row |= {c: math.nan for c in (*METRIC_COLUMNS, *CLAIM_COLUMNS)}
        row |= {c: "" for c in VERDICT_COLUMNS}
        row |= no_band_row() if band else {}
    return TaskResult(
        row, equity, os.getpid(), loaded, time.perf_counter() - t0, time.process_time() - c0
    )
