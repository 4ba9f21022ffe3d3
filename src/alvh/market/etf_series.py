"""The modelled VIX-futures ETF of one ``MarketData``, built once: ``EtfSeries``.

The VXX-like series of ``alvh.market.vixetf`` is rebuilt from the whole VX table (each value
uses settlements up to its own date: the S&P short-term VIX futures rule is a recursion forward
in time). A snapshot reads it at the latest VX settlement date it knows
(``MarketSnapshot.etf_bar``), so a value computed from later settlements is never read.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

import numpy as np
import pandas as pd

from alvh.errors import NoDataError

__all__ = ["EtfBar", "EtfSeries"]


class EtfBar(NamedTuple):
    """The modelled ETF on one settlement date.

    Attributes
    ----------
    price
        ETF price (USD a share, never reverse-split).
    weight_front
        Weight of the front VX future in the index.
    front_expiry_ns, second_expiry_ns
        Expiries (int64 ns midnights) of the two futures the index holds.
    """

    price: float
    weight_front: float
    front_expiry_ns: int
    second_expiry_ns: int


class EtfSeries:
    """The modelled VIX-futures ETF, one row per VX settlement date (columns as lists).

    Parameters
    ----------
    dates_ns, price, w, exp1_ns, exp2_ns
        Settlement date, ETF price, weight of the front future and the expiries of the two
        futures it holds, aligned; dates increasing.
    """

    __slots__ = ("dates_ns", "exp1_ns", "exp2_ns", "price", "w")

    def __init__(
        self,
        dates_ns: list[int],
        price: list[float],
        w: list[float],
        exp1_ns: list[int],
        exp2_ns: list[int],
    ) -> None:
        self.dates_ns = dates_ns
        self.price = price
        self.w = w
        self.exp1_ns = exp1_ns
        self.exp2_ns = exp2_ns

    @classmethod
    def from_tables(
        cls, vx_settlements: pd.DataFrame, rates: pd.DataFrame
    ) -> tuple[EtfSeries | None, str]:
        """Rebuild the series from the whole VX table (total return on IRX when the rates
        have it); return it (None if it cannot be built) and a note saying what it is."""
        # Imported here: the index recursion is compiled (numba), and importing market data
        # must not load the compiler for commands that never build the ETF.
        from alvh.market.vixetf import compute_vix_st_index, etf_prices, tbill_series

        try:
            tb = tbill_series(rates, "IRX")
        except NoDataError:
            tb = None
        try:
            idx = compute_vix_st_index(vx_settlements, tbill_pct=tb)
            price = etf_prices(idx)
        except NoDataError as e:
            return None, f"no VIX-futures ETF: {e}"
        series = cls(
            pd.DatetimeIndex(idx["date"]).asi8.tolist(),
            price.to_numpy(np.float64).tolist(),
            idx["weight_front"].to_numpy(np.float64).tolist(),
            pd.DatetimeIndex(idx["front_expiry"]).asi8.tolist(),
            pd.DatetimeIndex(idx["second_expiry"]).asi8.tolist(),
        )
        note = (
            f"ETF rebuilt from the S&P VIX short-term futures rule, {len(price)} days "
            f"{idx['date'].iloc[0].date()}..{idx['date'].iloc[-1].date()}"
            + (" (total return on IRX)" if tb is not None else " (excess return: no IRX)")
        )
        return series, note

    def at(self, day_ns: int) -> EtfBar | None:
        """Return the bar of the last row on or before ``day_ns``, None before the first."""
        i = bisect.bisect_right(self.dates_ns, day_ns) - 1
        if i < 0:
            return None
        return EtfBar(self.price[i], self.w[i], self.exp1_ns[i], self.exp2_ns[i])
