"""Read a whole run directory (docs/results-format.md) into one immutable object for reports.

``read_summary`` and ``read_equity`` read summary.json and equity.csv (``alvh.runs`` writes
them and re-exports both); ``load_run`` adds the other files (condors, trades, hedge layers, the
journal) and the definitions the report rests on (capital base,
notional base), so the report code never touches paths.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alvh.errors import AlvhError

HEDGE_LAYERS = ("vx_futures", "vix_calls", "vix_etf")
_DECISION_COLUMNS = ["run_id", "date", "seq", "rule", "inputs_json", "outcome", "action", "reason"]


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


@dataclass(frozen=True)
class RunData:
    """Everything a report needs from one run directory.

    Attributes
    ----------
    path
        The run directory.
    summary
        The content of summary.json.
    equity
        equity.csv indexed by session date (daily P&L columns, not cumulative).
    condors, trades, hedge_layers
        The CSVs (empty frames when the file is absent).
    decisions
        The journal's decisions table (empty when journal.sqlite is absent).
    capital_base_usd
        The capital every "% of capital" figure divides by.
    """

    path: Path
    summary: dict[str, object]
    equity: pd.DataFrame
    condors: pd.DataFrame
    trades: pd.DataFrame
    hedge_layers: pd.DataFrame
    decisions: pd.DataFrame
    capital_base_usd: float

    @property
    def run_id(self) -> str:
        return str(self.summary.get("run_id", "?"))

    @property
    def label(self) -> str:
        """Return a short label: the hedge preset (or config name) and the notional base."""
        hedge = _get(self.summary, "config", "hedge") or {}
        preset = str(hedge.get("preset", "?")) if isinstance(hedge, dict) else "?"
        base = self.notional_base
        return preset if preset in ("none", "vxth", "?") else f"{preset} ({base})"

    @property
    def notional_base(self) -> str:
        """Return the hedge notional base the run used (max_loss, margin or spx_notional)."""
        defs = self.summary.get("definitions") or {}
        if isinstance(defs, dict) and "notional_base" in defs:
            return str(defs["notional_base"])
        v = _get(self.summary, "config", "hedge", "sizing", "notional_base")
        return str(v) if v is not None else "max_loss"

    @property
    def hedge_enabled(self) -> bool:
        """Return whether the run's config runs any hedge."""
        rule = _get(self.summary, "config", "hedge", "rule")
        if rule is not None:
            return str(rule) != "none"
        return bool((self.equity[self.hedge_pnl_columns].abs().to_numpy() > 0).any())

    @property
    def tier_pnl_columns(self) -> list[str]:
        return [c for c in self.equity.columns if c.startswith("pnl_tier_")]

    @property
    def hedge_pnl_columns(self) -> list[str]:
        return [c for c in self.equity.columns if c.startswith("pnl_hedge_")]

    @property
    def data_description(self) -> str:
        d = self.summary.get("data") or {}
        if isinstance(d, dict):
            desc, data_id = str(d.get("description", "")), str(d.get("data_id"))
            ident = "" if data_id in desc else f" (data id {data_id})"  # stated once
            return f"{d.get('kind', '?')}: {desc}{ident}"
        return "?"


def _get(d: object, *keys: str) -> object:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _read_csv(path: Path, dates: list[str]) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_csv(path)
    for c in dates:
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c])
    return frame


def read_decisions(path: Path) -> pd.DataFrame:
    """Return the decisions table of a journal.sqlite (empty frame when the file is absent)."""
    if not path.is_file():
        return pd.DataFrame(columns=_DECISION_COLUMNS)
    # Read-only and immutable: a report must never create or modify a journal (nor its -wal).
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            frame = pd.read_sql_query(
                "SELECT run_id, date, seq, rule, inputs_json, outcome, action, reason "
                "FROM decisions ORDER BY date, seq",
                con,
            )
        finally:
            con.close()
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as e:
        raise RunDirError(f"{path}: not a readable decision journal ({e})") from None
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def capital_base(summary: dict[str, object], equity: pd.DataFrame) -> float:
    """Return the capital base: definitions, else config capital.initial_usd, else day-1 equity."""
    for keys in (
        ("definitions", "capital_base_usd"),
        ("definitions", "initial_capital_usd"),
        ("config", "capital", "initial_usd"),
    ):
        v = _get(summary, *keys)
        if isinstance(v, int | float) and math.isfinite(float(v)) and float(v) > 0:
            return float(v)
    return float(equity["hedged_equity_usd"].iloc[0])


def load_run(run_dir: Path) -> RunData:
    """Read a run directory.

    Raises
    ------
    RunDirError
        If ``run_dir`` is not a run directory (no summary.json or equity.csv) or equity.csv lacks
        the equity columns of both books.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: not a folder; expected a run directory from 'alvh backtest'")
    summary = read_summary(run_dir)
    equity = read_equity(run_dir)
    need = ["hedged_equity_usd", "unhedged_equity_usd"]
    missing = [c for c in need if c not in equity.columns]
    if missing:
        raise RunDirError(f"{run_dir / 'equity.csv'}: missing column(s) {', '.join(missing)}")
    if len(equity) < 2:
        raise RunDirError(f"{run_dir / 'equity.csv'}: fewer than two sessions; nothing to report")
    return RunData(
        path=run_dir,
        summary=summary,
        equity=equity.sort_index(),
        condors=_read_csv(run_dir / "condors.csv", ["open_date", "close_date", "expiry"]),
        trades=_read_csv(run_dir / "trades.csv", ["date"]),
        hedge_layers=_read_csv(run_dir / "hedge_layers.csv", ["date"]),
        decisions=read_decisions(run_dir / "journal.sqlite"),
        capital_base_usd=capital_base(summary, equity),
    )
