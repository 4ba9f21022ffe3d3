"""Record reference backtests and check that a restructured engine reproduces them.

A refactor of the engine (issue 19: the engine-hedge seam) must leave every decision, journal
reason and trade as it was and move equity by no more than 1e-6 relative on any day. This
script records five runs (the ``ic-ladder`` preset at its default dates with the ``alvh-442``,
``vxth`` and no hedge on a store, and ``alvh-442`` and ``vxth`` on the synthetic market, seed 7)
and compares two recordings:

- equity columns: the largest relative difference on any day (``|b - a| / max(|a|, 1)``);
- the journal: every row's date, rule, outcome, action and reason, identical and in order;
- trades: every column but price and fees identical and in order.

Usage::

    # on the old commit (e.g. a git worktree of it, with PYTHONPATH=its src)
    .venv/bin/python scripts/equivalence.py record --store S OUT_OLD
    # on the new code
    .venv/bin/python scripts/equivalence.py record --store S OUT_NEW
    .venv/bin/python scripts/equivalence.py compare OUT_OLD OUT_NEW   # exit 0 and PASS, or 1

About a minute per recording on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.backtest import run
from alvh.config.hedge import hedge_preset
from alvh.config.load import load_preset
from alvh.market.data import MarketData
from alvh.market.store import Store
from alvh.market.synthetic import generate_market

CASES: tuple[tuple[str, str], ...] = (
    *(("real", "alvh-442"), ("real", "vxth"), ("real", "none")),
    *(("synthetic", "alvh-442"), ("synthetic", "vxth")),
)
JOURNAL_KEYS = ["date", "rule", "outcome", "action", "reason"]
EQUITY_TOLERANCE = 1e-6


def record(store: Path, out: Path) -> None:
    """Run the five cases and write their daily, trades and journal tables under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    markets: dict[str, MarketData] = {}
    for kind, hedge in CASES:
        if kind not in markets:
            markets[kind] = (
                Store(store).load()
                if kind == "real"
                else generate_market("2005-01-03", "2026-07-31", seed=7)
            )
        cfg = load_preset("ic-ladder").model_copy(update={"hedge": hedge_preset(hedge)})
        res = run(cfg, markets[kind])
        tag = f"{kind}_{hedge}"
        res.daily.to_csv(out / f"{tag}_daily.csv")
        res.trades.to_csv(out / f"{tag}_trades.csv", index=False)
        rows = [
            {
                "date": str(day.date()),
                **e._asdict(),
                "inputs": json.dumps(e.inputs, sort_keys=True, default=str),
            }
            for day, entries in res.journal
            for e in entries
        ]
        pd.DataFrame(rows).to_csv(out / f"{tag}_journal.csv", index=False)
        print(f"{tag}: {len(res.daily)} sessions, {len(rows)} journal rows", flush=True)


def compare(ref: Path, new: Path) -> bool:
    """Print one line per case and PASS or FAIL; return whether every case matched."""
    ok = True
    for kind, hedge in CASES:
        tag = f"{kind}_{hedge}"
        a = pd.read_csv(ref / f"{tag}_daily.csv", index_col=0)
        b = pd.read_csv(new / f"{tag}_daily.csv", index_col=0)
        same_days = a.index.equals(b.index)
        rel = 0.0
        if same_days:
            for col in (c for c in a.columns if "equity" in c):
                x, y = a[col].to_numpy(), b[col].to_numpy()
                rel = max(rel, float(np.max(np.abs(y - x) / np.maximum(np.abs(x), 1.0))))
        ja = pd.read_csv(ref / f"{tag}_journal.csv")[JOURNAL_KEYS]
        jb = pd.read_csv(new / f"{tag}_journal.csv")[JOURNAL_KEYS]
        same_journal = ja.equals(jb)
        ta = pd.read_csv(ref / f"{tag}_trades.csv")
        tb = pd.read_csv(new / f"{tag}_trades.csv")
        keys = [c for c in ta.columns if c not in ("price", "fees_usd")]
        same_trades = len(ta) == len(tb) and ta[keys].astype(str).equals(tb[keys].astype(str))
        print(
            f"{tag}: sessions {len(a)}/{len(b)}, max rel equity diff {rel:.2e}, "
            f"journal identical {same_journal} ({len(ja)} rows), trades identical {same_trades} ({len(ta)})"
        )
        ok = ok and same_days and rel <= EQUITY_TOLERANCE and same_journal and same_trades
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--store", required=True, type=Path)
    r.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("ref", type=Path)
    c.add_argument("new", type=Path)
    a = ap.parse_args()
    if a.cmd == "record":
        record(a.store, a.out)
        return 0
    return 0 if compare(a.ref, a.new) else 1


if __name__ == "__main__":
    raise SystemExit(main())
