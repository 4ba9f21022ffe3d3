"""CBOE VXTH rule: buy one-month ~30-delta VIX calls each VIX expiry, weight set by front VX.

Weight of portfolio value in calls: 0% when front VX <= 15, 1% for 15 < VX <= 30, 0.5% for
30 < VX <= 50, 0% above 50 (band edges and weights from ``VxthConfig``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

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
