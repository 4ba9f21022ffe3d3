"""Immutable hedge state and the inputs of one day's hedge step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from alvh._typing import Float64Array
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.results import Allocation, RuleResult
from alvh.strategy.hedge.sizing import BookExposure, Slice


@dataclass(frozen=True)
class LayerHolding:
    """An active hedge layer: what was bought for it, by tranche, at its decision prices.

    The rule derives it each session from the book's lots, whose fills carry the allocations
    they bought (``AlvhHedge._layers``); ``step`` returns the layers as its decisions leave
    them, which the next session's fills make true (or not).
    """

    layer: int
    allocations: tuple[Allocation, ...]

    @property
    def cost_usd(self) -> float:
        """Return the layer's entry cost: futures notional plus option/ETF premium, USD."""
        return sum(a.cost_usd for a in self.allocations)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Return the symbols held, in order, without repeats."""
        return tuple(dict.fromkeys(a.symbol for a in self.allocations))

    @cached_property
    def first_expiry_ordinal(self) -> int | None:
        """Return the earliest expiry (``date.toordinal()``) of the allocations, None when
        none expires (the ETF); the roll rule reads it every session."""
        return min(
            (a.expiry_ordinal for a in self.allocations if a.expiry_ordinal is not None),
            default=None,
        )


@dataclass(frozen=True)
class PendingTranche:
    """A later tranche of a layer, bought at ``due_session`` if the trigger still holds."""

    slice: Slice
    due_session: int


def first_expiry_ordinal(layers: Sequence[LayerHolding]) -> int | None:
    """Return the earliest expiry (``date.toordinal()``) over ``layers``, None when nothing
    held expires; the roll rule reads it every session (each layer caches its own)."""
    return min((o for h in layers if (o := h.first_expiry_ordinal) is not None), default=None)


@dataclass(frozen=True)
class HedgeState:
    """The hedge's plan between sessions (immutable; ``step`` returns a new one).

    The layers are not here: they are the book's lots, derived each session and given to the
    step in ``HedgeInputs.layers``; what the step decides for them goes out as orders.

    Attributes
    ----------
    pending
        Tranches scheduled for later sessions (the step drops those of a layer the book no
        longer holds: its buy did not fill, or it was sold or settled).
    clear_sessions
        Consecutive sessions with every trigger clear.
    last_change_session
        Session index of the last layer added or removed (cooldown), None at start.
    """

    pending: tuple[PendingTranche, ...] = ()
    clear_sessions: int = 0
    last_change_session: int | None = None


@dataclass(frozen=True)
class CondorView:
    """One open condor as the triggers see it (SPX points, decimal IV, calendar days)."""

    short_put: float
    short_call: float
    put_break_even: float
    call_break_even: float
    iv: float
    dte_days: float


def _empty() -> Float64Array:
    return np.zeros(0)


@dataclass(frozen=True)
class CondorColumns:
    """The open condors as the triggers read them: one float64 array per field, one row per
    condor (the units of ``CondorView``). The engine fills it from its book arrays each
    session; tests and callers with a few condors use :meth:`of`."""

    short_put: Float64Array = field(default_factory=_empty)
    short_call: Float64Array = field(default_factory=_empty)
    put_break_even: Float64Array = field(default_factory=_empty)
    call_break_even: Float64Array = field(default_factory=_empty)
    iv: Float64Array = field(default_factory=_empty)
    dte_days: Float64Array = field(default_factory=_empty)

    @classmethod
    def of(cls, condors: Sequence[CondorView]) -> CondorColumns:
        """Return the columns of some ``CondorView`` rows."""
        names = ("short_put", "short_call", "put_break_even", "call_break_even", "iv", "dte_days")
        return cls(*(np.array([getattr(c, n) for c in condors], dtype=np.float64) for n in names))

    @classmethod
    def from_credits(
        cls,
        short_put: Float64Array,
        short_call: Float64Array,
        credit: Float64Array,
        iv: Float64Array,
        dte_days: Float64Array,
    ) -> CondorColumns:
        """Return the columns of condors given their short strikes and credits (index points
        per condor): the break-evens are the short strikes moved out by the credit."""
        return cls(short_put, short_call, short_put - credit, short_call + credit, iv, dte_days)

    def __len__(self) -> int:
        return int(self.short_put.shape[0])


@dataclass(frozen=True)
class HedgeInputs:
    """What one session's hedge step reads, all known at the session's close.

    Attributes
    ----------
    session_index
        Ordinal of the trading session (tranche timing and cooldowns count these).
    layers
        The active layers the book's lots hold, bottom (layer 1) first, each allocation as
        bought (contracts a sale took or a fill missed are not there).
    today
        The session date.
    iv_now, iv_before
        IV (VIX or 30-day ATM IV per ``iv_source``) today and ``iv_shift_sessions`` ago.
    spot
        SPX close.
    condors
        Open condors, as columns.
    leg_deltas, leg_contracts
        Each open condor's net delta per unit (clipped to [-1, 1]) and its signed contracts.
    n_condors
        Condors held.
    vix_closes, spx_closes
        Close histories, oldest first, ending today (for MACD and RSI).
    vx1, vx2, vix, vix3m
        Term-structure levels (VIX3M may be None).
    next_sessions
        Trading sessions after today, in order (at least ``macro_sessions`` of them).
    events
        ``(date, kind)`` macro events known today.
    exposure
        Book numbers for sizing.
    quotes
        Hedge instruments available today (any sequence; the engine's prices them on first
        use, since only sessions that buy or roll read them).
    layer_gains_usd
        Unrealised gain of each active layer's positions, by layer: (mark - the book's average
        entry price) x contracts x multiplier.
    layer_costs_usd
        Entry cost of each active layer at the book's average entry prices (futures: face
        value; options and ETF: premium), the monetise target's ``cost`` basis; a layer missing
        here falls back to its allocations' decision prices.
    ad_line
        Advance-decline line (oldest first), or None when no breadth data.
    rule_results
        Results of close-history rules the caller evaluated already, by rule name
        (``macd_crossover``, ``rsi``): the engine reads them from per-run tables of its close
        histories (``alvh.engine.hedge_signals``), equal to the rule on ``vix_closes`` /
        ``spx_closes``, and leaves those empty. The step uses a result given here instead of
        evaluating the rule.
    """

    session_index: int
    today: date
    iv_now: float | None
    iv_before: float | None
    spot: float
    exposure: BookExposure
    layers: tuple[LayerHolding, ...] = ()
    condors: CondorColumns = field(default_factory=CondorColumns)
    leg_deltas: Sequence[float] | Float64Array = ()
    leg_contracts: Sequence[float] | Float64Array = ()
    n_condors: int = 0
    vix_closes: Float64Array = field(default_factory=_empty)
    spx_closes: Float64Array = field(default_factory=_empty)
    vx1: float | None = None
    vx2: float | None = None
    vix: float | None = None
    vix3m: float | None = None
    next_sessions: tuple[date, ...] = ()
    events: tuple[tuple[date, str], ...] = ()
    quotes: Sequence[InstrumentQuote] = ()
    layer_gains_usd: Mapping[int, float] = field(default_factory=dict)
    layer_costs_usd: Mapping[int, float] = field(default_factory=dict)
    ad_line: Float64Array | None = None
    rule_results: Mapping[str, RuleResult] = field(default_factory=dict)
