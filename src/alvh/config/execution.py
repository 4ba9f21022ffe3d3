"""Execution configuration: when fills happen, what they cost, and futures margin.

The single source of cost defaults: the engine builds its one cost model
(``alvh.book.costs.CostModel``) from this config, for condor legs and hedges alike
(``alvh.engine.costs.cost_model``). The SPX option half-spread is fit to real quotes
(scripts/fit_spreads.py, docs/costs.md); the VIX option, VX, VXM and ETF half-spreads are
documented modelling choices, not fit. Fees are typical retail figures of 2023-2024, not a dated
fee schedule (docs/book-and-config.md, "Costs"): set your broker's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from alvh.config.condor import Frozen


class SpxSpreadConfig(Frozen):
    """Half-spread of SPX options, fit to real quotes (docs/costs.md)::

        half_spread = max(floor, c x mid ** beta x exp(gamma x t_years)) x stress
        stress = min(stress_cap, max(1, atm_vol_30d / stress_ref_atm_vol) ** stress_power)

    ``c``, ``beta`` and ``gamma`` come from a median regression over the out-of-the-money quotes
    of the 2019-06-26 SPXW chain; ``stress`` is not fit (both real chains are calm) but set from
    published accounts of spreads in the 2018 and 2020 shocks.
    """

    c: float = Field(default=0.0589, gt=0.0, le=10.0)
    beta: float = Field(default=0.277, ge=0.0, le=1.0)
    gamma: float = Field(default=1.037, ge=-5.0, le=5.0)
    floor: float = Field(default=0.025, ge=0.0, le=10.0)
    stress_ref_atm_vol: float = Field(default=0.15, gt=0.0, le=2.0)
    stress_power: float = Field(default=1.5, ge=0.0, le=5.0)
    stress_cap: float = Field(default=10.0, ge=1.0, le=100.0)


class LinearSpreadConfig(Frozen):
    """Half-spread ``max(floor, a + b x price)`` in price units (a modelling choice, not fit)."""

    floor: float = Field(ge=0.0, le=100.0)
    a: float = Field(ge=0.0, le=100.0)
    b: float = Field(ge=0.0, le=1.0)


def _merge_product_defaults(cls: type[BaseModel], data: Any) -> Any:
    """Let a user set one field of a product (``spx_option = { c = 0.07 }``), keeping the rest."""
    if not isinstance(data, Mapping):
        return data
    out = dict(data)
    for name, field in cls.model_fields.items():
        given = out.get(name)
        if isinstance(given, Mapping) and isinstance(field.default, BaseModel):
            out[name] = {**field.default.model_dump(), **given}
    return out


class ProductSpreads(Frozen):
    """Half-spread model per product (a product table may give only the fields it changes).

    SPX options: fit (``SpxSpreadConfig``). The others are not fit (the shared VIX option chain
    has last trades only, no bid/ask; there are no VX or ETF quotes): VIX options
    ``max(0.025, 0.025 + 0.025 x price)`` (a $1 call quoted 0.10 wide, a $3 call 0.20); VX one
    tick wide (half 0.025), VXM two ticks (half 0.05); the ETF one cent either side of $25.
    """

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _merge_product_defaults(cls, data)

    spx_option: SpxSpreadConfig = SpxSpreadConfig()
    vix_option: LinearSpreadConfig = LinearSpreadConfig(floor=0.025, a=0.025, b=0.025)
    vx_future: LinearSpreadConfig = LinearSpreadConfig(floor=0.025, a=0.025, b=0.0)
    vxm_future: LinearSpreadConfig = LinearSpreadConfig(floor=0.05, a=0.05, b=0.0)
    etf: LinearSpreadConfig = LinearSpreadConfig(floor=0.005, a=0.005, b=0.0002)


class FeeConfig(Frozen):
    """Per contract (ETF: per share) broker commission and exchange/clearing/regulatory fees."""

    commission_usd: float = Field(ge=0.0, le=100.0)
    exchange_fee_usd: float = Field(ge=0.0, le=100.0)


class ProductFees(Frozen):
    """Fees per product (see docs/book-and-config.md for the sources); partial tables merge."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _merge_product_defaults(cls, data)

    spx_option: FeeConfig = FeeConfig(commission_usd=0.65, exchange_fee_usd=0.60)
    vix_option: FeeConfig = FeeConfig(commission_usd=0.65, exchange_fee_usd=0.45)
    vx_future: FeeConfig = FeeConfig(commission_usd=1.50, exchange_fee_usd=1.00)
    vxm_future: FeeConfig = FeeConfig(commission_usd=0.85, exchange_fee_usd=0.20)
    etf: FeeConfig = FeeConfig(commission_usd=0.005, exchange_fee_usd=0.0)


class FuturesMarginConfig(Frozen):
    """Initial margin per futures contract, dollars (exchange minimums move with volatility)."""

    vx_future: float = Field(default=10_000.0, gt=0.0)
    vxm_future: float = Field(default=1_000.0, gt=0.0)


class ExecutionConfig(Frozen):
    """How decisions become fills.

    ``fill_timing``: decisions are taken at ``decision_time`` (US/Eastern) on day D with what is
    known then; ``next_close`` fills at the close of the next session (default), ``next_open`` at
    its open, ``same_close`` at D's close (only for date-driven rolls such as CNDR's, where no
    signal of D's close is used).

    A fill is at ``mid +/- slippage_frac_of_half_spread x half_spread``, rounded to the tick
    against the trader (docs/costs.md). ``condor_fill``: ``net`` (default) fills a condor as one
    complex order, its net price rounded to Cboe's $0.05 complex increment against the trader
    and its legs in pennies; ``legs`` rounds every leg to its single-leg tick (an upper bound). ``spread_band`` scales every modelled half-spread by
    ``1 - spread_error_frac`` (``low``), 1 (``fit``) or ``1 + spread_error_frac`` (``high``): the
    fitted model's measured out-of-sample error, for running a verdict across its cost band.

    Near-worthless legs when a condor is closed: ``sub_tick_long`` -- a long wing whose sale
    would fill below one tick is kept to expiry (``expire``, default: a zero bid cannot be sold)
    or sold at the modelled bid, 0 when that is below a tick (``bid``); ``sub_tick_short`` -- a
    short option whose model value is below one tick is bought back at one tick (``tick``,
    default: the nickel buy-back that removes the tail) or left to expire (``expire``).
    """

    fill_timing: Literal["next_close", "next_open", "same_close"] = "next_close"
    decision_time: str = Field(default="16:15", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    slippage_frac_of_half_spread: float = Field(default=0.5, ge=0.0, le=1.0)
    spreads: ProductSpreads = ProductSpreads()
    spread_band: Literal["low", "fit", "high"] = "fit"
    spread_error_frac: float = Field(default=0.4, ge=0.0, lt=1.0)
    sub_tick_long: Literal["expire", "bid"] = "expire"
    sub_tick_short: Literal["tick", "expire"] = "tick"
    condor_fill: Literal["net", "legs"] = "net"
    fees: ProductFees = ProductFees()
    futures_initial_margin_usd: FuturesMarginConfig = FuturesMarginConfig()


SPREAD_BANDS: tuple[Literal["low", "fit", "high"], ...] = ("low", "fit", "high")


def spread_band_variants(execution: ExecutionConfig) -> dict[str, ExecutionConfig]:
    """Return ``execution`` at each cost band, ``{"low": ..., "fit": ..., "high": ...}``.

    For judging a claim across the fitted spread model's error (docs/costs.md, "The cost band"):
    run the same config at each and report where the verdict holds.
    """
    return {b: execution.model_copy(update={"spread_band": b}) for b in SPREAD_BANDS}
