"""Execution costs and margins of the hedge instruments (``HedgeCosts``) and their spread models.

The half-spread conventions are those of ``alvh.engine.hedge_pricing`` (docs/hedge.md, "In the
engine"); a run's ``ExecutionConfig`` maps onto ``HedgeCosts`` in
``alvh.engine.hedge_factory.hedge_costs_from_execution``.
"""

from __future__ import annotations

from dataclasses import dataclass

VX_TICK = 0.05  # CFE minimum increment of VX and VXM, VIX points


@dataclass(frozen=True)
class Spread:
    """Modelled full bid-ask width ``max(min_tick, a + b x price)``, times ``far_otm_multiplier``
    when ``|delta| < far_otm_delta`` (the shape of ``alvh.config.execution.SpreadConfig``)."""

    min_tick: float
    a: float
    b: float
    far_otm_delta: float = 0.0
    far_otm_multiplier: float = 1.0

    def width(self, price: float, delta: float = 1.0) -> float:
        """Return the full bid-ask width at ``price`` (same units as the price)."""
        w = max(self.min_tick, self.a + self.b * price)
        return w * self.far_otm_multiplier if abs(delta) < self.far_otm_delta else w


@dataclass(frozen=True)
class HedgeCosts:
    """Execution costs and margins of the hedge instruments (USD unless named otherwise).

    The defaults charge a VX or VXM fill one tick (0.05) off the settle (``vx_fill_ticks``,
    whatever the execution config's VX spread model says unless it is None), a VIX option
    ``max(0.05, 5% of mid)`` off its model mid and an ETF share one cent at the reference
    price; fees and margins are the ``ExecutionConfig`` defaults.
    ``hedge_costs_from_execution`` maps a run's execution config instead.

    Attributes
    ----------
    vx_fee_usd, vxm_fee_usd, vix_option_fee_usd
        Commission plus exchange fee per VX / VXM / VIX option contract.
    etf_fee_per_share_usd
        Commission plus fees per ETF share at the reference price.
    vx_initial_margin_usd, vxm_initial_margin_usd
        Initial margin per VX / VXM contract (long or short).
    vx_spread, vxm_spread, vix_option_spread, etf_spread
        Full bid-ask width models (VIX points; USD per share at the reference price for the ETF).
    slippage_frac
        Fraction of the half-spread a fill pays over the mid.
    etf_reference_price_usd
        Share price at which the ETF's spread and per-share fee are quoted (see
        ``alvh.engine.hedge_pricing``).
    vx_fill_ticks
        Ticks (0.05) a VX / VXM fill pays over the settle; None uses ``vx_spread`` /
        ``vxm_spread`` x ``slippage_frac`` instead.
    """

    vx_fee_usd: float = 2.50
    vxm_fee_usd: float = 1.05
    vix_option_fee_usd: float = 1.10
    etf_fee_per_share_usd: float = 0.005
    vx_initial_margin_usd: float = 10_000.0
    vxm_initial_margin_usd: float = 1_000.0
    vx_spread: Spread = Spread(0.10, 0.10, 0.0)
    vxm_spread: Spread = Spread(0.10, 0.10, 0.0)
    vix_option_spread: Spread = Spread(0.10, 0.0, 0.10)
    etf_spread: Spread = Spread(0.02, 0.02, 0.0)
    slippage_frac: float = 1.0
    etf_reference_price_usd: float = 25.0
    vx_fill_ticks: float | None = 1.0

    def half_spread(self, spread: Spread, price: float, delta: float = 1.0) -> float:
        """Return what a fill pays over (or gets under) the mid, per unit of price."""
        return self.slippage_frac * spread.width(price, delta) / 2.0

    def vx_half_spread(self, price: float, mini: bool = False) -> float:
        """Return what a VX (or VXM) fill pays over the settle, VIX points."""
        if self.vx_fill_ticks is not None:
            return self.vx_fill_ticks * VX_TICK
        return self.half_spread(self.vxm_spread if mini else self.vx_spread, price)


def vix_option_half_spread(mid: float, costs: HedgeCosts, delta: float = 1.0) -> float:
    """Return the charged half-spread of a VIX option, never above the mid (a bid is >= 0)."""
    return max(0.0, min(costs.half_spread(costs.vix_option_spread, mid, delta), mid))
