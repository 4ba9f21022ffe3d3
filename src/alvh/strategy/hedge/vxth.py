"""CBOE VXTH rule: buy one-month ~30-delta VIX calls each VIX expiry, weight set by front VX.

Weight of portfolio value in calls: 0% when front VX <= 15, 1% for 15 < VX <= 30, 0.5% for
30 < VX <= 50, 0% above 50 (band edges and weights from ``VxthConfig``).

``vxth_roll`` is the whole rule on one session: on a VIX option expiry it sells the calls still
held and buys the new month's; it returns orders with reasons, and its rule object
(``alvh.strategy.hedge.vxth_rule``, with the engine's hedge pricer) prices the call it names and
books nothing itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from alvh.config.hedge import VxthConfig
from alvh.strategy.hedge.results import RuleResult


def vxth_weight(front_vx: float, cfg: VxthConfig | None = None) -> float:
    """Return the VXTH call weight (fraction of portfolio value) for a front VX level."""
    c = cfg or VxthConfig()
    e1, e2, e3 = c.band_edges
    w0, w1, w2, w3 = c.band_weights
    if front_vx <= e1:
        return w0
    if front_vx <= e2:
        return w1
    if front_vx <= e3:
        return w2
    return w3


def vxth_allocation(
    front_vx: float,
    portfolio_usd: float,
    call_price: float,
    multiplier: float = 100.0,
    cfg: VxthConfig | None = None,
) -> tuple[int, RuleResult]:
    """Return ``(contracts, result)``: VIX calls to buy so their premium is the VXTH weight.

    ``contracts = floor(weight x portfolio / (call_price x multiplier))``.
    """
    w = vxth_weight(front_vx, cfg)
    budget = w * portfolio_usd
    n = 0 if w == 0.0 or not call_price > 0 else math.floor(budget / (call_price * multiplier))
    inputs: dict[str, float | int | str | None] = {
        "front_vx": front_vx,
        "weight": w,
        "portfolio_usd": portfolio_usd,
        "call_price": call_price,
        "contracts": n,
    }
    reason = (
        f"front VX {front_vx:.2f} -> VXTH weight {w:.1%} of {portfolio_usd:,.0f} USD = "
        f"{budget:,.0f} USD / ({call_price:.2f} x {multiplier:g}) = {n} calls"
    )
    return n, RuleResult("vxth", n > 0, inputs, reason)


def is_vxth_roll_day(today: date, vix_expiries: Sequence[date]) -> bool:
    """Return whether ``today`` is a VIX option expiry (the VXTH monthly roll date)."""
    return today in set(vix_expiries)


VXTH_LAYER = 2  # the calls are held as the rule's layer 2 (the VIX-call layer of the reports)


class HeldCall(NamedTuple):
    """VIX calls the book holds for the rule (a lot of its layer)."""

    layer: int
    contract_id: str
    qty: float
    expiry: date


class NewCall(NamedTuple):
    """The new month's call as priced at the decision: ``ask`` is the mid plus half a spread."""

    contract_id: str
    strike: float
    mid: float
    delta: float
    ask: float
    front_vx: float


class VxthOrder(NamedTuple):
    """Buy (qty > 0) or sell ``qty`` calls for ``layer`` at the next fill, and why."""

    layer: int
    contract_id: str
    qty: float
    reason: str


class VxthStep(NamedTuple):
    """One session of the rule: its orders and its journal line (outcome, action, reason)."""

    orders: tuple[VxthOrder, ...]
    outcome: str  # clear | skipped | fired
    action: str  # none | open
    inputs: dict[str, object]
    reason: str


def vxth_roll(
    today: date,
    roll_day: bool,
    next_expiry: date | None,
    held: Sequence[HeldCall],
    call: NewCall | str,
    equity_usd: float,
    cfg: VxthConfig | None = None,
) -> VxthStep:
    """Return the VXTH decision of one session.

    Parameters
    ----------
    today
        The session.
    roll_day
        Whether it is a VIX option expiry.
    next_expiry
        The first VIX expiry after today on the known curve (None: none listed).
    held
        The calls the book holds for the rule.
    call
        The new month's call, or why none could be priced.
    equity_usd
        The hedged book's equity (the weight's base).
    cfg
        The VXTH bands.
    """
    if not roll_day or next_expiry is None:
        nxt = f"next {next_expiry}" if next_expiry is not None else "none listed"
        return VxthStep((), "clear", "none", {}, f"not a VIX option expiry ({nxt})")
    sells = tuple(
        VxthOrder(
            h.layer,
            h.contract_id,
            -h.qty,
            f"VXTH roll {today}: sell {h.contract_id} before buying the new month",
        )
        for h in held
        if h.expiry > today
    )
    if isinstance(call, str):
        return VxthStep(sells, "skipped", "none", {}, f"no call: {call}")
    n, rr = vxth_allocation(call.front_vx, equity_usd, call.ask, 100.0, cfg)
    inputs: dict[str, object] = dict(rr.inputs)
    inputs |= {"contract": call.contract_id, "strike": call.strike, "delta": call.delta}
    inputs["mid"] = call.mid
    if n <= 0:
        return VxthStep(sells, "clear", "none", inputs, rr.reason)
    buy = VxthOrder(VXTH_LAYER, call.contract_id, float(n), f"VXTH: {rr.reason}")
    return VxthStep((*sells, buy), "fired", "open", inputs, rr.reason)
