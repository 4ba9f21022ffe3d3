"""The ALVH decision tree and the daily hedge step: ``step(plan, inputs, cfg)``.

Order of business each session (all pure):
1. evaluate every trigger (each a journaled RuleResult);
2. roll legs near expiry to the next cycle ("time-shifting"), cut to the account caps;
3. buy a due tranche if the trigger still holds, else cancel it;
4. monetise layers from the top whose gain reached the target;
5. de-escalate: remove the top layer after N consecutive clear sessions;
6. escalate: add the next layer on a regime shift (IV shift with a macro event or a
   term-structure inversion), a price trigger (proximity, break-even, book delta), or an IV shift
   confirmed by momentum; with IV stable and RSI neutral nothing is added.

Every buy (roll, tranche, new layer) is bounded by the account caps (``HedgeConfig.caps``) on
what is held plus what earlier buys of the same session took, and nothing is bought while the
book is bust.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from alvh.config.hedge import HedgeConfig
from alvh.strategy.hedge.caps import CapUse, capped_count, unit_use
from alvh.strategy.hedge.results import Allocation, HedgeDecision, RuleResult
from alvh.strategy.hedge.sizing import (
    Slice,
    SliceKind,
    allocation_use,
    choose_quote,
    layer_plan,
    size_slices,
)
from alvh.strategy.hedge.state import (
    HedgeInputs,
    HedgeState,
    LayerHolding,
    PendingTranche,
    first_expiry_ordinal,
)
from alvh.strategy.hedge.triggers import (
    Regime,
    book_delta_per_condor,
    breadth_divergence,
    break_even_proximity,
    iv_shift,
    macd_rule,
    macro_proximity,
    proximity,
    rsi_rule,
    term_structure,
)

LAYER_NAMES = {1: "VX futures", 2: "VIX calls", 3: "VIX-futures ETF"}
# The trigger groups of the decision tree, each in the order its reasons are quoted.
_PRICE_RULES = ("proximity", "break_even", "book_delta")
_REGIME_RULES = ("macro", "term_structure")
_MOMENTUM_RULES = ("macd_crossover", "rsi", "breadth")


@dataclass(frozen=True)
class TriggerSet:
    """All trigger results of one session, by rule name, and the tree's verdict."""

    results: dict[str, RuleResult]
    regime: Regime
    add_reason: str | None
    clear: bool


def evaluate_triggers(inputs: HedgeInputs, cfg: HedgeConfig) -> TriggerSet:
    """Evaluate every trigger and the decision tree's add condition for one session."""
    t = cfg.triggers
    c = inputs.condors
    r: dict[str, RuleResult] = {}
    r["iv_shift"] = iv_shift(
        inputs.iv_now, inputs.iv_before, t.iv_shift_threshold, t.iv_shift_sessions, t.iv_source
    )
    r["proximity"] = proximity(
        inputs.spot, c.short_put, c.short_call, c.iv, c.dte_days, t.proximity_z
    )
    if t.break_even_z > 0:
        r["break_even"] = break_even_proximity(
            inputs.spot, c.put_break_even, c.call_break_even, c.iv, c.dte_days, t.break_even_z
        )
    r["book_delta"] = book_delta_per_condor(
        inputs.leg_deltas, inputs.leg_contracts, inputs.n_condors, t.delta_limit
    )
    pre = inputs.rule_results  # the engine's, from its per-run close tables
    r["macd_crossover"] = (
        pre["macd_crossover"]
        if "macd_crossover" in pre
        else macd_rule(inputs.vix_closes, t.macd_fast, t.macd_slow, t.macd_signal)
    )
    if "rsi" in pre:
        r["rsi"] = pre["rsi"]
    else:
        rsi_src = inputs.vix_closes if t.rsi_symbol == "vix" else inputs.spx_closes
        r["rsi"] = rsi_rule(rsi_src, t.rsi_symbol.upper(), t.rsi_period, t.rsi_band)
    regime: Regime = "flat"
    if inputs.vx1 is not None and inputs.vx2 is not None:
        r["term_structure"] = term_structure(
            inputs.vx1, inputs.vx2, inputs.vix, inputs.vix3m, t.term_tolerance_pts
        )
        regime = r["term_structure"].inputs["regime"]  # type: ignore[assignment]
    r["macro"] = macro_proximity(
        inputs.today, inputs.next_sessions, inputs.events, t.macro_sessions, t.macro_kinds
    )
    r["breadth"] = breadth_divergence(inputs.ad_line, inputs.spx_closes, t.breadth_window)

    iv_fired = r["iv_shift"].fired
    price = _fired_reasons(r, _PRICE_RULES)
    regime_shift = _fired_reasons(r, _REGIME_RULES)
    add: str | None = None
    if iv_fired and regime_shift:
        add = f"regime shift: {r['iv_shift'].reason} with {' and '.join(regime_shift)}"
    elif price:
        add = "price trigger: " + "; ".join(price)
    elif iv_fired and t.momentum_confirms_iv_shift:
        mom = _fired_reasons(r, _MOMENTUM_RULES)
        if mom:
            add = f"{r['iv_shift'].reason}, confirmed by " + "; ".join(mom)
    clear = add is None and not iv_fired
    return TriggerSet(r, regime, add, clear)


def _fired_reasons(results: dict[str, RuleResult], rules: tuple[str, ...]) -> list[str]:
    """Return the reasons of those of ``rules`` that were evaluated and fired, in order."""
    return [v.reason for k in rules if (v := results.get(k)) is not None and v.fired]


def _quiet_reason(ts: TriggerSet) -> str:
    r = ts.results
    iv, rsi = r["iv_shift"], r["rsi"]
    price = "; ".join(r[k].reason for k in _PRICE_RULES if k in r)
    if not iv.fired and not rsi.fired:
        return (
            f"no layer added: IV stable and RSI neutral (no over-hedging): {iv.reason}; "
            f"{rsi.reason}; no price trigger: {price}"
        )
    return f"no layer added: {iv.reason}; {rsi.reason}; no regime shift or price trigger: {price}"


def _next_layer(layers: tuple[LayerHolding, ...], cfg: HedgeConfig) -> int | None:
    top = layers[-1].layer if layers else 0
    for k in cfg.instruments.layers:  # the first enabled layer above the top
        if k > top:
            return k
    return None


def _with_held(inputs: HedgeInputs, held: CapUse) -> HedgeInputs:
    """Return ``inputs`` whose exposure counts ``held`` (buys decided earlier this session)."""
    return replace(inputs, exposure=replace(inputs.exposure, held=held))


def _bought(inputs: HedgeInputs, allocs: tuple[Allocation, ...]) -> HedgeInputs:
    """Return ``inputs`` with the cap use of ``allocs`` added to what is held."""
    by_sym = {q.symbol: q for q in inputs.quotes}
    return _with_held(inputs, inputs.exposure.held + allocation_use(allocs, by_sym))


def _roll(
    held_layers: tuple[LayerHolding, ...], inputs: HedgeInputs, ts: TriggerSet, cfg: HedgeConfig
) -> tuple[tuple[LayerHolding, ...], HedgeInputs, list[HedgeDecision]]:
    """Roll legs near expiry into the preferred live expiry, as many as the caps allow.

    A roll buys: the contracts rolled out of free their cap use (``held_unit_use``) and the new
    ones take theirs, so a hedge that outgrew a shrinking account is cut back when it rolls.
    """
    days = cfg.instruments.roll_days_before_expiry
    today = inputs.today.toordinal()
    first = first_expiry_ordinal(held_layers)
    if first is None or first - today > days:
        return held_layers, inputs, []  # nothing near expiry (most sessions): no copies
    ex = inputs.exposure
    held = ex.held
    out: list[HedgeDecision] = []
    layers = []
    for h in held_layers:
        keep: list[Allocation] = []
        for a in h.allocations:
            if a.expiry_ordinal is None or a.expiry_ordinal - today > days:
                keep.append(a)
                continue
            kind: SliceKind = (
                "etf" if a.kind == "etf" else "vx" if a.kind in ("vx", "vxm") else "call"
            )
            q = choose_quote(inputs.quotes, kind, "preferred", ts.regime, inputs.today, cfg)
            sym = None if q is None else (q.mini_symbol if a.kind == "vxm" else q.symbol)
            if q is None or sym is None or q.expiry is None:
                keep.append(a)
                out.append(
                    HedgeDecision(
                        "hold",
                        h.layer,
                        f"{a.symbol} is {a.expiry_ordinal - today} days from "
                        f"expiry but no next-cycle {kind} quote is available to roll into",
                    )
                )
                continue
            unit = unit_use(q, mini=a.kind == "vxm")
            freed = ex.held_unit_use.get(a.symbol, unit).scaled(a.contracts)
            n, why = capped_count(a.contracts, unit, held - freed, ex.capital_usd, cfg)
            held = held - freed + unit.scaled(n)
            new = replace(
                a, symbol=sym, price=q.price, expiry_ordinal=q.expiry.toordinal(), contracts=n
            )
            if n > 0:
                keep.append(new)
            what = f"roll {a.contracts} to {sym}" if why is None else f"roll {n} of {a.contracts}"
            out.append(
                HedgeDecision(
                    "roll",
                    h.layer,
                    f"time-shift: {a.symbol} is {a.expiry_ordinal - today} days from expiry "
                    f"(<= {days}); {what} ({ts.regime})"
                    + ("" if why is None else f" to {sym}: {why}"),
                    allocations=(new,) if n > 0 else (),
                    closes=(a.symbol,),
                )
            )
        layers.append(replace(h, allocations=tuple(keep)))
    return tuple(layers), _with_held(inputs, held), out


def _due_tranches(
    held_layers: tuple[LayerHolding, ...],
    plan: HedgeState,
    inputs: HedgeInputs,
    ts: TriggerSet,
    cfg: HedgeConfig,
    macro: bool,
) -> tuple[tuple[LayerHolding, ...], HedgeState, HedgeInputs, list[HedgeDecision]]:
    if not plan.pending:  # most sessions: no comprehension to run
        return held_layers, plan, inputs, []
    due = [p for p in plan.pending if p.due_session <= inputs.session_index]
    if not due:
        return held_layers, plan, inputs, []
    later = [p for p in plan.pending if p.due_session > inputs.session_index]
    out: list[HedgeDecision] = []
    layers = list(held_layers)
    for p in due:
        sl = p.slice
        idx = next((i for i, h in enumerate(layers) if h.layer == sl.layer), None)
        if idx is None:
            continue
        if ts.add_reason is None:
            cancelled = [p] + [q for q in later if q.slice.layer == sl.layer]
            later = [q for q in later if q.slice.layer != sl.layer]
            names = ", ".join(str(q.slice.tranche) for q in cancelled)
            out.append(
                HedgeDecision(
                    "hold",
                    sl.layer,
                    f"layer {sl.layer} tranche(s) {names} cancelled: trigger no longer holds "
                    f"{inputs.session_index - (p.due_session - sl.delay_sessions)} sessions later",
                )
            )
            continue
        res = size_slices(
            (sl,), inputs.exposure, inputs.quotes, ts.regime, inputs.today, cfg, macro
        )
        if res.contracts == 0:
            out.append(
                HedgeDecision("hold", sl.layer, f"tranche {sl.tranche} sized to 0: {res.reason}")
            )
            continue
        h = layers[idx]
        layers[idx] = replace(h, allocations=h.allocations + res.allocations)
        inputs = _bought(inputs, res.allocations)
        out.append(
            HedgeDecision(
                "add_layer",
                sl.layer,
                f"layer {sl.layer} tranche {sl.tranche}: trigger still holds "
                f"({ts.add_reason}); {res.reason}",
                allocations=res.allocations,
            )
        )
    return tuple(layers), replace(plan, pending=tuple(later)), inputs, out


def _monetise(
    held_layers: tuple[LayerHolding, ...], plan: HedgeState, inputs: HedgeInputs, cfg: HedgeConfig
) -> tuple[tuple[LayerHolding, ...], HedgeState, list[HedgeDecision]]:
    d = cfg.deescalation
    if d.monetise_target is None:
        return held_layers, plan, []
    layers = list(held_layers)
    out: list[HedgeDecision] = []
    while layers:
        h = layers[-1]
        gain = inputs.layer_gains_usd.get(h.layer)
        if d.monetise_basis == "cost":
            # The allocations' cost only when the book has no entry cost for the layer (not
            # summed every session as ``get``'s default would be).
            cost = inputs.layer_costs_usd.get(h.layer)
            basis = h.cost_usd if cost is None else cost
        else:
            basis = inputs.exposure.capital_usd
        if gain is None or not basis > 0 or gain < d.monetise_target * basis:
            break
        layers.pop()
        out.append(
            HedgeDecision(
                "monetise",
                h.layer,
                f"monetise layer {h.layer} ({LAYER_NAMES[h.layer]}): unrealised gain "
                f"{gain:,.0f} USD = {gain / basis:.1%} of its {d.monetise_basis} {basis:,.0f} "
                f">= target {d.monetise_target:.0%}",
                closes=h.symbols,
            )
        )
    if not out:
        return held_layers, plan, out
    kept = {h.layer for h in layers}
    pending = tuple(p for p in plan.pending if p.slice.layer in kept)
    return (
        tuple(layers),
        replace(plan, pending=pending, last_change_session=inputs.session_index),
        out,
    )


class HedgeStep(NamedTuple):
    """What one session of the ALVH rule returns.

    Attributes
    ----------
    plan
        The plan for the next sessions (pending tranches, clear sessions, cool-down).
    layers
        The layers as today's decisions leave them, bottom first: what the orders aim at, for
        the journal and the orders. Not kept: the next session's layers are derived from the
        lots its fills leave (``HedgeInputs.layers``).
    decisions
        Never empty (a ``hold`` with its reason when nothing is done).
    results
        Every trigger's result, in evaluation order.
    """

    plan: HedgeState
    layers: tuple[LayerHolding, ...]
    decisions: list[HedgeDecision]
    results: list[RuleResult]


def step(plan: HedgeState, inputs: HedgeInputs, cfg: HedgeConfig) -> HedgeStep:
    """Run one session of the ALVH rule.

    Parameters
    ----------
    plan
        The plan after the previous session (``HedgeState()`` at start). A pending tranche
        of a layer the book does not hold (``inputs.layers``) is dropped: its buy did not
        fill, or the layer was sold or settled.
    inputs
        Today's numbers, known at the close, with the layers the book's lots hold.
    cfg
        Hedge config (``rule`` must be ``"alvh"``).

    Returns
    -------
    HedgeStep
        The next plan, the layers as the decisions leave them, the decisions, the trigger
        results.
    """
    ts = evaluate_triggers(inputs, cfg)
    results = list(ts.results.values())
    macro = ts.results["macro"].fired
    layers = inputs.layers
    if plan.pending:  # the plan meets the book: no tranche for a layer it does not hold
        held = {h.layer for h in layers}
        if any(p.slice.layer not in held for p in plan.pending):
            plan = replace(plan, pending=tuple(p for p in plan.pending if p.slice.layer in held))
    layers, inputs, decisions = _roll(layers, inputs, ts, cfg)
    layers, plan, inputs, more = _due_tranches(layers, plan, inputs, ts, cfg, macro)
    decisions += more
    layers, plan, more = _monetise(layers, plan, inputs, cfg)
    decisions += more
    clear_sessions = plan.clear_sessions + 1 if ts.clear else 0
    if clear_sessions != plan.clear_sessions:
        plan = HedgeState(plan.pending, clear_sessions, plan.last_change_session)
    removed = bool(more)
    d = cfg.deescalation
    if not removed and layers and plan.clear_sessions >= d.clear_sessions:
        top = layers[-1]
        decisions.append(
            HedgeDecision(
                "remove_layer",
                top.layer,
                f"de-escalate: {plan.clear_sessions} consecutive clear sessions >= "
                f"{d.clear_sessions}; remove top layer {top.layer} ({LAYER_NAMES[top.layer]})",
                closes=top.symbols,
            )
        )
        layers = layers[:-1]
        plan = HedgeState(
            tuple(p for p in plan.pending if p.slice.layer != top.layer),
            0,
            inputs.session_index,
        )
        removed = True
    if ts.add_reason is not None and not removed:
        layers, plan, more = _escalate(layers, plan, inputs, ts, cfg, macro)
        decisions += more
    if not decisions:
        why = ts.add_reason if ts.add_reason is not None else _quiet_reason(ts)
        decisions.append(HedgeDecision("hold", None, why))
    trig = tuple(v for v in results if v.fired)
    # The constructor, not ``dataclasses.replace`` (which looks the fields up every call).
    decisions = [
        x
        if x.rule_results
        else HedgeDecision(x.action, x.layer, x.reason, x.allocations, x.closes, trig)
        for x in decisions
    ]
    return HedgeStep(plan, layers, decisions, results)


def _escalate(
    layers: tuple[LayerHolding, ...],
    s: HedgeState,
    inputs: HedgeInputs,
    ts: TriggerSet,
    cfg: HedgeConfig,
    macro: bool,
) -> tuple[tuple[LayerHolding, ...], HedgeState, list[HedgeDecision]]:
    assert ts.add_reason is not None
    nxt = _next_layer(layers, cfg)
    if nxt is None:
        return layers, s, [HedgeDecision("hold", None, f"all layers active; {ts.add_reason}")]
    if s.pending:
        return (
            layers,
            s,
            [
                HedgeDecision(
                    "hold",
                    nxt,
                    f"layer {nxt} waits: tranches of layer "
                    f"{s.pending[0].slice.layer} pending; {ts.add_reason}",
                )
            ],
        )
    gap = cfg.deescalation.cooldown_sessions
    if s.last_change_session is not None and inputs.session_index - s.last_change_session < gap:
        since = inputs.session_index - s.last_change_session
        return (
            layers,
            s,
            [
                HedgeDecision(
                    "hold",
                    nxt,
                    f"layer {nxt} waits: {since} sessions since the "
                    f"last layer change < cooldown {gap}; {ts.add_reason}",
                )
            ],
        )
    plan = layer_plan(nxt, cfg)
    now = tuple(p for p in plan if p.delay_sessions == 0)
    res = size_slices(now, inputs.exposure, inputs.quotes, ts.regime, inputs.today, cfg, macro)
    if res.contracts == 0:
        return (
            layers,
            s,
            [
                HedgeDecision(
                    "hold", nxt, f"layer {nxt} sized to 0 contracts: {res.reason}; {ts.add_reason}"
                )
            ],
        )
    later = tuple(
        PendingTranche(p, inputs.session_index + p.delay_sessions)
        for p in plan
        if p.delay_sessions > 0
    )
    tranche = "" if not later else f" tranche 1 of {len(plan)} ({_weights(plan)})"
    s = HedgeState(s.pending + later, s.clear_sessions, inputs.session_index)
    return (
        (*layers, LayerHolding(nxt, res.allocations)),
        s,
        [
            HedgeDecision(
                "add_layer",
                nxt,
                f"add layer {nxt} ({LAYER_NAMES[nxt]}){tranche}: {ts.add_reason}; {res.reason}",
                allocations=res.allocations,
            )
        ],
    )


def _weights(plan: tuple[Slice, ...]) -> str:
    tot = sum(p.weight for p in plan)
    return ":".join(f"{10 * p.weight / tot:g}" for p in plan)
