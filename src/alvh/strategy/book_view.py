"""What a hedge rule sees of the book and the market (``BookView``) and what it returns.

The engine builds a ``BookView`` each session: the condors as arrays, the hedge lots by the
rule's layer (folds over the hedge account's fills), what became of the last orders, and the
engine's hedge pricer (``HedgePrices``: marks, quotes and settlements as functions of the
snapshot and a contract id). The rule returns ``HedgeOrder``s (``alvh.strategy.rules``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd

from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixoptions import VixOptionModel
from alvh.strategy.hedge.instruments import InstrumentQuote


class CondorView(NamedTuple):
    """What a hedge rule may know of the open condors (arrays, one row per condor).

    Immutable (the arrays are the rule's own). A named tuple rather than a frozen dataclass:
    the engine builds one per session, and a frozen dataclass costs several times as much.
    """

    tiers: tuple[str, ...]
    expiries: tuple[pd.Timestamp, ...]
    short_put: np.ndarray
    short_call: np.ndarray
    credit_per_condor: np.ndarray
    qty: np.ndarray
    dte_days: np.ndarray
    iv_short_put: np.ndarray
    iv_short_call: np.ndarray
    iv_atm: np.ndarray
    max_loss_usd: np.ndarray
    margin_usd: np.ndarray
    delta_per_condor: np.ndarray  # sum of the four legs' deltas per one condor (signed)
    vega_usd_per_vol_pt: float
    delta_usd: float


class HedgeLot(NamedTuple):
    """Contracts of one hedge instrument the book holds for one of the rule's layers.

    A fold over the hedge account's fills tagged with that layer (``lot_group``); ``entry_price``
    is their average fill, slippage included, per unit of the quote. ``parts`` says what the
    contracts were bought for, oldest first: ``(fill number, label, contracts)``, the label the
    order's ``tag`` gave them (the ALVH rule's ``Allocation``: symbol, tranche, decision price),
    None for contracts bought untagged (``alvh.book.tags``).
    """

    layer: int
    contract_id: str
    qty: float
    entry_price: float
    parts: tuple[tuple[int, Hashable, float], ...] = ()


class FillOutcome(Enum):
    """What became of a hedge order or a held lot since the rule last decided."""

    FILLED = "filled"
    UNFILLED = "unfilled"  # the engine could not fill the order (no price, expired, sub-tick)
    SETTLED = "settled"  # the lot expired and the engine settled it


class HedgeEvent(NamedTuple):
    """One fill attempt or expiry settlement of the hedge book, reported to the rule once."""

    outcome: FillOutcome
    layer: int
    contract_id: str
    qty: float  # the order's quantity, or the lot's quantity before it settled


def lot_group(layer: int) -> str:
    """Return the account lot group of the rule's ``layer`` (what a hedge fill is tagged with)."""
    return f"layer{layer}"


def layer_of_group(group: str) -> int:
    """Return the rule's layer of a hedge lot group (0 for a lot no layer tagged)."""
    return int(group[5:]) if group.startswith("layer") else 0


class BookView(NamedTuple):
    """The hedged book as the hedge sees it at the decision time.

    Immutable, a named tuple for the reason ``CondorView`` is one.
    """

    day: pd.Timestamp
    spot: float
    equity_usd: float
    cash_usd: float
    condors: CondorView
    hedge_positions: dict[str, float]  # contract id -> contracts held
    hedge_value_usd: float
    hedge_cost_basis_usd: float
    # contract id -> average entry price per unit of its quote (VIX points, dollars per share),
    # fill slippage included: what a gain target or a stop on a hedge compares the mark with.
    hedge_entry_price: Mapping[str, float] = MappingProxyType({})  # shared, read-only by default
    hedge_lots: tuple[HedgeLot, ...] = ()  # by layer, in the order the lots opened
    hedge_events: tuple[HedgeEvent, ...] = ()  # since the rule's last decision
    prices: HedgePrices | None = None  # the engine's hedge pricer (None: the rule prices nothing)


@dataclass(frozen=True)
class HedgeOrder:
    """Buy (qty > 0) or sell (qty < 0) ``qty`` of a hedge instrument at the next fill.

    ``book_layer`` names the instrument's column in the reports (vx_futures | vix_calls |
    vix_etf); ``layer`` is the rule's layer the contracts are held for (the fill's lot group);
    ``tag`` what the contracts bought are for, ``((label, contracts), ...)`` (the fill's tag,
    kept with the lot: ``HedgeLot.parts``).
    """

    book_layer: str
    contract_id: str
    qty: float
    reason: str
    layer: int = 0
    tag: tuple[tuple[Hashable, float], ...] = ()


class HedgeMark(NamedTuple):
    """Mid price, half-spread, multiplier and sensitivities of one hedge contract on a day.

    Immutable. A named tuple rather than a frozen dataclass: the engine builds one per held
    contract per session, and a frozen dataclass costs several times as much to build.
    """

    mid: float
    half_spread: float
    multiplier: float
    expiry: pd.Timestamp | None
    settlement: float | None = None  # final settlement value when it expires that day
    vega_usd_per_vol_pt: float = 0.0  # per contract, to VIX points
    fee_usd: float = 0.0  # commission + exchange fee per contract (per share for ETFs)
    is_future: bool = False
    margin_usd: float = 0.0
    layer: str = ""
    extras: Mapping[str, float] = MappingProxyType({})  # shared, read-only when not given


class HedgeMarketView(Protocol):
    """What one snapshot says about the hedge instruments, as a rule reads it
    (``alvh.engine.hedge_market.HedgeMarket``)."""

    @property
    def today(self) -> pd.Timestamp: ...
    @property
    def curve_date(self) -> pd.Timestamp | None: ...
    @property
    def vx_by_expiry(self) -> dict[pd.Timestamp, float]: ...
    @property
    def vx_fronts(self) -> tuple[float, ...]: ...
    @property
    def vix(self) -> float | None: ...
    @property
    def vix3m(self) -> float | None: ...
    @property
    def vvix(self) -> float | None: ...
    @property
    def rate(self) -> float: ...


class HedgePrices(Protocol):
    """What a hedge rule may ask the engine's hedge pricer (``alvh.engine.hedge_pricing``).

    Every answer is a function of the snapshot and a contract id (whose terms the id carries:
    ``alvh.book.contracts.parse_contract_id``); nothing is registered.
    """

    def market(self, snap: MarketSnapshot) -> HedgeMarketView: ...
    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark: ...
    def vx_quotes(self, snap: MarketSnapshot) -> list[InstrumentQuote]: ...
    def call_quotes(
        self,
        snap: MarketSnapshot,
        otm_pct: float | None,
        delta: float | None,
        spread_width_pct: float | None = None,
    ) -> list[InstrumentQuote]: ...
    def etf_quote(self, snap: MarketSnapshot, symbol: str) -> InstrumentQuote | None: ...
    def carry_of(self, snap: MarketSnapshot, contract_id: str) -> tuple[float, float] | None: ...
    def settlement(self, snap: MarketSnapshot, expiry: pd.Timestamp) -> tuple[float, str]: ...
    def settlement_kind(self, source: str) -> str: ...
    def option_model(self, vvix: float) -> VixOptionModel: ...
    def vix_option(
        self, snap: MarketSnapshot, expiry: pd.Timestamp, strike: float
    ) -> tuple[float, float, int]: ...
    def option_half_spread(self, mid: float) -> float: ...


_EMPTY = np.zeros(0)
# What a rule that reads nothing of the book (``NoHedge``) is shown: the loop builds no view.
NO_VIEW = BookView(
    pd.Timestamp(0),
    float("nan"),
    float("nan"),
    float("nan"),
    CondorView((), (), *(_EMPTY,) * 11, vega_usd_per_vol_pt=0.0, delta_usd=0.0),
    {},
    0.0,
    0.0,
)
