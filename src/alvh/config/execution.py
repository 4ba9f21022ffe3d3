"""Execution configuration: when fills happen, what they cost, and futures margin.

The single source of cost defaults (``alvh.book.costs`` takes plain parameters built from these).
Sources and caveats of every default are in docs/book-and-config.md ("Costs"): they are typical
retail figures of 2023-2024, not a dated fee schedule; set your broker's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from alvh.config.condor import Frozen


class SpreadConfig(Frozen):
    """Modelled full bid-ask width: ``max(min_tick, a + b x price)``, times
    ``far_otm_multiplier`` when ``|delta| < far_otm_delta`` (cheap wings quote wide)."""

    min_tick: float = Field(gt=0.0)
    a: float = Field(ge=0.0)
    b: float = Field(ge=0.0, le=1.0)
    far_otm_delta: float = Field(default=0.10, ge=0.0, lt=0.5)
    far_otm_multiplier: float = Field(default=1.5, ge=1.0, le=10.0)


def _merge_product_defaults(cls: type[BaseModel], data: Any) -> Any:
    """Let a user set one field of a product (``spx_option = { a = 0.2 }``), keeping the rest."""
    if not isinstance(data, Mapping):
        return data
    out = dict(data)
    for name, field in cls.model_fields.items():
        given = out.get(name)
        if isinstance(given, Mapping) and isinstance(field.default, BaseModel):
            out[name] = {**field.default.model_dump(), **given}
    return out


class ProductSpreads(Frozen):
    """Spread model per product (a product table may give only the fields it changes)."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _merge_product_defaults(cls, data)

    spx_option: SpreadConfig = SpreadConfig(min_tick=0.05, a=0.10, b=0.02)
    vix_option: SpreadConfig = SpreadConfig(min_tick=0.05, a=0.05, b=0.03)
    vx_future: SpreadConfig = SpreadConfig(min_tick=0.05, a=0.05, b=0.0, far_otm_delta=0.0)
    vxm_future: SpreadConfig = SpreadConfig(min_tick=0.05, a=0.10, b=0.0, far_otm_delta=0.0)
    etf: SpreadConfig = SpreadConfig(min_tick=0.01, a=0.01, b=0.0005, far_otm_delta=0.0)


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
    """

    fill_timing: Literal["next_close", "next_open", "same_close"] = "next_close"
    decision_time: str = Field(default="16:15", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    slippage_frac_of_half_spread: float = Field(default=0.5, ge=0.0, le=1.0)
    spreads: ProductSpreads = ProductSpreads()
    fees: ProductFees = ProductFees()
    futures_initial_margin_usd: FuturesMarginConfig = FuturesMarginConfig()
