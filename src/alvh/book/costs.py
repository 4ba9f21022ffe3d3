"""Trading costs: one cost model for every product -- half-spreads, ticks, fills and fees.

All classes take plain parameters; their defaults live once, in ``alvh.config.execution``, and
the engine builds its ``CostModel`` from a run's ``ExecutionConfig``
(``alvh.engine.costs.cost_model``). docs/costs.md documents the fit and its error.

Half-spreads (price units, what the ask is above the mid)::

    SPX options: max(floor, c x mid ** beta x exp(gamma x t_years)) x stress(atm_vol_30d)
    others:      max(floor, a + b x price)

each times the band scale (``1 - e``, 1 or ``1 + e``). A fill pays ``slippage_frac`` of the
half-spread over the mid (buys) or gets it under (sells), then is rounded to the product's tick
**against the trader** (buys up, sells down). A buy never fills below one tick; a sell never
below zero (a sale below one tick is a near-worthless leg: see ``SubTickRules``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from alvh._typing import ArrayLike, Float64Array
from alvh.kernel import ticks as _ticks

SPX_STRIKE_GRID = 5.0
_EPS = 1e-9  # float noise allowed when a price already sits on the tick grid


@dataclass(frozen=True, slots=True)
class TickRule:
    """Minimum price increment: ``small_tick`` below ``threshold``, ``large_tick`` at or above.

    A flat tick (futures, ETF) has ``small_tick == large_tick``.
    """

    small_tick: float
    large_tick: float
    threshold: float = 3.0

    def tick(self, price: ArrayLike) -> Float64Array:
        """Return the tick size that applies at ``price``."""
        p = np.asarray(price, dtype=np.float64)
        return np.where(p < self.threshold, self.small_tick, self.large_tick)

    def round(self, price: ArrayLike) -> Float64Array:
        """Round prices to the nearest tick (the tick that applies at the unrounded price)."""
        p = np.asarray(price, dtype=np.float64)
        t = self.tick(p)
        # Round in integer ticks, then fix float noise (e.g. 0.15000000000000002) to 1e-9.
        return np.round(np.round(p / t) * t, 9)

    def round_against(self, price: ArrayLike, side: ArrayLike) -> Float64Array:
        """Round to the tick in the direction that costs the trader: buys up, sells down.

        ``side`` is +1 (buy) or -1 (sell), or a signed quantity. A buy that rounds up across
        ``threshold`` lands on the threshold itself (a price on both grids).
        """
        p = np.asarray(price, dtype=np.float64)
        buy = np.sign(np.asarray(side, dtype=np.float64)) > 0
        t = self.tick(p)
        up = np.ceil(p / t - _EPS) * t
        down = np.floor(p / t + _EPS) * t
        return np.asarray(np.round(np.where(buy, up, down), 9), dtype=np.float64)

    def is_on_grid(self, price: ArrayLike) -> np.ndarray:
        """Whether prices are whole multiples of the tick that applies at them."""
        p = np.asarray(price, dtype=np.float64)
        t = self.tick(p)
        return np.abs(p / t - np.round(p / t)) < 1e-6


# Cboe minimum increments for simple (single-leg) orders, by product and date (docs/costs.md):
# SPX options 0.05 below 3.00, 0.10 at or above (Cboe; complex orders net in 0.05); VIX options the
# same until Cboe's change of November 2022, then 0.01 below 3.00 and 0.05 above; VX futures 0.05
# for outright trades; VXM 0.05, then 0.01 from the same November 2022 change; ETF shares $0.01.
SPX_OPTION_TICKS = TickRule(0.05, 0.10, 3.0)
VIX_OPTION_TICKS = TickRule(0.05, 0.10, 3.0)
VIX_OPTION_TICKS_2022 = TickRule(0.01, 0.05, 3.0)
VX_FUTURE_TICKS = TickRule(0.05, 0.05)
VXM_FUTURE_TICKS_2022 = TickRule(0.01, 0.01)
ETF_TICKS = TickRule(0.01, 0.01)
CBOE_VIX_TICK_CHANGE = date(2022, 11, 29)  # Cboe/CFE notice of that date: "implemented"

TICKS = {
    "spx_option": SPX_OPTION_TICKS,
    "vix_option": VIX_OPTION_TICKS,
    "vx_future": VX_FUTURE_TICKS,
    "vxm_future": VX_FUTURE_TICKS,
    "etf": ETF_TICKS,
}
_TICKS_FROM_2022 = {"vix_option": VIX_OPTION_TICKS_2022, "vxm_future": VXM_FUTURE_TICKS_2022}


def tick_rule(product: str, day: date | None = None) -> TickRule:
    """Return the tick rule of ``product`` in force on ``day`` (None: the older rule)."""
    if day is not None and day >= CBOE_VIX_TICK_CHANGE and product in _TICKS_FROM_2022:
        return _TICKS_FROM_2022[product]
    return TICKS[product]


@dataclass(frozen=True, slots=True)
class SpxHalfSpread:
    """Fitted half-spread of SPX options (module docstring; parameters in docs/costs.md)."""

    c: float
    beta: float
    gamma: float
    floor: float
    stress_ref_atm_vol: float
    stress_power: float
    stress_cap: float
    scale: float = 1.0

    def stress(self, atm_vol_30d: float) -> float:
        """Return the stress widening at a 30-day ATM implied vol (1 when calm or unknown)."""
        if not math.isfinite(atm_vol_30d) or atm_vol_30d <= self.stress_ref_atm_vol:
            return 1.0
        return min(self.stress_cap, (atm_vol_30d / self.stress_ref_atm_vol) ** self.stress_power)

    def half_spread(
        self, mid: ArrayLike, t_years: ArrayLike, atm_vol_30d: float = math.nan
    ) -> Float64Array:
        """Return half-spreads of options of model ``mid`` and ``t_years`` to expiry."""
        m = np.maximum(np.asarray(mid, dtype=np.float64), 0.0)
        t = np.maximum(np.asarray(t_years, dtype=np.float64), 0.0)
        core = np.maximum(self.floor, self.c * m**self.beta * np.exp(self.gamma * t))
        return core * (self.stress(atm_vol_30d) * self.scale)


@dataclass(frozen=True, slots=True)
class LinearHalfSpread:
    """Half-spread ``max(floor, a + b x price)`` x scale (products whose spread is not fit)."""

    floor: float
    a: float
    b: float
    scale: float = 1.0

    def half_spread(self, price: ArrayLike) -> Float64Array:
        """Return half-spreads at ``price``."""
        p = np.abs(np.asarray(price, dtype=np.float64))
        return np.maximum(self.floor, self.a + self.b * p) * self.scale


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Per-contract (or per-share) commission and exchange/regulatory fees, dollars."""

    commission_usd: float
    exchange_fee_usd: float

    @property
    def per_contract_usd(self) -> float:
        """Commission plus fees of one contract (or share)."""
        return self.commission_usd + self.exchange_fee_usd

    def fees_usd(self, qty: ArrayLike) -> Float64Array:
        """Return total fees for ``|qty|`` contracts."""
        return np.abs(np.asarray(qty, dtype=np.float64)) * self.per_contract_usd


@dataclass(frozen=True, slots=True)
class SubTickRules:
    """What a trader does with a near-worthless leg when closing (``ExecutionConfig``).

    ``long``: ``"expire"`` keeps a long option whose sale would fill below one tick to expiry
    (nobody bids a tick for it); ``"bid"`` sells it at the modelled bid, 0 below a tick.
    ``short``: ``"tick"`` buys back a short option worth less than one tick at one tick;
    ``"expire"`` leaves it to expire.
    """

    long: Literal["expire", "bid"] = "expire"
    short: Literal["tick", "expire"] = "tick"


def fill_price(
    mid: ArrayLike,
    side: ArrayLike,
    slippage: ArrayLike,
    ticks: TickRule,
) -> Float64Array:
    """Return fill prices: mid plus ``slippage`` against the trader, on the tick grid.

    Parameters
    ----------
    mid
        Mid prices.
    side
        +1 for buys, -1 for sells (or the signed quantity; only its sign is used).
    slippage
        What a fill pays over the mid, price units (``slippage_frac x half_spread``).
    ticks
        Tick rule of the product. Buys round up and never fill below one tick; sells round down
        and never below zero.

    Notes
    -----
    1-D float64 arrays of one length (a condor's legs) go to the compiled
    ``kernel.ticks.fill_prices``, equal bit for bit to the numpy formulas
    (``kernel.ticks.fill_prices_reference``), which price everything else.
    """
    small, large, threshold = ticks.small_tick, ticks.large_tick, ticks.threshold
    if (
        type(mid) is np.ndarray
        and type(side) is np.ndarray
        and type(slippage) is np.ndarray
        and mid.ndim == 1
        and mid.shape == side.shape == slippage.shape
        and mid.dtype == side.dtype == slippage.dtype == np.float64
    ):
        return _ticks.fill_prices(mid, side, slippage, small, large, threshold)
    return _ticks.fill_prices_reference(
        np.asarray(mid, dtype=np.float64),
        np.asarray(side, dtype=np.float64),
        np.asarray(slippage, dtype=np.float64),
        small,
        large,
        threshold,
    )


PENNY_TICKS = TickRule(0.01, 0.01)
SPX_COMPLEX_NET_TICK = 0.05  # Cboe: SPX complex orders are priced (net) in $0.05 increments


def complex_fill_prices(
    mid: ArrayLike,
    side: ArrayLike,
    slippage: ArrayLike,
    traded: ArrayLike,
    leg_ticks: TickRule = SPX_OPTION_TICKS,
    net_tick: float = SPX_COMPLEX_NET_TICK,
) -> Float64Array:
    """Return leg prices of a multi-leg order filled as one complex order.

    The order's net price (cash paid, sells negative) is the sum of the legs' ``mid +/-
    slippage``, rounded to ``net_tick`` against the trader. Legs are priced in pennies (the legs of
    a complex order need not sit on the single-leg grid), each rounded against the trader, a buy
    never below one ``leg_ticks`` tick and a sale never below 0; what the net rounding adds (under
    one ``net_tick``) is charged on the dearest traded leg, so the legs sum to the net exactly.
    Legs not in ``traded`` are returned at their single-leg prices and not counted.
    """
    m = np.asarray(mid, dtype=np.float64)
    sgn = np.sign(np.asarray(side, dtype=np.float64))
    on = np.asarray(traded, dtype=bool)
    px = fill_price(m, sgn, slippage, PENNY_TICKS)
    px = np.where(sgn > 0, np.maximum(px, leg_ticks.small_tick), px)
    if not on.any():
        return px
    net = float(np.dot(sgn[on], px[on]))
    extra = float(np.ceil(net / net_tick - _EPS) * net_tick) - net
    if extra > _EPS:
        # The dearest traded leg takes the rounding: up if bought, down if sold (a sale stays
        # at or above one tick; else a bought leg takes it).
        order = np.argsort(-np.where(on, px, -np.inf), kind="stable")
        j = next(
            (
                int(k)
                for k in order
                if on[k] and (sgn[k] > 0 or px[k] - extra >= leg_ticks.small_tick - _EPS)
            ),
            None,
        )
        if j is None:  # every traded leg is a cheap sale: the first bought leg, or the dearest
            buys = np.flatnonzero(on & (sgn > 0))
            j = int(buys[0]) if len(buys) else int(order[0])
        px[j] = px[j] + sgn[j] * extra
    return np.round(px, 9)


@dataclass(frozen=True)
class CostModel:
    """Half-spreads, slippage, fees and near-worthless-leg rules of every product.

    Build it from a run's config with ``alvh.engine.costs.cost_model``. ``condor_fill``:
    ``net`` fills a condor as one complex order (``complex_fill_prices``), ``legs`` rounds each
    leg to its own tick against the trader (``fill_price``; an upper bound of the cost).
    """

    spx_option: SpxHalfSpread
    vix_option: LinearHalfSpread
    vx_future: LinearHalfSpread
    vxm_future: LinearHalfSpread
    etf: LinearHalfSpread
    slippage_frac: float
    fees: Mapping[str, FeeSchedule]
    sub_tick: SubTickRules = field(default_factory=SubTickRules)
    condor_fill: Literal["net", "legs"] = "net"

    def spx_slippage(
        self, mid: ArrayLike, t_years: ArrayLike, atm_vol_30d: float = math.nan
    ) -> Float64Array:
        """Return what an SPX option fill pays over (or gets under) the mid."""
        return self.slippage_frac * self.spx_option.half_spread(mid, t_years, atm_vol_30d)

    def slippage(self, product: str, price: ArrayLike) -> Float64Array:
        """Return what a fill of a VIX option, VX, VXM or ETF share pays over the mid."""
        model: LinearHalfSpread = getattr(self, product)
        return self.slippage_frac * model.half_spread(price)

    def fee_usd(self, product: str) -> float:
        """Return commission plus fees per contract (share) of ``product``."""
        return self.fees[product].per_contract_usd


def round_strike(strike: ArrayLike, grid: float = SPX_STRIKE_GRID) -> Float64Array:
    """Round strikes to the nearest point of the listed grid (SPX: 5 points)."""
    return np.round(np.asarray(strike, dtype=np.float64) / grid) * grid
