"""``RunConfig``: the one frozen, validated description of a run (strategy, hedge, execution, data).

Load it from TOML with ``alvh.config.load.load_config``; its hash, the data id and the package
version form the run id (``alvh.config.load.run_id``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from alvh.config.condor import (
    DEFAULT_DTE,
    AtmStrikes,
    DeltaStrikes,
    DeltaWings,
    EntrySchedule,
    ExitConfig,
    Frozen,
    StrikeSelection,
    TargetRange,
    TierConfig,
    Wings,
)
from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import HedgeConfig

__all__ = [
    "AssumptionsConfig",
    "AtmStrikes",
    "CapitalConfig",
    "DataConfig",
    "DeltaStrikes",
    "DeltaWings",
    "EntrySchedule",
    "EventsConfig",
    "ExecutionConfig",
    "ExitConfig",
    "RunConfig",
    "StrikeSelection",
    "TargetRange",
    "TierConfig",
    "Wings",
]


class DataConfig(Frozen):
    """Which market data and which period.

    ``source = "synthetic"`` runs on the embedded seeded market (no files needed);
    ``"store"`` reads imported real data from the local store (``store_path`` or the default).
    """

    source: Literal["synthetic", "store"] = "synthetic"
    seed: int = Field(default=7, ge=0, le=2**32 - 1)
    store_path: str | None = None
    start: date = date(2008, 1, 2)
    end: date = date(2024, 12, 31)

    @model_validator(mode="after")
    def _period(self) -> DataConfig:
        if not self.start < self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


class CapitalConfig(Frozen):
    """Starting capital and the rate earned on cash (and T-bill collateral)."""

    initial_usd: float = Field(default=1_000_000.0, gt=0.0, le=1e12)
    cash_rate: Literal["irx", "dff", "none"] = "irx"
    """``irx``: 13-week T-bill; ``dff``: effective fed funds; ``none``: cash earns nothing."""
    size_condors_on: Literal["unhedged", "hedged"] = "hedged"
    """Whose equity sizes the condors both books hold. ``hedged`` (default, "own sizing",
    matched risk): the hedged book's own equity, as a trader paying for a hedge would size, so
    its condor max loss stays at each tier's cap of its own equity whatever the hedge costs; the
    unhedged twin then holds the same condors (sized for less than its equity when the hedge
    bleeds), and comparisons use the separate no-hedge run (preset ``none``) sized on its own
    equity. ``unhedged`` ("twin sizing"): the twin's equity, so the condor book does not depend
    on how the hedge fares; a losing hedge then leaves the hedged book carrying condors sized for
    more equity than it has (a leverage effect, not a hedge effect). The report labels the
    convention and, under twin sizing, shows the hedged book's condor max loss in % of its own
    equity (mean and peak)."""


class AssumptionsConfig(Frozen):
    """Model assumptions a verdict is tested against (``alvh compare --band``).

    ``iv_scale`` multiplies the model's SPX ATM implied volatility (its total variance by the
    square; the SSVI smile follows), to price the condors at the edges of the surface's
    out-of-sample error band; 1.0 is the fitted model.
    """

    iv_scale: float = Field(default=1.0, ge=0.5, le=2.0)


class EventsConfig(Frozen):
    """Optional blackout or size reduction of condor entries around macro releases."""

    blackout_kinds: tuple[Literal["FOMC", "CPI", "PPI"], ...] = ()
    sessions_before: int = Field(default=1, ge=0, le=20)
    sessions_after: int = Field(default=0, ge=0, le=20)
    action: Literal["skip", "reduce"] = "skip"
    reduce_factor: float = Field(default=0.5, gt=0.0, lt=1.0)
    """With ``action = "reduce"``: entries in the window are sized by this factor."""


def _default_tiers() -> tuple[TierConfig, ...]:
    return tuple(TierConfig.model_validate({"name": n}) for n in DEFAULT_DTE)


class RunConfig(Frozen):
    """Everything that defines a run; two equal configs on the same data give identical results.

    ``signals_lagged = true`` makes the rules see the snapshot of the session before the decision
    day (one extra session of lag), a robustness check against any same-day leakage.
    """

    name: str = Field(default="run", min_length=1, max_length=80)
    data: DataConfig = DataConfig()
    capital: CapitalConfig = CapitalConfig()
    tiers: tuple[TierConfig, ...] = Field(default_factory=_default_tiers, min_length=1)
    events: EventsConfig = EventsConfig()
    execution: ExecutionConfig = ExecutionConfig()
    hedge: HedgeConfig = HedgeConfig()
    signals_lagged: bool = False
    assumptions: AssumptionsConfig = AssumptionsConfig()

    @model_validator(mode="after")
    def _unique_tiers(self) -> RunConfig:
        names = [t.name for t in self.tiers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tier names must be unique; repeated: {', '.join(dupes)}")
        return self

    def tier(self, name: str) -> TierConfig:
        """Return the tier called ``name``."""
        for t in self.tiers:
            if t.name == name:
                return t
        raise KeyError(f"no tier {name!r}; tiers are {[t.name for t in self.tiers]}")
