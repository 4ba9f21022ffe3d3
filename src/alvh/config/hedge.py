"""Hedge (ALVH) configuration: triggers, sizing, de-escalation, instruments, and named presets.

Data only (pydantic v2, frozen, unknown keys forbidden). Every default is the SPEC section 2
reading documented in ``docs/hedge.md``. ``hedge_preset(name)`` returns a named preset;
``hedge_config_from_dict`` applies a user's overrides on top of the preset it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alvh.errors import ConfigError

SizingMode = Literal["ladder_123", "442", "442_budget", "442_instruments", "vega", "budget"]
NotionalBase = Literal["max_loss", "margin", "spx_notional"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriggerConfig(_Frozen):
    """Thresholds of the trigger rules (SPEC 2, "Definitions")."""

    iv_shift_threshold: float = Field(default=0.15, gt=0.0, le=1.0)
    """IV_t / IV_(t - iv_shift_sessions) - 1 at or above this fires (texts: 0.15-0.20)."""
    iv_shift_sessions: int = Field(default=2, ge=1, le=20)
    iv_source: Literal["vix", "atm_iv"] = "vix"
    proximity_z: float = Field(default=0.65, gt=0.0, le=5.0)
    """Fires when SPX is within this many standard deviations of a short strike."""
    break_even_z: float = Field(default=0.25, ge=0.0, le=5.0)
    """Fires when SPX is within this many standard deviations of a break-even (0 disables)."""
    delta_limit: float = Field(default=0.18, gt=0.0, le=5.0)
    """Book delta per condor beyond +/- this fires."""
    rsi_period: int = Field(default=14, ge=2, le=100)
    rsi_band: tuple[float, float] = (30.0, 70.0)
    rsi_symbol: Literal["vix", "spx"] = "vix"
    macd_fast: int = Field(default=12, ge=1)
    macd_slow: int = Field(default=26, ge=2)
    macd_signal: int = Field(default=9, ge=1)
    momentum_confirms_iv_shift: bool = True
    """An IV shift without macro/inversion still adds a layer when momentum confirms it."""
    macro_sessions: int = Field(default=2, ge=0, le=30)
    macro_kinds: tuple[str, ...] = ("FOMC", "CPI", "PPI")
    term_tolerance_pts: float = Field(default=0.10, ge=0.0, le=5.0)
    """|VX2 - VX1| at or below this (VIX points) is 'flat'."""
    breadth_window: int = Field(default=20, ge=2, le=250)

    @model_validator(mode="after")
    def _check(self) -> TriggerConfig:
        lo, hi = self.rsi_band
        if not 0.0 <= lo < hi <= 100.0:
            raise ValueError(f"rsi_band must satisfy 0 <= low < high <= 100, got {self.rsi_band}")
        if not self.macd_fast < self.macd_slow:
            raise ValueError("macd_fast must be smaller than macd_slow")
        return self


class SizingConfig(_Frozen):
    """How big the hedge is and how it splits across layers and tranches (docs/hedge.md)."""

    mode: SizingMode = "442"
    size_base: Literal["vega", "budget"] = "vega"
    """What the ladder/4-4-2 modes split: planned hedge vega or a notional budget."""
    vega_fraction: float = Field(default=0.5, gt=0.0, le=2.0)
    """Planned hedge exposure (USD per VIX point) as a fraction of the book's short vega."""
    futures_share: float = Field(default=0.30, ge=0.0, le=1.0)
    """'vega' mode: share of the planned vega held in VX futures (texts: 25-40%)."""
    call_step: float = Field(default=0.20, gt=0.0, le=1.0)
    call_steps: int = Field(default=2, ge=0, le=5)
    """'vega' mode: the calls layer takes call_steps x call_step; the ETF the remainder."""
    budget_fraction: float = Field(default=0.20, gt=0.0, le=1.0)
    """Hedge notional as a fraction of condor notional (texts: 15-25%)."""
    notional_base: NotionalBase = "max_loss"
    carry_cap_pct_per_month: float | None = Field(default=0.7, gt=0.0, le=20.0)
    """Estimated monthly carry of the whole hedge, in % of capital; None for no cap."""
    macro_boost: float = Field(default=1.5, ge=1.0, le=5.0)
    """Size multiplier of layers 2 and 3 when a macro event is within the window."""
    tranche_weights: tuple[float, float, float] = (0.4, 0.4, 0.2)
    tranche_gap_sessions: int = Field(default=4, ge=1, le=30)
    tranche3_min_extra_days: int = Field(default=14, ge=0, le=365)
    """Tranche 3 expires at least this many calendar days after tranche 1's instrument."""

    @model_validator(mode="after")
    def _check(self) -> SizingConfig:
        if self.futures_share + self.call_steps * self.call_step > 1.0 + 1e-12:
            raise ValueError("futures_share + call_steps * call_step must not exceed 1")
        if any(w < 0 for w in self.tranche_weights) or abs(sum(self.tranche_weights) - 1) > 1e-9:
            raise ValueError("tranche_weights must be non-negative and sum to 1")
        return self


class DeescalationConfig(_Frozen):
    """When layers come off (from the top) and how often layers may change."""

    clear_sessions: int = Field(default=5, ge=1, le=250)
    monetise_target: float | None = Field(default=0.5, gt=0.0)
    """Unrealised gain of a layer at which it is monetised; None disables."""
    monetise_basis: Literal["cost", "capital"] = "cost"
    cooldown_sessions: int = Field(default=4, ge=0, le=60)
    """Sessions after a layer is added or removed before the next layer may be added."""


class InstrumentConfig(_Frozen):
    """Which instruments the layers use and how."""

    layers: tuple[int, ...] = (1, 2, 3)
    """Enabled layers (1 VX futures, 2 VIX calls, 3 VIX-futures ETF), in order."""
    allow_vx: bool = True
    allow_vxm: bool = True
    call_otm_pct: float | None = Field(default=0.10, ge=0.0, le=3.0)
    """VIX call strike as % above the forward (0.10 = 10% OTM); exclusive with call_delta."""
    call_delta: float | None = Field(default=None, gt=0.0, lt=1.0)
    call_spreads: bool = False
    call_spread_width_pct: float = Field(default=0.5, gt=0.0, le=5.0)
    """Short call strike = long strike x (1 + width) when call_spreads is on."""
    roll_days_before_expiry: int = Field(default=5, ge=0, le=60)
    etf_symbol: str = "VXX"
    vx_fill_ticks: float | None = Field(default=1.0, ge=0.0, le=20.0)
    """VX / VXM fills pay the settlement plus this many ticks (0.05) of slippage (SPEC costs:
    futures at settlement plus a tick); None uses ``execution.spreads.vx_future`` instead."""

    @model_validator(mode="after")
    def _check(self) -> InstrumentConfig:
        if list(self.layers) != sorted(set(self.layers)) or not set(self.layers) <= {1, 2, 3}:
            raise ValueError(f"layers must be an increasing subset of (1, 2, 3), got {self.layers}")
        if (self.call_otm_pct is None) == (self.call_delta is None):
            raise ValueError("set exactly one of call_otm_pct and call_delta")
        if 1 in self.layers and not (self.allow_vx or self.allow_vxm):
            raise ValueError("layer 1 (VX futures) needs allow_vx or allow_vxm")
        return self


class CapsConfig(_Frozen):
    """Limits that bound every sizing mode by the account (hedged equity); None disables one.

    Each counts what is already held (at today's marks) plus what a buy would add, and a buy
    (new layer, later tranche or roll) is cut to the room left, rounded down.
    """

    premium_pct_of_equity: float | None = Field(default=5.0, gt=0.0, le=100.0)
    """Premium at risk in long VIX calls / call spreads plus the ETF's value, % of equity."""
    vx_margin_pct_of_equity: float | None = Field(default=10.0, gt=0.0, le=100.0)
    """Initial margin of all VX + VXM futures held, % of equity."""
    vx_notional_pct_of_equity: float | None = Field(default=20.0, gt=0.0, le=500.0)
    """Face value (price x multiplier x contracts) of all VX + VXM futures, % of equity."""
    min_equity_usd: float = 0.0
    """No hedge is bought while equity is at or below this (the book is bust)."""


class VxthConfig(_Frozen):
    """CBOE VXTH rule: monthly ~30-delta one-month VIX calls, weight by front VX level."""

    call_delta: float = Field(default=0.30, gt=0.0, lt=1.0)
    band_edges: tuple[float, float, float] = (15.0, 30.0, 50.0)
    band_weights: tuple[float, float, float, float] = (0.0, 0.01, 0.005, 0.0)


class HedgeConfig(_Frozen):
    """Which hedge to run; ``preset = "none"`` runs the condor book unhedged."""

    preset: str = "none"
    rule: Literal["none", "alvh", "vxth"] = "none"
    triggers: TriggerConfig = TriggerConfig()
    sizing: SizingConfig = SizingConfig()
    deescalation: DeescalationConfig = DeescalationConfig()
    instruments: InstrumentConfig = InstrumentConfig()
    caps: CapsConfig = CapsConfig()
    vxth: VxthConfig = VxthConfig()

    @property
    def enabled(self) -> bool:
        """Return whether any hedge runs."""
        return self.rule != "none"


def _alvh(
    preset: str, sizing: dict[str, Any], instruments: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "preset": preset,
        "rule": "alvh",
        "sizing": sizing,
        "instruments": instruments or {},
    }


_PRESETS: dict[str, dict[str, Any]] = {
    "none": {"preset": "none", "rule": "none"},
    "alvh-442": _alvh("alvh-442", {"mode": "442"}),
    "alvh-123": _alvh("alvh-123", {"mode": "ladder_123"}),
    "alvh-vega": _alvh("alvh-vega", {"mode": "vega"}),
    "442-budget": _alvh("442-budget", {"mode": "442_budget", "size_base": "budget"}),
    "442-instruments": _alvh("442-instruments", {"mode": "442_instruments"}),
    "vxth": {"preset": "vxth", "rule": "vxth"},
}


# One line per hedge preset for ``alvh presets`` (docs/hedge.md has the rules in full).
HEDGE_PRESET_SUMMARIES: dict[str, str] = {
    "none": "no hedge: the condor book alone",
    "alvh-442": "ALVH layers (VX futures, VIX calls, VIX ETF), each sized in 4/4/2 tranches "
    "over sessions (default reading of the SPEC)",
    "alvh-123": "ALVH layers sized 1:2:3 (the ladder ratio)",
    "alvh-vega": "ALVH sized on planned vega: 30% futures, 2 x 20% calls, the ETF the rest",
    "442-budget": "ALVH with a notional budget (20% of condor notional) split 40/40/20 across "
    "0-30 / 30-90 / 90+ DTE at once",
    "442-instruments": "ALVH split 0.4 VX futures / 0.4 VIX calls / 0.2 longer-dated calls, no ETF",
    "vxth": "CBOE VXTH rule: monthly ~30-delta one-month VIX calls weighted by the front VX level",
}


def hedge_preset_names() -> tuple[str, ...]:
    """Return the names of the built-in hedge presets."""
    return tuple(_PRESETS)


def hedge_preset(name: str) -> HedgeConfig:
    """Return the built-in hedge preset ``name``.

    Raises
    ------
    ConfigError
        If ``name`` is not a preset.
    """
    if name not in _PRESETS:
        raise ConfigError("hedge.preset", name, _preset_expected(name))
    return HedgeConfig.model_validate(_PRESETS[name])


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``over`` laid on top, merging nested tables key by key."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def hedge_config_from_dict(
    data: Mapping[str, Any], source: str | Path | None = None, prefix: str = "hedge"
) -> HedgeConfig:
    """Build a HedgeConfig from a TOML table: the preset it names, with its other keys on top.

    Parameters
    ----------
    data
        The ``[hedge]`` table, e.g. ``{"preset": "alvh-442", "triggers": {"delta_limit": 0.2}}``.
    source
        The file it came from, named in errors.
    prefix
        Dotted key prefix used in error messages.

    Raises
    ------
    ConfigError
        Naming the first invalid key, its value and what is allowed.
    """
    from alvh.config.errors import translate

    name = str(data.get("preset", "none"))
    if name not in _PRESETS:
        raise ConfigError(f"{prefix}.preset", name, _preset_expected(name), source)
    merged = deep_merge(hedge_preset(name).model_dump(), data)
    try:
        return HedgeConfig.model_validate(merged)
    except ValidationError as exc:
        raise translate(exc, merged, source, HedgeConfig, [prefix]) from None


def _preset_expected(name: str) -> str:
    from alvh.config.errors import did_you_mean

    return (
        f"a hedge preset: one of {', '.join(_PRESETS)}{did_you_mean(name, _PRESETS)} "
        "(list them with 'alvh presets')"
    )
