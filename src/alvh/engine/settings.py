"""The engine's own view of a run: plain frozen settings mapped from ``RunConfig``.

The daily loop reads these, not the pydantic models, so that the hot path touches plain
attributes and the rules can be exercised in tests without building a whole config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

from alvh.book.costs import CostModel
from alvh.engine.costs import cost_model


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
    strike_method: Literal["delta", "pop", "sd", "atm"] = "delta"
    strike_value: float = 0.16
    wing_method: Literal["width", "delta", "pct_otm"] = "width"
    wing_value: float = 50.0
    risk_pct_of_equity: float = 5.0
    max_open_condors: int = 4
    max_contracts: int | None = None
    collateral_multiple: float | None = None  # index-style sizing (CNDR/BFLY: 10), else None
    strike_reference: Literal["close", "cboe_1100"] = "close"  # SPX level for atm / pct_otm
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
    """Fill timing and the run's cost model (the hedge hook holds the same model).

    ``costs`` defaults to ``ExecutionConfig()``'s (``alvh.engine.costs.cost_model``).
    """

    fill_timing: Literal["next_close", "same_close"] = "next_close"
    decision_time: time = time(16, 15)
    costs: CostModel = field(default_factory=cost_model)

    @property
    def spx_fee_per_contract_usd(self) -> float:
        """Commission plus fees per SPX option contract."""
        return self.costs.fee_usd("spx_option")


@dataclass(frozen=True)
class EngineSettings:
    """Everything the daily loop needs."""

    start: str
    end: str
    initial_capital_usd: float = 1_000_000.0
    cash_rate_series: Literal["IRX", "DFF", "none"] = "IRX"
    size_condors_on: Literal["unhedged", "hedged"] = "hedged"  # see CapitalConfig
    iv_scale: float = 1.0  # multiplier on the model SPX implied vol (see AssumptionsConfig)
    tiers: tuple[TierRules, ...] = field(default_factory=tuple)
    events: EventRules = field(default_factory=EventRules)
    execution: ExecutionRules = field(default_factory=ExecutionRules)
