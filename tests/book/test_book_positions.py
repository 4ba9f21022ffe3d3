"""Positions as folds over fills: average price, realised P&L, crossing zero."""

from __future__ import annotations

from datetime import date

import pytest

from alvh.book.contracts import SpxOption, VixFuture
from alvh.book.positions import Fill, Position, fold

D = date(2024, 1, 2)
PUT = SpxOption("SPXW", date(2024, 2, 16), 4500, "P")


def test_buy_two_sell_one() -> None:
    # buy 1 @ 10, buy 1 @ 12 -> 2 @ avg 11; sell 1 @ 15 -> realise (15 - 11) x 1 x 100 = 400
    fills = [
        Fill(D, PUT, 1, 10.0, 1.25, "entry"),
        Fill(D, PUT, 1, 12.0, 1.25, "entry"),
        Fill(D, PUT, -1, 15.0, 1.25, "exit"),
    ]
    pos = fold(fills)[(PUT.id, "", "")]
    assert pos == Position(PUT, qty=1, avg_price=11.0, realized_pnl_usd=400.0, fees_usd=3.75)
    assert pos.unrealized_pnl_usd(13.0) == pytest.approx((13.0 - 11.0) * 100)


def test_short_position_and_crossing_zero() -> None:
    # sell 3 @ 5.00 (short at 5); buy 4 @ 4.00: close 3 -> (4 - 5) x 3 x -1 = +3 points = $300,
    # then 1 long remains at 4.00
    pos = Position(PUT).apply(Fill(D, PUT, -3, 5.0)).apply(Fill(D, PUT, 4, 4.0))
    assert (pos.qty, pos.avg_price, pos.realized_pnl_usd) == (1, 4.0, pytest.approx(300.0))


def test_futures_fold_and_lots_by_tier() -> None:
    vx = VixFuture("VXH24", date(2024, 3, 20))
    fills = [
        Fill(D, vx, 2, 15.00, 5.0, "hedge", tier="vx_futures"),
        Fill(D, vx, -1, 18.50, 2.5, "monetise", tier="vx_futures"),
        Fill(D, vx, 1, 16.00, 2.5, "hedge", tier="other"),
    ]
    book = fold(fills)
    # (18.50 - 15.00) x 1 x 1000 = 3500
    assert book[(vx.id, "vx_futures", "")].realized_pnl_usd == pytest.approx(3500.0)
    assert book[(vx.id, "other", "")].qty == 1
    with pytest.raises(ValueError, match="applied to position"):
        Position(PUT).apply(fills[0])
