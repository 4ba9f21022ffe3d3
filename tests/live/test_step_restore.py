"""The engine's state survives the book's storage: a backtest whose state is written to JSON
and rebuilt from its fills' events at the end of every session equals one that never stopped.

This is what ``alvh book advance`` does between two sessions (``alvh.live.step``), tested
without a database: every session, the state goes through ``state_payload`` and the book's
JSON encoder (``dump_payload``), the fills through the ``fill`` event payload, and a fresh
engine and hedge are restored from both (``restore_state``) before the next session.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from signal_fixtures import order_records, quarter_config

from alvh.backtest import run
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides
from alvh.live.fold import fill_of
from alvh.live.signal import load_for_signal
from alvh.live.step import BookStepper, fill_event, journal_event
from alvh.live.store import dump_payload


def _stepped_with_restores(cfg, market):  # type: ignore[no-untyped-def]
    """Step every session, each from a state restored from its JSON and fill events."""
    stepper = BookStepper(cfg, cfg.capital.initial_usd, market, cfg.data.end)
    st, _ = stepper.restore([], None)
    fill_events: list[dict] = []  # type: ignore[type-arg]
    journal, orders, rows = [], [], []
    for i in range(len(stepper.engine.sessions)):
        out = stepper.step(st, i)
        fill_events += [json.loads(dump_payload(fill_event(f, 0))) for f in out.fills]
        journal.append((pd.Timestamp(out.day), out.journal))
        if len(out.orders):
            orders.append(out.orders)
        rows.append(out.row)
        saved = json.loads(dump_payload(out.state))
        # A new engine and hedge each session: nothing survives but the JSON and the fills.
        stepper = BookStepper(cfg, cfg.capital.initial_usd, market, cfg.data.end)
        st, last = stepper.restore([fill_of(p) for p in fill_events], saved)
        assert last == i
    daily = pd.DataFrame(rows).set_index("date")
    return daily, journal, pd.concat(orders, ignore_index=True), [fill_of(p) for p in fill_events]


def _journal_rows(journal):  # type: ignore[no-untyped-def]
    return [(d, journal_event(e)) for d, es in journal for e in es]


@pytest.mark.parametrize(
    ("hedge", "sizing"),
    [("alvh-442", "hedged"), ("vxth", "hedged"), ("none", "hedged"), ("alvh-442", "unhedged")],
)
def test_restored_every_session_equals_one_run(hedge: str, sizing: str) -> None:
    """The quarter's orders, journal, daily rows and fills, hedged and not; condors sized on
    the hedged book and on its unhedged twin (which the restored state carries)."""
    cfg = config_with_overrides(quarter_config(), **{"capital.size_condors_on": sizing})
    cfg = cfg.model_copy(update={"hedge": hedge_preset(hedge)})
    market = load_for_signal(cfg, None, cfg.data.end)
    full = run(cfg, market)
    daily, journal, orders, fills = _stepped_with_restores(cfg, market)
    assert _journal_rows(journal) == _journal_rows(full.journal)
    assert order_records(orders) == order_records(full.orders)
    trades = full.trades
    assert len(fills) == len(trades)
    # Every day's equity, cash, greeks and P&L of both books, to the last bit.
    pd.testing.assert_frame_equal(daily, full.daily, check_exact=True)
    # The same fills, in the same order per account (the book's log lists each session's
    # condor fills, then its hedge fills; trades.csv sorts both by date).
    mine = pd.DataFrame(
        [
            (pd.Timestamp(f.date), f.contract.id, f.side, abs(f.qty), f.price, f.fees_usd)
            for f in fills
        ],
        columns=["date", "contract", "side", "qty", "price", "fees_usd"],
    )
    theirs = trades[["date", "contract", "side", "qty", "price", "fees_usd"]]
    key = ["date", "contract", "side", "qty", "price", "fees_usd"]
    pd.testing.assert_frame_equal(
        mine.sort_values(key, kind="mergesort").reset_index(drop=True),
        theirs.sort_values(key, kind="mergesort").reset_index(drop=True),
        check_exact=True,
    )
