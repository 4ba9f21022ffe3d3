"""The run's one cost model, built only from its ``ExecutionConfig``, and the hedge's view of it.

``cost_model`` maps an ``ExecutionConfig`` onto ``alvh.book.costs.CostModel`` (condor legs and
hedges use the same one). ``HedgeCosts`` adds what only the hedge instruments need: futures
margins, the ETF reference price and ``HedgeConfig.instruments.vx_fill_ticks``; its defaults
are ``ExecutionConfig()``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from alvh.book.costs import (
    CostModel,
    FeeSchedule,
    LinearHalfSpread,
    SpxHalfSpread,
    SubTickRules,
    fill_price,
    tick_rule,
)
from alvh.config.execution import ExecutionConfig, LinearSpreadConfig
from alvh.strategy.book_view import HedgeMark

VX_TICK = tick_rule("vx_future").small_tick  # CFE minimum increment of VX outrights, VIX points
_PRODUCTS = ("spx_option", "vix_option", "vx_future", "vxm_future", "etf")


def band_scale(execution: ExecutionConfig) -> float:
    """Return the half-spread scale of the config's cost band: ``1 -/+ spread_error_frac``."""
    e = execution.spread_error_frac
    return {"low": 1.0 - e, "fit": 1.0, "high": 1.0 + e}[execution.spread_band]


def _linear(c: LinearSpreadConfig, scale: float) -> LinearHalfSpread:
    return LinearHalfSpread(**c.model_dump(), scale=scale)


def cost_model(execution: ExecutionConfig | None = None) -> CostModel:
    """Return the cost model of an execution config (default: ``ExecutionConfig()``)."""
    ex = execution if execution is not None else ExecutionConfig()
    k = band_scale(ex)
    s = ex.spreads
    fees = {p: FeeSchedule(**getattr(ex.fees, p).model_dump()) for p in _PRODUCTS}
    return CostModel(
        spx_option=SpxHalfSpread(**s.spx_option.model_dump(), scale=k),
        vix_option=_linear(s.vix_option, k),
        vx_future=_linear(s.vx_future, k),
        vxm_future=_linear(s.vxm_future, k),
        etf=_linear(s.etf, k),
        slippage_frac=ex.slippage_frac_of_half_spread,
        fees=fees,
        sub_tick=SubTickRules(ex.sub_tick_long, ex.sub_tick_short),
        condor_fill=ex.condor_fill,
    )


def _default_margin(product: str) -> float:
    return float(getattr(ExecutionConfig().futures_initial_margin_usd, product))


@dataclass(frozen=True)
class HedgeCosts:
    """Execution costs and margins of the hedge instruments (USD unless named otherwise).

    Attributes
    ----------
    model
        The run's cost model (half-spreads, slippage, fees, sub-tick rules).
    vx_initial_margin_usd, vxm_initial_margin_usd
        Initial margin per VX / VXM contract (long or short).
    etf_reference_price_usd
        Share price at which the ETF's spread and per-share fee are quoted (the modelled ETF
        never reverse-splits; see ``alvh.engine.hedge_pricing``).
    vx_fill_ticks
        When set, a VX / VXM fill pays this many ticks over the settle instead of
        ``slippage_frac`` of the spread model (``HedgeConfig.instruments.vx_fill_ticks``; SPEC:
        futures at settlement plus a tick); the price then rounds to the tick against the
        trader (a settle off the 0.05 grid costs up to one more tick).
    """

    model: CostModel = field(default_factory=cost_model)
    vx_initial_margin_usd: float = field(default_factory=lambda: _default_margin("vx_future"))
    vxm_initial_margin_usd: float = field(default_factory=lambda: _default_margin("vxm_future"))
    etf_reference_price_usd: float = 25.0
    vx_fill_ticks: float | None = None

    @property
    def vx_fee_usd(self) -> float:
        """Commission plus fees per VX contract."""
        return self.model.fee_usd("vx_future")

    @property
    def vxm_fee_usd(self) -> float:
        """Commission plus fees per VXM contract."""
        return self.model.fee_usd("vxm_future")

    @property
    def vix_option_fee_usd(self) -> float:
        """Commission plus fees per VIX option contract."""
        return self.model.fee_usd("vix_option")

    @property
    def etf_fee_per_share_usd(self) -> float:
        """Commission plus fees per ETF share at the reference price."""
        return self.model.fee_usd("etf")

    @property
    def slippage_frac(self) -> float:
        """Fraction of the half-spread a fill pays over the mid."""
        return self.model.slippage_frac

    def vx_half_spread(self, price: float, mini: bool = False) -> float:
        """Return what a VX (or VXM) fill pays over the settle before rounding, VIX points."""
        if self.vx_fill_ticks is not None:
            return self.vx_fill_ticks * VX_TICK
        return float(self.model.slippage("vxm_future" if mini else "vx_future", price))

    def etf_half_spread(self) -> float:
        """Return what an ETF fill pays over the mid at the reference price, USD per share."""
        return float(self.model.slippage("etf", self.etf_reference_price_usd))


def vix_option_half_spread(mid: float, costs: HedgeCosts) -> float:
    """Return what a VIX option fill pays over the mid, never above the mid (a bid is >= 0)."""
    return max(0.0, min(float(costs.model.slippage("vix_option", mid)), mid))


def hedge_fill_price(product: str, mark: HedgeMark, qty: float, day: date) -> float:
    """Return the fill price of ``qty`` of a hedge contract at ``mark`` on ``day``.

    The mid plus the mark's half-spread against the trader, rounded to the product's tick in
    force on ``day`` against the trader (``alvh.book.costs.fill_price``: a buy never below one
    tick, a sale never below zero). The modelled ETF is not rounded: its price is a model level
    that never reverse-splits, so a cent grid means nothing there (its half-spread is one cent
    at the reference price, scaled).
    """
    raw_side = 1.0 if qty > 0 else -1.0
    if product == "etf":
        return mark.mid + math.copysign(mark.half_spread, raw_side)
    return float(fill_price(mark.mid, raw_side, mark.half_spread, tick_rule(product, day)))


def below_one_tick(product: str, price: float, day: date) -> bool:
    """Whether a (sale) price is below the smallest tick of ``product`` on ``day`` (not ETF)."""
    return product != "etf" and price < tick_rule(product, day).small_tick - 1e-9
