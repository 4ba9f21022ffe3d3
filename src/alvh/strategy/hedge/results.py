"""What every hedge rule returns: a RuleResult (journaled) and, for actions, a HedgeDecision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

InputValue = float | int | str | None
Action = Literal["add_layer", "remove_layer", "hold", "roll", "monetise"]


class RuleResult(NamedTuple):
    """One rule's outcome on one day: the journal records all four fields.

    A named tuple rather than a frozen dataclass: as immutable, and built about three times
    faster (a session's step builds nine, every session of a backtest).

    Attributes
    ----------
    rule
        Rule name, e.g. ``"iv_shift"``.
    fired
        Whether the rule's condition held.
    inputs
        The numbers (or labels) the rule used, by name.
    reason
        The outcome in words with the numbers.
    """

    rule: str
    fired: bool
    inputs: dict[str, InputValue]
    reason: str


@dataclass(frozen=True)
class Allocation:
    """Contracts of one instrument planned by sizing.

    Attributes
    ----------
    symbol
        Instrument id (e.g. ``"VXK20"``, ``"VXMK20"``, ``"VIX 2020-05-20 C25"``, ``"VXX"``).
    kind
        ``"vx"``, ``"vxm"``, ``"vix_call"``, ``"vix_call_spread"`` or ``"etf"``.
    contracts
        Whole contracts (shares for the ETF), never negative.
    multiplier
        USD per point per contract.
    price
        Price per unit at decision time (points; USD for the ETF).
    expiry_ordinal
        Expiry as ``date.toordinal()`` or None (ETF).
    tranche
        1, 2 or 3 (1 when the mode has no tranches).
    """

    symbol: str
    kind: str
    contracts: int
    multiplier: float
    price: float
    expiry_ordinal: int | None
    tranche: int = 1

    @property
    def cost_usd(self) -> float:
        """Return the position's notional (futures) or premium (options, ETF) in USD."""
        return self.contracts * self.multiplier * self.price


@dataclass(frozen=True)
class HedgeDecision:
    """An action the hedge rule asks the engine to take, with its reason and evidence.

    Attributes
    ----------
    action
        ``add_layer``, ``remove_layer``, ``hold``, ``roll`` or ``monetise``.
    layer
        The layer concerned (1 VX, 2 VIX calls, 3 ETF), None for ``hold``.
    allocations
        For ``add_layer``: contracts to buy; for ``roll``: the new contracts (the old ones are
        in ``closes``); empty otherwise.
    closes
        Symbols to close (for ``remove_layer``, ``monetise`` and ``roll``).
    reason
        In words, with the numbers.
    rule_results
        The rule results that caused it.
    """

    action: Action
    layer: int | None
    reason: str
    allocations: tuple[Allocation, ...] = ()
    closes: tuple[str, ...] = ()
    rule_results: tuple[RuleResult, ...] = field(default=())
