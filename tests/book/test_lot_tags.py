"""Tagged lots: what a lot holds on whose behalf is a fold over its fills' tags (FIFO)."""

from __future__ import annotations

from datetime import date

import pytest

from alvh.book.account import Account
from alvh.book.contracts import VixFuture
from alvh.book.positions import Fill
from alvh.book.tags import LotTags

D0, D1, D2 = date(2024, 2, 15), date(2024, 2, 16), date(2024, 2, 20)
VX = VixFuture("VXH24", date(2024, 3, 20))
KEY = (VX.id, "vx_futures", "layer1")


def _fill(day: date, qty: float, price: float, tag: tuple = ()) -> Fill:
    return Fill(day, VX, qty, price, 0.0, "hedge", "vx_futures", "layer1", tag)


def test_parts_follow_buys_and_fifo_sales_and_do_not_touch_the_money() -> None:
    tagged, plain = Account(100_000.0), Account(100_000.0)
    fills = [
        _fill(D0, 2, 18.0, (("t1", 2.0),)),  # tranche 1: 2 contracts
        _fill(D1, 1, 19.0, (("t2", 1.0),)),  # tranche 2: 1 more, same lot
        _fill(D2, -2, 20.0),  # a sale takes the oldest first: all of t1
    ]
    for f in fills:
        tagged.apply_fill(f)
        plain.apply_fill(Fill(f.date, VX, f.qty, f.price, 0.0, "hedge", "vx_futures", "layer1"))
    assert tagged.lot_parts(KEY) == ((1, "t2", 1.0),)  # fill number 1 bought it
    # Tags are bookkeeping only: cash, lot and average price as without them.
    assert tagged.cash_usd == plain.cash_usd
    p, q = tagged.position(*KEY), plain.position(*KEY)
    assert p is not None and q is not None
    assert (p.qty, p.avg_price) == (q.qty, q.avg_price) == (1.0, pytest.approx(18.0 + 1 / 3))


def test_partial_sale_and_untagged_remainder_and_crossing_zero() -> None:
    t = LotTags()
    t.apply(KEY, 0.0, 5.0, (("a", 3.0),), 0)  # 5 bought, 3 tagged "a": 2 untagged
    assert t.of(KEY) == ((0, "a", 3.0), (0, None, 2.0))
    t.apply(KEY, 5.0, -4.0, (), 1)  # sells 3 of "a" then 1 of the untagged part
    assert t.of(KEY) == ((0, None, 1.0),)
    t.apply(KEY, 1.0, -3.0, (("short", -2.0),), 2)  # through zero: -2 open, tagged
    assert t.of(KEY) == ((2, "short", -2.0),)
    t.apply(KEY, -2.0, 2.0, (), 3)  # flat: nothing left
    assert t.of(KEY) == ()


def test_untagged_lots_keep_no_parts() -> None:
    t = LotTags()
    t.apply(("SPX", "short", "c1"), 0.0, -2.0, (), 0)  # a condor leg: nothing kept
    assert t.of(("SPX", "short", "c1")) == ()
