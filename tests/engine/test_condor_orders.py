"""The condor rules return orders and leave the book alone; the engine books and fills them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.engine.settings import EngineSettings
from alvh.engine.state import OpenCondor
from alvh.market.data import MarketData
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor_rules import (
    CondorBook,
    CondorEntries,
    CondorEntry,
    CondorExit,
    CondorExits,
)

DECISION = pd.Timedelta(hours=16, minutes=15)


@pytest.fixture(scope="module")
def rules(synthetic_market: MarketData, ladder_settings: EngineSettings) -> CondorEntries:
    sessions = synthetic_market.sessions("SPX")
    sessions = sessions[(sessions >= ladder_settings.start) & (sessions <= ladder_settings.end)]
    s = ladder_settings
    return CondorEntries(s.tiers, s.events, synthetic_market, sessions)


def test_entries_are_orders_with_strikes_size_and_reason(
    rules: CondorEntries, synthetic_market: MarketData
) -> None:
    # The first session of the run: every tier is due (weekly tiers on their weekday only).
    i = 0
    day = rules.sessions[i]
    snap = synthetic_market.snapshot(day + DECISION)
    surf = SpxVolSurface.from_snapshot(snap)
    last: dict[str, int] = {}
    orders, journal = rules.decide(snap, CondorBook(day, i, surf, [], 1e6, {}, last))
    fired = [e for e in journal if e.outcome == "fired"]
    assert len(journal) == len(rules.tiers) and len(orders) == len(fired)
    for o, e in zip(orders, fired, strict=True):
        assert isinstance(o, CondorEntry) and e.rule == f"tier.{o.tier}.entry"
        lp, sp, sc, lc = o.strikes
        assert lp < sp < sc < lc and o.qty > 0 and o.expiry > day
        assert o.reason.startswith(f"entry {o.tier}: ") and e.inputs["qty"] == o.qty
    assert last == {}  # the rule read the book; it did not write to it
    # A tier at its cap of open condors is not entered again.
    full = {t.name: t.max_open_condors for t in rules.tiers}
    orders2, journal2 = rules.decide(snap, CondorBook(day, i, surf, [], 1e6, full, last))
    assert orders2 == []
    assert all(e.outcome == "skipped" for e in journal2)


def _book(day: pd.Timestamp, spot: float, live: list[OpenCondor]) -> CondorBook:
    surf = type("Surface", (), {"spot": spot})()  # the exit rule reads only the spot
    return CondorBook(day, 10, surf, live, 1e6, {}, {})  # type: ignore[arg-type]


def test_an_exit_that_fires_is_a_close_order(rules: CondorEntries) -> None:
    tier = rules.tiers[0]
    exits = CondorExits(rules.tiers)
    day = rules.sessions[10]
    expiry = day + pd.Timedelta(days=20)
    strikes = np.array([1300.0, 1325.0, 1500.0, 1525.0])
    c = OpenCondor(7, tier.name, expiry, False, strikes, 2, credit=4.0, open_date=day)
    c.value = -0.2  # costs 0.20 to close a 4.00 credit: 95% of it kept
    orders, journal = exits.decide(None, _book(day, 1410.0, [c]))  # type: ignore[arg-type]
    assert [(o.cid, o.tier) for o in orders] == [(7, tier.name)]
    assert isinstance(orders[0], CondorExit) and orders[0].reason == journal[0].reason
    assert journal[0].outcome == "fired" and journal[0].action == "close"
    # Nothing fires half-way: no order, a clear line in the journal.
    c.value = -3.0
    orders, journal = exits.decide(None, _book(day, 1410.0, [c]))  # type: ignore[arg-type]
    assert orders == [] and journal[0].outcome == "clear"
