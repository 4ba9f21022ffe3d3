"""The engine seam's order payloads round-trip through the event log, on both back ends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import new_book

from alvh.live.engine_step import Order, order_of, order_payload
from alvh.live.fold import fold_book

ORDER = Order(
    decided_on=date(2024, 6, 20),
    contract="SPXW 2024-07-19 P 5000",
    qty=-3,
    limit_price=2.35,
    tier="medium",
    group="condor-17",
    rule="tier.medium.entry",
    reason="28 DTE in window 30-45: no; ...",
)


def test_order_payload_round_trip_through_the_store(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    with store.begin() as conn:
        store.append(
            conn, "b1", [(ORDER.decided_on, "order", order_payload(ORDER))], input_hash=None
        )
    with store.engine.connect() as conn:
        events = store.events(conn, "b1")
    assert [e.kind for e in events] == ["order"]
    assert order_of(events[0].payload) == ORDER and ORDER.side == "sell"
    # Orders are decisions, not fills: they never change a position.
    assert fold_book(events).positions == {}


@pytest.mark.parametrize(
    ("change", "needle"),
    [({"qty": 0}, "non-zero"), ({"qty": 1.5}, "whole"), ({"rule": None}, "lacks rule")],
)
def test_bad_order_payloads_are_refused(change: dict, needle: str) -> None:
    p = order_payload(ORDER) | change
    if change.get("rule", "") is None:
        del p["rule"]
    with pytest.raises(ValueError, match=needle):
        order_of(p)
