"""Positions the step did not open are left alone and reported, on both back ends.

A book holding an imported VIX call, an imported SPX put, a line for a symbol the strategy does
not trade and a VIX call bought by hand (a broker's fills file) is advanced over the synthetic
stress quarter: it steps, and its fills, orders and journal are those of the same advance
without them, plus one ``book.not_managed`` journal entry per session naming what it held then.
The signal of the stepped book lists them as not managed beside the empty book's orders. A
broker's fill closing a leg of a paper condor is refused by name, and nothing is written.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import config_book, log_rows
from signal_fixtures import quarter_config

from alvh.live.advance import advance_book, book_signal
from alvh.live.context import MarketFacts
from alvh.live.fold import fold_book
from alvh.live.managed import NOT_MANAGED_RULE
from alvh.live.service import apply_fills, import_positions
from alvh.live.signal import load_for_signal
from alvh.live.step import StepError
from alvh.live.store import BookStore

FACTS = MarketFacts(last_session=date(2008, 11, 28), data_id=None)
POSITIONS = """symbol,quantity,avg_price,opened
VIX   081217C00030000,10,2.5,2008-08-01
SPX   081220P00800000,-1,3.0,2008-08-01
ACME,100,12.0,2008-08-01
"""
HAND_FILL = """date,symbol,quantity,price
2008-09-15,VIX   081217C00040000,5,1.2
"""
VIX_CALL_30 = "VIX 2008-12-17 C 30"
VIX_CALL_40 = "VIX 2008-12-17 C 40"
SPX_PUT = "SPX 2008-12-20 P 800"


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    cfg = quarter_config()
    return cfg, load_for_signal(cfg, None, cfg.data.end)


def _book(tmp_path: Path, url: str, cfg, name: str) -> BookStore:  # type: ignore[no-untyped-def]
    return config_book(tmp_path, url, cfg, name)


def _events(store: BookStore, name: str) -> list[tuple[date, str, dict]]:  # type: ignore[type-arg]
    return log_rows(store, name)


def _with_foreign(tmp_path: Path, store: BookStore, name: str) -> None:
    (tmp_path / "pos.csv").write_text(POSITIONS, encoding="utf-8")
    (tmp_path / "fills.csv").write_text(HAND_FILL, encoding="utf-8")
    import_positions(store, name, tmp_path / "pos.csv", FACTS)
    apply_fills(store, name, tmp_path / "fills.csv", FACTS)


def test_advance_leaves_foreign_positions_alone_and_journals_them(
    quarter,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    db_url: str,
) -> None:
    cfg, market = quarter
    cap = cfg.capital.initial_usd
    plain = _book(tmp_path, f"sqlite:///{tmp_path / 'plain.sqlite'}", cfg, "p")
    advance_book(plain, "p", cfg, cap, market, cfg.data.end, FACTS)
    store = _book(tmp_path, db_url, cfg, "f")
    _with_foreign(tmp_path, store, "f")
    recorded = _events(store, "f")
    res = advance_book(store, "f", cfg, cap, market, cfg.data.end, FACTS)
    assert res.sessions == 82
    assert res.not_managed == {VIX_CALL_30: 10.0, SPX_PUT: -1.0, "ACME": 100.0, VIX_CALL_40: 5.0}
    events = _events(store, "f")
    stepped = events[len(recorded) :]
    notes = [(d, p) for d, k, p in stepped if k == "journal" and p["rule"] == NOT_MANAGED_RULE]
    # One entry per session, naming what was held on it: the hand-bought call from its day on.
    assert len(notes) == 82 and len({d for d, _ in notes}) == 82
    held_on = {
        d: {x["contract"]: x["qty"] for x in json.loads(p["inputs_json"])["positions"]}
        for d, p in notes
    }
    assert held_on[date(2008, 9, 12)] == {VIX_CALL_30: 10.0, SPX_PUT: -1.0, "ACME": 100.0}
    assert held_on[date(2008, 9, 15)][VIX_CALL_40] == 5.0
    assert "VIX 2008-12-17 C 40 +5" in notes[-1][1]["reason"]
    # Everything else is the advance of the same book without them, event for event.
    rest = [
        (d, k, p) for d, k, p in stepped if not (k == "journal" and p["rule"] == NOT_MANAGED_RULE)
    ]
    assert rest == _events(plain, "p")
    # The book's fold still holds them, untouched by the step.
    with store.engine.connect() as conn:
        held = fold_book(store.events(conn, "f")).held_by_contract()
    assert held[VIX_CALL_30] == 10.0 and held[SPX_PUT] == -1.0 and held[VIX_CALL_40] == 5.0


def test_signal_of_a_stepped_book_lists_what_it_did_not_open(
    quarter,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    db_url: str,
) -> None:
    cfg, market = quarter
    cap = cfg.capital.initial_usd
    plain = _book(tmp_path, f"sqlite:///{tmp_path / 'plain.sqlite'}", cfg, "p")
    store = _book(tmp_path, db_url, cfg, "f")
    _with_foreign(tmp_path, store, "f")
    for book, name in ((plain, "p"), (store, "f")):
        advance_book(book, name, cfg, cap, market, date(2008, 9, 30), FACTS)
    day = date(2008, 10, 1)
    mine = book_signal(store, "f", cfg, cap, market, day)
    theirs = book_signal(plain, "p", cfg, cap, market, day)
    assert mine.from_session == date(2008, 9, 30) and mine.stepped == 1
    assert mine.not_managed == {VIX_CALL_30: 10.0, SPX_PUT: -1.0, "ACME": 100.0, VIX_CALL_40: 5.0}
    assert theirs.not_managed == {}
    assert mine.held == theirs.held  # not in what the step holds
    assert mine.output.orders.equals(theirs.output.orders)
    assert mine.output.journal == theirs.output.journal


def test_a_broker_fill_closing_a_paper_condor_leg_is_refused_by_name(
    quarter,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    db_url: str,
) -> None:
    cfg, market = quarter
    cap = cfg.capital.initial_usd
    store = _book(tmp_path, db_url, cfg, "f")
    advance_book(store, "f", cfg, cap, market, date(2008, 9, 30), FACTS)
    with store.engine.connect() as conn:
        lots = fold_book(store.events(conn, "f")).open_positions()
    (cid, _tier, group), lot = next((k, p) for k, p in lots.items() if k[2].startswith("condor-"))
    occ = f"SPX   081017{'P' if ' P ' in cid else 'C'}{int(float(cid.split()[-1]) * 1000):08d}"
    assert cid.startswith("SPX 2008-10-17"), cid
    (tmp_path / "close.csv").write_text(
        f"date,symbol,quantity,price,effect\n2008-10-01,{occ},{-lot.qty:g},1.0,close\n",
        encoding="utf-8",
    )
    apply_fills(store, "f", tmp_path / "close.csv", FACTS)
    before = _events(store, "f")
    with pytest.raises(StepError, match=rf"{cid}.*{group}.*close\.csv line 2.*step opened"):
        advance_book(store, "f", cfg, cap, market, cfg.data.end, FACTS)
    assert _events(store, "f") == before
    with pytest.raises(StepError, match="step opened or adopted"):
        book_signal(store, "f", cfg, cap, market, date(2008, 10, 2))
