"""A paper book advanced on the real store is the backtest: 2020-01..2020-06 (the COVID crash)
with ic-ladder and alvh-442.

The book is advanced in two calls (through 2020-03-31, each call loading the store only through
its day, then through 2020-06-30); its fills, orders (``orders.csv`` rows, prices included) and
journal equal, event for event, one backtest of the half-year; its positions and cash at the
end are the backtest's. Then, for every session of March 2020, the signal from the book's state
at the session before (``alvh signal --book``) is the backtest's orders and journal of the day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.realdata


def _config():  # type: ignore[no-untyped-def]
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, load_preset

    over = {"data.start": date(2020, 1, 2), "data.end": date(2020, 6, 30), "data.source": "store"}
    cfg = config_with_overrides(load_preset("ic-ladder"), **over)
    return cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})


def _etf_span(journal: list) -> list:  # type: ignore[type-arg]
    """The journal with the ETF note's data span cut: the first session's ``hedge.etf`` note
    describes the ETF series the data loaded holds ("314 days 2019-01-02..2020-03-31"), which is
    the market's description, not a decision (the first call loaded the store through March)."""
    out = []
    for d, p in journal:
        if p["rule"] == "hedge.etf":
            p = p | {"reason": p["reason"].split(" days ")[0].rsplit(",", 1)[0]}
        out.append((d, p))
    return out


def test_paper_book_advanced_on_the_store_is_the_backtest(
    hedge_inputs_store: Path, tmp_path: Path
) -> None:
    from alvh.backtest import run
    from alvh.config.load import dump_toml
    from alvh.live.advance import advance_book, book_signal
    from alvh.live.context import market_facts
    from alvh.live.fold import fold_book
    from alvh.live.service import init_book
    from alvh.live.signal import held_positions, load_for_signal
    from alvh.live.step import STATE_RULE, journal_event, order_event
    from alvh.live.store import BookStore

    store = hedge_inputs_store
    cfg = _config()
    full = run(cfg, load_for_signal(cfg, store, cfg.data.end))
    assert full.daily["vix"].max() > 80 and len(full.daily) == 125
    path = tmp_path / "b.toml"
    path.write_text(dump_toml(cfg), encoding="utf-8")
    book = BookStore(f"sqlite:///{tmp_path / 'b.sqlite'}", create=True)
    init_book(book, "b", path)
    facts = market_facts(store)
    capital = cfg.capital.initial_usd
    for through in (date(2020, 3, 31), cfg.data.end):
        data = load_for_signal(cfg, store, through)
        advance_book(book, "b", cfg, capital, data, through, facts)
    with book.engine.connect() as conn:
        events = [(e.session_date, e.kind, e.payload) for e in book.events(conn, "b")]
        held = fold_book(book.events(conn, "b")).held_by_contract()
    journal = [(d, p) for d, k, p in events if k == "journal" and p["rule"] != STATE_RULE]
    assert _etf_span(journal) == _etf_span(
        [(pd.Timestamp(d).date(), journal_event(e)) for d, es in full.journal for e in es]
    )
    orders = full.orders.copy()
    orders["date"] = pd.to_datetime(orders["date"])
    expected = [order_event(r, "next_close") for r in orders.to_dict("records")]
    assert [p for _, k, p in events if k == "order"] == expected
    assert {o["kind"] for o in expected} == {"condor_entry", "condor_exit", "hedge"}
    assert len([p for _, k, p in events if k == "fill"]) == len(full.trades)
    assert held == held_positions(full)
    state = [p["state"] for _, k, p in events if k == "journal" and p["rule"] == STATE_RULE][-1]
    assert sum(state["cash_usd"]) == pytest.approx(full.daily["hedged_cash_usd"].iloc[-1], 1e-12)

    # The signal of every March session from the state of the session before (in a book
    # advanced through that session: a second book, stepped one session at a time).
    sig_book = BookStore(f"sqlite:///{tmp_path / 's.sqlite'}", create=True)
    init_book(sig_book, "s", path)
    days = full.daily.index
    march = [k for k, d in enumerate(days) if d.month == 3]
    data = load_for_signal(cfg, store, date(2020, 3, 31))
    advance_book(sig_book, "s", cfg, capital, data, days[march[0] - 1].date(), facts)
    n = 0
    for k in march:
        day = days[k].date()
        sig = book_signal(sig_book, "s", cfg, capital, load_for_signal(cfg, store, day), day)
        mine = [order_event(r, "next_close") for r in sig.output.orders.to_dict("records")]
        assert mine == [o for o in expected if o["date"] == str(day)], day
        assert sig.output.journal == tuple(dict(full.journal)[days[k]]), day
        n += len(mine)
        advance_book(sig_book, "s", cfg, capital, data, day, facts)
    assert n > 20
