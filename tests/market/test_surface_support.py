"""Hand-made market data for surface tests: a few days of index closes and rates."""

from __future__ import annotations

import pandas as pd

from alvh.market.data import DataSource, MarketData
from alvh.market.schema import EVENTS, OPTION_CHAINS, VX_SETTLEMENTS

DAY = pd.Timestamp("2020-06-01")
AS_OF = DAY + pd.Timedelta(hours=16, minutes=15)


def make_market(
    closes: dict[str, float],
    *,
    irx_pct: float | None = 1.0,
    dff_pct: float | None = None,
    chains: pd.DataFrame | None = None,
    extra_bars: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
) -> MarketData:
    """Return a MarketData with one day (``DAY``) of closes, optional rates and chains."""
    bars = [(sym, DAY, close) for sym, close in closes.items()]
    bars += [(sym, pd.Timestamp(d), c) for sym, d, c in extra_bars]
    frame = pd.DataFrame(bars, columns=["symbol", "date", "close"])
    frame["known_at"] = frame["date"] + pd.Timedelta(hours=16, minutes=15)
    rates = []
    if irx_pct is not None:
        rates.append(("IRX", DAY, irx_pct, DAY + pd.Timedelta(hours=16)))
    if dff_pct is not None:
        rates.append(("DFF", DAY - pd.Timedelta(days=1), dff_pct, DAY + pd.Timedelta(hours=9)))
    tables = {
        "index_bars": frame,
        "rates": pd.DataFrame(rates, columns=["series", "date", "value_pct", "known_at"]),
        "vx_settlements": VX_SETTLEMENTS.empty(),
        "events": EVENTS.empty(),
        "option_chains": OPTION_CHAINS.empty() if chains is None else chains,
    }
    return MarketData(tables, DataSource("store", "test", "hand-made test market"))


BASE_CLOSES = {"SPX": 3000.0, "VIX9D": 18.0, "VIX": 20.0, "VIX3M": 22.0, "SKEW": 130.0}
