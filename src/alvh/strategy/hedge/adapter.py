"""What every hedge rule shares: its config, orders tagged with their layer, and the journal
of what became of last session's orders (read from the book, never copied); ``NoHedge``.

A hedge rule is a ``alvh.strategy.rules.Rule`` on the ``BookView``: ``decide(snap, view)``
returns ``Decisions`` of ``HedgeOrder``s. It prices nothing itself: marks, quotes and
settlements come from the engine's hedge pricer through ``view.prices``.

The book is the only ledger: every hedge fill carries the rule's layer (``lot_group``), so the
lots a layer holds are a fold over its fills (``BookView.hedge_lots``), and what the engine did
with the orders (filled, not filled, settled at expiry) comes back as ``BookView.hedge_events``.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from alvh.book.contracts import parse_contract_id
from alvh.book.tags import Tag
from alvh.config.hedge import HedgeConfig, hedge_preset
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.book_view import (
    BookView,
    FillOutcome,
    HedgeEvent,
    HedgeOrder,
    HedgePrices,
)
from alvh.strategy.hedge.results import RuleResult
from alvh.strategy.rules import Decisions, JournalEntry

_EPS = 1e-9
# The reports' column of each hedge product (``HedgeOrder.book_layer``).
LAYER_OF_PRODUCT = {
    "vx_future": "vx_futures",
    "vxm_future": "vx_futures",
    "vix_option": "vix_calls",
    "etf": "vix_etf",
}


class HedgeRule(Protocol):
    """A hedge rule as the engine calls it: the ``Rule`` protocol on the ``BookView``."""

    cfg: HedgeConfig

    def prepare(self, data: MarketData) -> None:
        """Reset the per-run state (a rule object may run many backtests)."""

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        """Return the orders to fill next session and the journal entries of every rule."""
        ...


class NoHedge:
    """The unhedged book: decides nothing, journals that it is off."""

    cfg = hedge_preset("none")

    def prepare(self, data: MarketData) -> None:
        return None

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        off = JournalEntry("hedge", {}, "skipped", "none", "hedge preset 'none': no hedge")
        return Decisions([], [off])


def prices_of(view: BookView) -> HedgePrices:
    """Return the engine's hedge pricer the view carries (a hedge rule prices through it)."""
    if view.prices is None:
        raise ValueError("this book view carries no hedge prices (the engine gives them)")
    return view.prices


def rule_outcome(r: RuleResult) -> str:
    """Return the journal outcome of a rule result: fired, skipped or clear."""
    if r.fired:
        return "fired"
    return "skipped" if r.reason.startswith("skipped") else "clear"


def held_by_layer(view: BookView) -> dict[tuple[int, str], float]:
    """Return ``{(layer, contract id): contracts}`` the book holds, in the order lots opened."""
    return {(lot.layer, lot.contract_id): lot.qty for lot in view.hedge_lots}


class HedgeAdapter:
    """What the ALVH and VXTH rules share: their config, orders and the fill journal.

    Parameters
    ----------
    cfg
        The hedge config.
    """

    def __init__(self, cfg: HedgeConfig) -> None:
        self.cfg = cfg
        self.session_index = -1

    def prepare(self, data: MarketData) -> None:
        """Reset the per-run state."""
        self.session_index = -1

    def _order(self, layer: int, cid: str, qty: float, reason: str, tag: Tag = ()) -> HedgeOrder:
        product = parse_contract_id(cid).product
        return HedgeOrder(LAYER_OF_PRODUCT[product], cid, qty, reason, layer, tag)

    def _fill_entries(self, snap: MarketSnapshot, view: BookView) -> list[JournalEntry]:
        """Journal the orders that did not fill and the lots settled since the last decision.

        Per contract: orders all filled say nothing; orders none of which filled are each
        journaled ``unfilled``; a settled lot is journaled with its settlement unless the
        orders sent for it would have closed it anyway (a sale that met the expiry).
        """
        events = view.hedge_events
        if not events:
            return []
        # Contracts still held first, in the order their lots opened, then the others.
        by_cid: dict[str, list[HedgeEvent]] = {lot.contract_id: [] for lot in view.hedge_lots}
        for e in events:
            by_cid.setdefault(e.contract_id, []).append(e)
        out: list[JournalEntry] = []
        for cid, evs in by_cid.items():
            if not evs:
                continue
            settled = [e for e in evs if e.outcome is FillOutcome.SETTLED]
            orders = [e for e in evs if e.outcome is not FillOutcome.SETTLED]
            if settled:
                out += self._settled_entries(snap, view, cid, settled, orders)
                continue
            missed = [e for e in orders if e.outcome is FillOutcome.UNFILLED]
            out += [
                self._entry(
                    snap, view, "unfilled", e.layer, cid, e.qty, f"order {e.qty:+g} not filled"
                )
                for e in missed
            ]
        return out

    def _settled_entries(
        self,
        snap: MarketSnapshot,
        view: BookView,
        cid: str,
        settled: list[HedgeEvent],
        orders: list[HedgeEvent],
    ) -> list[JournalEntry]:
        before = sum(e.qty for e in settled)
        if abs(before + sum(e.qty for e in orders)) < _EPS:
            return []  # the orders closed what expired: as if they had filled
        left: dict[int, float] = {}
        for e in settled + orders:
            left[e.layer] = left.get(e.layer, 0.0) + e.qty
        return [
            self._entry(snap, view, "vanished", lay, cid, q, f"ledger {q:+g}, book +0 in all")
            for lay, q in left.items()
            if abs(q) >= _EPS
        ]

    def _entry(
        self,
        snap: MarketSnapshot,
        view: BookView,
        kind: str,
        layer: int,
        cid: str,
        qty: float,
        detail: str,
    ) -> JournalEntry:
        inputs: dict[str, object] = {"contract": cid, "layer": layer, "qty": qty}
        reason = f"{cid} (layer {layer}): {detail}"
        exp = getattr(parse_contract_id(cid), "expiry", None)
        if kind == "vanished" and exp is not None and pd.Timestamp(exp) <= snap.as_of:
            try:
                prices = prices_of(view)
                value, source = prices.settlement(snap, pd.Timestamp(exp))
                settlement_kind = prices.settlement_kind(source)
                inputs |= {"expiry": str(pd.Timestamp(exp).date()), "settlement": value}
                inputs |= {"source": source, "settlement_kind": settlement_kind}
                inputs |= {"settlement_proxy": settlement_kind != "soq"}
                reason = f"{cid} x{qty:g} settled at expiry at {value:.2f} ({source})"
                return JournalEntry("hedge.settlement", inputs, "settled", "expire", reason)
            except NoDataError as err:
                reason += f"; expired, settlement source unknown ({err})"
        return JournalEntry("hedge.reconcile", inputs, kind, "none", reason)
