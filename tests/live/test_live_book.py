"""The persistent book on both back ends: import, fills, idempotence, fold, diff, log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import FACTS, POSITIONS_CSV, new_book, write

from alvh.live.errors import BookError, BookNotFoundError
from alvh.live.fold import fold_book
from alvh.live.service import apply_fills, diff_positions, import_positions, load_fold, read_log
from alvh.live.store import BookStore


def _state(store: BookStore, name: str = "b1") -> tuple[int, dict]:
    _, bf, n = load_fold(store, name)
    return n, {
        k: (p.qty, p.avg_price, p.realized_pnl_usd, p.fees_usd) for k, p in bf.positions.items()
    }


def test_import_writes_one_event_per_line_and_folds_to_the_file(
    tmp_path: Path, db_url: str
) -> None:
    store, _ = new_book(tmp_path, db_url)
    res = import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    assert res.applied and res.n_events == 6
    row, bf, n = load_fold(store, "b1")
    assert n == 6 and row.capital_usd == 250000.0  # [capital] initial_usd of the config
    held = bf.held_by_contract()
    assert held == {
        "SPXW 2024-07-19 P 5000": 3,
        "SPXW 2024-07-19 P 5050": -3,
        "SPXW 2024-07-19 C 5600": -3,
        "SPXW 2024-07-19 C 5650": 3,
        "VXN24": 2,
        "VXX": 100,
    }
    lot = bf.positions[("SPXW 2024-07-19 P 5050", "mid", "c1")]
    assert (lot.qty, lot.avg_price) == (-3, 5.70)


def test_same_file_twice_applies_nothing_twice(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    pos = write(tmp_path, "pos.csv", POSITIONS_CSV)
    import_positions(store, "b1", pos, FACTS)
    before = _state(store)
    again = import_positions(store, "b1", pos, FACTS)
    assert not again.applied and again.previous is not None
    assert (again.previous.first_seq, again.previous.last_seq) == (1, 6)
    assert _state(store) == before
    fills = write(
        tmp_path, "f.csv", "date,symbol,quantity,price,fees_usd\n2024-06-20,VXN4,-1,15.0,2.5\n"
    )
    assert apply_fills(store, "b1", fills, FACTS).applied
    mid = _state(store)
    assert not apply_fills(store, "b1", fills, FACTS).applied
    assert _state(store) == mid


def test_fills_fold_by_hand(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    # Close 1 of the 2 VX at 15.00 (bought at 14.25): realised (15.00 - 14.25) x 1 x 1000 = 750.
    # Buy back the whole short 5050 put at 2.30 (sold at 5.70): (2.30 - 5.70) x 3 x 100 x -1
    # = +1020. Open 50 more VXX at 13.5: avg (100 x 12.5 + 50 x 13.5) / 150 = 12.8333...
    text = (
        "date,symbol,quantity,price,fees_usd,tier,group\n"
        "2024-06-20,VXN4,-1,15.0,2.5,,\n"
        "2024-06-21,SPXW  240719P05050000,3,2.30,3.75,mid,c1\n"
        "2024-06-21,VXX,50,13.5,0.25,,\n"
    )
    res = apply_fills(store, "b1", write(tmp_path, "f.csv", text), FACTS)
    assert res.n_events == 3
    _, bf, _ = load_fold(store, "b1")
    vx = bf.positions[("VXN24", "vx_futures", "t1")]
    assert vx.qty == 1 and vx.realized_pnl_usd == pytest.approx(750.0) and vx.fees_usd == 2.5
    put = bf.positions[("SPXW 2024-07-19 P 5050", "mid", "c1")]
    assert put.is_flat and put.realized_pnl_usd == pytest.approx(1020.0)
    etf = bf.positions[("VXX", "etf", "t1")]
    assert etf.qty == 150 and etf.avg_price == pytest.approx((1250 + 675) / 150)


def test_untagged_open_goes_to_the_manual_tier_and_foreign_is_kept_apart(
    tmp_path: Path, db_url: str
) -> None:
    store, _ = new_book(tmp_path, db_url)
    text = (
        "date,symbol,quantity,price\n"
        "2024-06-03,SPXW  240719P04900000,-1,3.0\n"
        "2024-06-03,AAPL,10,190\n"
        "2024-06-04,AAPL,-4,195\n"
    )
    res = apply_fills(store, "b1", write(tmp_path, "f.csv", text), FACTS)
    assert [line for line, _, _ in res.foreign] == [3, 4]
    _, bf, _ = load_fold(store, "b1")
    assert ("SPXW 2024-07-19 P 4900", "manual", "") in bf.positions
    assert bf.foreign["AAPL"].qty == 6
    assert all(f.contract.id != "AAPL" for f in bf.fills)  # never enters the account


def test_diff_reports_missing_extra_and_quantity(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    broker = (
        "root,expiry,right,strike,quantity,avg_price,opened\n"
        "SPXW,2024-07-19,P,5000,3,4.1,2024-06-03\n"
        "SPXW,2024-07-19,P,5050,-2,5.7,2024-06-03\n"  # one short put fewer
        "SPXW,2024-07-19,C,5600,-3,3.2,2024-06-03\n"
        "SPXW,2024-07-19,C,5650,3,1.8,2024-06-03\n"
        "VIX,2024-07-17,C,20,5,1.1,2024-06-10\n"  # not in the book
    )  # and no VX future nor VXX at the broker
    lines, agree = diff_positions(store, "b1", write(tmp_path, "broker.csv", broker))
    got = {(x.symbol, x.status, x.book_qty, x.broker_qty) for x in lines}
    assert got == {
        ("SPXW 2024-07-19 P 5050", "quantity", -3, -2),
        ("VIX 2024-07-17 C 20", "extra", 0, 5),
        ("VXN24", "missing", 2, 0),
        ("VXX", "missing", 100, 0),
    }
    assert agree == 3


def test_log_pages_in_seq_order(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    page1, total = read_log(store, "b1", limit=4)
    page2, _ = read_log(store, "b1", after_seq=page1[-1].seq, limit=4)
    assert total == 6 and [e.seq for e in page1 + page2] == list(range(1, 7))
    assert page1[0].kind == "import" and page1[0].payload["line"] == 2
    assert page1[0].session_date == date(2024, 6, 3)


def test_fold_is_a_pure_function_of_the_log(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    events, _ = read_log(store, "b1", limit=1000)
    assert fold_book(events) == fold_book(list(events))
    assert fold_book(events).positions == load_fold(store, "b1")[1].positions


def test_unknown_book_and_existing_book(tmp_path: Path, db_url: str) -> None:
    store, cfg = new_book(tmp_path, db_url)
    with pytest.raises(BookNotFoundError, match="no book named 'nope'"):
        load_fold(store, "nope")
    from alvh.live.service import init_book

    with pytest.raises(BookError, match="exists already"):
        init_book(store, "b1", cfg)
    with pytest.raises(BookError, match="book name"):
        init_book(store, "bad name", cfg)


def test_missing_sqlite_file_is_not_created_by_a_read(tmp_path: Path) -> None:
    with pytest.raises(BookNotFoundError, match="no book database"):
        BookStore(f"sqlite:///{tmp_path / 'absent.sqlite'}")
    assert not (tmp_path / "absent.sqlite").exists()
