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
from alvh.strategy.condor import EventRules, TierRules


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
