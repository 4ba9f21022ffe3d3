"""A paper book advanced over a period is the backtest of that period (issue 20's acceptance).

The synthetic stress quarter (seed 3, 2008-08-05..2008-11-28; ``signal_fixtures``): a book
created with the quarter's config and advanced session by session (``alvh book advance``)
holds, event for event, the backtest's fills, its orders (``orders.csv`` rows, prices
included) and its journal, and ends with its positions, cash and equity; advancing in two
calls (through 2008-09-30, then the end) writes the same events as one call; and the signal of
each session from the book's state (``alvh signal --book``, after an advance through the
session before) is the backtest's orders and journal of that session, writing nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from helpers import config_book, log_rows
from signal_fixtures import quarter_config

from alvh.backtest import run
from alvh.config.hedge import hedge_preset
from alvh.live.advance import advance_book, book_signal, paper_fills
from alvh.live.context import MarketFacts
from alvh.live.signal import held_positions, load_for_signal
from alvh.live.step import STATE_RULE, journal_event, order_event
from alvh.live.store import BookStore

FACTS = MarketFacts(last_session=date(2008, 11, 28), data_id=None)


def _quarter(hedge: str):  # type: ignore[no-untyped-def]
    cfg = quarter_config().model_copy(update={"hedge": hedge_preset(hedge)})
    market = load_for_signal(cfg, None, cfg.data.end)
    return cfg, market, run(cfg, market)


@pytest.fixture(scope="module", params=["alvh-442", "vxth", "none"])
def quarter(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The quarter with each hedge (the acceptance on both back ends)."""
    return _quarter(request.param)


@pytest.fixture(scope="module")
def quarter_alvh():  # type: ignore[no-untyped-def]
    """The quarter with alvh-442 (the hedge with a plan to store)."""
    return _quarter("alvh-442")


def _book(tmp_path: Path, db_url: str, cfg, name: str = "p1") -> BookStore:  # type: ignore[no-untyped-def]
    return config_book(tmp_path, db_url, cfg, name)


def _events(store: BookStore, name: str = "p1") -> list[tuple[date, str, dict]]:  # type: ignore[type-arg]
    return log_rows(store, name)


def _expected_orders(full) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    timing = "next_close"
    orders = full.orders.copy()
    orders["date"] = pd.to_datetime(orders["date"])
    return [order_event(r, timing) for r in orders.to_dict("records")]


def test_advance_equals_the_backtest(quarter, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    store = _book(tmp_path, db_url, cfg)
    res = advance_book(store, "p1", cfg, cfg.capital.initial_usd, market, cfg.data.end, FACTS)
    assert res.sessions == len(full.daily) == 82 and res.last == cfg.data.end
    events = _events(store)
    journal = [(d, p) for d, k, p in events if k == "journal" and p["rule"] != STATE_RULE]
    assert journal == [
        (pd.Timestamp(d).date(), journal_event(e)) for d, es in full.journal for e in es
    ]
    assert [p for _, k, p in events if k == "order"] == _expected_orders(full)
    fills = [p for _, k, p in events if k == "fill"]
    assert len(fills) == len(full.trades)
    # Positions, cash and equity at the end: the book's own fold and its last state.
    with store.engine.connect() as conn:
        from alvh.live.fold import fold_book

        held = fold_book(store.events(conn, "p1")).held_by_contract()
    assert held == held_positions(full)
    state = [p["state"] for _, k, p in events if k == "journal" and p["rule"] == STATE_RULE][-1]
    last = full.daily.iloc[-1]
    assert sum(state["cash_usd"]) == pytest.approx(last["hedged_cash_usd"], rel=1e-12)
    assert state["cash_usd"][0] == last["unhedged_cash_usd"]  # the twin is the condor account
    # Idempotent: advancing again through the same day writes nothing.
    again = advance_book(store, "p1", cfg, cfg.capital.initial_usd, market, cfg.data.end, FACTS)
    assert again.sessions == 0 and again.n_events == 0 and _events(store) == events


def test_advance_in_two_calls_writes_the_same_events(quarter_alvh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg, market, _ = quarter_alvh
    one = _book(tmp_path, f"sqlite:///{tmp_path / 'one.sqlite'}", cfg, "p1")
    advance_book(one, "p1", cfg, cfg.capital.initial_usd, market, cfg.data.end, FACTS)
    two = _book(tmp_path, f"sqlite:///{tmp_path / 'two.sqlite'}", cfg, "p1")
    mid = date(2008, 9, 30)
    first = advance_book(two, "p1", cfg, cfg.capital.initial_usd, market, mid, FACTS)
    rest = advance_book(two, "p1", cfg, cfg.capital.initial_usd, market, cfg.data.end, FACTS)
    assert first.last == mid and rest.first == date(2008, 10, 1)
    assert _events(two) == _events(one)
    # Paper fills recorded ahead of the advance (``alvh book fills --paper``) are the step's:
    # the advance books them once, and the log is the same.
    three = _book(tmp_path, f"sqlite:///{tmp_path / 'three.sqlite'}", cfg, "p1")
    advance_book(three, "p1", cfg, cfg.capital.initial_usd, market, date(2008, 10, 3), FACTS)
    day, n, before = paper_fills(three, "p1", cfg, cfg.capital.initial_usd, market, None, FACTS)
    assert (day, before) == (date(2008, 10, 6), False) and n > 0
    assert paper_fills(three, "p1", cfg, cfg.capital.initial_usd, market, None, FACTS)[2]
    advance_book(three, "p1", cfg, cfg.capital.initial_usd, market, cfg.data.end, FACTS)
    assert _events(three) == _events(one)


def test_signal_from_the_book_is_the_backtest_on_every_session(
    quarter_alvh, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter_alvh
    store = _book(tmp_path, f"sqlite:///{tmp_path / 'sig.sqlite'}", cfg)
    days = full.daily.index
    expected_orders = _expected_orders(full)
    n_orders = 0
    for k, day in enumerate(days):
        if k > 0:
            advance_book(
                store, "p1", cfg, cfg.capital.initial_usd, market, days[k - 1].date(), FACTS
            )
        before = _events(store)
        sig = book_signal(store, "p1", cfg, cfg.capital.initial_usd, market, day.date())
        assert _events(store) == before  # the signal writes nothing
        assert sig.stepped == 1 and sig.output.day == day.date()
        mine = [order_event(r, "next_close") for r in sig.output.orders.to_dict("records")]
        theirs = [o for o in expected_orders if o["date"] == str(day.date())]
        assert mine == theirs, day
        assert sig.output.journal == next(tuple(es) for d, es in full.journal if d == day)
        n_orders += len(mine)
    assert n_orders == len(full.orders)
