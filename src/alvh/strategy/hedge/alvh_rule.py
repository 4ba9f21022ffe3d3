"""The ALVH hedge as a rule: ``AlvhHedge.decide(snap, view)`` returns orders with reasons.

``AlvhHedge`` turns each session's snapshot and book view into ``HedgeInputs``, runs the pure
rule ``alvh.strategy.hedge.decision.step`` and translates its decisions into orders that fill at
the next session. The book is the only ledger: every buy is tagged with the allocations it
fills (``Bought``: tranche, decision price, place in the layer), the account keeps those tags
with the lot, and each session the rule's layers are derived from them (fills happen a session
later, at that session's prices, or not at all). Between sessions the rule keeps only its
plan (``HedgeState``'s pending tranches, clear-session count and cool-down; ``prepare`` resets
it) and the lots it let go whose sale is yet to fill; the layers it decides on go out as
orders, not as state. It prices nothing itself: marks and quotes come from the engine's hedge
pricer through ``view.prices``.

``alvh.strategy.hedge.factory.make_hedge`` builds the rule a ``HedgeConfig`` names (this one,
``VxthHedge`` or ``NoHedge``). Pricing conventions: ``alvh.engine.hedge_pricing``; what both
rules share: ``alvh.strategy.hedge.adapter.HedgeAdapter``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from alvh.calendar.listings import product_listed_on
from alvh.config.hedge import HedgeConfig
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.book_view import BookView, HedgeMark, HedgeMarketView, HedgeOrder, HedgePrices
from alvh.strategy.hedge.adapter import HedgeAdapter, held_by_layer, prices_of, rule_outcome
from alvh.strategy.hedge.caps import CapUse
from alvh.strategy.hedge.decision import step
from alvh.strategy.hedge.instruments import InstrumentQuote, spread_legs
from alvh.strategy.hedge.lazy import LazyMapping, LazyQuotes
from alvh.strategy.hedge.results import Allocation, HedgeDecision
from alvh.strategy.hedge.signals import CloseSignals
from alvh.strategy.hedge.sizing import BookExposure
from alvh.strategy.hedge.state import (
    CondorColumns,
    HedgeInputs,
    HedgeState,
    LayerHolding,
)
from alvh.strategy.rules import Decisions, JournalEntry

__all__ = ["AlvhHedge"]

_DAY_NS = 86_400_000_000_000


class Bought(NamedTuple):
    """What a hedge buy is for, the tag its fill keeps with the lot (``HedgeLot.parts``): the
    rule's allocation (symbol, tranche, decision price, contracts planned) and its place in the
    layer, ``(session, index)`` of the buy that first took that place (a roll keeps it)."""

    place: tuple[int, int]
    allocation: Allocation


class AlvhHedge(HedgeAdapter):
    """The Adaptive Layered VIX Hedge as a rule on the ``BookView``.

    Parameters
    ----------
    cfg
        Hedge config with ``rule == "alvh"`` (e.g. ``hedge_preset("alvh-442")``).
    """

    pricer: HedgePrices  # the session's prices (``view.prices``), set by ``decide``

    def __init__(self, cfg: HedgeConfig) -> None:
        super().__init__(cfg)
        self.state = HedgeState()
        self._iv_hist: list[float] = []
        self.etf_note = "ETF series not prepared"
        self._signals = CloseSignals(cfg.triggers)  # the close rules, read through snapshots
        # Marks of the contracts the decision reads, for the snapshot they were taken from.
        self._marks: tuple[MarketSnapshot | None, dict[str, HedgeMark | None]] = (None, {})
        # Lots let go whose sale is yet to fill, and the layers derived for the last lots.
        self._closing: frozenset[tuple[int, str]] = frozenset()
        self._derived: tuple[object, tuple[LayerHolding, ...]] = (None, ())
        # The places of the allocations held, by (layer, symbol, tranche), in layer order.
        self._places: dict[tuple[int, str, int], list[tuple[int, int]]] = {}
        self._rank: dict[tuple[int, int], int] = {}  # place -> its rank when last read
        self._wanted: tuple[object, set[tuple[int, str]]] = (None, set())  # by layers read

    def prepare(self, data: MarketData) -> None:
        """Reset the hedge state and rebuild the ETF series when layer 3 is enabled."""
        super().prepare(data)
        self.state = HedgeState()
        self._iv_hist = []
        self._marks = (None, {})
        self._closing = frozenset()
        self._derived = (None, ())
        self._places = {}
        self._rank = {}
        self._wanted = (None, set())
        data.sessions("VIX")  # NoDataError now, not mid-run, without VIX bars
        # What the ETF series is (journaled once); only a hedge that may buy it builds it.
        layer_3 = 3 in self.cfg.instruments.layers
        self.etf_note = data.etf_note if layer_3 else "ETF series not prepared"

    # -- inputs ---------------------------------------------------------------------------
    def _atm_iv(self, snap: MarketSnapshot) -> tuple[float | None, float | None]:
        """Return (30-day ATM IV now, ``iv_shift_sessions`` sessions ago), vol points."""
        n = self.cfg.triggers.iv_shift_sessions
        try:
            now = float(SpxVolSurface.from_snapshot(snap).atm_vol(30.0 / 365.0)) * 100.0
        except NoDataError:
            now = math.nan
        self._iv_hist.append(now)
        before = self._iv_hist[-1 - n] if len(self._iv_hist) > n else math.nan
        ok = math.isfinite(now) and math.isfinite(before)
        return (now, before) if ok else (None, None)

    def _quotes(self, snap: MarketSnapshot, m: HedgeMarketView) -> list[InstrumentQuote]:
        """Return the candidate instruments of the enabled layers on the market ``m``."""
        quotes = self.pricer.vx_quotes(snap)
        ins = self.cfg.instruments
        if 2 in ins.layers or self.cfg.sizing.mode == "442_instruments":
            width = ins.call_spread_width_pct if ins.call_spreads else None
            quotes += self.pricer.call_quotes(snap, ins.call_otm_pct, ins.call_delta, width)
        # No VIX-futures ETF could be bought before VXX listed (alvh.calendar.listings): no
        # quote to size on then (its index is still marked, for the reports).
        etf = (
            self.pricer.etf_quote(snap, ins.etf_symbol)
            if 3 in ins.layers and product_listed_on("etf", m.today.date())
            else None
        )
        if etf is not None:
            quotes.append(etf)
        return quotes

    def _carry(self, snap: MarketSnapshot, view: BookView) -> float:
        """Return the estimated monthly carry of the hedge lots (USD, + = cost)."""
        carry = 0.0
        for lot in view.hedge_lots:
            q = self.pricer.carry_of(snap, lot.contract_id)
            if q is not None:
                carry -= lot.qty * q[0] * q[1]
        return carry

    def _inputs(
        self,
        snap: MarketSnapshot,
        view: BookView,
        m: HedgeMarketView,
        layers: tuple[LayerHolding, ...],
    ) -> HedgeInputs:
        t = self.cfg.triggers
        cv = view.condors
        day = view.day
        today = day if day.value % _DAY_NS == 0 else day.normalize()
        condors = CondorColumns.from_credits(
            cv.short_put, cv.short_call, cv.credit_per_condor, cv.iv_atm, cv.dte_days
        )
        nxt, events = snap.upcoming_sessions_and_events(max(t.macro_sessions, 1))
        # ``np.add.reduce`` is what ``ndarray.sum`` runs, without numpy's Python-level wrapper
        # (same reduction, same floats); likewise minimum/maximum for ``clip``.
        n_condors = int(_sum(cv.qty))
        held, unit_by_symbol = self._cap_use(snap, view, layers)
        exposure = BookExposure(
            short_vega_usd_per_vol_pt=max(0.0, -cv.vega_usd_per_vol_pt),
            max_loss_usd=float(_sum(cv.max_loss_usd)),
            margin_usd=float(_sum(cv.margin_usd)),
            spx_notional_usd=view.spot * 100.0 * n_condors,
            capital_usd=view.equity_usd,
            hedge_carry_usd_per_month=self._carry(snap, view),
            held=held,
            held_unit_use=unit_by_symbol,
        )
        gains, costs = self._layer_gains(snap, view)
        sig = self._signals
        # The close rules and the VIX IV pair, on the closes the snapshot knows.
        iv_now, iv_before = sig.iv(snap) if t.iv_source == "vix" else self._atm_iv(snap)
        pre = {"macd_crossover": sig.macd(snap), "rsi": sig.rsi(snap)}
        vx1, vx2 = m.vx_fronts if len(m.vx_fronts) == 2 else (None, None)
        return HedgeInputs(
            session_index=self.session_index,
            today=today.date(),
            iv_now=iv_now,
            iv_before=iv_before,
            spot=view.spot,
            exposure=exposure,
            layers=layers,
            condors=condors,
            leg_deltas=np.minimum(np.maximum(cv.delta_per_condor, -1.0), 1.0),
            leg_contracts=cv.qty,
            n_condors=n_condors,
            vix_closes=_NONE,  # the close rules' results are in rule_results
            spx_closes=_NONE,
            vx1=vx1,
            vx2=vx2,
            vix=m.vix,
            vix3m=m.vix3m,
            next_sessions=nxt,
            events=events,
            # Priced only if the step reads them (it buys or rolls): most sessions do neither.
            quotes=LazyQuotes(lambda: self._quotes(snap, m)),
            layer_gains_usd=gains,
            layer_costs_usd=costs,
            rule_results=pre,
        )

    def _mark_of(self, snap: MarketSnapshot, cid: str) -> HedgeMark | None:
        """Return today's mark of a contract, None when it has none (asked once a session)."""
        marks = self._marks
        if marks[0] is not snap:
            marks = self._marks = (snap, {})
        if cid not in marks[1]:
            try:
                marks[1][cid] = self.pricer.mark(snap, cid)
            except (KeyError, NoDataError):
                marks[1][cid] = None
        return marks[1][cid]

    def _unit_use(self, snap: MarketSnapshot, cid: str) -> CapUse | None:
        """Cap use of one contract at today's mark (futures: margin and face value)."""
        mk = self._mark_of(snap, cid)
        if mk is None:
            return None
        if mk.is_future:
            return CapUse(0.0, mk.margin_usd, mk.mid * mk.multiplier)
        return CapUse(mk.mid * mk.multiplier, 0.0, 0.0)

    def _cap_use(
        self, snap: MarketSnapshot, view: BookView, layers: tuple[LayerHolding, ...]
    ) -> tuple[CapUse, Mapping[str, CapUse]]:
        """Return what the book's hedge positions use of the caps, and per allocation symbol.

        The second is priced on first use (only a roll reads it).
        """
        # Summed field by field in plain floats: what ``CapUse() + u.scaled(f) + ...`` adds
        # with ``u = _unit_use(...)``, without building a CapUse per contract (the fields a
        # unit leaves at 0.0 add nothing).
        premium = margin = face = 0.0
        for cid, qty in view.hedge_positions.items():
            mk = self._mark_of(snap, cid)
            if mk is None:
                continue
            if mk.is_future:  # margin and face value, long or short
                f = abs(qty)
                margin += mk.margin_usd * f
                face += mk.mid * mk.multiplier * f
            else:  # premium; a short call leg offsets
                premium += mk.mid * mk.multiplier * qty
        held = CapUse(premium, margin, face)
        return held, LazyMapping(lambda: self._unit_use_by_symbol(snap, layers))

    def _unit_use_by_symbol(
        self, snap: MarketSnapshot, layers: tuple[LayerHolding, ...]
    ) -> dict[str, CapUse]:
        """Return the cap use of one unit of each symbol ``layers`` hold."""
        by_symbol: dict[str, CapUse] = {}
        for h in layers:
            for a in h.allocations:
                legs = [(self._unit_use(snap, cid), sign) for cid, sign in spread_legs(a.symbol)]
                if all(u is not None for u, _ in legs):
                    by_symbol[a.symbol] = sum(
                        (u.scaled(sign) for u, sign in legs if u is not None), CapUse()
                    )
        return by_symbol

    def _layer_gains(
        self, snap: MarketSnapshot, view: BookView
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Return each layer's unrealised gain and entry cost (USD) at the book's entry prices
        (the lot's average fill, slippage included)."""
        gains: dict[int, float] = {}
        costs: dict[int, float] = {}
        for layer, cid, qty, entry, _ in view.hedge_lots:
            mk = self._mark_of(snap, cid)
            if mk is None:
                continue
            if math.isfinite(entry):
                gains[layer] = gains.get(layer, 0.0) + (mk.mid - entry) * qty * mk.multiplier
                costs[layer] = costs.get(layer, 0.0) + entry * qty * mk.multiplier
        return gains, costs

    # -- the layers the book holds --------------------------------------------------------
    def _layers(self, view: BookView) -> tuple[LayerHolding, ...]:
        """Return the layers the book's lots hold, bottom first, each allocation as bought.

        Every buy carries the allocations it fills (symbol, tranche, decision price) with their
        place in the layer (``Bought``), kept with the lot (``HedgeLot.parts``); the contracts
        a sale took or a fill missed are simply not there. Lots the rule has let go
        (``_closing``) are not a layer's: their sale is still to fill. Recomputed only when the
        lots change.

        Order within a layer: the order the layer was last read in (a roll's new contracts take
        the old ones' place), then new tranches; those of one symbol together, at the first
        one's place.
        """
        lots = view.hedge_lots
        key = (lots, self._closing)
        if self._derived[0] == key:
            return self._derived[1]
        parts: list[tuple[int, tuple[int, int], Allocation]] = []
        for lot in lots:
            if (lot.layer, lot.contract_id) in self._closing:
                continue
            for _, label, qty in lot.parts:
                n_held = round(qty)
                if isinstance(label, Bought) and n_held > 0:
                    a = label.allocation
                    held = a if n_held == a.contracts else replace(a, contracts=n_held)
                    parts.append((lot.layer, label.place, held))
        rank, last = self._rank, len(self._rank)
        parts.sort(key=lambda p: (p[0], rank.get(p[1], last), p[1]))
        groups: dict[tuple[int, str], list[tuple[int, tuple[int, int], Allocation]]] = {}
        for p in parts:  # those of one symbol together (at the first one's place)
            groups.setdefault((p[0], p[2].symbol), []).append(p)
        ordered = [p for g in groups.values() for p in g]
        by_layer: dict[int, list[Allocation]] = {}
        places: dict[tuple[int, str, int], list[tuple[int, int]]] = {}
        for layer, place, alloc in ordered:
            by_layer.setdefault(layer, []).append(alloc)
            places.setdefault((layer, alloc.symbol, alloc.tranche), []).append(place)
        layers = tuple(LayerHolding(k, tuple(v)) for k, v in sorted(by_layer.items()))
        self._rank = {place: i for i, (_, place, _) in enumerate(ordered)}
        self._places = places
        self._derived = (key, layers)
        return layers

    def _orphans(
        self, held: dict[tuple[int, str], float], layers: tuple[LayerHolding, ...]
    ) -> tuple[list[HedgeOrder], list[JournalEntry]]:
        """Close the lots no layer the book holds accounts for: those the rule let go whose
        sale did not fill, and any lot bought for no allocation."""
        orders, entries = [], []
        for layer, cid in self._unwanted(held, layers):
            qty = held[(layer, cid)]
            why = f"close {cid} x{qty:g}: held for layer {layer}, which is no longer active"
            orders.append(self._order(layer, cid, -qty, why))
            entries.append(
                JournalEntry(
                    "hedge.reconcile", {"contract": cid, "qty": qty}, "fired", "close", why
                )
            )
        return orders, entries

    def _unwanted(
        self, held: dict[tuple[int, str], float], layers: tuple[LayerHolding, ...]
    ) -> tuple[tuple[int, str], ...]:
        """Return the lots held that ``layers`` do not hold, in the order the lots opened."""
        if not held:
            return ()
        if self._wanted[0] is not layers:  # the layers change only on trading days
            wanted = {
                (h.layer, cid)
                for h in layers
                for a in h.allocations
                for cid, _ in spread_legs(a.symbol)
            }
            self._wanted = (layers, wanted)
        wanted = self._wanted[1]
        return tuple(k for k in held if k not in wanted)

    # -- decisions -> orders --------------------------------------------------------------
    def _translate(
        self, held: dict[tuple[int, str], float], decisions: list[HedgeDecision]
    ) -> list[HedgeOrder]:
        """Turn decisions into orders, netted per contract (a roll and a removal of the same
        layer on one session must not buy a contract only to sell it again)."""
        if all(d.layer is None or d.action == "hold" for d in decisions):
            return []  # most sessions: nothing to trade
        net: dict[tuple[int, str], float] = {}
        whys: dict[tuple[int, str], list[str]] = {}
        tags: dict[tuple[int, str], list[tuple[Bought, float]]] = {}
        n_bought = 0
        places = {k: list(v) for k, v in self._places.items()}  # taken by this session's rolls

        def send(layer: int, cid: str, qty: float, why: str) -> None:
            net[(layer, cid)] = net.get((layer, cid), 0.0) + qty
            whys.setdefault((layer, cid), [])
            if why not in whys[(layer, cid)]:
                whys[(layer, cid)].append(why)

        def left(layer: int, cid: str) -> float:
            return held.get((layer, cid), 0.0) + net.get((layer, cid), 0.0)

        for d in decisions:
            if d.layer is None or d.action == "hold":
                continue
            why = f"{d.action} layer {d.layer}: {d.reason}"
            if d.action in ("remove_layer", "monetise"):
                keys = [c for lay, c in held if lay == d.layer]
                keys += [c for (lay, c) in net if lay == d.layer]
                for cid in dict.fromkeys(keys):
                    send(d.layer, cid, -left(d.layer, cid), why)
                continue
            if d.action == "roll":
                # Close all the layer holds of the old contract: the caps may have cut the new
                # count below the old one (rolls of several tranches of one contract repeat this
                # harmlessly, the first one closes everything).
                for sym in d.closes:
                    for cid, _ in spread_legs(sym):
                        send(d.layer, cid, -left(d.layer, cid), why)
            for a in d.allocations:
                # A roll's new contracts take the old ones' place in the layer, a tranche goes
                # after what the layer holds: the order the rule reads its allocations in.
                place = None
                if d.action == "roll":  # rolls come in the layer's order, one per allocation
                    old = places.get((d.layer, d.closes[0], a.tranche))
                    place = old.pop(0) if old else None
                if place is None:
                    place = (self.session_index, n_bought)
                    n_bought += 1
                for i, (cid, sign) in enumerate(spread_legs(a.symbol)):
                    send(d.layer, cid, sign * a.contracts, why)
                    if i == 0:  # the allocation is the long leg's tag (a spread's first)
                        tag = (Bought(place, a), float(a.contracts))
                        tags.setdefault((d.layer, cid), []).append(tag)
        return [
            self._order(
                layer, cid, q, " | ".join(whys[(layer, cid)]), tuple(tags.get((layer, cid), ()))
            )
            for (layer, cid), q in net.items()
            if abs(q) > 1e-9
        ]

    # -- the rule -------------------------------------------------------------------------
    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        """Journal last session's fills, derive the layers from the book's lots, run one ALVH
        step on them and the plan, return its orders and journal entries."""
        self.session_index += 1
        self.pricer = prices_of(view)
        held = held_by_layer(view)
        entries = self._fill_entries(snap, view)
        layers = self._layers(view)
        orders, more = self._orphans(held, layers)
        entries += more
        if self.session_index == 0:
            entries.append(JournalEntry("hedge.etf", {}, "clear", "none", self.etf_note))
        m = self.pricer.market(snap)
        inputs = self._inputs(snap, view, m, layers)
        self.state, decided, decisions, results = step(self.state, inputs, self.cfg)
        # Each result's own inputs dict, not a copy: neither side changes it afterwards.
        entries += [
            JournalEntry(f"hedge.trigger.{r.rule}", r.inputs, rule_outcome(r), "none", r.reason)
            for r in results
        ]
        orders += self._translate(held, decisions)
        # Let go today (held, not in the layers decided on): not a layer's while still held.
        self._closing = frozenset(self._unwanted(held, decided))
        active = [h.layer for h in decided]
        for d in decisions:
            entries.append(_decision_entry(d, active))
        return Decisions(orders, entries)


_sum = np.add.reduce
_NONE = np.zeros(0)  # no closes: the close rules' results come from the run's tables
_NONE.flags.writeable = False


def _decision_entry(d: HedgeDecision, active_layers: list[int]) -> JournalEntry:
    inputs: dict[str, object] = {
        "layer": d.layer,
        "allocations": [f"{a.symbol} x{a.contracts} @ {a.price:.4g}" for a in d.allocations],
        "closes": list(d.closes),
        "triggers": [r.rule for r in d.rule_results],
        "active_layers": list(active_layers),
    }
    acting = d.action != "hold"
    outcome, action = ("fired", d.action) if acting else ("clear", "none")
    return JournalEntry(f"hedge.decision.{d.action}", inputs, outcome, action, d.reason)
