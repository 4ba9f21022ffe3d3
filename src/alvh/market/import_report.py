"""What an import into the store did: per file, per series, and the data id before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# The column that names a table's series (an index, a rate, an event kind...), for the summary.
SERIES_COLUMN = {
    "index_bars": "symbol",
    "rates": "series",
    "events": "kind",
    "final_settlements": "product",
    "option_chains": "root",
}
# The column a table's rows are dated by (summaries, and the window ``Store.load`` cuts).
DATE_COLUMN = {
    "index_bars": "date",
    "vx_settlements": "date",
    "rates": "date",
    "final_settlements": "expiry",
    "option_chains": "quote_date",
}


@dataclass(frozen=True)
class SeriesSummary:
    """Rows and date range of one series of one table (an index, a rate, VX, an event kind)."""

    table: str
    series: str
    rows: int
    first: str
    last: str


@dataclass
class FileReport:
    """What importing one file did."""

    path: str
    fmt: str
    status: str  # "imported" or "unchanged"
    series: list[SeriesSummary] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chain_quality: pd.DataFrame | None = None  # option chains: rows and flags per quote date


@dataclass
class ImportReport:
    """What an import did: per file, per series; the data id before and after."""

    files: list[FileReport]
    data_id_before: str | None
    data_id_after: str | None

    @property
    def changed(self) -> bool:
        return self.data_id_before != self.data_id_after


def summarise(table: str, frame: pd.DataFrame) -> list[SeriesSummary]:
    """Return one summary per series of a table (VX as one series with its contract count)."""
    if not len(frame):
        return []
    dcol = DATE_COLUMN.get(table, "date")
    out = []
    if table == "vx_settlements":
        n = frame["contract"].nunique()
        groups: Iterable[tuple[Any, pd.DataFrame]] = [
            (f"VX ({n} contract{'s' if n != 1 else ''})", frame)
        ]
    else:
        groups = frame.groupby(SERIES_COLUMN.get(table, "date"), sort=True)
    for name, g in groups:
        d = g[dcol]
        out.append(
            SeriesSummary(table, str(name), len(g), str(d.min().date()), str(d.max().date()))
        )
    return out
