"""The ALVH hedge plugged into the daily loop through the ``HedgeHook`` seam.

``AlvhHedge`` turns each session's snapshot and book view into ``HedgeInputs``, runs the pure
rule ``alvh.strategy.hedge.decision.step`` and translates its decisions into orders that fill at
the next session. The rule's ``HedgeState`` is the only mutable strategy object; the hook keeps
it for one run (``prepare`` resets it) and, each session, first aligns it with what the book
actually holds (fills happen a session later, at that session's prices, or not at all).

``alvh.engine.hedge_factory.make_hedge`` builds the hook a ``HedgeConfig`` names (this one,
``VxthHedge`` or ``NoHedge``). Pricing conventions: ``alvh.engine.hedge_pricing``; the ledger
and fill reconciliation both hooks share: ``alvh.engine.hedge_ledger.LedgerHook``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from alvh.calendar.listings import product_listed_on
from alvh.config.hedge import HedgeConfig
from alvh.engine.hedge_hook import BookView, HedgeMark, HedgeOrder
from alvh.engine.hedge_inputs import LazyMapping, LazyQuotes
from alvh.engine.hedge_ledger import FillTiming, LedgerHook, rule_outcome
from alvh.engine.hedge_market import date_of_ns
from alvh.engine.hedge_pricing import HedgeCosts, _Market
from alvh.engine.hedge_signals import CloseSignals
from alvh.engine.journal import JournalEntry
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.hedge.caps import CapUse
from alvh.strategy.hedge.decision import LAYER_NAMES, step
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.results import HedgeDecision
from alvh.strategy.hedge.sizing import BookExposure
from alvh.strategy.hedge.state import (
    CondorColumns,
    HedgeInputs,
    HedgeState,
    LayerHolding,
    PendingTranche,
)

__all__ = ["AlvhHedge"]

_DAY_NS = 86_400_000_000_000


class AlvhHedge(LedgerHook):
    """The Adaptive Layered VIX Hedge as a ``HedgeHook``.

    Parameters
    ----------
    cfg
        Hedge config with ``rule == "alvh"`` (e.g. ``hedge_preset("alvh-442")``).
    costs
        Execution costs and margins of the hedge instruments.
    fill_timing
        The engine's fill timing; says at which session's prices the hook's ledger books fills.
    """

    def __init__(
        self,
        cfg: HedgeConfig,
        costs: HedgeCosts | None = None,
        fill_timing: FillTiming = "next_close",
    ) -> None:
        super().__init__(cfg, costs, fill_timing)
        self.state = HedgeState()
        self._iv_hist: list[float] = []
        self._signals = CloseSignals(cfg.triggers)  # the close rules, read through snapshots
        # The state's layers and pending tranches as the last decision left them, once they
        # were aligned with the ledger and no orphan was left (None: align next session).
        self._aligned: tuple[tuple[LayerHolding, ...], tuple[PendingTranche, ...]] | None = None
        self._unknown_held = False  # the ledger holds a contract this pricer did not create
        # Marks of the contracts the decision reads, for the snapshot they were taken from.
        self._marks: tuple[MarketSnapshot | None, dict[str, HedgeMark | None]] = (None, {})

    def prepare(self, data: MarketData) -> None:
        """Reset the hedge state and rebuild the ETF series when layer 3 is enabled."""
        super().prepare(data)
        self.state = HedgeState()
        self._iv_hist = []
        self._aligned = None
        self._unknown_held = False
        self._marks = (None, {})
        data.sessions("VIX")  # NoDataError now, not mid-run, without VIX bars
        if 3 in self.cfg.instruments.layers:
            self.pricer.prepare_etf(data)

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

    def _quotes(self, m: _Market) -> list[InstrumentQuote]:
        """Return the candidate instruments of the enabled layers on the market ``m``."""
        quotes = self.pricer.vx_quotes(m)
        ins = self.cfg.instruments
        if 2 in ins.layers or self.cfg.sizing.mode == "442_instruments":
            width = ins.call_spread_width_pct if ins.call_spreads else None
            quotes += self.pricer.call_quotes(m, ins.call_otm_pct, ins.call_delta, width)
        # No VIX-futures ETF could be bought before VXX listed (alvh.calendar.listings): no
        # quote to size on then (its index is still marked, for the reports).
        etf = (
            self.pricer.etf_quote(m, ins.etf_symbol)
            if 3 in ins.layers and product_listed_on("etf", date_of_ns(m.today_ns))
            else None
        )
        if etf is not None:
            quotes.append(etf)
        return quotes

    def _carry(self, m: _Market) -> float:
        """Return the estimated monthly carry of the ledger's positions (USD, + = cost)."""
        carry = 0.0
        for (_, cid), p in self.ledger.pos.items():
            q = self.pricer.carry_of(m, cid)
            if q is not None:
                carry -= p.qty * q[0] * q[1]
        return carry

    def _inputs(self, snap: MarketSnapshot, view: BookView, m: _Market) -> HedgeInputs:
        t = self.cfg.triggers
        cv = view.condors
        day = view.day
        today = day if day.value % _DAY_NS == 0 else day.normalize()
        condors = CondorColumns(
            cv.short_put,
            cv.short_call,
            cv.short_put - cv.credit_per_condor,
            cv.short_call + cv.credit_per_condor,
            cv.iv_atm,
            cv.dte_days,
        )
        nxt, events = snap.upcoming_sessions_and_events(max(t.macro_sessions, 1))
        # ``np.add.reduce`` is what ``ndarray.sum`` runs, without numpy's Python-level wrapper
        # (same reduction, same floats); likewise minimum/maximum for ``clip``.
        n_condors = int(_sum(cv.qty))
        held, unit_by_symbol = self._cap_use(snap, view)
        exposure = BookExposure(
            short_vega_usd_per_vol_pt=max(0.0, -cv.vega_usd_per_vol_pt),
            max_loss_usd=float(_sum(cv.max_loss_usd)),
            margin_usd=float(_sum(cv.margin_usd)),
            spx_notional_usd=view.spot * 100.0 * n_condors,
            capital_usd=view.equity_usd,
            hedge_carry_usd_per_month=self._carry(m),
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
            quotes=LazyQuotes(lambda: self._quotes(m)),
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

    def _cap_use(self, snap: MarketSnapshot, view: BookView) -> tuple[CapUse, Mapping[str, CapUse]]:
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
        layers = self.state.layers  # as of now, whenever the mapping is read
        held = CapUse(premium, margin, face)
        return held, LazyMapping(lambda: self._unit_use_by_symbol(snap, layers))

    def _unit_use_by_symbol(
        self, snap: MarketSnapshot, layers: tuple[LayerHolding, ...]
    ) -> dict[str, CapUse]:
        """Return the cap use of one unit of each symbol ``layers`` hold."""
        by_symbol: dict[str, CapUse] = {}
        for h in layers:
            for a in h.allocations:
                legs = [
                    (self._unit_use(snap, cid), sign)
                    for cid, sign in self.pricer.spread_legs(a.symbol)
                ]
                if all(u is not None for u, _ in legs):
                    by_symbol[a.symbol] = sum(
                        (u.scaled(sign) for u, sign in legs if u is not None), CapUse()
                    )
        return by_symbol

    def _layer_gains(
        self, snap: MarketSnapshot, view: BookView
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Return each layer's unrealised gain and entry cost (USD) at the book's entry prices.

        The entry price is ``BookView.hedge_entry_price`` (the book's average fill, slippage
        included); the ledger's own estimate serves only for a contract the book has none for.
        """
        gains: dict[int, float] = {}
        costs: dict[int, float] = {}
        for (layer, cid), p in self.ledger.pos.items():
            mk = self._mark_of(snap, cid)
            if mk is None:
                continue
            entry = view.hedge_entry_price.get(cid, p.entry)
            if math.isfinite(entry):
                gains[layer] = gains.get(layer, 0.0) + (mk.mid - entry) * p.qty * mk.multiplier
                costs[layer] = costs.get(layer, 0.0) + entry * p.qty * mk.multiplier
        return gains, costs

    # -- state alignment ------------------------------------------------------------------
    def _sync_state(self) -> list[JournalEntry]:
        """Align the rule's layers with the ledger: the book's holdings are the truth."""
        out: list[JournalEntry] = []
        layers = []
        for h in self.state.layers:
            allocs = []
            by_sym: dict[str, list] = {}
            for a in h.allocations:
                by_sym.setdefault(a.symbol, []).append(a)
            for sym, group in by_sym.items():
                long_id = self.pricer.spread_legs(sym)[0][0]
                held = self.ledger.held(h.layer, long_id)
                planned = sum(a.contracts for a in group)
                if abs(held - planned) < 1e-9:
                    allocs.extend(group)
                    continue
                if held > 0:
                    allocs.append(replace(group[0], contracts=round(held)))
                out.append(
                    JournalEntry(
                        "hedge.reconcile",
                        {"layer": h.layer, "symbol": sym, "planned": planned, "held": held},
                        "adjusted",
                        "none",
                        f"layer {h.layer}: {sym} planned {planned} but the book holds {held:g}",
                    )
                )
            if allocs:
                kept_allocs = tuple(allocs)
                same = kept_allocs == h.allocations  # the usual day: nothing to align
                layers.append(h if same else replace(h, allocations=kept_allocs))
                continue
            out.append(
                JournalEntry(
                    "hedge.reconcile",
                    {"layer": h.layer},
                    "adjusted",
                    "remove_layer",
                    f"layer {h.layer} ({LAYER_NAMES[h.layer]}) dropped: none of its contracts "
                    "is held (orders not filled, or settled)",
                )
            )
        kept = {h.layer for h in layers}
        pending = tuple(p for p in self.state.pending if p.slice.layer in kept)
        new_layers = tuple(layers)
        if new_layers != self.state.layers or pending != self.state.pending:
            self.state = replace(self.state, layers=new_layers, pending=pending)
        return out

    def _orphans(self, snap: MarketSnapshot) -> tuple[list[HedgeOrder], list[JournalEntry]]:
        """Close positions that no active layer accounts for (e.g. a sell that did not fill)."""
        wanted = {
            (h.layer, cid)
            for h in self.state.layers
            for a in h.allocations
            for cid, _ in self.pricer.spread_legs(a.symbol)
        }
        orders, entries = [], []
        self._unknown_held = False
        for (layer, cid), p in list(self.ledger.pos.items()):
            if (layer, cid) in wanted:
                continue
            if self.pricer.find(cid) is None:
                self._unknown_held = True
                continue
            why = f"close {cid} x{p.qty:g}: held for layer {layer}, which is no longer active"
            orders.append(self._order(snap, layer, cid, -p.qty, why))
            entries.append(
                JournalEntry(
                    "hedge.reconcile", {"contract": cid, "qty": p.qty}, "fired", "close", why
                )
            )
        return orders, entries

    # -- decisions -> orders --------------------------------------------------------------
    def _translate(self, snap: MarketSnapshot, decisions: list[HedgeDecision]) -> list[HedgeOrder]:
        """Turn decisions into orders, netted per contract (a roll and a removal of the same
        layer on one session must not buy a contract only to sell it again)."""
        if all(d.layer is None or d.action == "hold" for d in decisions):
            return []  # most sessions: nothing to trade
        net: dict[tuple[int, str], float] = {}
        whys: dict[tuple[int, str], list[str]] = {}

        def send(layer: int, cid: str, qty: float, why: str) -> None:
            net[(layer, cid)] = net.get((layer, cid), 0.0) + qty
            whys.setdefault((layer, cid), [])
            if why not in whys[(layer, cid)]:
                whys[(layer, cid)].append(why)

        def left(layer: int, cid: str) -> float:
            return self.ledger.held(layer, cid) + net.get((layer, cid), 0.0)

        for d in decisions:
            if d.layer is None or d.action == "hold":
                continue
            why = f"{d.action} layer {d.layer}: {d.reason}"
            if d.action in ("remove_layer", "monetise"):
                keys = [c for c, _ in self.ledger.layer_items(d.layer)]
                keys += [c for (lay, c) in net if lay == d.layer]
                for cid in dict.fromkeys(keys):
                    send(d.layer, cid, -left(d.layer, cid), why)
                continue
            if d.action == "roll":
                # Close all the layer holds of the old contract: the caps may have cut the new
                # count below the old one (rolls of several tranches of one contract repeat this
                # harmlessly, the first one closes everything).
                for sym in d.closes:
                    for cid, _ in self.pricer.spread_legs(sym):
                        send(d.layer, cid, -left(d.layer, cid), why)
            for a in d.allocations:
                for cid, sign in self.pricer.spread_legs(a.symbol):
                    send(d.layer, cid, sign * a.contracts, why)
        return [
            self._order(snap, layer, cid, q, " | ".join(whys[(layer, cid)]))
            for (layer, cid), q in net.items()
            if abs(q) > 1e-9
        ]

    # -- the hook -------------------------------------------------------------------------
    def decide(
        self, snap: MarketSnapshot, view: BookView
    ) -> tuple[list[HedgeOrder], list[JournalEntry]]:
        """Reconcile with the book, run one ALVH step, return its orders and journal entries."""
        self.session_index += 1
        sent = bool(self.ledger.sent)
        entries = self._reconcile(snap, view)
        orders: list[HedgeOrder] = []
        a = self._aligned
        # Alignment can find nothing when no order was sent, the ledger did not change and the
        # state's layers are those the last decision left, aligned (most sessions): skip it.
        if (
            sent
            or entries
            or a is None
            or a[0] is not self.state.layers
            or a[1] is not (self.state.pending)
        ):
            entries += self._sync_state()
            orders, more = self._orphans(snap)
            entries += more
        if self.session_index == 0:
            entries.append(JournalEntry("hedge.etf", {}, "clear", "none", self.pricer.etf_note))
        m = self.pricer.market(snap)
        inputs = self._inputs(snap, view, m)
        state, decisions, results = step(self.state, inputs, self.cfg)
        self.state = state
        # Each result's own inputs dict, not a copy: neither side changes it afterwards.
        entries += [
            JournalEntry(f"hedge.trigger.{r.rule}", r.inputs, rule_outcome(r), "none", r.reason)
            for r in results
        ]
        orders += self._translate(snap, decisions)
        for d in decisions:
            entries.append(_decision_entry(d, state))
        quiet = not orders and not self._unknown_held
        self._aligned = (state.layers, state.pending) if quiet else None
        return orders, entries


_sum = np.add.reduce
_NONE = np.zeros(0)  # no closes: the close rules' results come from the run's tables
_NONE.flags.writeable = False


def _decision_entry(d: HedgeDecision, state: HedgeState) -> JournalEntry:
    inputs: dict[str, object] = {
        "layer": d.layer,
        "allocations": [f"{a.symbol} x{a.contracts} @ {a.price:.4g}" for a in d.allocations],
        "closes": list(d.closes),
        "triggers": [r.rule for r in d.rule_results],
        "active_layers": list(state.active_layers),
    }
    acting = d.action != "hold"
    return JournalEntry(
        f"hedge.decision.{d.action}", inputs, "fired" if acting else "clear",
        d.action if acting else "none", d.reason,
    )  # fmt: skip
