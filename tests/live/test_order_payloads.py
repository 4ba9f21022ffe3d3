"""A session's ``order`` events are the same without the orders frame as read from it.

``SessionOutput.order_payloads`` builds the events from the engine's order tuples and their
prices; a book written before read them from the ``orders`` DataFrame, where a numeric column
mixing ints and floats is all floats (a condor's 25 contracts become ``25.0`` on a session that
also buys 3.0 VX). The stored JSON must not change with the way it is built, so each case is
compared, byte for byte after the book's encoder, with the frame's rows.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from alvh.live.step import SessionOutput, order_event
from alvh.live.store import dump_payload

DAY = pd.Timestamp("2025-08-01")
CONDOR = (DAY, "both", "condor_entry", "short", 0, "SPXW 2025-08-11 a", "open", 25, "r", "x")
HEDGE = (DAY, "hedged", "hedge", "vx_futures", 1, "VXMU25", "buy", 3.0, "add_layer", "y")
ODD = (DAY, "hedged", "hedge", None, 1, "VXMU25", "sell", 2, "add_layer", "z")  # a None


def _out(rows: tuple[tuple[object, ...], ...]) -> SessionOutput:
    prices = tuple(
        (1.25 + k, float("nan"), float("nan") if k == 1 else 1.5 + k, "model")
        for k in range(len(rows))
    )
    return SessionOutput(date(2025, 8, 1), 8, (), rows, prices, (), {}, {})


def _from_frame(out: SessionOutput) -> list[str]:
    frame = out.orders
    cols = list(frame.columns)
    rows = frame.itertuples(index=False, name=None)
    return [dump_payload(order_event(dict(zip(cols, r, strict=True)), "next_close")) for r in rows]


@pytest.mark.parametrize(
    "rows",
    [(CONDOR,), (HEDGE,), (CONDOR, HEDGE), (HEDGE, CONDOR, CONDOR), (CONDOR, ODD), ()],
    ids=["condor", "hedge", "mixed-qty", "mixed-qty-2", "none-in-column", "no-orders"],
)
def test_order_payloads_equal_the_frames_rows(rows: tuple[tuple[object, ...], ...]) -> None:
    out = _out(rows)
    mine = [dump_payload(p) for p in out.order_payloads("next_close")]
    assert mine == _from_frame(out)
    assert len(mine) == len(rows)


def test_mixed_quantities_are_written_as_floats() -> None:
    """What a user reads in ``alvh book log``: the condor's quantity as the frame held it."""
    out = _out((CONDOR, HEDGE))
    qty = [p["qty"] for p in out.order_payloads("next_close")]
    assert qty == [25.0, 3.0]
    assert all(isinstance(q, float) for q in qty)
    assert out.order_payloads("next_close")[1]["limit_price"] == "nan"


def test_orders_frame_has_the_backtests_columns() -> None:
    frame = _out((CONDOR, HEDGE)).orders
    assert list(frame.columns)[-4:] == ["model_price", "quote_mid", "limit_price", "price_source"]
    assert frame["date"].dtype.kind == "M"
    assert frame["model_price"].tolist() == [1.25, 2.25]
