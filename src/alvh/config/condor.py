"""Condor tier configuration: when to enter, which strikes, how big, when to exit.

Data only (pydantic v2, frozen, unknown keys forbidden). Choices that come in kinds (entry
schedule, strike selection, wings) are tagged unions: the tag key (``schedule`` / ``method``)
says which kind, and only that kind's keys are allowed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SPX_STRIKE_GRID_PTS = 5.0
MAX_RISK_PER_CONDOR_PCT = 5.0  # SPEC 1: never more than 5% of equity at risk in one condor

# Default DTE windows of the three named tiers (SPEC 1).
DEFAULT_DTE: dict[str, tuple[int, int, int]] = {
    "short": (7, 14, 21),
    "medium": (30, 38, 45),
    "long": (60, 75, 90),
}


class Frozen(BaseModel):
    """Base of every config model: immutable, hashable, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetRange(Frozen):
    """A target value with an allowed window ``min <= target <= max`` (optopsy's primitive).

    ``target`` defaults to the midpoint of the window when omitted.
    """

    min: float
    max: float
    target: float | None = None

    @model_validator(mode="after")
    def _check(self) -> TargetRange:
        if not self.min <= self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g})")
        if self.target is None:
            object.__setattr__(self, "target", 0.5 * (self.min + self.max))
        elif not self.min <= self.target <= self.max:
            raise ValueError(
                f"target ({self.target:g}) must lie within [min, max] = [{self.min:g}, {self.max:g}]"
            )
        return self

    def contains(self, value: float) -> bool:
        """Return whether ``min <= value <= max``."""
        return self.min <= value <= self.max


# -- entry schedule -------------------------------------------------------------------------------
Weekday = Literal["mon", "tue", "wed", "thu", "fri"]


class WeekdayEntry(Frozen):
    """Enter on one weekday each week (the next session if that day is a holiday)."""

    schedule: Literal["weekday"] = "weekday"
    weekday: Weekday = "mon"


class DailyEntry(Frozen):
    """Consider an entry every session."""

    schedule: Literal["daily"] = "daily"


class EveryNSessionsEntry(Frozen):
    """Consider an entry every ``n`` sessions, counted from the first session of the run."""

    schedule: Literal["every_n_sessions"] = "every_n_sessions"
    n: int = Field(default=5, ge=1, le=250)


class MonthlyEntry(Frozen):
    """Enter on each standard monthly SPX expiration day, into the next monthly expiry (CNDR)."""

    schedule: Literal["monthly"] = "monthly"


EntrySchedule = Annotated[
    WeekdayEntry | DailyEntry | EveryNSessionsEntry | MonthlyEntry, Field(discriminator="schedule")
]


# -- strikes and wings ---------------------------------------------------------------------------
class DeltaStrikes(Frozen):
    """Short strikes at a target |delta| (0.16 is a '16-delta' condor)."""

    method: Literal["delta"] = "delta"
    short_delta: float = Field(default=0.16, gt=0.0, lt=0.5)


class PopStrikes(Frozen):
    """Short strikes such that the probability of finishing between them is ``target_pop``."""

    method: Literal["pop"] = "pop"
    target_pop: float = Field(default=0.80, gt=0.5, lt=1.0)


class SdStrikes(Frozen):
    """Short strikes ``n_sd`` standard deviations (S x IV x sqrt(days/365)) from the spot."""

    method: Literal["sd"] = "sd"
    n_sd: float = Field(default=1.0, gt=0.0, le=5.0)


class AtmStrikes(Frozen):
    """Short put and short call both at the listed strike nearest the spot (an iron butterfly).

    CBOE's BFLY index sells the at-the-money SPX straddle; with ``atm`` the tier's structure is
    long put < short put = short call < long call.
    """

    method: Literal["atm"] = "atm"
    reference: Literal["close", "cboe_1100"] = "close"
    """SPX level the ATM strike (and ``pct_otm`` wings) are taken from: the roll day's close,
    or Cboe's "last value before 11:00 ET" estimated as ``open + (close - open) x 1.5 / 6.5``
    (linear from the 09:30 open; the close where the open is unknown or stale)."""


StrikeSelection = Annotated[
    DeltaStrikes | PopStrikes | SdStrikes | AtmStrikes, Field(discriminator="method")
]


class WidthWings(Frozen):
    """Long strikes ``points`` beyond the shorts (a multiple of the 5-point strike grid)."""

    method: Literal["width"] = "width"
    points: float = Field(default=50.0, gt=0.0, le=1000.0)
    call_points: float | None = Field(default=None, gt=0.0, le=1000.0)
    """Call wing width when unequal wings are wanted (default: same as ``points``)."""

    @model_validator(mode="after")
    def _grid(self) -> WidthWings:
        for name, v in (("points", self.points), ("call_points", self.call_points)):
            if v is not None and v % SPX_STRIKE_GRID_PTS != 0:
                raise ValueError(f"{name} ({v:g}) must be a multiple of {SPX_STRIKE_GRID_PTS:g}")
        return self


class DeltaWings(Frozen):
    """Long strikes at a target |delta| (CNDR: 0.05)."""

    method: Literal["delta"] = "delta"
    long_delta: float = Field(default=0.05, gt=0.0, lt=0.5)


class PctOtmWings(Frozen):
    """Long put at the highest strike at or below ``spot x (1 - pct/100)``, long call at the
    lowest at or above ``spot x (1 + pct/100)`` (BFLY: 5)."""

    method: Literal["pct_otm"] = "pct_otm"
    pct: float = Field(default=5.0, gt=0.0, le=50.0)


Wings = Annotated[WidthWings | DeltaWings | PctOtmWings, Field(discriminator="method")]


# -- exits --------------------------------------------------------------------------------------
class ExitConfig(Frozen):
    """When an open condor is closed before expiry. Every rule is optional."""

    profit_target_pct_of_credit: float | None = Field(default=None, gt=0.0, le=100.0)
    """Close when the open profit reaches this % of the credit received."""
    stop_multiple_of_credit: float | None = Field(default=None, gt=0.0, le=20.0)
    """Close when the open loss reaches this multiple of the credit received."""
    exit_dte: int | None = Field(default=None, ge=0, le=365)
    """Close when calendar days to expiry fall to this or below."""
    exit_on_short_strike_touch: bool = False
    """Close when SPX closes at or beyond a short strike."""
    hold_to_expiry: bool = False
    """Hold to expiration and settle; no other exit rule may be set."""

    @model_validator(mode="after")
    def _exclusive(self) -> ExitConfig:
        if self.hold_to_expiry:
            set_rules = [
                n
                for n in ("profit_target_pct_of_credit", "stop_multiple_of_credit", "exit_dte")
                if getattr(self, n) is not None
            ]
            if self.exit_on_short_strike_touch:
                set_rules.append("exit_on_short_strike_touch")
            if set_rules:
                raise ValueError(
                    "hold_to_expiry = true excludes other exit rules; remove "
                    + ", ".join(set_rules)
                )
        return self


class TierConfig(Frozen):
    """One layer of condors by days to expiry, with its own entry, strike, size and exit rules.

    ``dte`` may be omitted for tiers named ``short`` (7-21), ``medium`` (30-45) and ``long``
    (60-90); other names must give it.

    ``product`` says which listed expiries the tier chooses among (only those Cboe had listed on
    the entry day, docs/calendar.md): ``"spx"`` the AM-settled standard monthlies, ``"spxw"``
    the SPXW Weeklys, End-of-Month/Quarterlys and PM third-Friday series, ``"any"`` the union
    of both (the listed expiry nearest the target DTE; where an SPX monthly and an SPXW expiry
    share a day, the SPX monthly). The condor settles as its expiry's product does.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=32)
    dte: TargetRange
    entry: EntrySchedule = WeekdayEntry()
    product: Literal["spx", "spxw", "any"] = "spxw"
    strikes: StrikeSelection = DeltaStrikes()
    wings: Wings = WidthWings()
    risk_per_condor_pct_of_equity: float = Field(default=2.0, gt=0.0, le=MAX_RISK_PER_CONDOR_PCT)
    max_open_condors: int = Field(default=4, ge=1, le=100)
    exits: ExitConfig = ExitConfig()
    collateral_multiple_of_max_loss: float | None = Field(default=None, ge=1.0, le=100.0)
    """Size like a CBOE index instead of by ``risk_per_condor_pct_of_equity``: as many
    condors as make the account's equity (its T-bills) this multiple of what they can owe at
    expiry (the widest wing x 100 each). CBOE's CNDR and BFLY use ten. Not capped by SPEC 1's
    5% of equity at risk: a CNDR condor's wing less its credit is ~7% of equity at ten."""

    @model_validator(mode="before")
    @classmethod
    def _default_dte(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dte" not in data and data.get("name") in DEFAULT_DTE:
            lo, mid, hi = DEFAULT_DTE[data["name"]]
            data = {**data, "dte": {"min": lo, "max": hi, "target": mid}}
        return data

    @model_validator(mode="after")
    def _check(self) -> TierConfig:
        if self.dte.min < 0:
            raise ValueError(f"dte.min must be >= 0, got {self.dte.min:g}")
        if (
            isinstance(self.strikes, DeltaStrikes)
            and isinstance(self.wings, DeltaWings)
            and not self.wings.long_delta < self.strikes.short_delta
        ):
            raise ValueError(
                f"wings.long_delta ({self.wings.long_delta:g}) must be smaller than "
                f"strikes.short_delta ({self.strikes.short_delta:g}) so the wings lie outside"
            )
        if self.exits.exit_dte is not None and self.exits.exit_dte >= self.dte.min:
            raise ValueError(
                f"exits.exit_dte ({self.exits.exit_dte}) must be below dte.min ({self.dte.min:g}),"
                " or every condor would be closed on entry"
            )
        return self
