"""Write a backtest's run directory (summary.json, CSVs, journal).

Orchestration layer (beside sweep/live, above report): it imports the engine and the report
metrics; report never imports it. Reading a run directory back is the report's job
(:mod:`alvh.report.rundir`; ``RunDirError``, ``read_summary`` and ``read_equity`` are
re-exported here for callers that write and read). The same result gives byte-identical files: floats are written with a fixed format,
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
from alvh.report import metrics
from alvh.report.excess import excess_and_costs
from alvh.report.rundir import RunDirError, read_equity, read_summary

__all__ = [
    "BOOKS",
    "RunDirError",
    "listing_gaps",
    "read_equity",
    "read_summary",
    "settlement_proxies",
    "summary_dict",
    "write_run_dir",
]

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


_DAY_OPEN_KINDS = ("spx_open", "vix_open")  # the day's own open: the closest stand-in


def settlement_proxies(result: BacktestResult) -> dict[str, object]:
    """Count the expiries settled on a proxy instead of the official value, by kind.

    Read from the journal's settlement entries (``tier.*.settle`` for SPX condors,
    ``hedge.settlement`` for VX and VIX options); each expiry day counts once per family.
    """
    spx: dict[str, set[str]] = {}
    vix: dict[str, set[str]] = {}
    for _, entries in result.journal:
        for e in entries:
            kind = e.inputs.get("settlement_kind")
            expiry = e.inputs.get("expiry")
            if kind is None or expiry is None:
                continue
            if e.rule == "hedge.settlement":
                vix.setdefault(str(kind), set()).add(str(expiry))
            elif e.rule.startswith("tier.") and e.rule.endswith(".settle"):
                spx.setdefault(str(kind), set()).add(str(expiry))

    def block(by_kind: dict[str, set[str]], official: tuple[str, ...]) -> dict[str, object]:
        def union(kinds: object) -> list[str]:
            return sorted(set().union(*(v for k, v in by_kind.items() if k in kinds)))  # type: ignore[operator]

        proxies = [k for k in by_kind if k not in official]
        return {
            "expiries_settled": len(union(tuple(by_kind))),
            "expiries_on_proxy": len(union(proxies)),
            "by_kind": {k: len(v) for k, v in sorted(by_kind.items())},
            # The rough stand-ins (not the day's open) are listed by date.
            "rough_proxy_expiries": union([k for k in proxies if k not in _DAY_OPEN_KINDS]),
        }

    return {
        "definition": (
            "expiries settled on a stand-in for the official value. SPX AM (SOQ) proxies: "
            "spx_open (the day's open), prev_close_no_open (no open in the data), "
            "prev_close_copied_open (the open copies the previous close), next_session (no "
            "session on the expiry day); pm_close and soq are official. VIX (VX and VIX "
            "options, SOQ) proxies: vix_open, vix_close. rough_proxy_expiries lists the "
            "expiries settled on anything but the official value or the day's open"
        ),
        "spx": block(spx, ("soq", "pm_close")),
        "vix": block(vix, ("soq",)),
    }


def listing_gaps(result: BacktestResult) -> dict[str, object]:
    """Count, per tier, the entry days skipped because no expiry in its window was listed."""
    per_tier: dict[str, int] = {}
    for _, entries in result.journal:
        for e in entries:
            if e.inputs.get("no_listed_expiry") and e.rule.endswith(".entry"):
                tier = e.rule.split(".")[1]
                per_tier[tier] = per_tier.get(tier, 0) + 1
    return {
        "definition": (
            "entry days on which a tier was due to open but no expiry of its product in its "
            "DTE window was listed that day (docs/calendar.md, listings)"
        ),
        "entry_days_without_listed_expiry": dict(sorted(per_tier.items())),
    }


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
        "settlement_proxies": settlement_proxies(result),
        "listing_gaps": listing_gaps(result),
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
        _csv(result.orders, tmp / "orders.csv", index=False)
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
