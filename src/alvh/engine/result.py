"""What one backtest pass produces: the hedged book and its unhedged twin, day by day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from alvh.market.data import DataSource
from alvh.strategy.rules import JournalEntry

TRADE_COLUMNS = (
    *("date", "book", "tier_or_layer", "instrument", "contract"),
    *("side", "qty", "price", "fees_usd", "reason"),
)

ORDER_COLUMNS = (
    *("date", "book", "kind", "tier_or_layer", "layer", "contract"),
    *("side", "qty", "rule", "reason"),
)


@dataclass(frozen=True)
class BacktestResult:
    """Immutable result of a backtest (see docs/results-format.md for the columns).

    Attributes
    ----------
    run_id
        Hash of the resolved config, the data id and the package version.
    source
        What market data the run used.
    config
        The resolved run config as a JSON-ready dict.
    definitions
        The definitions the numbers rest on (capital base, notional base, fill model, ...).
    daily
        One row per session: equity, cash, margin, greeks of both books, P&L attribution,
        market columns. Indexed by date.
    trades
        Every fill with its reason.
    condors
        One row per condor: tier, open/close dates, expiry, root (``SPX``/``SPXW``), settlement
        (``AM``/``PM``), strikes, contracts, credit_usd, max_loss_usd, pnl_usd, exit_rule.
    hedge_layers
        Per session and hedge layer: contracts, market value, vega.
    journal
        Per session, the journal entries of every rule.
    orders
        Every order decided, one row each (``ORDER_COLUMNS``): the session it was decided at
        the close of, the book, ``kind`` (``condor_entry``, ``condor_exit``, ``hedge``), the
        tier or hedge column, the rule's hedge ``layer`` (0 for condors), the contract (a
        condor as ``ROOT expiry lp/sp/sc/lc``), side, quantity, rule and reason. Orders fill at
        the next fill time, or not at all (the journal says why); ``trades`` has the fills.
    """

    run_id: str
    source: DataSource
    config: dict[str, object]
    definitions: dict[str, object]
    daily: pd.DataFrame
    trades: pd.DataFrame
    condors: pd.DataFrame
    hedge_layers: pd.DataFrame
    journal: Sequence[tuple[pd.Timestamp, Sequence[JournalEntry]]] = field(repr=False)
    orders: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ORDER_COLUMNS))

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.daily.index[0])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.daily.index[-1])
