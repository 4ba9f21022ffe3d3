"""Hedge sizing: from book exposure, instrument quotes and config to whole contracts.

Two steps, both pure. ``layer_plan`` says what share of the whole hedge a layer takes and how it
splits into slices (tranches, DTE buckets, instruments) for the configured mode; ``size_slices``
turns slices into contracts on the quotes of the day, bounds them by the account caps
(``alvh.strategy.hedge.caps``: premium, VX margin and VX notional as % of equity, nothing when the
book is bust) and then by the carry-cost cap.

The whole hedge ``T`` is measured either as exposure to VIX (``size_base = "vega"``:
``T = vega_fraction x |book short vega|`` in USD per vol point, taking one SPX IV point ~ one VIX
point) or as notional (``size_base = "budget"``: ``T = budget_fraction x condor notional`` in USD,
where an instrument's notional is price x multiplier: face value for futures, premium for
options and the ETF). A slice of weight ``w`` buys ``w T / (vix_beta x multiplier)`` or
``w T / (price x multiplier)`` contracts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from alvh.calendar.listings import PRODUCT_LAUNCHES, product_listed_on
from alvh.config.hedge import HedgeConfig
from alvh.strategy.hedge.caps import CapUse, bust_reason, cap_cut, unit_use, vx_equivalent_use
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.results import Allocation
from alvh.strategy.hedge.triggers import Regime

SliceKind = Literal["vx", "call", "etf"]
Tenor = Literal["preferred", "longer"] | tuple[int, int]


@dataclass(frozen=True)
class BookExposure:
    """The condor book's numbers that sizing reads (all USD, magnitudes).

    Attributes
    ----------
    short_vega_usd_per_vol_pt
        |vega| of the condor book: USD lost per +1 IV point.
    max_loss_usd, margin_usd, spx_notional_usd
        The three notional bases (sum of condor max losses; margin; SPX x 100 x condors).
    capital_usd
        Account equity (carry cap and capital-based targets).
    hedge_carry_usd_per_month
        Estimated monthly carry cost of hedge layers already held (positive = cost).
    held
        What the hedge positions held use of each account cap (premium, VX margin, VX notional)
        at today's marks, plus buys already decided this session.
    held_unit_use
        Cap use of one contract of each held allocation symbol at today's marks (rolls free it).
    """

    short_vega_usd_per_vol_pt: float
    max_loss_usd: float
    margin_usd: float
    spx_notional_usd: float
    capital_usd: float
    hedge_carry_usd_per_month: float = 0.0
    held: CapUse = field(default_factory=CapUse)
    held_unit_use: Mapping[str, CapUse] = field(default_factory=dict)


@dataclass(frozen=True)
class Slice:
    """A part of a layer: ``weight`` of the whole hedge in one instrument kind and tenor.

    ``delay_sessions`` > 0 marks a later tranche, bought then only if the trigger still holds.
    """

    layer: int
    weight: float
    kind: SliceKind
    tenor: Tenor
    tranche: int = 1
    delay_sessions: int = 0


@dataclass(frozen=True)
class SizingResult:
    """Contracts planned for some slices, with the numbers behind them."""

    allocations: tuple[Allocation, ...]
    target: float
    unit: str
    base: str
    carry_usd_per_month: float
    carry_cap_usd_per_month: float | None
    cut_factor: float
    reason: str
    capped: tuple[str, ...] = ()
    """Caps that bound: ``premium``, ``vx_margin``, ``vx_notional``, ``carry`` or ``bust``."""

    @property
    def contracts(self) -> int:
        """Return the total number of contracts (all instruments)."""
        return sum(a.contracts for a in self.allocations)


def allocation_use(
    allocs: tuple[Allocation, ...] | list[Allocation], quotes: dict[str, InstrumentQuote]
) -> CapUse:
    """Return the cap use of allocations priced on ``quotes`` (by symbol or VXM symbol)."""
    use = CapUse()
    for a in allocs:
        q = quotes.get(a.symbol)
        if q is None:
            q = next((v for v in quotes.values() if v.mini_symbol == a.symbol), None)
            if q is None:
                continue
            use += unit_use(q, mini=True).scaled(a.contracts)
        else:
            use += unit_use(q).scaled(a.contracts)
    return use


_LADDER = (1.0, 2.0, 3.0)


def layer_shares(cfg: HedgeConfig) -> dict[int, float]:
    """Return each enabled layer's share of the whole hedge for the sizing mode (sums to 1)."""
    s = cfg.sizing
    if s.mode == "ladder_123":
        raw = dict(zip((1, 2, 3), _LADDER, strict=True))
    elif s.mode == "vega":
        calls = s.call_steps * s.call_step
        raw = {1: s.futures_share, 2: calls, 3: max(0.0, 1.0 - s.futures_share - calls)}
    elif s.mode == "442_instruments":
        raw = {1: 0.4, 2: 0.4, 3: 0.2}
    else:
        raw = {1: 1.0, 2: 1.0, 3: 1.0}
    enabled = {k: raw[k] for k in cfg.instruments.layers}
    total = sum(enabled.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in enabled.items()}


def layer_plan(layer: int, cfg: HedgeConfig) -> tuple[Slice, ...]:
    """Return the slices a layer is bought in under the configured sizing mode."""
    s = cfg.sizing
    share = layer_shares(cfg).get(layer, 0.0)
    kinds: dict[int, SliceKind] = {1: "vx", 2: "call", 3: "etf"}
    kind = kinds[layer]
    if s.mode == "442_instruments" and layer == 3:
        return (Slice(layer, share, "call", "longer"),)
    if s.mode == "442":
        w1, w2, w3 = s.tranche_weights
        gap = s.tranche_gap_sessions
        last: Tenor = "preferred" if kind == "etf" else "longer"
        return (
            Slice(layer, w1 * share, kind, "preferred", 1, 0),
            Slice(layer, w2 * share, kind, "preferred", 2, gap),
            Slice(layer, w3 * share, kind, last, 3, 2 * gap),
        )
    if s.mode == "442_budget" and kind != "etf":
        return tuple(
            Slice(layer, w * share, kind, b, i + 1, 0)
            for i, (w, b) in enumerate(
                zip((0.4, 0.4, 0.2), ((0, 30), (30, 90), (90, 100000)), strict=True)
            )
        )
    return (Slice(layer, share, kind, "preferred"),)


def hedge_target(exposure: BookExposure, cfg: HedgeConfig) -> tuple[float, str, str]:
    """Return ``(T, unit, base)``: the whole hedge size, its unit and the base it came from."""
    s = cfg.sizing
    base = "budget" if s.mode == "budget" else "vega" if s.mode == "vega" else s.size_base
    if base == "vega":
        t = s.vega_fraction * abs(exposure.short_vega_usd_per_vol_pt)
        return t, "usd_per_vix_pt", f"{s.vega_fraction:.0%} of book short vega"
    notional = {
        "max_loss": exposure.max_loss_usd,
        "margin": exposure.margin_usd,
        "spx_notional": exposure.spx_notional_usd,
    }[s.notional_base]
    return (
        s.budget_fraction * notional,
        "usd_notional",
        (f"{s.budget_fraction:.0%} of condor {s.notional_base} notional {notional:,.0f} USD"),
    )


def choose_quote(
    quotes: Sequence[InstrumentQuote],
    kind: SliceKind,
    tenor: Tenor,
    regime: Regime,
    today: date,
    cfg: HedgeConfig,
) -> InstrumentQuote | None:
    """Pick the instrument of a slice: contango prefers the 2nd expiry, flat/inverted the front.

    Expiries within ``roll_days_before_expiry`` are skipped (they would be rolled at once).
    ``"longer"`` takes the first expiry at least ``tranche3_min_extra_days`` after the preferred
    one; a ``(lo, hi)`` tenor the first expiry with ``lo <= dte < hi``.
    """
    if kind == "etf":
        etfs = [q for q in quotes if q.kind == "etf"]
        return etfs[0] if etfs else None
    want = (
        ("vix_call_spread" if cfg.instruments.call_spreads else "vix_call")
        if kind == "call"
        else "vx"
    )
    roll = cfg.instruments.roll_days_before_expiry
    live = sorted(
        (
            q
            for q in quotes
            if q.kind == want and q.expiry is not None and (q.expiry - today).days > roll
        ),
        key=lambda q: q.expiry or today,
    )
    if not live:
        return None
    if isinstance(tenor, tuple):
        lo, hi = tenor
        inside = [q for q in live if lo <= (q.expiry - today).days < hi]  # type: ignore[operator]
        return inside[0] if inside else None
    preferred = live[1] if regime == "contango" and len(live) > 1 else live[0]
    if tenor == "preferred":
        return preferred
    assert preferred.expiry is not None
    edge = preferred.expiry + timedelta(days=cfg.sizing.tranche3_min_extra_days)
    later = [q for q in live if q.expiry is not None and q.expiry >= edge]
    return later[0] if later else None


def _no_vxm_note(today: date, cfg: HedgeConfig) -> str:
    """Say why a VX slice has no mini: VXM was not listed yet (and what sizing does instead)."""
    launch = PRODUCT_LAUNCHES["vxm"].first_day
    what = (
        "sized in whole VX only (rounded to the nearest, halves to even; down when a cap binds)"
        if cfg.instruments.allow_vx
        else "and allow_vx = false: no VX futures"
    )
    return f"no VXM on {today}: Mini VIX futures were listed from {launch}; {what}"


def _round_vx(
    x: float, q: InstrumentQuote, cfg: HedgeConfig, floor: bool
) -> list[tuple[str, str, int, float]]:
    """Split ``x`` VX contracts into whole VX plus VXM (1/10) for the remainder when allowed."""
    rnd = math.floor if floor else round
    ins = cfg.instruments
    mini = q.mini_symbol if ins.allow_vxm else None
    if ins.allow_vx and mini is not None:
        n = math.floor(x)
        m = int(rnd(round((x - n) * 10.0, 9)))
        if m == 10:
            n, m = n + 1, 0
        return [(q.symbol, "vx", n, q.multiplier), (mini, "vxm", m, q.multiplier / 10.0)]
    if ins.allow_vx:
        return [(q.symbol, "vx", int(rnd(x)), q.multiplier)]
    if mini is not None:
        return [(mini, "vxm", int(rnd(round(x * 10.0, 9))), q.multiplier / 10.0)]
    return []


def _to_allocations(
    wanted: list[tuple[Slice, InstrumentQuote, float]], cfg: HedgeConfig, floor: bool
) -> list[Allocation]:
    out: list[Allocation] = []
    rnd = math.floor if floor else round
    for sl, q, x in wanted:
        exp = q.expiry.toordinal() if q.expiry is not None else None
        parts = (
            _round_vx(x, q, cfg, floor)
            if q.kind == "vx"
            else [(q.symbol, q.kind, int(rnd(x)), q.multiplier)]
        )
        for sym, kind, n, mult in parts:
            if n > 0:
                out.append(Allocation(sym, kind, n, mult, q.price, exp, sl.tranche))
    return out


def _carry_cost(allocs: list[Allocation], quotes: dict[str, InstrumentQuote]) -> float:
    cost = 0.0
    for a in allocs:
        q = quotes.get(a.symbol) or next(v for v in quotes.values() if v.mini_symbol == a.symbol)
        cost -= a.contracts * a.multiplier * q.carry_per_month
    return cost


def size_slices(
    slices: tuple[Slice, ...],
    exposure: BookExposure,
    quotes: Sequence[InstrumentQuote],
    regime: Regime,
    today: date,
    cfg: HedgeConfig,
    macro: bool = False,
) -> SizingResult:
    """Return whole contracts for ``slices``, cut if the carry-cost cap would be exceeded.

    Parameters
    ----------
    slices
        From :func:`layer_plan` (all, or the tranche due today).
    exposure
        The condor book's numbers.
    quotes
        Instruments available today.
    regime
        Term-structure regime (chooses front or second expiry).
    today
        The decision date.
    cfg
        Hedge config.
    macro
        Whether a macro event is near: layers 2 and 3 are scaled by ``macro_boost``.
    """
    target, unit, base = hedge_target(exposure, cfg)
    bust = bust_reason(exposure.capital_usd, cfg)
    if bust is not None:
        return SizingResult((), target, unit, base, 0.0, None, 0.0, bust, ("bust",))
    notes: list[str] = [f"hedge target {target:,.0f} {unit} ({base})"]
    wanted: list[tuple[Slice, InstrumentQuote, float]] = []
    for sl in slices:
        q = choose_quote(quotes, sl.kind, sl.tenor, regime, today, cfg)
        if q is None:
            why = ""
            product = {"call": "vix_option", "etf": "etf"}.get(sl.kind)
            if product is not None and not product_listed_on(product, today):
                first = PRODUCT_LAUNCHES[product].first_day
                what = "VIX options were" if product == "vix_option" else "no VIX-futures ETF was"
                why = f" ({what} listed before {first})"
            notes.append(
                f"layer {sl.layer} tranche {sl.tranche}: no {sl.kind} quote for tenor "
                f"{sl.tenor}{why}"
            )
            continue
        boost = cfg.sizing.macro_boost if macro and sl.layer in (2, 3) else 1.0
        per_contract = (q.vix_beta if unit == "usd_per_vix_pt" else q.price) * q.multiplier
        if not per_contract > 0.0:
            notes.append(f"{q.symbol}: zero sensitivity, skipped")
            continue
        x = max(0.0, boost * sl.weight * target / per_contract)
        wanted.append((sl, q, x))
        notes.append(
            f"{q.symbol}: {sl.weight:.3f} x {target:,.0f}"
            + (f" x macro boost {boost:g}" if boost != 1.0 else "")
            + f" / {per_contract:,.2f} per contract = {x:.2f}"
        )
        if q.kind == "vx" and cfg.instruments.allow_vxm and q.mini_symbol is None:
            notes.append(_no_vxm_note(today, cfg))
    by_sym = {q.symbol: q for q in quotes}
    allocs = _to_allocations(wanted, cfg, floor=False)
    capped: list[str] = []
    # Account caps: measured on the larger of the unrounded and the rounded buy, so that the
    # cut, rounded down, never exceeds the room.
    raw = CapUse()
    for _, q, x in wanted:
        raw += vx_equivalent_use(q).scaled(x)
    rounded = allocation_use(allocs, by_sym)
    biggest = CapUse(
        max(raw.premium_usd, rounded.premium_usd),
        max(raw.vx_margin_usd, rounded.vx_margin_usd),
        max(raw.vx_notional_usd, rounded.vx_notional_usd),
    )
    cut = cap_cut(exposure.held, biggest, exposure.capital_usd, cfg)
    factor = 1.0
    if cut.binding:
        wanted = [(sl, q, x * cut.factor(q.kind)) for sl, q, x in wanted]
        allocs = _to_allocations(wanted, cfg, floor=True)
        factor = min(cut.premium_factor, cut.vx_factor)
        capped.extend(cut.binding)
        notes.extend(cut.notes)
    carry = _carry_cost(allocs, by_sym)
    cap_pct = cfg.sizing.carry_cap_pct_per_month
    cap = None if cap_pct is None else cap_pct / 100.0 * max(exposure.capital_usd, 0.0)
    if cap is not None and carry > 0.0 and exposure.hedge_carry_usd_per_month + carry > cap:
        room = max(0.0, cap - exposure.hedge_carry_usd_per_month)
        # Against the larger of the rounded and the unrounded carry, so the floor fits the room.
        raw_carry = sum(-x * q.multiplier * q.carry_per_month for _, q, x in wanted)
        carry_factor = room / max(carry, raw_carry)
        factor *= carry_factor
        scaled = [(sl, q, x * carry_factor) for sl, q, x in wanted]
        allocs = _to_allocations(scaled, cfg, floor=True)
        new_carry = _carry_cost(allocs, by_sym)
        capped.append("carry")
        notes.append(
            f"capped: carry cap {cap_pct:g}% of capital per month: est. carry {carry:,.0f} + held "
            f"{exposure.hedge_carry_usd_per_month:,.0f} USD/month > cap {cap:,.0f} (capital "
            f"{exposure.capital_usd:,.0f}); size cut by {1 - carry_factor:.0%} to carry "
            f"{new_carry:,.0f} USD/month"
        )
        carry = new_carry
    elif cap is not None:
        notes.append(f"est. carry {carry:,.0f} USD/month within cap {cap:,.0f}")
    return SizingResult(
        tuple(allocs), target, unit, base, carry, cap, factor, "; ".join(notes), tuple(capped)
    )
