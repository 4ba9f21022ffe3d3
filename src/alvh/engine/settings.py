"""The engine's own view of a run: plain frozen settings mapped from ``RunConfig``.

The daily loop reads these, not the pydantic models, so that the hot path touches plain
attributes and the rules can be exercised in tests without building a whole config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

from alvh.book.costs import SpreadModel


@dataclass(frozen=True)
class TierRules:
    """Entry, selection, sizing and exit rules of one condor tier."""

    name: str
    dte_min: int
    dte_max: int
    dte_target: int | None = None
    product: Literal["spx", "spxw", "any"] = "spxw"  # "any": SPX monthlies and SPXW together
    entry_weekday: int | None = 0  # Monday=0; None with entry_every_sessions or monthly
    entry_every_sessions: int | None = None
    entry_monthly: bool = False  # CNDR: enter on the standard monthly expiry cycle
    strike_method: Literal["delta", "pop", "sd"] = "delta"
    strike_value: float = 0.16
    wing_method: Literal["width", "delta"] = "width"
    wing_value: float = 50.0
    risk_pct_of_equity: float = 5.0
    max_open_condors: int = 4
    max_contracts: int | None = None
    profit_target_pct: float | None = 50.0
    stop_multiple: float | None = 2.0
    exit_dte: int | None = None
    exit_on_touch: bool = False


@dataclass(frozen=True)
class EventRules:
    """What to do around macro events."""

    kinds: tuple[str, ...] = ("FOMC", "CPI", "PPI")
    sessions_before: int = 0
    sessions_after: int = 0
    action: Literal["none", "skip", "reduce"] = "none"
    reduce_factor: float = 0.5


@dataclass(frozen=True)
class ExecutionRules:
    """Fills and costs of the condor legs (hedge costs live with the hedge hook)."""

    fill_timing: Literal["next_close", "same_close"] = "next_close"
    decision_time: time = time(16, 15)
    slippage_frac_of_half_spread: float = 0.5
    spx_spread: SpreadModel = field(
        default_factory=lambda: SpreadModel(0.05, 0.10, 0.02, 0.10, 1.5)
    )
    spx_fee_per_contract_usd: float = 1.25


@dataclass(frozen=True)
class EngineSettings:
    """Everything the daily loop needs."""

    start: str
    end: str
    initial_capital_usd: float = 1_000_000.0
    cash_rate_series: Literal["IRX", "DFF", "none"] = "IRX"
    size_condors_on: Literal["unhedged", "hedged"] = "unhedged"  # see CapitalConfig
    tiers: tuple[TierRules, ...] = field(default_factory=tuple)
    events: EventRules = field(default_factory=EventRules)
    execution: ExecutionRules = field(default_factory=ExecutionRules)
