"""Canonical market tables: names, columns, dtypes and when each datum became known.

Every table is a pandas DataFrame in *long* form with a ``known_at`` column: the wall-clock time
(naive, US/Eastern, ``datetime64[ns]``) at which the row became public. A ``MarketSnapshot(as_of)``
shows a row iff ``known_at <= as_of``. Importers and the synthetic generator must fill
``known_at`` with the conventions below (``known_at_for``), so that every source is treated alike.

Tables
------
index_bars
    symbol (SPX, VIX, VIX9D, VIX3M, VIX6M, VVIX, SKEW), date, open, high, low, close.
    open/high/low may be NaN (close-only sources). SPX known at 16:00 ET, VIX family at 16:15 ET.
vx_settlements
    date, contract (CFE code, e.g. ``VXF08``), expiry, settle, volume, open_interest.
    Daily settlement known at 16:15 ET (prices in VIX points, never the pre-2007 10x quotes).
final_settlements
    product (``VX`` for the VIX SOQ, ``SPX_AM`` for the SPX special opening quotation), expiry,
    value. Known at 09:45 ET on the expiry day. Optional: when absent the engine uses the day's
    open as documented in SPEC.
rates
    series (``DFF`` fed funds effective, ``IRX`` 13-week T-bill discount yield), date, value_pct.
    DFF for day d is published the next business day at 09:00 ET; IRX at 16:00 ET on d.
events
    kind (FOMC, CPI, PPI), date, time_et (``HH:MM``), scheduled (bool).
    A scheduled event is known from the start of the year before it (calendars are published a
    year ahead); an unscheduled one only at its own time.
option_chains
    quote_date, root (SPX, SPXW, VIX), expiry, strike, right (``C``/``P``), bid, ask,
    underlying, volume, open_interest, quality (validation flags joined by ``|``, empty when
    clean; see ``alvh.market.chain_quality``). Known at 16:15 ET on quote_date. Optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Final

import numpy as np
import pandas as pd

INDEX_SYMBOLS: Final = ("SPX", "VIX", "VIX9D", "VIX3M", "VIX6M", "VVIX", "SKEW")
RATE_SERIES: Final = ("DFF", "IRX")
EVENT_KINDS: Final = ("FOMC", "CPI", "PPI")
FINAL_PRODUCTS: Final = ("VX", "SPX_AM")

# When each kind of datum becomes public (US/Eastern wall clock).
SPX_CLOSE_TIME: Final = time(16, 0)
VIX_FAMILY_CLOSE_TIME: Final = time(16, 15)
VX_SETTLE_TIME: Final = time(16, 15)
FINAL_SETTLEMENT_TIME: Final = time(9, 45)
DFF_PUBLISH_TIME: Final = time(9, 0)  # next business day
IRX_CLOSE_TIME: Final = time(16, 0)
CHAIN_TIME: Final = time(16, 15)


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: str  # a pandas dtype string
    nullable: bool = False


@dataclass(frozen=True)
class TableSpec:
    """The columns of a canonical table, its natural key and its sort order."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def empty(self) -> pd.DataFrame:
        """Return an empty frame with the right columns and dtypes."""
        return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in self.columns})

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` with exactly this spec's columns, dtypes and order, sorted by key.

        Raises
        ------
        KeyError
            If a required column is missing.
        """
        out = pd.DataFrame(index=range(len(frame)))
        for c in self.columns:
            if c.name not in frame.columns:
                if not c.nullable:
                    raise KeyError(f"table {self.name}: missing column {c.name!r}")
                out[c.name] = pd.Series(np.nan, index=out.index).astype(c.dtype)
            else:
                out[c.name] = frame[c.name].to_numpy()
                out[c.name] = out[c.name].astype(c.dtype)
        return out.sort_values(list(self.key), kind="mergesort").reset_index(drop=True)


_DT = "datetime64[ns]"

INDEX_BARS = TableSpec(
    "index_bars",
    (
        Column("symbol", "object"),
        Column("date", _DT),
        Column("open", "float64", True),
        Column("high", "float64", True),
        Column("low", "float64", True),
        Column("close", "float64"),
        Column("known_at", _DT),
    ),
    key=("symbol", "date"),
)
VX_SETTLEMENTS = TableSpec(
    "vx_settlements",
    (
        Column("date", _DT),
        Column("contract", "object"),
        Column("expiry", _DT),
        Column("settle", "float64"),
        Column("volume", "float64", True),
        Column("open_interest", "float64", True),
        Column("known_at", _DT),
    ),
    key=("date", "expiry"),
)
FINAL_SETTLEMENTS = TableSpec(
    "final_settlements",
    (
        Column("product", "object"),
        Column("expiry", _DT),
        Column("value", "float64"),
        Column("known_at", _DT),
    ),
    key=("product", "expiry"),
)
RATES = TableSpec(
    "rates",
    (
        Column("series", "object"),
        Column("date", _DT),
        Column("value_pct", "float64"),
        Column("known_at", _DT),
    ),
    key=("series", "date"),
)
EVENTS = TableSpec(
    "events",
    (
        Column("kind", "object"),
        Column("date", _DT),
        Column("time_et", "object"),
        Column("scheduled", "bool"),
        Column("known_at", _DT),
    ),
    key=("date", "kind"),
)
OPTION_CHAINS = TableSpec(
    "option_chains",
    (
        Column("quote_date", _DT),
        Column("root", "object"),
        Column("expiry", _DT),
        Column("strike", "float64"),
        Column("right", "object"),
        Column("bid", "float64"),
        Column("ask", "float64"),
        Column("underlying", "float64"),
        Column("volume", "float64", True),
        Column("open_interest", "float64", True),
        Column("known_at", _DT),
        Column("quality", "object", True),
    ),
    key=("quote_date", "root", "expiry", "right", "strike"),
)

TABLES: Final[dict[str, TableSpec]] = {
    t.name: t for t in (INDEX_BARS, VX_SETTLEMENTS, FINAL_SETTLEMENTS, RATES, EVENTS, OPTION_CHAINS)
}
REQUIRED_TABLES: Final = ("index_bars", "vx_settlements", "rates", "events")


def at_time(dates: pd.Series | pd.DatetimeIndex, t: time) -> pd.Series:
    """Return ``dates`` (midnight timestamps) moved to wall-clock time ``t`` the same day."""
    offset = pd.Timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)
    # DatetimeIndex.normalize() exists but a Series needs .dt.normalize(): accept both.
    return pd.Series(pd.DatetimeIndex(pd.to_datetime(dates)).normalize() + offset)


def index_known_at(symbol: str, dates: pd.Series) -> pd.Series:
    """Return when an index close on ``dates`` became known (SPX 16:00, VIX family 16:15)."""
    return at_time(dates, SPX_CLOSE_TIME if symbol == "SPX" else VIX_FAMILY_CLOSE_TIME)


def dff_known_at(dates: pd.Series) -> pd.Series:
    """Return publication times of fed funds effective values: next business day, 09:00 ET."""
    nxt = pd.to_datetime(dates).dt.normalize() + pd.offsets.BDay(1)
    return at_time(pd.Series(nxt), DFF_PUBLISH_TIME)


def event_known_at(dates: pd.Series, times_et: pd.Series, scheduled: pd.Series) -> pd.Series:
    """Return when an event became known: Jan 1 of the prior year if scheduled, else its time."""
    d = pd.to_datetime(dates).dt.normalize()
    start_prior_year = pd.to_datetime((d.dt.year - 1).astype(str) + "-01-01")
    hm = times_et.fillna("00:00").str.split(":", expand=True).astype(int)
    own = d + pd.to_timedelta(hm[0], unit="h") + pd.to_timedelta(hm[1], unit="m")
    return pd.Series(
        np.where(scheduled.to_numpy(bool), start_prior_year, own), index=d.index
    ).astype(_DT)
