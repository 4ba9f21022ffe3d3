"""What the hedge hook believes it holds, per strategy layer, reconciled daily with the book.

The strategy's ``HedgeState`` assumes every decision is carried out at decision prices. The
engine fills orders at the next session (or not at all: no price, expired) and settles contracts
at expiry, so each session the hook compares its ledger with ``BookView.hedge_positions`` and
takes the book as the truth. The ledger also keeps an average entry price per position, which
gives each layer's unrealised gain (the monetise rule's input).

``LedgerHook`` is what the ALVH and VXTH hooks share on top of it: a pricer, the ledger, fills
reconciled with the book (settlements journaled), marks and orders that remember their price.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from alvh.config.hedge import HedgeConfig
from alvh.engine.costs import hedge_fill_price
from alvh.engine.hedge_hook import BookView, HedgeMark, HedgeOrder
from alvh.engine.hedge_pricing import LAYER_OF_PRODUCT, HedgeCosts, HedgePricer
from alvh.engine.journal import JournalEntry
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.hedge.results import RuleResult

FillTiming = Literal["next_close", "same_close"]

_EPS = 1e-9


@dataclass
class Position:
    """Contracts of one instrument held for one layer and their average entry price."""

    qty: float
    entry: float


@dataclass(frozen=True)
class SentOrder:
    """An order the hook returned to the engine, awaiting its fill."""

    layer: int
    contract_id: str
    qty: float
    price_at_decision: float | None = None


@dataclass(frozen=True)
class LedgerEvent:
    """Something reconciliation found: ``unfilled``, ``vanished`` or ``adjusted``."""

    kind: str
    layer: int
    contract_id: str
    qty: float
    detail: str


class Ledger:
    """Hedge positions by (strategy layer, contract id); the book's holdings are the truth."""

    def __init__(self) -> None:
        self.pos: dict[tuple[int, str], Position] = {}
        self.sent: list[SentOrder] = []

    def held(self, layer: int, contract_id: str) -> float:
        """Return contracts of ``contract_id`` held for ``layer`` (0 when none)."""
        p = self.pos.get((layer, contract_id))
        return 0.0 if p is None else p.qty

    def layer_items(self, layer: int) -> list[tuple[str, Position]]:
        """Return ``(contract id, position)`` of one layer, in insertion order."""
        return [(c, p) for (lay, c), p in self.pos.items() if lay == layer]

    def layers(self) -> set[int]:
        """Return the layers with positions."""
        return {lay for lay, _ in self.pos}

    def _apply(self, layer: int, cid: str, qty: float, price: float) -> None:
        p = self.pos.get((layer, cid))
        if p is None:
            self.pos[(layer, cid)] = Position(qty, price)
            return
        new = p.qty + qty
        if abs(new) < _EPS:
            del self.pos[(layer, cid)]
        elif p.qty * qty > 0:
            p.entry = (p.entry * p.qty + price * qty) / new
            p.qty = new
        elif p.qty * new < 0:  # crossed through zero: the rest opened at this price
            p.qty, p.entry = new, price
        else:
            p.qty = new

    def _matches(self, positions: dict[str, float]) -> bool:
        """Whether the book holds, per contract, what the ledger's layers add up to (the test
        the full reconciliation makes of each contract when no order was sent)."""
        totals: dict[str, float] = {}
        for (_, cid), p in self.pos.items():
            totals[cid] = totals.get(cid, 0.0) + p.qty
        if totals.keys() != positions.keys():
            return False
        return all(abs(float(q) - totals[cid]) < _EPS for cid, q in positions.items())

    def reconcile(
        self, positions: dict[str, float], fill_price: Callable[[SentOrder], float]
    ) -> list[LedgerEvent]:
        """Apply the fills of the orders sent last session and align with the book's holdings.

        Per contract: when the book holds what the ledger plus all sent orders say, every order
        filled (at ``fill_price``); when it holds what the ledger alone says, none did; otherwise
        (a settlement at expiry, or a mix) the book's quantity replaces the ledger's, split over
        layers in proportion to what the ledger expected.

        Parameters
        ----------
        positions
            ``BookView.hedge_positions``: contract id -> contracts held.
        fill_price
            Price at which a sent order filled.

        Returns
        -------
        list of LedgerEvent
            What did not go as sent or as held.
        """
        sent, self.sent = self.sent, []
        if not sent and self._matches(positions):
            return []  # the usual session: nothing sent, the book holds what the ledger says
        events: list[LedgerEvent] = []
        cids = dict.fromkeys([c for _, c in self.pos] + [s.contract_id for s in sent])
        cids.update(dict.fromkeys(positions))
        for cid in cids:
            observed = float(positions.get(cid, 0.0))
            mine = [(lay, p.qty) for (lay, c), p in self.pos.items() if c == cid]
            prior = sum(q for _, q in mine)
            orders = [s for s in sent if s.contract_id == cid]
            expected = prior + sum(s.qty for s in orders)
            if abs(observed - expected) < _EPS:
                for s in orders:
                    self._apply(s.layer, cid, s.qty, fill_price(s))
                continue
            if orders and abs(observed - prior) < _EPS:
                for s in orders:
                    events.append(
                        LedgerEvent("unfilled", s.layer, cid, s.qty, f"order {s.qty:+g} not filled")
                    )
                continue
            # The book disagrees: settled at expiry, or partly filled. Take its quantity.
            for s in orders:
                self._apply(s.layer, cid, s.qty, fill_price(s))
            after = {lay: p.qty for (lay, c), p in self.pos.items() if c == cid}
            total = sum(after.values())
            kind = "vanished" if abs(observed) < _EPS else "adjusted"
            for lay, q in after.items():
                share = observed * q / total if abs(total) > _EPS else 0.0
                share = float(round(share)) if math.isfinite(share) else 0.0
                events.append(
                    LedgerEvent(kind, lay, cid, q, f"ledger {q:+g}, book {observed:+g} in all")
                )
                if abs(share) < _EPS:
                    del self.pos[(lay, cid)]
                else:
                    self.pos[(lay, cid)].qty = share
            if not after and abs(observed) > _EPS:
                events.append(
                    LedgerEvent("adjusted", 0, cid, observed, f"book holds {observed:+g} unknown")
                )
                self.pos[(0, cid)] = Position(observed, math.nan)
        return events


def rule_outcome(r: RuleResult) -> str:
    """Return the journal outcome of a rule result: fired, skipped or clear."""
    if r.fired:
        return "fired"
    return "skipped" if r.reason.startswith("skipped") else "clear"


class LedgerHook:
    """What both hedges share: a config, a pricer, a ledger, fills reconciled with the book,
    marks.

    Parameters
    ----------
    cfg
        The hedge config.
    costs
        Execution costs and margins of the hedge instruments (default: ``ExecutionConfig()``'s
        cost model with the config's ``instruments.vx_fill_ticks``, as ``make_hedge`` builds).
    fill_timing
        The engine's fill timing; says at which session's prices the ledger books fills.
    """

    def __init__(
        self,
        cfg: HedgeConfig,
        costs: HedgeCosts | None = None,
        fill_timing: FillTiming = "next_close",
    ) -> None:
        self.cfg = cfg
        if costs is None:
            costs = HedgeCosts(vx_fill_ticks=cfg.instruments.vx_fill_ticks)
        self.pricer = HedgePricer(costs)
        self.fill_timing = fill_timing
        self.ledger = Ledger()
        self.session_index = -1

    def prepare(self, data: MarketData) -> None:
        """Reset the per-run state."""
        self.pricer.reset()
        self.ledger = Ledger()
        self.session_index = -1

    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark:
        """Return the mark of a hedge contract (see ``alvh.engine.hedge_pricing``)."""
        return self.pricer.mark(snap, contract_id)

    def _fill_price(self, snap: MarketSnapshot, s: SentOrder) -> float:
        if self.fill_timing == "same_close" and s.price_at_decision is not None:
            return s.price_at_decision
        try:
            m = self.pricer.mark(snap, s.contract_id)
        except (KeyError, NoDataError):
            return s.price_at_decision if s.price_at_decision is not None else math.nan
        return hedge_fill_price(
            self.pricer.contract(s.contract_id).product, m, s.qty, snap.as_of.date()
        )

    def _reconcile(self, snap: MarketSnapshot, view: BookView) -> list[JournalEntry]:
        events = self.ledger.reconcile(view.hedge_positions, lambda s: self._fill_price(snap, s))
        return [self._event_entry(snap, e) for e in events]

    def _event_entry(self, snap: MarketSnapshot, e: LedgerEvent) -> JournalEntry:
        inputs: dict[str, object] = {"contract": e.contract_id, "layer": e.layer, "qty": e.qty}
        reason = f"{e.contract_id} (layer {e.layer}): {e.detail}"
        c = self.pricer.find(e.contract_id)
        exp = getattr(c, "expiry", None)
        if e.kind == "vanished" and exp is not None and pd.Timestamp(exp) <= snap.as_of:
            try:
                value, source = self.pricer.settlement(snap, pd.Timestamp(exp))
                kind = self.pricer.settlement_kind(source)
                inputs |= {"expiry": str(pd.Timestamp(exp).date()), "settlement": value}
                inputs |= {"source": source, "settlement_kind": kind}
                inputs |= {"settlement_proxy": kind != "soq"}
                reason = f"{e.contract_id} x{e.qty:g} settled at expiry at {value:.2f} ({source})"
                return JournalEntry("hedge.settlement", inputs, "settled", "expire", reason)
            except NoDataError as err:
                reason += f"; expired, settlement source unknown ({err})"
        return JournalEntry("hedge.reconcile", inputs, e.kind, "none", reason)

    def _order(
        self, snap: MarketSnapshot, layer: int, cid: str, qty: float, reason: str
    ) -> HedgeOrder:
        price: float | None = None
        try:
            m = self.pricer.mark(snap, cid)
            price = hedge_fill_price(self.pricer.contract(cid).product, m, qty, snap.as_of.date())
        except (KeyError, NoDataError):
            price = None
        self.ledger.sent.append(SentOrder(layer, cid, qty, price))
        product = self.pricer.contract(cid).product
        return HedgeOrder(LAYER_OF_PRODUCT[product], cid, qty, reason)
