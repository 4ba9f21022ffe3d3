"""Hedge contracts in the overlay account: marks, fills, expiry settlement, liquidation.

The engine's hedge pricer marks the contracts (``HedgePricer.mark``); the loop books fills into
the hedge account and values it with the marks. A contract the data cannot price on a session (a
missing VX settlement, say) keeps its last mark, and the journal says so, rather than stopping
the run or valuing it at zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.book.contracts import parse_contract_id
from alvh.book.positions import Fill
from alvh.engine.costs import below_one_tick, hedge_fill_price
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.state import RunState
from alvh.errors import NoDataError
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.book_view import (
    FillOutcome,
    HedgeEvent,
    HedgeMark,
    HedgeOrder,
    layer_of_group,
    lot_group,
)
from alvh.strategy.rules import JournalEntry


def refresh_hedge_marks(
    st: RunState, pricer: HedgePricer, snap: MarketSnapshot, entries: list[JournalEntry]
) -> None:
    """Mark every open hedge lot; carry the last mark (and journal it) when there is none."""
    acct = st.hedges_acct
    legs = acct.open_legs()
    if legs.slot.shape[0] == 0:
        return
    marks = st.hedge_marks
    mark = pricer.mark
    prices: list[float] = []
    for hid in acct.open_contract_ids():
        try:
            m = mark(snap, hid)
        except (KeyError, NoDataError) as e:
            m = marks[hid]
            layer = st.hedge_layer.get(hid, "hedge")
            entries.append(
                JournalEntry(
                    f"hedge.{layer}.mark",
                    {"contract": hid, "last_mark": m.mid},
                    "stale",
                    "none",
                    f"no price for {hid} on {snap.as_of.date()} ({e}); kept the last mark "
                    f"{m.mid:.2f}",
                )
            )
        marks[hid] = m
        prices.append(m.mid)
    acct.set_marks(legs.slot, np.array(prices))


def fill_hedge(
    st: RunState,
    pricer: HedgePricer,
    snap: MarketSnapshot,
    day: pd.Timestamp,
    o: HedgeOrder,
    entries: list[JournalEntry],
    sub_tick_long: str = "expire",
) -> None:
    """Fill a hedge order at the mid plus the half-spread against us, on the tick, with fees.

    A sale that would fill below one tick (a near-worthless VIX call) follows the run's
    ``sub_tick_long`` rule: ``expire`` leaves it to expire (no fill, journaled), ``bid`` sells
    at the modelled bid (0 below a tick).
    """

    def skip(why: str) -> None:
        inputs: dict[str, object] = {"contract": o.contract_id}
        entries.append(JournalEntry(f"hedge.{o.book_layer}.fill", inputs, "skipped", "none", why))
        st.hedge_events.append(HedgeEvent(FillOutcome.UNFILLED, o.layer, o.contract_id, o.qty))

    try:
        m = pricer.mark(snap, o.contract_id)
    except (KeyError, NoDataError) as e:
        skip(f"no fill: {o.contract_id} has no price on {day.date()} ({e})")
        return
    if m.expiry is not None and m.expiry <= day:
        skip(f"no fill: {o.contract_id} expires {m.expiry.date()}")
        return
    contract = parse_contract_id(o.contract_id)
    px = hedge_fill_price(contract.product, m, o.qty, day.date())
    if o.qty < 0 and sub_tick_long == "expire" and below_one_tick(contract.product, px, day.date()):
        skip(f"no fill: {o.contract_id} would sell at {px:.2f}, below one tick; kept to expiry")
        return
    fees = m.fee_usd * abs(o.qty)
    group = lot_group(o.layer)
    fill = Fill(day.date(), contract, o.qty, px, fees, o.reason, o.book_layer, group, o.tag)
    st.hedges_acct.apply_fill(fill)
    st.hedge_events.append(HedgeEvent(FillOutcome.FILLED, o.layer, o.contract_id, o.qty))
    st.hedge_layer[o.contract_id] = o.book_layer
    st.hedge_marks[o.contract_id] = m
    st.costs_today_usd += fees + abs(px - m.mid) * abs(o.qty) * m.multiplier


def settle_hedges(
    st: RunState,
    pricer: HedgePricer,
    snap: MarketSnapshot,
    day: pd.Timestamp,
    entries: list[JournalEntry],
) -> None:
    """Close hedge lots whose expiry is on or before ``day`` at their settlement value.

    An expiry that fell on a day without an SPX session settles on the next session.
    """
    acct = st.hedges_acct
    # Most days nothing expires: tell from the last marks, without building the positions
    # (the open lots are cached by the account since the last fill).
    if all(
        (lm := st.hedge_marks.get(hid)) is not None and (lm.expiry is None or lm.expiry > day)
        for hid in acct.open_contract_ids()
    ):
        return
    for book_layer, group, p in acct.lots(by_opening=False):
        hid = p.contract.id
        last = st.hedge_marks.get(hid)
        if last is not None and (last.expiry is None or last.expiry > day):
            continue  # the expiry is known from the last mark: nothing to price today
        try:
            m = pricer.mark(snap, hid)
        except (KeyError, NoDataError):
            m = st.hedge_marks.get(hid)  # type: ignore[assignment]
            if m is None:
                continue
        if m.expiry is None or m.expiry > day:
            continue
        value = m.settlement if m.settlement is not None else m.mid
        st.hedges_acct.apply_fill(
            Fill(day.date(), p.contract, -p.qty, value, 0.0, "expiry settlement", book_layer, group)
        )
        st.hedge_events.append(HedgeEvent(FillOutcome.SETTLED, layer_of_group(group), hid, p.qty))
        st.hedge_marks[hid] = HedgeMark(
            mid=value,
            half_spread=0.0,
            multiplier=m.multiplier,
            expiry=m.expiry,
            settlement=value,
            layer=book_layer,
        )
        entries.append(
            JournalEntry(
                f"hedge.{book_layer}.settle",
                {"contract": hid, "settlement": value, "qty": p.qty},
                "settled",
                "expire",
                f"{hid} x{p.qty:g} settled at {value:.2f}",
            )
        )


def liquidate_hedges(st: RunState, day: pd.Timestamp, reason: str) -> None:
    """Close every hedge lot at its last mark (no spread: the book is being wound up)."""
    for book_layer, group, p in st.hedges_acct.lots(by_opening=False):
        m = st.hedge_marks[p.contract.id]
        fill = Fill(day.date(), p.contract, -p.qty, m.mid, 0.0, reason, book_layer, group)
        st.hedges_acct.apply_fill(fill)
